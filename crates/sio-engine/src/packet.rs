//! One Engine.IO packet and its text and binary forms (protocols 4 and 3).
//!
//! Text form: the type digit followed by the data (`4hello`, `2probe`).
//! Binary form on WebSocket: protocol 4 sends the raw bytes of a binary
//! message; protocol 3 prefixes them with the type byte `0x04`.

use base64::Engine as _;
use bytes::{BufMut, Bytes, BytesMut};

use crate::{DecodeError, Protocol, Str, TextFrame, WsFrame};

/// The base64 flavour used for binary messages in text form: the standard
/// alphabet, padding accepted but not required (Node's decoder is lenient
/// about padding), canonical padding on output.
pub(crate) const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// The type byte of a MESSAGE packet in protocol 3 binary forms.
const MESSAGE_TYPE_BYTE: u8 = 4;

/// An application message carried by an Engine.IO MESSAGE packet.
///
/// Equality is by content: a [`Message::Framed`] equals the
/// [`Message::Text`] of the same text.
#[derive(Debug, Clone)]
pub enum Message {
    /// A text message.
    Text(Str),
    /// A binary message.
    Binary(Bytes),
    /// A text message written with its type digit (see [`TextFrame`]):
    /// sent as it is, never copied. Only sent; what a client sends is
    /// always [`Message::Text`].
    Framed(TextFrame),
}

impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Binary(a), Self::Binary(b)) => a == b,
            (Self::Binary(_), _) | (_, Self::Binary(_)) => false,
            (a, b) => a.text() == b.text(),
        }
    }
}

impl Eq for Message {}

