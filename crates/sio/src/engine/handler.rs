//! The interface to the layer above the engine (a bare echo server, or the
//! socket.io layer): [`EngineHandler`] opens a [`ConnHandler`] per session,
//! whose callbacks run in order inside the session's own task, and
//! [`EngineSocket`] is the handle used to send and close.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use http::request::Parts;
use parking_lot::Mutex;
use sio_engine::{CloseReason, Message, Packet, Protocol, SendError, Sid, TransportKind};

use super::outbox::Outbox;

/// Opens a [`ConnHandler`] for each new Engine.IO session.
///
/// Shared by all sessions of an endpoint (hence `Sync`).
pub trait EngineHandler: Send + Sync + 'static {
    /// What handles one session.
    type Conn: ConnHandler;

    /// A session opened (its OPEN packet is already queued). Runs in the
    /// session's task before any other callback.
    fn on_open(&self, socket: EngineSocket) -> Self::Conn;
}

/// Handles one session. Every callback runs synchronously in the session's
/// task, in the order things happened: keep them short (hand long work to
/// another task, or drive it from [`ConnHandler::poll`]).
///
/// Never block the thread in a callback (a lock held elsewhere, a channel
/// `recv`, blocking I/O): besides stalling the session, a blocked worker
/// may be the one that last polled tokio's I/O and timer driver, and then
/// no timer or socket of the whole runtime makes progress until it returns
/// (tokio issue #4730). Wrap unavoidable blocking in
/// `tokio::task::block_in_place` (multi-thread runtime only).
pub trait ConnHandler: Send + 'static {
    /// A message from the client.
    fn on_message(&mut self, msg: Message);

    /// The session moved from polling to WebSocket.
    fn on_upgrade(&mut self) {}

    /// The session closed; no callback follows.
    fn on_close(&mut self, reason: CloseReason);

    /// Drives the handler's own futures inside the session's task. Called
    /// after every callback and whenever the waker registered here fires.
    /// Return `Poll::Ready(())` when there is nothing left to drive: it is
    /// then not polled again until the next callback. Default: nothing to
    /// drive.
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let _ = cx;
        Poll::Ready(())
    }
}

/// Packets the parked session's task set out for the next polling GET,
/// good until the session's next deadline: a GET that comes later goes to
/// the task, which applies the deadline first (a ping due, or the session
/// timed out and must answer 400).
#[derive(Debug, Default)]
pub(crate) struct Ready {
    pub(crate) packets: Vec<Packet>,
    pub(crate) until: Option<std::time::Instant>,
}

impl Ready {
    /// Takes the packets when they are still good now (tokio's clock, as
    /// the session's task uses).
    pub(crate) fn take(&mut self) -> Vec<Packet> {
        if self.packets.is_empty()
            || self
                .until
                .is_some_and(|until| tokio::time::Instant::now().into_std() >= until)
        {
            return Vec::new();
        }
        std::mem::take(&mut self.packets)
    }
}

/// A cheap, cloneable handle on one session: who it is, how it connected,
/// and a way to send to it and close it.
#[derive(Debug, Clone)]
pub struct EngineSocket {
    inner: Arc<SocketShared>,
}

#[derive(Debug)]
pub(crate) struct SocketShared {
    pub(crate) sid: Sid,
    pub(crate) protocol: Protocol,
    pub(crate) parts: Parts,
    pub(crate) upgraded: AtomicBool,
    pub(crate) initial: TransportKind,
    pub(crate) outbox: Outbox,
    /// Packets the parked session's task set out for the next polling
    /// GET, which takes them without a round trip through the task (see
    /// [`Session::take_for_poll`](sio_engine::Session::take_for_poll)).
    pub(crate) ready: Mutex<Ready>,
    /// The session's [`supports_binary`](sio_engine::Session::supports_binary),
    /// to encode `ready` packets.
    pub(crate) supports_binary: bool,
    /// Set while a polling POST is being read and handled.
    pub(crate) post_busy: AtomicBool,
    /// One permit: held by the packets of a POST until the session's task
    /// has taken them.
    pub(crate) post_permit: Arc<tokio::sync::Semaphore>,
}

