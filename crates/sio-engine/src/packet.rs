//! One Engine.IO packet and its text and binary forms (protocols 4 and 3).
//!
//! Text form: the type digit followed by the data (`4hello`, `2probe`).
//! Binary form on WebSocket: protocol 4 sends the raw bytes of a binary
//! message; protocol 3 prefixes them with the type byte `0x04`.

use bytes::Bytes;

use crate::{DecodeError, Protocol, Str};

/// An application message carried by an Engine.IO MESSAGE packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(Str),
    /// A binary message.
    Binary(Bytes),
}

/// The data of the OPEN packet that starts every session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenPacket {
    /// The session id.
    pub sid: String,
    /// Transports the client may upgrade to (`["websocket"]` on polling,
    /// `[]` on WebSocket).
    pub upgrades: Vec<&'static str>,
    /// Milliseconds between pings.
    pub ping_interval: u64,
    /// Milliseconds to wait for the answer to a ping.
    pub ping_timeout: u64,
    /// Largest payload the server accepts, in bytes (protocol 4 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_payload: Option<u64>,
}

/// One Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `0`: opens the session (server to client only).
    Open(OpenPacket),
    /// `1`: closes the session.
    Close,
    /// `2`: a ping; `2probe` during an upgrade.
    Ping {
        /// True for the upgrade probe (`2probe`).
        probe: bool,
    },
    /// `3`: a pong; `3probe` answers the probe.
    Pong {
        /// True for the probe answer (`3probe`).
        probe: bool,
    },
    /// `4`: an application message.
    Message(Message),
    /// `5`: completes an upgrade.
    Upgrade,
    /// `6`: no-op, sent to end a pending poll during an upgrade.
    Noop,
}

impl Packet {
    /// Decodes a packet in text form (a WebSocket text frame, or one record
    /// of a polling payload). A text form starting with `b` is a base64
    /// binary message (`b…` in protocol 4, `b4…` in protocol 3).
    ///
    /// # Errors
    /// A [`DecodeError`] for anything that is not a packet a client may send.
    pub fn decode_text(protocol: Protocol, text: Str) -> Result<Self, DecodeError> {
        todo!("sio-engine: Packet::decode_text {protocol:?} {text:?}")
    }

    /// Decodes a WebSocket binary frame (protocol 4: the message bytes;
    /// protocol 3: a type byte, then the bytes).
    ///
    /// # Errors
    /// A [`DecodeError`] when the frame is not a binary message.
    pub fn decode_binary(protocol: Protocol, data: Bytes) -> Result<Self, DecodeError> {
        todo!("sio-engine: Packet::decode_binary {protocol:?} {data:?}")
    }
}
