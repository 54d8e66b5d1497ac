//! Per-socket listeners beyond the event handlers: catch-all listeners of
//! incoming and outgoing events (Node's `onAny`, `onAnyOutgoing`), packet
//! middlewares (Node's `socket.use`), the `error` listener and the upgrade
//! listener. Each family has a flag read before its lock, so a socket that
//! registered none pays one atomic load per packet.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use futures_util::future::BoxFuture;
use parking_lot::Mutex;
use sio_parser::Value;

use super::SocketRef;
use crate::error::PacketError;
use crate::handler::{ErasedErrorListener, ErasedListener, ErrorListener, catch, run_error};

/// A catch-all listener: the event name and its arguments.
pub(crate) type AnyFn = Arc<dyn Fn(&str, &[Value]) + Send + Sync>;
/// A packet middleware: the event name and its arguments.
pub(crate) type PacketMiddlewareFn =
    Arc<dyn Fn(String, Vec<Value>) -> BoxFuture<'static, Result<(), PacketError>> + Send + Sync>;
type ErrorFn = Arc<dyn ErasedErrorListener>;
type UpgradeFn = Arc<dyn Fn(&SocketRef) + Send + Sync>;

/// Names one catch-all listener, to remove it with
/// [`SocketRef::off_any`](crate::SocketRef::off_any) or
/// [`SocketRef::off_any_outgoing`](crate::SocketRef::off_any_outgoing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

#[cfg(test)]
impl ListenerId {
    pub(crate) fn for_test(n: u64) -> Self {
        Self(n)
    }
}

/// Which catch-all listeners: of incoming or of outgoing events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Incoming,
    Outgoing,
}

impl Direction {
    fn flag(self) -> u8 {
        match self {
            Self::Incoming => INCOMING,
            Self::Outgoing => OUTGOING,
        }
    }
}

/// Bits of [`Listeners::flags`]: which families are not empty.
const INCOMING: u8 = 1;
const OUTGOING: u8 = 2;
const MIDDLEWARES: u8 = 4;

/// The listeners themselves, allocated with the first one: most sockets
/// register none.
#[derive(Default)]
struct Registered {
    incoming: Vec<(ListenerId, AnyFn)>,
    outgoing: Vec<(ListenerId, AnyFn)>,
    middlewares: Vec<PacketMiddlewareFn>,
    error: Vec<ErrorFn>,
    upgrade: Vec<UpgradeFn>,
}

impl Registered {
    fn any(&mut self, dir: Direction) -> &mut Vec<(ListenerId, AnyFn)> {
        match dir {
            Direction::Incoming => &mut self.incoming,
            Direction::Outgoing => &mut self.outgoing,
        }
    }
}

/// Everything of this module a socket holds.
#[derive(Default)]
pub(crate) struct Listeners {
    next_id: AtomicU64,
    /// Which families have a listener, read before the lock: a socket
    /// that registered none pays one atomic load per packet.
    flags: AtomicU8,
    registered: Mutex<Option<Box<Registered>>>,
}

