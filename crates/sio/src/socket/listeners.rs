//! Per-socket listeners beyond the event handlers: catch-all listeners of
//! incoming and outgoing events (Node's `onAny`, `onAnyOutgoing`), packet
//! middlewares (Node's `socket.use`), the `error` listener and the upgrade
//! listener. Each family has a flag read before its lock, so a socket that
//! registered none pays one atomic load per packet.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use futures_util::future::BoxFuture;
use parking_lot::Mutex;
use sio_parser::Value;

use super::SocketRef;
use crate::error::ConnectError;

/// A catch-all listener: the event name and its arguments.
pub(crate) type AnyFn = Arc<dyn Fn(&str, &[Value]) + Send + Sync>;
/// A packet middleware: the event name and its arguments.
pub(crate) type PacketMiddlewareFn =
    Arc<dyn Fn(String, Vec<Value>) -> BoxFuture<'static, Result<(), ConnectError>> + Send + Sync>;
type ErrorFn = Arc<dyn Fn(&SocketRef, &ConnectError) + Send + Sync>;
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

/// An ordered list of catch-all listeners with a flag telling whether it
/// is empty, read without locking.
#[derive(Default)]
pub(crate) struct AnyList {
    any: AtomicBool,
    list: Mutex<Vec<(ListenerId, AnyFn)>>,
}

impl AnyList {
    fn add(&self, id: ListenerId, f: AnyFn, front: bool) {
        let mut list = self.list.lock();
        if front {
            list.insert(0, (id, f));
        } else {
            list.push((id, f));
        }
        self.any.store(true, Ordering::Release);
    }

    fn remove(&self, id: Option<ListenerId>) {
        let mut list = self.list.lock();
        match id {
            Some(id) => list.retain(|(i, _)| *i != id),
            None => list.clear(),
        }
        self.any.store(!list.is_empty(), Ordering::Release);
    }

    /// True when at least one listener is registered (no lock taken).
    pub(crate) fn is_active(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    /// Calls every listener in order (outside the lock, so a listener may
    /// add or remove listeners).
    pub(crate) fn notify(&self, event: &str, args: &[Value]) {
        let list: Vec<AnyFn> = self.list.lock().iter().map(|(_, f)| f.clone()).collect();
        for f in list {
            f(event, args);
        }
    }
}

/// Everything of this module a socket holds.
#[derive(Default)]
pub(crate) struct Listeners {
    next_id: AtomicU64,
    pub(crate) incoming: AnyList,
    pub(crate) outgoing: AnyList,
    has_middlewares: AtomicBool,
    middlewares: Mutex<Vec<PacketMiddlewareFn>>,
    error: Mutex<Option<ErrorFn>>,
    upgrade: Mutex<Vec<UpgradeFn>>,
}

impl Listeners {
    pub(super) fn id(&self) -> ListenerId {
        ListenerId(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// The packet middlewares, or `None` when there is none (no lock
    /// taken then).
    pub(crate) fn middlewares(&self) -> Option<Vec<PacketMiddlewareFn>> {
        if !self.has_middlewares.load(Ordering::Acquire) {
            return None;
        }
        Some(self.middlewares.lock().clone())
    }

    /// Reports a rejected packet to the `error` listener (a debug log when
    /// there is none).
    pub(crate) fn error(&self, socket: &SocketRef, err: &ConnectError) {
        let listener = self.error.lock().clone();
        match listener {
            Some(f) => f(socket, err),
            None => {
                tracing::debug!(id = %socket.id(), "packet rejected by a middleware: {}", err.message());
            }
        }
    }

    /// Tells the upgrade listeners the connection moved to WebSocket.
    pub(crate) fn upgraded(&self, socket: &SocketRef) {
        let list = self.upgrade.lock().clone();
        for f in list {
            f(socket);
        }
    }

    /// Forgets every listener (the socket left its namespace).
    pub(crate) fn clear(&self) {
        self.incoming.remove(None);
        self.outgoing.remove(None);
        self.has_middlewares.store(false, Ordering::Release);
        self.middlewares.lock().clear();
        self.error.lock().take();
        self.upgrade.lock().clear();
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
        self.listeners.incoming.add(id, Arc::new(listener), false);
        id
    }

    /// As [`SocketRef::on_any`], called before the listeners added so far
    /// (Node's `prependAny`).
    pub fn prepend_any<F>(&self, listener: F) -> ListenerId
    where
        F: Fn(&str, &[Value]) + Send + Sync + 'static,
    {
        let id = self.listeners.id();
        self.listeners.incoming.add(id, Arc::new(listener), true);
        id
    }

    /// Removes one catch-all listener of incoming events, or all of them
    /// with `None` (Node's `offAny`).
    pub fn off_any(&self, id: Option<ListenerId>) {
        self.listeners.incoming.remove(id);
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
        self.listeners.outgoing.add(id, Arc::new(listener), false);
        id
    }

    /// As [`SocketRef::on_any_outgoing`], called first (Node's
    /// `prependAnyOutgoing`).
    pub fn prepend_any_outgoing<F>(&self, listener: F) -> ListenerId
    where
        F: Fn(&str, &[Value]) + Send + Sync + 'static,
    {
        let id = self.listeners.id();
        self.listeners.outgoing.add(id, Arc::new(listener), true);
        id
    }

    /// Removes one catch-all listener of outgoing events, or all of them
    /// with `None` (Node's `offAnyOutgoing`).
    pub fn off_any_outgoing(&self, id: Option<ListenerId>) {
        self.listeners.outgoing.remove(id);
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
        Fut: Future<Output = Result<(), ConnectError>> + Send + 'static,
    {
        let f: PacketMiddlewareFn = Arc::new(move |event, args| Box::pin(middleware(event, args)));
        self.listeners.middlewares.lock().push(f);
        self.listeners
            .has_middlewares
            .store(true, Ordering::Release);
    }

    /// Sets the listener of errors (Node's `socket.on("error")`): a packet
    /// rejected by a middleware of [`SocketRef::use_middleware`].
    pub fn on_error<F>(&self, listener: F)
    where
        F: Fn(&SocketRef, &ConnectError) + Send + Sync + 'static,
    {
        *self.listeners.error.lock() = Some(Arc::new(listener));
    }

    /// Adds a listener called when the client's connection moves from
    /// HTTP long-polling to WebSocket (Node's `socket.conn.on("upgrade")`);
    /// [`EngineSocket::transport`](crate::EngineSocket::transport) then
    /// says `WebSocket`.
    pub fn on_upgrade<F>(&self, listener: F)
    where
        F: Fn(&SocketRef) + Send + Sync + 'static,
    {
        self.listeners.upgrade.lock().push(Arc::new(listener));
    }
}
