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

use bytes::Bytes;

use crate::{DecodeError, Packet, Protocol};

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
/// `application/octet-stream` (protocol 3 binary framing).
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
    todo!("sio-engine: payload::decode {protocol:?} {body:?} {binary_body} {limits:?}")
}

/// Encodes packets as one polling response body.
///
/// `supports_binary` is false for protocol-3 clients that asked for `b64=1`
/// (binary messages then go base64); protocol 4 always uses the text form.
pub fn encode(protocol: Protocol, packets: &[Packet], supports_binary: bool) -> EncodedPayload {
    todo!("sio-engine: payload::encode {protocol:?} {packets:?} {supports_binary}")
}
