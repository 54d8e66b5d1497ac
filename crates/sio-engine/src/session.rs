//! The Engine.IO session state machine, sans-IO.
//!
//! One [`Session`] per connection. The I/O layer feeds it what happened
//! (`handle_*`, with the current time) and drains what it wants done:
//! [`Session::poll_transmit`] (bytes to send and on which transport),
//! [`Session::poll_event`] (what the application must hear) and
//! [`Session::poll_timeout`] (when to call [`Session::handle_timeout`]).
//! A session has at most one polling side (HTTP requests) and at most one
//! WebSocket: the WebSocket is either the session's transport or, during an
//! upgrade, the probing transport.
//!
//! Rules it enforces:
//! - heartbeat, protocol 4: the server pings one `ping_interval` after open
//!   (not at open), then one interval after each pong; no pong within
//!   `ping_timeout` closes with [`CloseReason::PingTimeout`]. Protocol 3: the
//!   client pings, the server answers pong; no ping within
//!   `ping_interval + ping_timeout` closes the session.
//! - upgrade: `2probe` on the WebSocket is answered `3probe`; while
//!   upgrading, a pending GET (and every new one) is answered with a NOOP;
//!   `5` switches the session to WebSocket and flushes the buffered
//!   packets there; no `5` within `upgrade_timeout` drops the WebSocket
//!   ([`Transmit::CloseWs`]) and the session stays on polling.
//! - polling: one pending GET at a time (a second one closes the session,
//!   so does a pending GET the client cancels); no polling once upgraded.
//! - close: a CLOSE packet from the client, [`Session::close`], a transport
//!   that goes away, a parse error or a heartbeat timeout all end in exactly
//!   one [`Event::Closed`].

use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::payload::EncodedPayload;
use crate::{Message, Protocol, RequestError, Sid, Str, TransportKind};

/// Settings of a session (Node's option names in brackets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// [`pingInterval`] Time between two pings. Default 25 s.
    pub ping_interval: Duration,
    /// [`pingTimeout`] How long to wait for the pong. Default 20 s.
    pub ping_timeout: Duration,
    /// [`upgradeTimeout`] How long an upgrade may take. Default 10 s.
    pub upgrade_timeout: Duration,
    /// [`maxHttpBufferSize`] Largest message or polling body, in bytes.
    /// Default 1,000,000. Announced to clients as `maxPayload`.
    pub max_payload: u64,
    /// [`allowUpgrades`] Whether polling sessions may upgrade. Default true.
    pub allow_upgrades: bool,
    /// Whether WebSocket is enabled at all (it is announced in `upgrades`
    /// only then). Default true.
    pub websocket_enabled: bool,
    /// Most packets one polling body may hold. Default 64.
    pub max_packets_per_payload: usize,
    /// Most outgoing packets the session buffers while no transport can
    /// take them (polling without a pending GET, or during an upgrade).
    /// [`Session::send`] fails with [`SendError::Full`] past it. Default 1024.
    pub max_buffered_packets: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            upgrade_timeout: Duration::from_millis(10_000),
            max_payload: 1_000_000,
            allow_upgrades: true,
            websocket_enabled: true,
            max_packets_per_payload: 64,
            max_buffered_packets: 1024,
        }
    }
}

/// Why a session closed. The strings are Node's (`reason` of engine.io's
/// `close` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// `transport close`: the client closed (CLOSE packet, WebSocket closed,
    /// a pending poll cancelled).
    TransportClose,
    /// `transport error`: the transport failed (overlapping polls, an
    /// oversized or unreadable body, an I/O error).
    TransportError,
    /// `ping timeout`: no heartbeat in time.
    PingTimeout,
    /// `parse error`: the client sent bytes that are not Engine.IO.
    ParseError,
    /// `forced close`: the server called [`Session::close`].
    ForcedClose,
    /// `server shutting down`.
    ServerShuttingDown,
}

impl CloseReason {
    /// Node's text for the reason.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TransportClose => "transport close",
            Self::TransportError => "transport error",
            Self::PingTimeout => "ping timeout",
            Self::ParseError => "parse error",
            Self::ForcedClose => "forced close",
            Self::ServerShuttingDown => "server shutting down",
        }
    }
}

/// A WebSocket frame to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsFrame {
    /// A text frame.
    Text(Str),
    /// A binary frame.
    Binary(Bytes),
}

/// How to answer the pending polling GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollReply {
    /// 200 with this body.
    Payload(EncodedPayload),
    /// The session is gone and has nothing more to say: answer 400
    /// (`{"code":1,…}` is not needed: the client sees the transport close).
    Closed,
}

/// Something the I/O layer must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transmit {
    /// Answer the pending GET (there is one whenever this is returned).
    Poll(PollReply),
    /// Send this frame on the WebSocket.
    Ws(WsFrame),
    /// Close the WebSocket (after the frames returned before it).
    CloseWs,
}

/// Something the application must hear, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A message from the client.
    Message(Message),
    /// The session moved from polling to WebSocket.
    Upgraded,
    /// The session is closed; nothing follows.
    Closed(CloseReason),
}

/// Why [`Session::send`] refused a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The session is closed.
    #[error("the session is closed")]
    Closed,
    /// `max_buffered_packets` are waiting for the transport: try later or
    /// drop the message.
    #[error("the session's send buffer is full")]
    Full,
}

