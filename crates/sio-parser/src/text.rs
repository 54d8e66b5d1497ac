//! Decoding one text frame of the default (JSON) parser:
//! `<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]`.

use bytes::Bytes;
use sio_engine::Str;

use crate::config::DecoderConfig;
use crate::error::DecodeError;
use crate::packet::{Data, MAX_ACK_ID, Packet, PacketKind, RawJson, Version};
use crate::shape::{self, Head, Shape};

/// A text frame decoded: either a whole packet, or the JSON part of a binary
/// packet that waits for `attachments` binary frames.
#[derive(Debug)]
pub(crate) enum Decoded {
    Complete(Packet),
    Binary {
        packet: Packet,
        json: Bytes,
        attachments: usize,
    },
}

/// The default namespace, shared without allocating.
pub(crate) const ROOT_NS: Str = Str::from_static("/");

/// Decodes one text frame.
pub(crate) fn decode(
    frame: &Str,
    version: Version,
    config: &DecoderConfig,
) -> Result<Decoded, DecodeError> {
    let bytes = frame.as_bytes();
    let mut cursor = Cursor { bytes, pos: 0 };
    let kind = cursor
        .next()
        .ok_or(DecodeError::Empty)?
        .checked_sub(b'0')
        .and_then(PacketKind::from_u8)
        .ok_or(DecodeError::UnknownType)?;
    if kind == PacketKind::ConnectError && !config.allow_connect_error {
        return Err(DecodeError::UnknownType);
    }
    let attachments = if kind.is_binary() {
        cursor.attachments(config.max_attachments)?
    } else {
        0
    };
    let (ns, query) = cursor.namespace(version, kind)?;
    let id = cursor.ack_id()?;
    let json = bytes.slice(cursor.pos..);
    let data = payload(kind, id, json.clone(), config.max_depth)?;
    let data = match (data, query) {
        (Data::None, Some(query)) => Data::Query(query),
        (data, _) => data,
    };
    let packet = Packet { kind, ns, id, data };
    if kind.is_binary() {
        Ok(Decoded::Binary {
            packet,
            json,
            attachments,
        })
    } else {
        Ok(Decoded::Complete(packet))
    }
}

/// Checks the payload against what `kind` requires.
fn payload(
    kind: PacketKind,
    id: Option<u64>,
    json: Bytes,
    max_depth: usize,
) -> Result<Data, DecodeError> {
    let shape = match kind {
        PacketKind::Connect | PacketKind::Disconnect | PacketKind::ConnectError if id.is_some() => {
            return Err(DecodeError::BadAckId);
        }
        PacketKind::Connect if json.is_empty() => return Ok(Data::None),
        PacketKind::Disconnect if json.is_empty() => return Ok(Data::None),
        PacketKind::Disconnect => return Err(DecodeError::InvalidPayload),
        PacketKind::Connect => Shape::Object,
        PacketKind::ConnectError => Shape::StringOrObject,
        PacketKind::Event | PacketKind::BinaryEvent => Shape::Event,
        PacketKind::Ack | PacketKind::BinaryAck if id.is_none() => {
            return Err(DecodeError::MissingAckId);
        }
        PacketKind::Ack | PacketKind::BinaryAck => Shape::Array,
    };
    if json.is_empty() {
        return Err(DecodeError::InvalidPayload);
    }
    let head = shape::check(&json, shape, max_depth)?;
    let event = match head {
        None => None,
        Some(Head::Owned(name)) => Some(Str::from(name)),
        Some(Head::Range(range)) => {
            let slice = json.get(range.clone()).map(|_| json.slice(range));
            Some(
                slice
                    .and_then(|s| Str::from_utf8(s).ok())
                    .ok_or(DecodeError::InvalidPayload)?,
            )
        }
    };
    Ok(Data::Json(RawJson { json, event }))
}

