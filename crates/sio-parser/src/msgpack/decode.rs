//! Reading one msgpack packet, with the same checks as the JSON parser.
//! Declared lengths never reserve more than the bytes actually left, and
//! nesting is limited.

use bytes::Bytes;
use sio_engine::Str;

use crate::binary::name_head;
use crate::config::DecoderConfig;
use crate::error::DecodeError;
use crate::packet::{Data, MAX_ACK_ID, Packet, PacketKind, is_reserved_event};
use crate::value::Value;

/// Decodes one binary message into a packet.
pub(crate) fn decode(data: &[u8], config: &DecoderConfig) -> Result<Packet, DecodeError> {
    let mut reader = Reader {
        buf: data,
        pos: 0,
        max_depth: config.max_depth,
    };
    let top = reader.value(0)?;
    if reader.pos != data.len() {
        return Err(malformed("trailing bytes"));
    }
    let Some(Value::Object(entries)) = top else {
        return Err(DecodeError::InvalidPayload);
    };
    let (mut kind, mut ns, mut payload, mut id) = (None, None, None, None);
    for (key, value) in entries {
        match key.as_str() {
            "type" => kind = Some(value),
            "nsp" => ns = Some(value),
            "data" => payload = Some(value),
            "id" => id = Some(value),
            _ => {} // e.g. the `options` that socket.io-client adds
        }
    }
    let kind = kind
        .as_ref()
        .and_then(integer)
        .and_then(|n| u8::try_from(n).ok())
        .filter(|n| *n <= 4)
        .and_then(PacketKind::from_u8)
        .ok_or(DecodeError::UnknownType)?;
    if kind == PacketKind::ConnectError && !config.allow_connect_error {
        return Err(DecodeError::UnknownType);
    }
    let ns = match ns {
        Some(Value::String(s)) if s.starts_with('/') => Str::from(s),
        _ => return Err(DecodeError::BadNamespace),
    };
    let id = match id {
        None => None,
        Some(v) => Some(
            integer(&v)
                .filter(|n| *n <= MAX_ACK_ID)
                .ok_or(DecodeError::BadAckId)?,
        ),
    };
    let valid = match (kind, &payload) {
        (PacketKind::Connect, None) | (PacketKind::Disconnect, None) => true,
        (PacketKind::Connect, Some(Value::Object(_))) => true,
        (PacketKind::ConnectError, Some(Value::Object(_) | Value::String(_))) => true,
        (PacketKind::Event, Some(Value::Array(items))) => match items.first() {
            Some(Value::String(name)) => !is_reserved_event(name),
            Some(Value::Number(_)) => true,
            _ => false,
        },
        (PacketKind::Ack, Some(Value::Array(_))) => true,
        _ => false,
    };
    if !valid {
        return Err(DecodeError::InvalidPayload);
    }
    match (kind, id) {
        (PacketKind::Ack, None) => return Err(DecodeError::MissingAckId),
        (PacketKind::Connect | PacketKind::Disconnect | PacketKind::ConnectError, Some(_)) => {
            return Err(DecodeError::BadAckId);
        }
        _ => {}
    }
    let data = match payload {
        None => Data::None,
        Some(mut value) => {
            if kind == PacketKind::Event {
                name_head(&mut value);
            }
            Data::Value(value)
        }
    };
    Ok(Packet { kind, ns, id, data })
}

/// A non-negative integer (JavaScript's `Number.isInteger`, floats included).
fn integer(value: &Value) -> Option<u64> {
    let Value::Number(n) = value else { return None };
    n.as_u64().or_else(|| {
        let f = n.as_f64()?;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        (f.fract() == 0.0 && (0.0..=MAX_ACK_ID as f64).contains(&f)).then_some(f as u64)
    })
}

/// Most elements reserved from a declared length before they are read.
const MAX_PREALLOC: usize = 64;

