//! The query string of an Engine.IO request: `EIO`, `transport`, `sid`,
//! `b64`, parsed with a real query parser (`form_urlencoded`).

use crate::{RequestError, Sid};

/// Engine.IO protocol revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Protocol 3 (socket.io-client 2.x).
    V3,
    /// Protocol 4 (socket.io-client 3.x and 4.x).
    V4,
}

/// The transport a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
}

impl TransportKind {
    /// The name used on the wire (`polling`, `websocket`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Polling => "polling",
            Self::WebSocket => "websocket",
        }
    }
}

/// The Engine.IO parameters of a request's query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeQuery {
    /// `EIO`: exactly `3` or `4`.
    pub protocol: Protocol,
    /// `transport`: `polling` or `websocket`.
    pub transport: TransportKind,
    /// `sid`, absent on a handshake.
    pub sid: Option<Sid>,
    /// `b64=1` (protocol 3 clients that cannot take binary polling bodies).
    pub b64: bool,
}

impl HandshakeQuery {
    /// Parses the query string (without the leading `?`).
    ///
    /// Every parameter is read once: a repeated `EIO`, `transport` or `sid`
    /// is refused, not resolved by position.
    ///
    /// # Errors
    /// [`RequestError::UnsupportedProtocolVersion`] when `EIO` is missing or
    /// not exactly `3`/`4`; [`RequestError::UnknownTransport`] when
    /// `transport` is missing or unknown; [`RequestError::UnknownSid`] when
    /// `sid` is not a well-formed id.
    pub fn parse(query: Option<&str>) -> Result<Self, RequestError> {
        todo!("sio-engine: implement HandshakeQuery::parse ({query:?})")
    }
}
