//! Connection-state recovery (Node 4.6+): the builder option
//! [`ConnectionStateRecovery`], offsets on outgoing events, and the
//! restore step of a connection.
//!
//! With it on, the CONNECT reply carries a private session id (`pid`) and
//! every EVENT sent to sockets (not volatile, not asking for an ack) gets
//! an offset as its last argument and is kept by the adapter for the
//! window. A socket that leaves for a recoverable reason (transport close
//! or error, ping timeout, server shutdown, forced close) has its session
//! kept too. A client that comes back within the window with its `pid` and
//! last `offset` in its CONNECT auth gets the same socket id, rooms and
//! data, [`Socket::recovered`](crate::Socket::recovered) true, and every
//! packet it missed, in order, queued with the CONNECT reply all at once.
//! Anything else gets a fresh session, and so does a client whose missed
//! packets do not fit in its connection's buffer (`max_buffer` packets,
//! `max_buffered_bytes`): a recovery never leaves packets out.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use rand::RngCore as _;
use serde::Serialize;
use sio_adapter::{BroadcastOptions, SessionStoreConfig};
use sio_parser::{EncodeError, Encoded, Value};

use crate::ns::Namespace;
use crate::reason::DisconnectReason;
use crate::socket::SocketRef;

/// Connection-state recovery settings (Node's `connectionStateRecovery`),
/// given to
/// [`SocketIoBuilder::connection_state_recovery`](crate::SocketIoBuilder::connection_state_recovery).
///
/// | setting | default |
/// |---|---|
/// | [`max_disconnection_duration`](Self::max_disconnection_duration) | 2 min |
/// | [`skip_middlewares`](Self::skip_middlewares) | true |
/// | [`max_packets`](Self::max_packets) | 10 000 kept per namespace |
/// | [`max_bytes`](Self::max_bytes) | 64 MiB kept per namespace |
/// | [`max_sessions`](Self::max_sessions) | 100 000 kept per namespace |
///
/// ```
/// use std::time::Duration;
/// use sio::{ConnectionStateRecovery, SocketIo};
///
/// let io = SocketIo::builder()
///     .connection_state_recovery(
///         ConnectionStateRecovery::default().max_disconnection_duration(Duration::from_secs(30)),
///     )
///     .ns("/", |_: sio::SocketRef| async {})
///     .build();
/// # let _ = io;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionStateRecovery {
    store: SessionStoreConfig,
    skip_middlewares: bool,
}

impl Default for ConnectionStateRecovery {
    fn default() -> Self {
        Self {
            store: SessionStoreConfig::default(),
            skip_middlewares: true,
        }
    }
}

impl ConnectionStateRecovery {
    /// How long a session (and each packet sent) is kept after a
    /// disconnection. Default 2 min.
    pub fn max_disconnection_duration(mut self, d: Duration) -> Self {
        self.store.max_disconnection_duration = d;
        self
    }

    /// Whether a recovered connection skips the connection middlewares.
    /// Default true.
    pub fn skip_middlewares(mut self, skip: bool) -> Self {
        self.skip_middlewares = skip;
        self
    }

    /// Most packets kept per namespace (oldest dropped first; a client
    /// whose offset was dropped gets a fresh session). Default 10 000.
    pub fn max_packets(mut self, n: usize) -> Self {
        self.store.max_packets = n;
        self
    }

    /// Most bytes of packets kept per namespace. Default 64 MiB.
    pub fn max_bytes(mut self, n: usize) -> Self {
        self.store.max_bytes = n;
        self
    }

    /// Most sessions kept per namespace (oldest dropped first). Default
    /// 100 000.
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.store.max_sessions = n;
        self
    }

    /// The window.
    pub fn duration(&self) -> Duration {
        self.store.max_disconnection_duration
    }

    pub(crate) fn store(&self) -> SessionStoreConfig {
        self.store
    }

    pub(crate) fn skips_middlewares(&self) -> bool {
        self.skip_middlewares
    }
}

