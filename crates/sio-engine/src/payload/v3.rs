//! Protocol-3 polling bodies: `<utf-16 length>:<packet>` text framing and
//! the `<0|1><digits>0xFF<packet>` binary framing.

use bytes::{BufMut, Bytes, BytesMut};

use super::PayloadLimits;
use crate::{DecodeError, Message, Packet, Protocol, Str};

/// Most decimal digits a length prefix may have: nine digits already cover
/// any body a server accepts.
const MAX_LENGTH_DIGITS: usize = 9;

/// Marks the end of the length digits in the binary framing.
const LENGTH_END: u8 = 0xFF;

/// Decodes a text body: `<len>:<packet>` repeated, `len` in UTF-16 units.
pub(super) fn decode_text(body: &Str, limits: PayloadLimits) -> Result<Vec<Packet>, DecodeError> {
    let text = body.as_str();
    let mut packets = Vec::new();
    let mut records = 0usize;
    let mut pos = 0;
    while let Some(rest) = text.get(pos..).filter(|rest| !rest.is_empty()) {
        let colon = rest
            .bytes()
            .take(MAX_LENGTH_DIGITS + 1)
            .position(|b| b == b':')
            .ok_or(DecodeError::InvalidLength)?;
        let units = parse_digits(rest.bytes().take(colon).map(|b| b.wrapping_sub(b'0')))?;
        let start = pos + colon + 1;
        let end = start + utf16_prefix_len(text.get(start..).unwrap_or_default(), units)?;
        records += 1;
        if records > limits.max_packets {
            return Err(DecodeError::TooManyPackets);
        }
        if end > start {
            let record = body.slice(start..end).ok_or(DecodeError::InvalidLength)?;
            packets.push(Packet::decode_text(Protocol::V3, record)?);
        }
        pos = end;
    }
    Ok(packets)
}

/// Decodes a binary body: `<0 text|1 binary><digits, one per byte>0xFF<packet>`
/// repeated, the length counting bytes.
pub(super) fn decode_binary(
    body: &Bytes,
    limits: PayloadLimits,
) -> Result<Vec<Packet>, DecodeError> {
    let mut packets = Vec::new();
    let mut pos = 0;
    while let Some(&kind) = body.get(pos) {
        let digits = body.get(pos + 1..).unwrap_or_default();
        let end_mark = digits
            .iter()
            .take(MAX_LENGTH_DIGITS + 1)
            .position(|&b| b == LENGTH_END)
            .ok_or(DecodeError::InvalidLength)?;
        let len = parse_digits(digits.iter().take(end_mark).copied())?;
        let start = pos + 1 + end_mark + 1;
        let end = start.checked_add(len).ok_or(DecodeError::InvalidLength)?;
        if end > body.len() {
            return Err(DecodeError::InvalidLength);
        }
        if packets.len() >= limits.max_packets {
            return Err(DecodeError::TooManyPackets);
        }
        let data = body.slice(start..end);
        let packet = match kind {
            0 => {
                let text = Str::from_utf8(data).map_err(|_| DecodeError::InvalidUtf8)?;
                Packet::decode_text(Protocol::V3, text)?
            }
            1 => Packet::decode_binary(Protocol::V3, data)?,
            _ => return Err(DecodeError::InvalidLength),
        };
        packets.push(packet);
        pos = end;
    }
    Ok(packets)
}

/// Parses 1 to [`MAX_LENGTH_DIGITS`] decimal digit values (0–9 each).
fn parse_digits(digits: impl Iterator<Item = u8>) -> Result<usize, DecodeError> {
    let mut value = 0usize;
    let mut count = 0;
    for digit in digits {
        if digit > 9 || count == MAX_LENGTH_DIGITS {
            return Err(DecodeError::InvalidLength);
        }
        value = value * 10 + usize::from(digit);
        count += 1;
    }
    if count == 0 {
        return Err(DecodeError::InvalidLength);
    }
    Ok(value)
}

/// The byte length of the prefix of `text` that is exactly `units` UTF-16
/// code units long. Fails when `text` is shorter or the prefix would split
/// a surrogate pair.
fn utf16_prefix_len(text: &str, units: usize) -> Result<usize, DecodeError> {
    let mut counted = 0;
    let mut bytes = 0;
    for ch in text.chars() {
        if counted >= units {
            break;
        }
        counted += ch.len_utf16();
        bytes += ch.len_utf8();
    }
    if counted == units {
        Ok(bytes)
    } else {
        Err(DecodeError::InvalidLength)
    }
}

/// Encodes a text body; an empty list is `0:`, as Node sends it.
pub(super) fn encode_text(packets: &[Packet]) -> String {
    if packets.is_empty() {
        return String::from("0:");
    }
    let mut out = String::new();
    let mut text = String::new();
    for packet in packets {
        text.clear();
        packet.write_text(Protocol::V3, &mut text);
        out.push_str(&text.encode_utf16().count().to_string());
        out.push(':');
        out.push_str(&text);
    }
    out
}

/// Encodes a binary body: text packets as UTF-8 (`0` records), binary
/// messages as `0x04` + bytes (`1` records).
pub(super) fn encode_binary(packets: &[Packet]) -> Bytes {
    let mut out = BytesMut::new();
    for packet in packets {
        match packet {
            Packet::Message(Message::Binary(data)) => {
                put_header(&mut out, 1, data.len() + 1);
                out.put_u8(4);
                out.put_slice(data);
            }
            _ => {
                let text = packet.encode_text(Protocol::V3);
                put_header(&mut out, 0, text.len());
                out.put_slice(text.as_bytes());
            }
        }
    }
    out.freeze()
}

fn put_header(out: &mut BytesMut, kind: u8, len: usize) {
    out.put_u8(kind);
    for digit in len.to_string().bytes() {
        out.put_u8(digit - b'0');
    }
    out.put_u8(LENGTH_END);
}