impl Listeners {
    pub(super) fn id(&self) -> ListenerId {
        ListenerId(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Changes the listeners, then updates the flags.
    fn update<R>(&self, f: impl FnOnce(&mut Registered) -> R) -> R {
        let mut registered = self.registered.lock();
        let r = registered.get_or_insert_default();
        let out = f(r);
        let mut flags = 0;
        if !r.incoming.is_empty() {
            flags |= INCOMING;
        }
        if !r.outgoing.is_empty() {
            flags |= OUTGOING;
        }
        if !r.middlewares.is_empty() {
            flags |= MIDDLEWARES;
        }
        self.flags.store(flags, Ordering::Release);
        out
    }

    /// Reads the listeners (`None` when none was ever registered).
    fn read<R>(&self, f: impl FnOnce(&Registered) -> R) -> Option<R> {
        self.registered.lock().as_deref().map(f)
    }

    fn add_any(&self, dir: Direction, id: ListenerId, f: AnyFn, front: bool) {
        self.update(|r| {
            let list = r.any(dir);
            if front {
                list.insert(0, (id, f));
            } else {
                list.push((id, f));
            }
        });
    }

    fn remove_any(&self, dir: Direction, id: Option<ListenerId>) {
        self.update(|r| {
            let list = r.any(dir);
            match id {
                Some(id) => list.retain(|(i, _)| *i != id),
                None => list.clear(),
            }
        });
    }

    /// True when at least one catch-all listener of `dir` is registered
    /// (no lock taken).
    pub(crate) fn is_active(&self, dir: Direction) -> bool {
        self.flags.load(Ordering::Acquire) & dir.flag() != 0
    }

    /// Calls every catch-all listener of `dir` in order (outside the
    /// lock, so a listener may add or remove listeners).
    pub(crate) fn notify(&self, dir: Direction, event: &str, args: &[Value]) {
        let list: Vec<AnyFn> = self
            .read(|r| {
                let list = match dir {
                    Direction::Incoming => &r.incoming,
                    Direction::Outgoing => &r.outgoing,
                };
                list.iter().map(|(_, f)| f.clone()).collect()
            })
            .unwrap_or_default();
        for f in list {
            catch("catch-all listener", || f(event, args));
        }
    }

    /// The packet middlewares, or `None` when there is none (no lock
    /// taken then).
    pub(crate) fn middlewares(&self) -> Option<Vec<PacketMiddlewareFn>> {
        if self.flags.load(Ordering::Acquire) & MIDDLEWARES == 0 {
            return None;
        }
        self.read(|r| r.middlewares.clone())
    }

    /// Reports a rejected packet to the `error` listeners (a debug log when
    /// there is none).
    pub(crate) fn error(&self, socket: &SocketRef, err: &PacketError) {
        let listeners = self.read(|r| r.error.clone()).unwrap_or_default();
        if listeners.is_empty() {
            tracing::debug!(id = %socket.id(), "packet rejected by a middleware: {}", err.message());
        } else {
            run_error(socket, err, &listeners);
        }
    }

    /// Tells the upgrade listeners the connection moved to WebSocket.
    pub(crate) fn upgraded(&self, socket: &SocketRef) {
        let list = self.read(|r| r.upgrade.clone()).unwrap_or_default();
        for f in list {
            catch("upgrade listener", || f(socket));
        }
    }

    /// Forgets every listener (the socket left its namespace).
    pub(crate) fn clear(&self) {
        self.flags.store(0, Ordering::Release);
        self.registered.lock().take();
    }
}

impl SocketRef {
    /// Adds a catch-all listener of incoming events (Node's `onAny`),
    /// called with the event name and its arguments after the packet
    /// middlewares accepted the packet and before the event's own handler
    /// (also for events with no handler). Synchronous: keep it short.
    pub fn on_any<F>(&self, listener: F) -> ListenerId
    where
        F: Fn(&str, &[Value]) + Send + Sync + 'static,
    {
        let id = self.listeners.id();
        self.listeners
            .add_any(Direction::Incoming, id, Arc::new(listener), false);
        id
    }

    /// As [`SocketRef::on_any`], called before the listeners added so far
    /// (Node's `prependAny`).
    pub fn prepend_any<F>(&self, listener: F) -> ListenerId
    where
        F: Fn(&str, &[Value]) + Send + Sync + 'static,
    {
        let id = self.listeners.id();
        self.listeners
            .add_any(Direction::Incoming, id, Arc::new(listener), true);
        id
    }

    /// Removes one catch-all listener of incoming events, or all of them
    /// with `None` (Node's `offAny`).
    pub fn off_any(&self, id: Option<ListenerId>) {
        self.listeners.remove_any(Direction::Incoming, id);
    }

    /// Adds a catch-all listener of outgoing events (Node's
    /// `onAnyOutgoing`): called with the event name and arguments of every
    /// event queued for this socket, by [`Socket::emit`](crate::Socket::emit)
    /// or by a broadcast, once it is queued.
    pub fn on_any_outgoing<F>(&self, listener: F) -> ListenerId
    where
        F: Fn(&str, &[Value]) + Send + Sync + 'static,
    {
        let id = self.listeners.id();
        self.listeners
            .add_any(Direction::Outgoing, id, Arc::new(listener), false);
        id
    }

    /// As [`SocketRef::on_any_outgoing`], called first (Node's
    /// `prependAnyOutgoing`).
    pub fn prepend_any_outgoing<F>(&self, listener: F) -> ListenerId
    where
        F: Fn(&str, &[Value]) + Send + Sync + 'static,
    {
        let id = self.listeners.id();
        self.listeners
            .add_any(Direction::Outgoing, id, Arc::new(listener), true);
        id
    }

    /// Removes one catch-all listener of outgoing events, or all of them
    /// with `None` (Node's `offAnyOutgoing`).
    pub fn off_any_outgoing(&self, id: Option<ListenerId>) {
        self.listeners.remove_any(Direction::Outgoing, id);
    }

    /// Adds a packet middleware (Node's `socket.use`): every incoming
    /// event passes through the middlewares, in the order they were added,
    /// before any listener sees it. An `Err` rejects the packet: no
    /// handler runs, the [`SocketRef::on_error`] listener gets the error
    /// and, if the client asked for an acknowledgement, the answer is
    /// `[{"message": .., "data": ..}]` (Node tells the client nothing).
    ///
    /// With a middleware that really waits, an event's handler starts
    /// when its middlewares finish, which may be after a later event's.
    pub fn use_middleware<F, Fut>(&self, middleware: F)
    where
        F: Fn(String, Vec<Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), PacketError>> + Send + 'static,
    {
        let f: PacketMiddlewareFn = Arc::new(move |event, args| Box::pin(middleware(event, args)));
        self.listeners.update(|r| r.middlewares.push(f));
    }

    /// Adds a listener of errors (Node's `socket.on("error")`): a packet
    /// rejected by a middleware of [`SocketRef::use_middleware`]. A second
    /// call adds another; they run in the order added. Its arguments are
    /// extractors ([`ErrorListener`]): [`SocketRef`], the
    /// [`PacketError`], [`State<T>`](crate::State),
    /// [`HandshakeRef`](crate::HandshakeRef).
    ///
    /// ```
    /// use sio::{PacketError, SocketRef};
    /// # fn register(socket: SocketRef) {
    /// socket.on_error(|socket: SocketRef, err: PacketError| {
    ///     tracing::info!(id = %socket.id(), "packet rejected: {err}");
    /// });
    /// # }
    /// ```
    pub fn on_error<H, T>(&self, listener: H)
    where
        H: ErrorListener<T>,
        T: Send + 'static,
    {
        let f: ErrorFn = Arc::new(ErasedListener(listener, std::marker::PhantomData));
        self.listeners.update(|r| r.error.push(f));
    }

    /// Adds a listener called when the client's connection moves from
    /// HTTP long-polling to WebSocket (Node's `socket.conn.on("upgrade")`);
    /// [`EngineSocket::transport`](crate::EngineSocket::transport) then
    /// says `WebSocket`.
    pub fn on_upgrade<F>(&self, listener: F)
    where
        F: Fn(&SocketRef) + Send + Sync + 'static,
    {
        let f: UpgradeFn = Arc::new(listener);
        self.listeners.update(|r| r.upgrade.push(f));
    }
}
