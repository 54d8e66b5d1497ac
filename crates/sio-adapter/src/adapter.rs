//! The [`Adapter`] trait, what it needs from the server
//! ([`LocalNamespace`]), and the types they exchange.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::{
    AckSink, BroadcastFlags, BroadcastOptions, RestoredSession, Room, Session, SessionStoreConfig,
    SocketId,
};
use sio_engine::Str;
use sio_parser::{Encoded, Encoder, Value};

/// A boxed, sendable future: what adapter methods return, so that the trait
/// stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why an adapter operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// Other servers did not answer in time; the partial result, if any,
    /// was lost. Retry or accept the local answer.
    #[error("timeout reached while waiting for the other servers")]
    Timeout,
    /// The cluster's transport failed (e.g. the Redis connection dropped).
    /// Local delivery has been done; retry the cluster part later.
    #[error("adapter transport error: {0}")]
    Transport(String),
    /// The adapter is closed (server shutting down).
    #[error("the adapter is closed")]
    Closed,
    /// The operation is not supported by this adapter.
    #[error("not supported by this adapter: {0}")]
    Unsupported(&'static str),
}

/// Why one local socket did not get a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// Its outgoing queue is full (slow consumer); the packet was dropped
    /// for that socket.
    #[error("the socket's send buffer is full")]
    Full,
    /// The socket is gone.
    #[error("the socket is closed")]
    Closed,
}

/// What one broadcast reached on this server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BroadcastReport {
    /// Sockets the packet was queued for.
    pub sent: usize,
    /// Sockets skipped because their queue was full (or volatile and not
    /// writable) or they were closing.
    pub dropped: usize,
}

/// A socket as `fetch_sockets` describes it, on this server or another.
#[derive(Debug, Clone, PartialEq)]
pub struct SocketInfo {
    /// Its id.
    pub id: SocketId,
    /// The handshake, shaped as Node's (`headers`, `time`, `address`,
    /// `xdomain`, `secure`, `issued`, `url`, `query`, `auth`).
    pub handshake: serde_json::Value,
    /// Its rooms, its own id included.
    pub rooms: Vec<Room>,
    /// Its `data` (Node's `socket.data`), as JSON.
    pub data: serde_json::Value,
}

/// What an adapter may do with this server's sockets of one namespace. The
/// server implements it; an adapter holds it weakly.
///
/// Every method is synchronous and never blocks: delivery means "queued on
/// the socket's bounded outgoing queue".
pub trait LocalNamespace: Send + Sync + 'static {
    /// The namespace's name.
    fn name(&self) -> &str;

    /// Queues `packet` for socket `sid` (the adapter resolved rooms to ids).
    ///
    /// # Errors
    /// [`DeliveryError`] when the socket is gone or its queue is full (or
    /// the packet is volatile and the socket cannot take it now).
    fn send(
        &self,
        sid: &SocketId,
        packet: &Encoded,
        flags: &BroadcastFlags,
    ) -> Result<(), DeliveryError>;

    /// Queues `packet` for each socket of `sids`, as [`LocalNamespace::send`]
    /// does for one, and reports how many got it. A server overrides it to
    /// find all the sockets at once; the default sends one by one.
    fn send_many(
        &self,
        sids: &[SocketId],
        packet: &Encoded,
        flags: &BroadcastFlags,
    ) -> BroadcastReport {
        let mut report = BroadcastReport::default();
        for sid in sids {
            match self.send(sid, packet, flags) {
                Ok(()) => report.sent += 1,
                Err(_) => report.dropped += 1,
            }
        }
        report
    }

    /// Queues `packet`, which carries ack id `ack_id`, for socket `sid`, and
    /// registers `sink` to receive that socket's answer (until the sink is
    /// closed).
    ///
    /// # Errors
    /// As [`LocalNamespace::send`].
    fn send_with_ack(
        &self,
        sid: &SocketId,
        packet: &Encoded,
        ack_id: u64,
        sink: &AckSink,
    ) -> Result<(), DeliveryError>;

    /// Describes a local socket for `fetch_sockets`.
    fn socket_info(&self, sid: &SocketId) -> Option<SocketInfo>;

    /// Disconnects a local socket (reason "server namespace disconnect");
    /// with `close`, its whole engine connection.
    fn disconnect(&self, sid: &SocketId, close: bool);

    /// Hands a server-side event from another server to this server's
    /// handlers. With `ack`, the first answer must be sent to it.
    fn server_side_event(&self, args: Vec<Value>, ack: Option<AckSink>);

    /// The encoder of this server's packets, for a cluster adapter that
    /// delivers events arriving from other servers. Default: the default
    /// parser, protocol 5.
    fn encoder(&self) -> Encoder {
        Encoder::default()
    }

    /// A fresh ack id for a broadcast with acks arriving from another
    /// server, from the same sequence as this namespace's own ack ids so
    /// that the two never collide. The default draws from one process-wide
    /// sequence: a server should override it.
    fn next_ack_id(&self) -> u64 {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed) % sio_parser::MAX_ACK_ID
    }

    /// Whether the server wants to hear of room changes
    /// ([`LocalNamespace::rooms_changed`]) right now; read by the adapter
    /// before each join or leave, so keep it one atomic load. Default: no.
    fn watches_rooms(&self) -> bool {
        false
    }

    /// Local socket `sid` joined (`joined`) or left `rooms` (Node's adapter
    /// events `join-room` / `leave-room`), called after the change, outside
    /// the adapter's locks, only while [`LocalNamespace::watches_rooms`]
    /// is true. Default: nothing.
    fn rooms_changed(&self, sid: &SocketId, rooms: &[Room], joined: bool) {
        let _ = (sid, rooms, joined);
    }
}