fn malformed(what: &str) -> DecodeError {
    DecodeError::Malformed(what.to_owned())
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    max_depth: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| malformed("length overflow"))?;
        let bytes = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| malformed("unexpected end"))?;
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    fn len(&mut self, width: u8) -> Result<usize, DecodeError> {
        Ok(match width {
            1 => usize::from(self.u8()?),
            2 => usize::from(u16::from_be_bytes(self.array()?)),
            _ => usize::try_from(u32::from_be_bytes(self.array()?))
                .map_err(|_| malformed("length"))?,
        })
    }

    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// One value; `None` is JavaScript `undefined` (fixext 1, type 0).
    fn value(&mut self, depth: usize) -> Result<Option<Value>, DecodeError> {
        let marker = self.u8()?;
        let value = match marker {
            0x00..=0x7f => Value::Number(marker.into()),
            0x80..=0x8f => self.map(usize::from(marker & 0x0f), depth)?,
            0x90..=0x9f => self.seq(usize::from(marker & 0x0f), depth)?,
            0xa0..=0xbf => self.string(usize::from(marker & 0x1f))?,
            0xc0 => Value::Null,
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4..=0xc6 => {
                let len = self.len(1 << (marker - 0xc4))?;
                Value::Binary(Bytes::copy_from_slice(self.take(len)?))
            }
            0xc7..=0xc9 => {
                let len = self.len(1 << (marker - 0xc7))?;
                if self.u8()? != 0 {
                    return Err(malformed("unsupported extension type"));
                }
                Value::Binary(Bytes::copy_from_slice(self.take(len)?))
            }
            0xca => float(f64::from(f32::from_be_bytes(self.array()?))),
            0xcb => float(f64::from_be_bytes(self.array()?)),
            0xcc => Value::Number(self.u8()?.into()),
            0xcd => Value::Number(u16::from_be_bytes(self.array()?).into()),
            0xce => Value::Number(u32::from_be_bytes(self.array()?).into()),
            0xcf => Value::Number(u64::from_be_bytes(self.array()?).into()),
            0xd0 => Value::Number(i8::from_be_bytes(self.array()?).into()),
            0xd1 => Value::Number(i16::from_be_bytes(self.array()?).into()),
            0xd2 => Value::Number(i32::from_be_bytes(self.array()?).into()),
            0xd3 => Value::Number(i64::from_be_bytes(self.array()?).into()),
            0xd4 if self.array::<2>()? == [0, 0] => return Ok(None),
            0xd9..=0xdb => {
                let len = self.len(1 << (marker - 0xd9))?;
                self.string(len)?
            }
            0xdc | 0xdd => {
                let len = self.len(if marker == 0xdc { 2 } else { 4 })?;
                self.seq(len, depth)?
            }
            0xde | 0xdf => {
                let len = self.len(if marker == 0xde { 2 } else { 4 })?;
                self.map(len, depth)?
            }
            0xe0..=0xff => Value::Number(i8::from_be_bytes([marker]).into()),
            _ => return Err(malformed("unsupported msgpack type")),
        };
        Ok(Some(value))
    }

    fn string(&mut self, len: usize) -> Result<Value, DecodeError> {
        let bytes = self.take(len)?;
        let s = std::str::from_utf8(bytes).map_err(|_| malformed("invalid UTF-8 in string"))?;
        Ok(Value::String(s.to_owned()))
    }

    fn enter(&self, depth: usize) -> Result<usize, DecodeError> {
        if depth >= self.max_depth {
            return Err(DecodeError::TooDeep {
                limit: self.max_depth,
            });
        }
        Ok(depth + 1)
    }

    fn seq(&mut self, len: usize, depth: usize) -> Result<Value, DecodeError> {
        let depth = self.enter(depth)?;
        // Reserve little up front: the declared length is only a claim, and
        // nested claims must not multiply. The vector grows with real elements.
        let mut items = Vec::with_capacity(len.min(self.remaining()).min(MAX_PREALLOC));
        for _ in 0..len {
            items.push(self.value(depth)?.unwrap_or(Value::Null));
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, len: usize, depth: usize) -> Result<Value, DecodeError> {
        let depth = self.enter(depth)?;
        let mut entries = Vec::with_capacity(len.min(self.remaining() / 2).min(MAX_PREALLOC));
        for _ in 0..len {
            let key = match self.value(depth)? {
                Some(Value::String(s)) => s,
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(malformed("map key must be a string")),
            };
            // JavaScript drops keys whose value is undefined when serializing.
            if let Some(value) = self.value(depth)? {
                entries.push((key, value));
            }
        }
        Ok(Value::Object(entries))
    }
}

/// JavaScript has one number type: an integral float is the same number as
/// the integer, and notepack writes integral numbers as integers (as does
/// our encoder), so such floats are read as integers.
fn float(f: f64) -> Value {
    if f.fract() == 0.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
            return Value::Number((f as u64).into());
        } else if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
            return Value::Number((f as i64).into());
        }
    }
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(bytes: &[u8]) -> Result<Packet, DecodeError> {
        decode(bytes, &DecoderConfig::default())
    }

    /// `{"type":2,"nsp":"/","data":["a", <float64 f>]}`
    fn event_with_float(f: f64) -> Vec<u8> {
        let mut out = vec![
            0x83, 0xa4, b't', b'y', b'p', b'e', 0x02, 0xa3, b'n', b's', b'p', 0xa1, b'/',
        ];
        out.extend_from_slice(&[0xa4, b'd', b'a', b't', b'a', 0x92, 0xa1, b'a', 0xcb]);
        out.extend_from_slice(&f.to_be_bytes());
        out
    }

    #[test]
    fn integral_floats_are_integers() {
        // Found by fuzzing: a float the encoder writes back as an integer.
        for (f, want) in [
            (2.0, Value::from(2)),
            (
                -2.848_394_298_930_495_5e18,
                Value::from(-2_848_394_298_930_495_488),
            ),
        ] {
            let p = packet(&event_with_float(f)).unwrap();
            assert_eq!(p.arg_values().unwrap(), vec![want]);
        }
        let p = packet(&event_with_float(1.5)).unwrap();
        assert_eq!(p.arg::<f64>(0).unwrap(), 1.5);
    }

    #[test]
    fn undefined_and_extensions() {
        // {"type":1,"nsp":"/","data":undefined} is a DISCONNECT without data.
        let undefined = [
            0x83, 0xa4, b't', b'y', b'p', b'e', 0x01, 0xa3, b'n', b's', b'p', 0xa1, b'/', 0xa4,
            b'd', b'a', b't', b'a', 0xd4, 0, 0,
        ];
        assert_eq!(packet(&undefined).unwrap().data, Data::None);
        // A Date (fixext 8, type 0) is not supported.
        let mut date = event_with_float(0.0);
        let at = date.len() - 9;
        date.truncate(at);
        date.extend_from_slice(&[0xd7, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert!(matches!(packet(&date), Err(DecodeError::Malformed(_))));
        // Trailing bytes after the packet are refused.
        let mut trailing = event_with_float(1.5);
        trailing.push(0xc0);
        assert!(matches!(packet(&trailing), Err(DecodeError::Malformed(_))));
    }
}