struct Cursor<'a> {
    bytes: &'a Bytes,
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    /// `<digits>-`, stopping as soon as the count passes `max`.
    fn attachments(&mut self, max: usize) -> Result<usize, DecodeError> {
        let start = self.pos;
        let mut n: usize = 0;
        loop {
            match self.next() {
                Some(d @ b'0'..=b'9') => {
                    n = n
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(usize::from(d - b'0')))
                        .filter(|n| *n <= max)
                        .ok_or(DecodeError::TooManyAttachments { limit: max })?;
                }
                Some(b'-') if self.pos - 1 > start => return Ok(n),
                _ => return Err(DecodeError::BadAttachmentHeader),
            }
        }
    }

    /// `/<name>,` (or `/<name>` up to the end); `/` when absent. In protocol
    /// 4 a CONNECT namespace may carry `?<query>`.
    fn namespace(
        &mut self,
        version: Version,
        kind: PacketKind,
    ) -> Result<(Str, Option<Str>), DecodeError> {
        if self.peek() != Some(b'/') {
            return Ok((ROOT_NS, None));
        }
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or_default();
        let len = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
        let end = start + len;
        self.pos = if end < self.bytes.len() { end + 1 } else { end };
        let str_of = |range: std::ops::Range<usize>| {
            Str::from_utf8(self.bytes.slice(range)).map_err(|_| DecodeError::BadNamespace)
        };
        if version == Version::V4 && kind == PacketKind::Connect {
            if let Some(q) = rest
                .get(..len)
                .and_then(|ns| ns.iter().position(|&b| b == b'?'))
            {
                return Ok((str_of(start..start + q)?, Some(str_of(start + q + 1..end)?)));
            }
        }
        Ok((str_of(start..end)?, None))
    }

    /// Decimal digits, at most [`MAX_ACK_ID`].
    fn ack_id(&mut self) -> Result<Option<u64>, DecodeError> {
        let mut id: Option<u64> = None;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            let next = id.unwrap_or(0) * 10 + u64::from(d - b'0');
            if next > MAX_ACK_ID {
                return Err(DecodeError::BadAckId);
            }
            id = Some(next);
            self.pos += 1;
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_v5(frame: &str) -> Result<Decoded, DecodeError> {
        decode(
            &Str::from(frame.to_owned()),
            Version::V5,
            &DecoderConfig::default(),
        )
    }

    #[test]
    fn header_fields() {
        let Ok(Decoded::Binary {
            packet,
            json,
            attachments,
        }) = decode_v5(r#"52-/a,7["x",1]"#)
        else {
            panic!("binary header expected")
        };
        assert_eq!(
            (packet.kind, packet.ns.as_str(), packet.id, attachments),
            (PacketKind::BinaryEvent, "/a", Some(7), 2)
        );
        assert_eq!(&json[..], br#"["x",1]"#);
        let Ok(Decoded::Complete(packet)) = decode_v5("1/a") else {
            panic!()
        };
        assert_eq!(
            (packet.kind, packet.ns.as_str(), packet.data),
            (PacketKind::Disconnect, "/a", Data::None)
        );
    }

    #[test]
    fn event_name_is_a_slice_of_the_frame() {
        let frame = Str::from(r#"2["chat",{}]"#);
        let Ok(Decoded::Complete(packet)) = decode(&frame, Version::V5, &DecoderConfig::default())
        else {
            panic!()
        };
        let Data::Json(raw) = &packet.data else {
            panic!()
        };
        let name = raw.event.as_ref().unwrap();
        assert_eq!(name.as_str(), "chat");
        assert_eq!(name.as_bytes().as_ptr(), frame.as_bytes()[3..].as_ptr());
    }

    #[test]
    fn floats_keep_their_exact_value() {
        // Found by fuzzing: many-digit floats must parse to the nearest double.
        let Ok(Decoded::Complete(packet)) = decode_v5(r#"2["a",-5.222222222222222e+39]"#) else {
            panic!()
        };
        let f: f64 = packet.arg(0).unwrap();
        assert_eq!(f, -5.222_222_222_222_222e39);
        assert_eq!(
            serde_json::to_string(&f).unwrap().parse::<f64>().unwrap(),
            f
        );
    }
}
