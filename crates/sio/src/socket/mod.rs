//! [`Socket`]: one client's connection to one namespace, and
//! [`SocketRef`], the cheap handle every handler gets.

mod ack;
mod emit;
mod events;
mod handshake;
mod listeners;
mod recovery;

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine as _;
use futures_util::future::BoxFuture;
use parking_lot::Mutex;
use rand::RngCore as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sio_adapter::{Room, SocketId};

use crate::client::ClientCmd;
use crate::engine::EngineSocket;
use crate::handler::{
    DisconnectHandler, DisconnectingHandler, ErasedDisconnect, ErasedDisconnecting, ErasedListener,
    run_disconnect, start_disconnect,
};
use crate::mailbox::Mailbox;
use crate::ns::Namespace;
use crate::reason::DisconnectReason;

pub(crate) use ack::{AckWaiter, PendingAcks};
pub use emit::SocketEmitter;
pub(crate) use events::Handlers;
pub(crate) use handshake::rfc3339;
pub use handshake::{Handshake, RequestHeaders};
pub use listeners::ListenerId;
pub(crate) use listeners::{Direction, Listeners};

/// Per-socket data (Node's `socket.data`), kept with a way to show it as
/// JSON for `fetch_sockets`.
struct StoredData {
    value: Arc<dyn Any + Send + Sync>,
    to_json: fn(&(dyn Any + Send + Sync)) -> serde_json::Value,
}

fn json_of<T: Serialize + 'static>(value: &(dyn Any + Send + Sync)) -> serde_json::Value {
    value
        .downcast_ref::<T>()
        .and_then(|v| serde_json::to_value(v).ok())
        .unwrap_or_default()
}

/// One client connected to one namespace. Handlers get it as a
/// [`SocketRef`].
pub struct Socket {
    pub(crate) id: SocketId,
    pub(crate) ns: Arc<Namespace>,
    pub(crate) engine: EngineSocket,
    pub(crate) handshake: Handshake,
    connected: AtomicBool,
    pub(crate) handlers: Mutex<Handlers>,
    pub(crate) acks: Mutex<PendingAcks>,
    pub(crate) listeners: Listeners,
    data: Mutex<Option<StoredData>>,
    client_tx: Arc<Mailbox>,
    pub(crate) session: recovery::SocketSession,
    /// Its event rate limit's buckets, when the server has one.
    pub(crate) rate: Option<crate::limit::SocketLimit>,
    /// Its `tracing` span, entered around its handlers (see `spans`).
    pub(crate) span: tracing::Span,
}

/// A cheap, cloneable handle on a [`Socket`] (an `Arc`): what handlers
/// take as their first extractor.
#[derive(Clone)]
pub struct SocketRef(pub(crate) Arc<Socket>);

impl Deref for SocketRef {
    type Target = Socket;
    fn deref(&self) -> &Socket {
        &self.0
    }
}

impl fmt::Debug for SocketRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Debug for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Socket")
            .field("id", &self.id)
            .field("ns", &self.ns.name)
            .field("connected", &self.connected())
            .finish_non_exhaustive()
    }
}