/// The adapter of one namespace. See the crate docs.
///
/// The room index methods are synchronous: rooms are always local state.
/// Operations that may cross servers return boxed futures.
pub trait Adapter: Send + Sync + 'static {
    /// Starts the adapter (subscriptions, for a cluster adapter).
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// Stops it.
    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// How many servers share this namespace, this one included.
    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(std::future::ready(Ok(1)))
    }

    /// Turns on the session store of connection-state recovery with these
    /// limits (the server calls it once, right after creating the adapter,
    /// when recovery is on). Default: no store, so that every reconnection
    /// gets a fresh session.
    fn enable_session_store(&self, config: SessionStoreConfig) {
        let _ = config;
    }

    /// Keeps `packet` (an EVENT whose last argument is `offset`), sent with
    /// `opts`, for the recovery window. Default: nothing.
    fn persist_packet(&self, offset: String, packet: &Encoded, opts: &BroadcastOptions) {
        let _ = (offset, packet, opts);
    }

    /// Whether this adapter gives recovery offsets itself: a cluster
    /// adapter whose log numbers what it carries (the entry ids of a Redis
    /// stream). Then, with recovery on, the server encodes events without
    /// an offset and never calls [`Adapter::persist_packet`]; the adapter
    /// appends the offset as the last argument of every EVENT it delivers
    /// that is neither volatile nor asking for an ack, here and on the
    /// other servers, and emits to one socket go through
    /// [`Adapter::broadcast_detached`]. Default: false (the server numbers
    /// the packets and hands them to [`Adapter::persist_packet`]).
    fn assigns_offsets(&self) -> bool {
        false
    }

    /// For an adapter that [assigns offsets](Adapter::assigns_offsets):
    /// starts [`Adapter::broadcast`] of `packet` without waiting for it.
    /// Broadcasts started this way or with [`Adapter::broadcast`] are
    /// delivered in the order of the calls (the work is queued before
    /// either returns). Default: nothing (the server calls it only when
    /// `assigns_offsets` is true).
    fn broadcast_detached(&self, packet: Encoded, opts: BroadcastOptions) {
        let _ = (packet, opts);
    }

    /// Keeps the session of a socket that disconnected for a recoverable
    /// reason, for the recovery window. Default: nothing.
    fn persist_session(&self, session: Session) {
        let _ = session;
    }

    /// Takes back session `pid` and the packets its socket missed after
    /// `offset`; `Ok(None)` when the session is unknown, taken or expired,
    /// or the offset is gone. A session is restored at most once. Default:
    /// `Ok(None)`.
    fn restore_session(
        &self,
        pid: &str,
        offset: &str,
    ) -> BoxFuture<'_, Result<Option<RestoredSession>, AdapterError>> {
        let _ = (pid, offset);
        Box::pin(std::future::ready(Ok(None)))
    }

    /// Adds local socket `sid` to `rooms` (rooms are created as needed).
    fn add_all(&self, sid: &SocketId, rooms: &[Room]);

    /// Removes local socket `sid` from `room` (the room goes when empty).
    fn del(&self, sid: &SocketId, room: &Room);

    /// Removes local socket `sid` from every room.
    fn del_all(&self, sid: &SocketId);

    /// The rooms of local socket `sid`, its own room included.
    fn socket_rooms(&self, sid: &SocketId) -> Vec<Room>;

    /// Sends `packet` (encoded once; every target shares its buffers) to
    /// every socket `opts` targets, here and, unless `opts.flags.local`, on
    /// the other servers.
    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<BroadcastReport, AdapterError>>;

    /// Like [`Adapter::broadcast`] for a packet that carries ack id `ack_id`:
    /// every server reports its client count to `sink`, and every client's
    /// answer is pushed there.
    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
        sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// The ids of the sockets `opts` targets (whole cluster unless local).
    fn sockets(&self, opts: BroadcastOptions)
    -> BoxFuture<'_, Result<Vec<SocketId>, AdapterError>>;

    /// Descriptions of the sockets `opts` targets (whole cluster unless local).
    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketInfo>, AdapterError>>;

    /// Every room of the namespace (whole cluster unless local).
    fn rooms(&self, opts: BroadcastOptions) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>>;

    /// Makes the sockets `opts` targets join `rooms`.
    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// Makes the sockets `opts` targets leave `rooms`.
    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// Disconnects the sockets `opts` targets; with `close`, their whole
    /// engine connections.
    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// Sends a server-side event to the OTHER servers (this server's
    /// handlers do not receive it). The in-memory adapter has no other
    /// server: it succeeds and nobody receives it.
    fn server_side_emit(&self, args: Vec<Value>) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// Like [`Adapter::server_side_emit`], collecting each other server's
    /// first answer into `sink` (each server reports a client count of 1).
    fn server_side_emit_with_ack(
        &self,
        args: Vec<Value>,
        timeout: Duration,
        sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;
}

/// Makes the adapter of each namespace (the server calls it once per
/// namespace, dynamic children included).
pub trait AdapterFactory: Send + Sync + 'static {
    /// The adapter of namespace `ns`, delivering locally through `local`.
    fn create(&self, ns: Str, local: Weak<dyn LocalNamespace>) -> Arc<dyn Adapter>;
}