impl Message {
    /// The text of a text message, framed or not.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Framed(frame) => Some(frame.text()),
            Self::Binary(_) => None,
        }
    }

    /// The length of the message in bytes (a framed text without its
    /// digit).
    pub fn len(&self) -> usize {
        match self {
            Self::Text(text) => text.len(),
            Self::Binary(data) => data.len(),
            Self::Framed(frame) => frame.text().len(),
        }
    }

    /// True for an empty message.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
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
    /// The bytes this packet counts for in a send buffer: a message's
    /// length ([`Message::len`]), 0 for a control packet.
    pub fn message_len(&self) -> usize {
        match self {
            Self::Message(msg) => msg.len(),
            _ => 0,
        }
    }

    /// Decodes a packet in text form (a WebSocket text frame, or one record
    /// of a polling payload). A text form starting with `b` is a base64
    /// binary message (`b…` in protocol 4, `b4…` in protocol 3).
    ///
    /// Only the forms a client sends are accepted: OPEN, and PING, PONG,
    /// CLOSE, UPGRADE or NOOP with data other than `probe` on PING/PONG,
    /// are [`DecodeError::UnexpectedPacket`].
    ///
    /// # Errors
    /// A [`DecodeError`] for anything that is not a packet a client may send.
    pub fn decode_text(protocol: Protocol, text: Str) -> Result<Self, DecodeError> {
        let bytes = text.as_bytes();
        let Some(&first) = bytes.first() else {
            return Err(DecodeError::Empty);
        };
        let data = bytes.slice(1..);
        match first {
            b'b' => decode_base64(protocol, &data),
            b'0' => Err(DecodeError::UnexpectedPacket),
            b'1' => no_data(&data, Self::Close),
            b'2' => Ok(Self::Ping {
                probe: probe_data(&data)?,
            }),
            b'3' => Ok(Self::Pong {
                probe: probe_data(&data)?,
            }),
            b'4' => {
                // `data` starts after an ASCII byte of valid UTF-8.
                let text = Str::from_utf8(data).map_err(|_| DecodeError::InvalidUtf8)?;
                Ok(Self::Message(Message::Text(text)))
            }
            b'5' => no_data(&data, Self::Upgrade),
            b'6' => no_data(&data, Self::Noop),
            _ => Err(DecodeError::UnknownType),
        }
    }

    /// Decodes a WebSocket binary frame (protocol 4: the message bytes;
    /// protocol 3: a type byte, then the bytes).
    ///
    /// # Errors
    /// A [`DecodeError`] when the frame is not a binary message.
    pub fn decode_binary(protocol: Protocol, data: Bytes) -> Result<Self, DecodeError> {
        match protocol {
            Protocol::V4 => Ok(Self::Message(Message::Binary(data))),
            Protocol::V3 => match data.first() {
                None => Err(DecodeError::Empty),
                Some(&MESSAGE_TYPE_BYTE) => Ok(Self::Message(Message::Binary(data.slice(1..)))),
                Some(0..=6) => Err(DecodeError::UnexpectedPacket),
                Some(_) => Err(DecodeError::UnknownType),
            },
        }
    }

    /// The packet's type digit (`0`–`6`).
    pub fn type_char(&self) -> char {
        match self {
            Self::Open(_) => '0',
            Self::Close => '1',
            Self::Ping { .. } => '2',
            Self::Pong { .. } => '3',
            Self::Message(_) => '4',
            Self::Upgrade => '5',
            Self::Noop => '6',
        }
    }

    /// True for a MESSAGE packet carrying binary data.
    pub fn is_binary(&self) -> bool {
        matches!(self, Self::Message(Message::Binary(_)))
    }

    /// Encodes the packet in text form. Binary messages go base64: `b…` in
    /// protocol 4, `b4…` in protocol 3. The OPEN packet omits `maxPayload`
    /// when its `max_payload` is `None` (protocol 3).
    pub fn encode_text(&self, protocol: Protocol) -> Str {
        if let Self::Message(Message::Framed(frame)) = self {
            return frame.as_frame().clone();
        }
        // One allocation of the right size for the common case, a message.
        let hint = match self {
            Self::Message(Message::Text(text)) => text.len() + 1,
            Self::Message(Message::Binary(data)) => data.len().div_ceil(3) * 4 + 2,
            _ => 16,
        };
        let mut out = String::with_capacity(hint);
        self.write_text(protocol, &mut out);
        Str::from(out)
    }

    /// Appends the text form of the packet to `out` (see
    /// [`Packet::encode_text`]).
    pub fn write_text(&self, protocol: Protocol, out: &mut String) {
        match self {
            Self::Message(Message::Binary(data)) => {
                out.push('b');
                if protocol == Protocol::V3 {
                    out.push('4');
                }
                BASE64.encode_string(data, out);
            }
            Self::Message(Message::Text(text)) => {
                out.push('4');
                out.push_str(text);
            }
            Self::Message(Message::Framed(frame)) => out.push_str(frame.as_frame()),
            Self::Open(open) => {
                out.push('0');
                // Serializing a struct of strings and integers cannot fail;
                // should it ever, the client sees an OPEN it rejects rather
                // than the server panicking.
                out.push_str(&serde_json::to_string(open).unwrap_or_default());
            }
            Self::Ping { probe } | Self::Pong { probe } => {
                out.push(self.type_char());
                if *probe {
                    out.push_str("probe");
                }
            }
            Self::Close | Self::Upgrade | Self::Noop => out.push(self.type_char()),
        }
    }

    /// Encodes the packet as one WebSocket frame. Binary messages are
    /// binary frames (protocol 4: the bytes; protocol 3: `0x04` then the
    /// bytes) unless `supports_binary` is false (protocol 3 `b64=1`), in
    /// which case they go base64 in a text frame, as everything else does.
    pub fn encode_ws(&self, protocol: Protocol, supports_binary: bool) -> WsFrame {
        match self {
            Self::Message(Message::Binary(data)) if protocol == Protocol::V4 => {
                WsFrame::Binary(data.clone())
            }
            Self::Message(Message::Binary(data)) if supports_binary => {
                let mut buf = BytesMut::with_capacity(data.len() + 1);
                buf.put_u8(MESSAGE_TYPE_BYTE);
                buf.put_slice(data);
                WsFrame::Binary(buf.freeze())
            }
            _ => WsFrame::Text(self.encode_text(protocol)),
        }
    }
}

/// `probe` or nothing, as the data of a PING or PONG.
fn probe_data(data: &[u8]) -> Result<bool, DecodeError> {
    match data {
        b"" => Ok(false),
        b"probe" => Ok(true),
        _ => Err(DecodeError::UnexpectedPacket),
    }
}

/// A packet type that carries no data.
fn no_data(data: &[u8], packet: Packet) -> Result<Packet, DecodeError> {
    if data.is_empty() {
        Ok(packet)
    } else {
        Err(DecodeError::UnexpectedPacket)
    }
}

/// The part after `b`: base64 (protocol 4) or `4` + base64 (protocol 3).
fn decode_base64(protocol: Protocol, data: &[u8]) -> Result<Packet, DecodeError> {
    let encoded = match protocol {
        Protocol::V4 => data,
        Protocol::V3 => match data.split_first() {
            Some((&b'4', rest)) => rest,
            Some((b'0'..=b'6', _)) => return Err(DecodeError::UnexpectedPacket),
            Some(_) => return Err(DecodeError::UnknownType),
            None => return Err(DecodeError::Empty),
        },
    };
    let bytes = BASE64
        .decode(encoded)
        .map_err(|_| DecodeError::InvalidBase64)?;
    Ok(Packet::Message(Message::Binary(Bytes::from(bytes))))
}

#[cfg(test)]
#[path = "packet_tests.rs"]
mod tests;