/// A new socket id: 20 bytes from a CSPRNG, base64url without padding.
fn new_id() -> SocketId {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    SocketId::from(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

impl SocketRef {
    /// A socket not yet connected (its middlewares run first).
    pub(crate) fn new(
        ns: Arc<Namespace>,
        engine: EngineSocket,
        handshake: Handshake,
        client_tx: Arc<Mailbox>,
    ) -> Self {
        let max_acks = ns.config.max_pending_acks;
        let session = recovery::SocketSession::new(ns.config.recovery.is_some());
        let limiter = ns
            .handlers
            .event_limit
            .as_ref()
            .or(ns.config.event_limit.as_ref());
        let rate = limiter.cloned().map(|limiter| {
            crate::limit::SocketLimit::new(limiter, tokio::time::Instant::now().into_std())
        });
        let id = new_id();
        let span = crate::spans::socket(&ns.name, &id);
        Self(Arc::new(Socket {
            id,
            ns,
            engine,
            handshake,
            connected: AtomicBool::new(false),
            handlers: Mutex::default(),
            acks: Mutex::new(PendingAcks::new(max_acks)),
            listeners: Listeners::default(),
            data: Mutex::new(None),
            client_tx,
            session,
            rate,
            span,
        }))
    }

    /// Marks the socket connected: it is in its namespace and its own room.
    pub(crate) fn set_connected(&self) {
        self.connected.store(true, Ordering::Release);
        self.ns.insert(self.clone());
    }

    /// Adds a listener run once when the socket disconnects, after it
    /// left its rooms (Node's `socket.on("disconnect")`). A second call
    /// adds another: they run in the order added. Its arguments are
    /// extractors ([`DisconnectHandler`]): [`SocketRef`],
    /// [`DisconnectReason`], [`State<T>`](crate::State),
    /// [`HandshakeRef`](crate::HandshakeRef); an `Err` it returns goes to
    /// the builder's error hook.
    pub fn on_disconnect<H, T>(&self, handler: H)
    where
        H: DisconnectHandler<T>,
        T: Send + 'static,
    {
        let h: Box<dyn ErasedDisconnect> = Box::new(ErasedListener(handler, PhantomData));
        self.handlers.lock().disconnect.push(h);
    }

    /// Adds a listener run once when the socket is about to disconnect,
    /// while [`Socket::rooms`] still lists its rooms (Node's
    /// `socket.on("disconnecting")`). Several run in the order added.
    /// Synchronous, with the extractors of
    /// [`on_disconnect`](Self::on_disconnect): keep it short.
    pub fn on_disconnecting<H, T>(&self, handler: H)
    where
        H: DisconnectingHandler<T>,
        T: Send + 'static,
    {
        let h: Box<dyn ErasedDisconnecting> = Box::new(ErasedListener(handler, PhantomData));
        self.handlers.lock().disconnecting.push(h);
    }

    /// Disconnects the socket from its namespace (reason `server namespace
    /// disconnect`; the client gets a DISCONNECT packet). With `close`, the
    /// whole underlying connection closes too (every namespace of it).
    pub fn disconnect(&self, close: bool) {
        if let Some(fut) = self.leave_namespace(DisconnectReason::ServerNamespaceDisconnect, true) {
            let cmd = ClientCmd::Left {
                ns: self.ns.name.clone(),
                id: self.id.clone(),
                fut,
            };
            if let Err(ClientCmd::Left { fut, .. }) = self.client_tx.send(cmd) {
                spawn(fut);
            }
        }
        if close {
            self.engine.close();
        }
    }

    /// Leaves the namespace: `disconnecting`, DISCONNECT to the client if
    /// `notify`, rooms left, acks dropped. Returns the `disconnect`
    /// handler's future, to be driven by the caller; `None` when the
    /// socket had already left.
    pub(crate) fn leave_namespace(
        &self,
        reason: DisconnectReason,
        notify: bool,
    ) -> Option<BoxFuture<'static, ()>> {
        if !self.connected.swap(false, Ordering::AcqRel) {
            return None;
        }
        let (disconnecting, disconnect) = {
            let mut handlers = self.handlers.lock();
            handlers.clear_events();
            (
                std::mem::take(&mut handlers.disconnecting),
                std::mem::take(&mut handlers.disconnect),
            )
        };
        run_disconnect(self, reason, disconnecting);
        if notify && let Ok(packet) = self.ns.config.encoder.disconnect(&self.ns.name) {
            let _ = self.send_encoded(&packet, true);
        }
        self.persist_session(reason);
        if let Some(admin) = &self.ns.config.admin {
            admin.disconnected(self, reason);
        }
        self.listeners.clear();
        self.ns.adapter.del_all(&self.id);
        self.ns.remove(&self.id);
        self.acks.lock().clear();
        tracing::debug!(id = %self.id, ns = %self.ns.name, %reason, "socket disconnected");
        Some(if disconnect.is_empty() {
            Box::pin(std::future::ready(()))
        } else {
            start_disconnect(self, reason, disconnect)
        })
    }
}

impl Socket {
    /// The socket's id: random, one per namespace connection (not the
    /// engine session id).
    pub fn id(&self) -> &SocketId {
        &self.id
    }

    /// The namespace's name.
    pub fn ns(&self) -> &str {
        &self.ns.name
    }

    /// What the client sent when it connected.
    pub fn handshake(&self) -> &Handshake {
        &self.handshake
    }

    /// True until the socket disconnects.
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    /// The engine session this socket rides on (shared by every namespace
    /// the client joined over the same connection).
    pub fn engine(&self) -> &EngineSocket {
        &self.engine
    }

    /// Joins `rooms` (one room name, or several).
    pub fn join(&self, rooms: impl crate::IntoRooms) {
        self.ns.adapter.add_all(&self.id, &rooms.into_rooms());
    }

    /// Leaves `rooms`. Leaving a room the socket is not in does nothing.
    pub fn leave(&self, rooms: impl crate::IntoRooms) {
        for room in rooms.into_rooms() {
            self.ns.adapter.del(&self.id, &room);
        }
    }

    /// The socket's rooms: its own id first (as Node's `socket.rooms`),
    /// then the others in name order.
    pub fn rooms(&self) -> Vec<Room> {
        let own = self.id.as_str();
        let mut rooms = self.ns.adapter.socket_rooms(&self.id);
        rooms.sort_unstable_by(|a, b| {
            let (a_own, b_own) = (a.as_str() == own, b.as_str() == own);
            b_own.cmp(&a_own).then_with(|| a.cmp(b))
        });
        rooms
    }

    /// Stores typed data on the socket (Node's `socket.data`); serialized
    /// to JSON for `fetch_sockets`. Replaces any previous value.
    ///
    /// This is the one way to change a socket's data, so it is where an
    /// instrumented server ([`SocketIoBuilder::instrument`](crate::SocketIoBuilder::instrument))
    /// tells the admin UI (`socket_updated`): Rust has no proxy to see a
    /// field change inside the value. To change one field, read the data,
    /// and set the changed copy.
    pub fn set_data<T: Serialize + Send + Sync + 'static>(&self, value: T) {
        *self.data.lock() = Some(StoredData {
            value: Arc::new(value),
            to_json: json_of::<T>,
        });
        if let Some(admin) = &self.ns.config.admin
            && self.connected()
        {
            admin.data_changed(self);
        }
    }

    /// The data stored with [`Socket::set_data`], if it is a `T`.
    ///
    /// After a connection-state recovery the data comes back from the
    /// adapter as JSON (the form a cluster can keep): it is then
    /// deserialized into `T` at each call (`None` if it does not fit);
    /// `set_data` it again to keep it typed.
    pub fn data<T: DeserializeOwned + Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let value = self.data.lock().as_ref()?.value.clone();
        match value.downcast::<T>() {
            Ok(value) => Some(value),
            Err(value) => {
                let json = value.downcast_ref::<serde_json::Value>()?;
                T::deserialize(json).ok().map(Arc::new)
            }
        }
    }

    /// The stored data as JSON (`null` when none).
    pub fn data_json(&self) -> serde_json::Value {
        self.data
            .lock()
            .as_ref()
            .map(|d| (d.to_json)(&*d.value))
            .unwrap_or_default()
    }
}

