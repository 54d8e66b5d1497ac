//! The values a [`Session`](super::Session) takes and hands out: its
//! settings, what it transmits, the events it raises and its errors.

use std::time::Duration;

use bytes::Bytes;

use crate::payload::EncodedPayload;
use crate::{DeflateCache, Message, Str};

/// Settings of a session (with Node's option names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Time between two pings. Default 25 s. (Node: `pingInterval`.)
    pub ping_interval: Duration,
    /// How long to wait for the pong. Default 20 s. (Node: `pingTimeout`.)
    pub ping_timeout: Duration,
    /// How long an upgrade may take. Default 10 s. (Node: `upgradeTimeout`.)
    pub upgrade_timeout: Duration,
    /// Largest message or polling body, in bytes. (Node: `maxHttpBufferSize`.)
    /// Default 1,000,000. Announced to clients as `maxPayload`.
    pub max_payload: u64,
    /// Whether polling sessions may upgrade. Default true. (Node: `allowUpgrades`.)
    pub allow_upgrades: bool,
    /// Whether WebSocket is enabled at all (it is announced in `upgrades`
    /// only then). Default true.
    pub websocket_enabled: bool,
    /// Most packets one polling body may hold. Default 64.
    pub max_packets_per_payload: usize,
    /// Most outgoing packets the session buffers while no transport can
    /// take them (polling without a pending GET, or during an upgrade).
    /// [`Session::send`](super::Session::send) fails with [`SendError::Full`] past it. Default 1024.
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
    /// `forced close`: the server called [`Session::close`](super::Session::close).
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

/// What permessage-deflate may do with a WebSocket frame. The I/O layer
/// decides with what the connection agreed on and its threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compression {
    /// Send it uncompressed: a control packet, or a message sent with
    /// `compress(false)`.
    Off,
    /// Compress it if it is large enough.
    On,
    /// As [`Compression::On`], sharing the compressed bytes with the other
    /// recipients of the same frame.
    Shared(DeflateCache),
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
    /// Send this frame on the WebSocket, compressed or not as the
    /// [`Compression`] allows.
    Ws(WsFrame, Compression),
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

/// Why [`Session::send`](super::Session::send) refused a message.
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