/// One Engine.IO session. See the module docs for the rules.
#[derive(Debug)]
pub struct Session {
    _todo: (),
}

impl Session {
    /// Opens a session whose handshake came on `transport` at `now`.
    ///
    /// The OPEN packet is queued at once. On polling the handshake GET
    /// counts as the pending poll, so the first [`Session::poll_transmit`]
    /// answers it; on WebSocket it is the first frame. `b64` is the
    /// handshake's `b64=1` (protocol 3 clients without binary support).
    pub fn new(
        sid: Sid,
        protocol: Protocol,
        transport: TransportKind,
        b64: bool,
        config: SessionConfig,
        now: Instant,
    ) -> Self {
        let _ = (sid, protocol, transport, b64, config, now);
        todo!("sio-engine: Session::new")
    }

    /// The session id.
    pub fn sid(&self) -> &Sid {
        todo!("sio-engine: Session::sid")
    }

    /// The protocol revision.
    pub fn protocol(&self) -> Protocol {
        todo!("sio-engine: Session::protocol")
    }

    /// The current transport (WebSocket once an upgrade completed).
    pub fn transport(&self) -> TransportKind {
        todo!("sio-engine: Session::transport")
    }

    /// True once [`Event::Closed`] has been queued.
    pub fn is_closed(&self) -> bool {
        todo!("sio-engine: Session::is_closed")
    }

    /// A polling GET arrived.
    ///
    /// # Errors
    /// [`RequestError::BadRequest`] when the session is on WebSocket, or a
    /// GET is already pending (the session then closes with
    /// [`CloseReason::TransportError`] and the older GET is answered). The
    /// I/O layer answers *this* request with the error.
    pub fn handle_poll(&mut self, now: Instant) -> Result<(), RequestError> {
        let _ = now;
        todo!("sio-engine: Session::handle_poll")
    }

    /// The pending GET was dropped by the client before it was answered:
    /// the session closes with [`CloseReason::TransportClose`].
    pub fn handle_poll_cancelled(&mut self, now: Instant) {
        let _ = now;
        todo!("sio-engine: Session::handle_poll_cancelled")
    }

    /// A polling POST body arrived, already bounded by `max_payload` by the
    /// I/O layer. `binary_body`: the content type was
    /// `application/octet-stream`.
    ///
    /// # Errors
    /// [`RequestError::BadRequest`] when the session is on WebSocket or the
    /// body does not decode (the session then closes with
    /// [`CloseReason::ParseError`]). The I/O layer answers the POST with
    /// the error, or with `200 ok` on success.
    pub fn handle_post(
        &mut self,
        now: Instant,
        body: Bytes,
        binary_body: bool,
    ) -> Result<(), RequestError> {
        let _ = (now, body, binary_body);
        todo!("sio-engine: Session::handle_post")
    }

    /// A WebSocket request for this session arrived (an upgrade).
    ///
    /// # Errors
    /// [`RequestError::BadRequest`] when upgrades are off, the session is
    /// already on WebSocket or already upgrading, or is closed.
    pub fn handle_upgrade_request(&mut self, now: Instant) -> Result<(), RequestError> {
        let _ = now;
        todo!("sio-engine: Session::handle_upgrade_request")
    }

    /// A text frame arrived on the WebSocket (the transport or the probe).
    pub fn handle_ws_text(&mut self, now: Instant, text: Str) {
        let _ = (now, text);
        todo!("sio-engine: Session::handle_ws_text")
    }

    /// A binary frame arrived on the WebSocket.
    pub fn handle_ws_binary(&mut self, now: Instant, data: Bytes) {
        let _ = (now, data);
        todo!("sio-engine: Session::handle_ws_binary")
    }

    /// The WebSocket closed or failed (`error` true for a failure). If it
    /// was the transport the session closes; if it was a probe, the upgrade
    /// is abandoned and the session goes on polling.
    pub fn handle_ws_closed(&mut self, now: Instant, error: bool) {
        let _ = (now, error);
        todo!("sio-engine: Session::handle_ws_closed")
    }

    /// Queues a message for the client.
    ///
    /// # Errors
    /// [`SendError::Closed`] after close; [`SendError::Full`] when
    /// `max_buffered_packets` are already waiting.
    pub fn send(&mut self, msg: Message) -> Result<(), SendError> {
        let _ = msg;
        todo!("sio-engine: Session::send")
    }

    /// Closes the session from the server side: a CLOSE packet is sent on
    /// the transport when it can take it, then [`Event::Closed`] with
    /// `reason`.
    pub fn close(&mut self, now: Instant, reason: CloseReason) {
        let _ = (now, reason);
        todo!("sio-engine: Session::close")
    }

    /// Runs the timers that are due at `now` (heartbeat, upgrade).
    pub fn handle_timeout(&mut self, now: Instant) {
        let _ = now;
        todo!("sio-engine: Session::handle_timeout")
    }

    /// When [`Session::handle_timeout`] must next be called, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        todo!("sio-engine: Session::poll_timeout")
    }

    /// The next thing to send. Call until `None` after every `handle_*`,
    /// [`Session::send`] and [`Session::close`]. On polling, buffered
    /// packets go out together as one body when a GET is pending.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        todo!("sio-engine: Session::poll_transmit")
    }

    /// The next event for the application. Call until `None`.
    pub fn poll_event(&mut self) -> Option<Event> {
        todo!("sio-engine: Session::poll_event")
    }
}