/// Drives a handler's future outside any session (its session is gone).
pub(crate) fn spawn(fut: BoxFuture<'static, ()>) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(crate::handler::guarded(fut));
    }
}

/// A packet refused by a packet middleware: the error listener hears of
/// it and, when the client asked for an ack, the ack carries the error.
pub(crate) fn reject_packet(
    socket: &SocketRef,
    packet: &sio_parser::Packet,
    err: &crate::error::PacketError,
) {
    if let Some(id) = packet.id {
        let mut answer = serde_json::json!({ "message": err.message() });
        if let Some(data) = err.data() {
            answer["data"] = data.clone();
        }
        if let Ok(ack) = socket
            .ns
            .config
            .encoder
            .ack(&socket.ns.name, id, &(answer,))
        {
            let _ = socket.send_encoded(&ack, false);
        }
    }
    socket.listeners.error(socket, err);
}

/// An event over the socket's rate limit: dropped, as its policy says.
pub(crate) fn over_limit(
    socket: &SocketRef,
    packet: &sio_parser::Packet,
    verdict: crate::limit::Verdict,
) {
    use crate::OverLimit;
    use crate::limit::Verdict;
    let Some(limit) = &socket.rate else {
        return;
    };
    let event = packet.event_name().unwrap_or_default();
    tracing::debug!(id = %socket.id(), event, ?verdict, "event over the rate limit");
    let err = crate::error::PacketError::new("rate limited");
    match (verdict, limit.policy()) {
        (Verdict::Pass, _) | (_, OverLimit::Drop) => {}
        (Verdict::Disconnect, _) => {
            reject_packet(socket, packet, &err);
            socket.disconnect(false);
        }
        (Verdict::Warn, OverLimit::Warn { event: warning, .. }) => {
            let _ = socket.emit(
                warning,
                &serde_json::json!({ "message": "rate limited", "event": event }),
            );
            reject_packet(socket, packet, &err);
        }
        _ => reject_packet(socket, packet, &err),
    }
}
