//! HTTP long-polling bodies.
//!
//! Protocol 4: packets in text form joined by the record separator `\x1e`;
//! binary messages as `b` + base64.
//!
//! Protocol 3: each packet as `<length>:<packet>`, where the length counts
//! UTF-16 code units; binary messages as `b4` + base64, or (clients that
//! take binary bodies, `b64` absent) the binary framing
//! `<0|1><length digits as bytes>0xFF<packet>` with content type
//! `application/octet-stream`.

mod v3;

use bytes::Bytes;

use crate::{DecodeError, Packet, Protocol, Str};

/// Content type of a text polling body.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; charset=UTF-8";

/// Content type of a protocol-3 binary polling body.
pub const BINARY_CONTENT_TYPE: &str = "application/octet-stream";

/// The record separator between packets of a protocol-4 body.
const SEPARATOR: u8 = 0x1e;

/// Limits applied while decoding a polling body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadLimits {
    /// Most packets one body may hold (default 64: bounds per-request work
    /// independently of the byte limit).
    pub max_packets: usize,
}

impl Default for PayloadLimits {
    fn default() -> Self {
        Self { max_packets: 64 }
    }
}

/// A polling body ready to send, with its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPayload {
    /// The body.
    pub body: Bytes,
    /// `text/plain; charset=UTF-8` or `application/octet-stream`.
    pub content_type: &'static str,
}

/// Decodes a polling POST body.
///
/// `binary_body` is true when the request's content type was
/// `application/octet-stream` (protocol 3 binary framing; refused in
/// protocol 4, as Node does).
///
/// # Errors
/// A [`DecodeError`] on malformed framing, a bad packet, or more packets
/// than `limits.max_packets`. Decoding always terminates, in time linear in
/// the body's length.
pub fn decode(
    protocol: Protocol,
    body: Bytes,
    binary_body: bool,
    limits: PayloadLimits,
) -> Result<Vec<Packet>, DecodeError> {
    if body.is_empty() {
        return Err(DecodeError::Empty);
    }
    match (protocol, binary_body) {
        (Protocol::V4, true) => Err(DecodeError::UnexpectedPacket),
        (Protocol::V4, false) => decode_v4(utf8(body)?, limits),
        (Protocol::V3, false) => v3::decode_text(&utf8(body)?, limits),
        (Protocol::V3, true) => v3::decode_binary(&body, limits),
    }
}

/// Encodes packets as one polling response body.
///
/// `supports_binary` is false for protocol-3 clients that asked for `b64=1`
/// (binary messages then go base64); protocol 4 always uses the text form.
/// A protocol-3 body uses the binary framing only when it holds a binary
/// message and the client supports it.
pub fn encode(protocol: Protocol, packets: &[Packet], supports_binary: bool) -> EncodedPayload {
    match protocol {
        Protocol::V4 => text_payload(encode_v4(packets)),
        Protocol::V3 if supports_binary && packets.iter().any(Packet::is_binary) => {
            EncodedPayload {
                body: v3::encode_binary(packets),
                content_type: BINARY_CONTENT_TYPE,
            }
        }
        Protocol::V3 => text_payload(v3::encode_text(packets)),
    }
}

fn text_payload(text: String) -> EncodedPayload {
    EncodedPayload {
        body: Bytes::from(text),
        content_type: TEXT_CONTENT_TYPE,
    }
}

fn utf8(body: Bytes) -> Result<Str, DecodeError> {
    Str::from_utf8(body).map_err(|_| DecodeError::InvalidUtf8)
}

fn decode_v4(body: Str, limits: PayloadLimits) -> Result<Vec<Packet>, DecodeError> {
    let bytes = body.as_bytes();
    // Count first, so that an oversized body is refused before any work.
    let records = memchr::memchr_iter(SEPARATOR, bytes).count() + 1;
    if records > limits.max_packets {
        return Err(DecodeError::TooManyPackets);
    }
    let mut packets = Vec::with_capacity(records);
    let mut start = 0;
    // The separator is ASCII, so every record falls on char boundaries.
    for i in memchr::memchr_iter(SEPARATOR, bytes) {
        packets.push(decode_record(&body, start..i)?);
        start = i + 1;
    }
    packets.push(decode_record(&body, start..bytes.len())?);
    Ok(packets)
}

fn decode_record(body: &Str, range: std::ops::Range<usize>) -> Result<Packet, DecodeError> {
    let record = body.slice(range).ok_or(DecodeError::InvalidLength)?;
    Packet::decode_text(Protocol::V4, record)
}

fn encode_v4(packets: &[Packet]) -> String {
    let mut out = String::new();
    for (i, packet) in packets.iter().enumerate() {
        if i > 0 {
            out.push(char::from(SEPARATOR));
        }
        packet.write_text(Protocol::V4, &mut out);
    }
    out
}

#[cfg(test)]
mod tests;