/// Whether a socket that left for `reason` may come back (Node's
/// `RECOVERABLE_DISCONNECT_REASONS`).
pub(crate) fn is_recoverable(reason: DisconnectReason) -> bool {
    matches!(
        reason,
        DisconnectReason::TransportError
            | DisconnectReason::TransportClose
            | DisconnectReason::PingTimeout
            | DisconnectReason::ServerShuttingDown
            | DisconnectReason::ForcedServerClose
    )
}

/// A new private session id: 20 bytes from a CSPRNG, base64url.
pub(crate) fn new_pid() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A new offset, unique within this process (a random prefix per process
/// keeps them apart across servers).
fn next_offset() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 6];
        rand::rng().fill_bytes(&mut bytes);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    });
    let mut offset = prefix.clone();
    let _ = write!(offset, "-{:x}", COUNTER.fetch_add(1, Ordering::Relaxed));
    offset
}

/// Encodes EVENT `event` with `args` and, when recovery is on, an offset
/// as last argument, handing the packet to the adapter's store for the
/// sockets `opts` targets (asked for only then). Without recovery, for
/// a `volatile` event, or when the adapter
/// [assigns offsets](sio_adapter::Adapter::assigns_offsets), a plain encode.
pub(crate) fn encode_event<'a, T: Serialize + ?Sized>(
    ns: &Namespace,
    event: &str,
    args: &T,
    volatile: bool,
    opts: impl FnOnce() -> Cow<'a, BroadcastOptions>,
) -> Result<Encoded, EncodeError> {
    let encoder = &ns.config.encoder;
    // An adapter that assigns offsets appends them itself.
    if ns.config.recovery.is_none() || volatile || ns.adapter.assigns_offsets() {
        return encoder.event(&ns.name, event, args, None);
    }
    let mut items = match Value::from_serialize(args)? {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        _ => return Err(EncodeError::NotASequence),
    };
    let offset = next_offset();
    items.push(Value::String(offset.clone()));
    let packet = encoder.event(&ns.name, event, &items, None)?;
    ns.adapter.persist_packet(offset, &packet, &opts());
    Ok(packet)
}

/// The restore step of a connection: when recovery is on and the CONNECT
/// auth carries string `pid` and `offset` naming a live session of the
/// namespace, a socket with that session's id, data and private id, to
/// rejoin its rooms and replay what it missed once connected; else
/// `socket` itself. Also says whether the middlewares are to be skipped.
pub(crate) async fn restore(socket: SocketRef) -> (SocketRef, bool) {
    let Some(recovery) = socket.ns.config.recovery else {
        return (socket, false);
    };
    let auth = &socket.handshake().auth;
    let (Some(pid), Some(offset)) = (
        auth.get("pid").and_then(serde_json::Value::as_str),
        auth.get("offset").and_then(serde_json::Value::as_str),
    ) else {
        return (socket, false);
    };
    let restored = match socket.ns.adapter.restore_session(pid, offset).await {
        Ok(Some(restored)) => restored,
        Ok(None) => return (socket, false),
        Err(e) => {
            tracing::debug!(ns = %socket.ns.name, "session not restored: {e}");
            return (socket, false);
        }
    };
    // A socket with this id still in the namespace: never share it.
    if socket.ns.get(&restored.session.sid).is_some() {
        return (socket, false);
    }
    // The backlog goes out with the CONNECT reply, all of it or nothing:
    // one that the connection's buffers cannot take gives a fresh session
    // rather than a recovery with packets missing.
    let (msgs, bytes) = restored.missed.iter().fold((1usize, 0usize), |(n, b), p| {
        let (pn, pb) = p.messages().fold((0usize, 0usize), |(n, b), m| {
            (n + 1, b.saturating_add(m.len()))
        });
        (n.saturating_add(pn), b.saturating_add(pb))
    });
    if !socket.engine.has_room(msgs, bytes) {
        tracing::debug!(
            id = %restored.session.sid,
            ns = %socket.ns.name,
            packets = restored.missed.len(),
            bytes,
            "connection state not recovered: the missed packets do not fit in the connection's buffer"
        );
        return (socket, false);
    }
    tracing::debug!(id = %restored.session.sid, ns = %socket.ns.name, "connection state recovered");
    (socket.restored(restored), recovery.skips_middlewares())
}