impl EngineSocket {
    pub(crate) fn new(inner: Arc<SocketShared>) -> Self {
        Self { inner }
    }

    /// The session id.
    pub fn sid(&self) -> &Sid {
        &self.inner.sid
    }

    /// The Engine.IO protocol revision the client speaks.
    pub fn protocol(&self) -> Protocol {
        self.inner.protocol
    }

    /// The current transport (WebSocket once an upgrade completed).
    pub fn transport(&self) -> TransportKind {
        if self.inner.upgraded.load(Ordering::Acquire) {
            TransportKind::WebSocket
        } else {
            self.inner.initial
        }
    }

    /// The head of the handshake request: method, URI (with the query),
    /// headers and extensions. The remote address is there when the server
    /// adds it, e.g. axum's `ConnectInfo<SocketAddr>` with
    /// `into_make_service_with_connect_info`.
    pub fn parts(&self) -> &Parts {
        &self.inner.parts
    }

    /// Queues a message for the client without waiting.
    ///
    /// # Errors
    /// [`SendError::Full`] when the queue to the session's task is full
    /// (see [`EngineConfig::socket_buffer`](crate::EngineConfig::socket_buffer));
    /// [`SendError::Closed`] once the session is gone.
    pub fn send(&self, msg: Message) -> Result<(), SendError> {
        self.inner.outbox.push(std::iter::once(msg), true)
    }

    /// Queues several messages atomically: all of them or none (a packet
    /// and its binary attachments must never be split by a full queue).
    ///
    /// # Errors
    /// As [`EngineSocket::send`]; nothing was queued.
    pub fn send_many<I>(&self, msgs: I) -> Result<(), SendError>
    where
        I: IntoIterator<Item = Message>,
        I::IntoIter: ExactSizeIterator,
    {
        self.inner.outbox.push(msgs.into_iter(), true)
    }

    /// [`EngineSocket::send_many`], saying whether a WebSocket with
    /// per-message deflate may compress the messages (Node: the `compress`
    /// option of `send`; `false` sends them as they are).
    ///
    /// # Errors
    /// As [`EngineSocket::send`]; nothing was queued.
    pub fn send_many_with<I>(&self, msgs: I, compress: bool) -> Result<(), SendError>
    where
        I: IntoIterator<Item = Message>,
        I::IntoIter: ExactSizeIterator,
    {
        self.inner.outbox.push(msgs.into_iter(), compress)
    }

    /// Bytes of messages queued for this session and not yet handed to its
    /// transport (bounded by
    /// [`EngineConfig::max_buffered_bytes`](crate::EngineConfig::max_buffered_bytes));
    /// 0 once it is gone. Counts message bytes, not their encoding.
    pub fn buffered_bytes(&self) -> usize {
        self.inner.outbox.buffered_bytes()
    }

    /// True when `msgs` messages of `bytes` bytes in all fit in the
    /// session's queue now (a [`EngineSocket::send_many`] of them would
    /// not fail as full, unless others send meanwhile).
    pub(crate) fn has_room(&self, msgs: usize, bytes: usize) -> bool {
        self.inner.outbox.has_room(msgs, bytes)
    }

    /// Closes the session (reason `forced close`). Does nothing if it is
    /// already closing.
    pub fn close(&self) {
        self.inner.outbox.request_close(CloseReason::ForcedClose);
    }

    /// True once the session's task has ended.
    pub fn is_closed(&self) -> bool {
        self.inner.outbox.is_closed()
    }

    /// True once the session was asked to close (or has closed): nothing
    /// the client sends from then on is handled.
    pub(crate) fn is_closing(&self) -> bool {
        self.inner.outbox.is_closing()
    }
}
