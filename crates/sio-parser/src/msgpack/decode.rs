//! Reading one msgpack packet, with the same checks as the JSON parser.
//! `rmp` reads the markers, lengths and scalars; declared lengths never
//! reserve more than the bytes actually left, and nesting is limited.

use bytes::Bytes;
use rmp::Marker;
use rmp::decode::{
    NumValueReadError, RmpReadErr, ValueReadError, read_array_len, read_bin_len, read_bool,
    read_ext_meta, read_f32, read_f64, read_fixext1, read_int, read_map_len, read_marker, read_nil,
    read_str_len,
};
use sio_engine::Str;

use crate::binary::name_head;
use crate::config::DecoderConfig;
use crate::error::DecodeError;
use crate::packet::{Data, MAX_ACK_ID, Packet, PacketKind, is_reserved_event};
use crate::value::Value;

/// Decodes one binary message into a packet.
pub(crate) fn decode(data: &[u8], config: &DecoderConfig) -> Result<Packet, DecodeError> {
    let mut reader = Reader {
        rest: data,
        max_depth: config.max_depth,
    };
    let top = reader.value(0)?;
    if !reader.rest.is_empty() {
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

/// The only way `rmp` fails on a byte slice: the bytes end early (or, for a
/// marker this reader did not check first, the type differs).
fn read_error<E: RmpReadErr>(err: ValueReadError<E>) -> DecodeError {
    match err {
        ValueReadError::TypeMismatch(_) => malformed("unsupported msgpack type"),
        ValueReadError::InvalidMarkerRead(_) | ValueReadError::InvalidDataRead(_) => {
            malformed("unexpected end")
        }
    }
}

/// As [`read_error`], for integers (every msgpack integer fits `u64` or `i64`).
fn int_error<E: RmpReadErr>(err: NumValueReadError<E>) -> DecodeError {
    match err {
        NumValueReadError::TypeMismatch(_) | NumValueReadError::OutOfRange => {
            malformed("unsupported msgpack type")
        }
        NumValueReadError::InvalidMarkerRead(_) | NumValueReadError::InvalidDataRead(_) => {
            malformed("unexpected end")
        }
    }
}

/// A cursor over the message: `rmp` reads markers, lengths and scalars from
/// `rest`, and strings and binaries are sliced out of it.
struct Reader<'a> {
    /// The bytes not read yet.
    rest: &'a [u8],
    max_depth: usize,
}

impl<'a> Reader<'a> {
    /// The next `len` bytes, once the declared length is known to fit.
    fn take(&mut self, len: u32) -> Result<&'a [u8], DecodeError> {
        let len = usize::try_from(len).map_err(|_| malformed("length"))?;
        let (bytes, rest) = self
            .rest
            .split_at_checked(len)
            .ok_or_else(|| malformed("unexpected end"))?;
        self.rest = rest;
        Ok(bytes)
    }

    /// One value; `None` is JavaScript `undefined` (fixext 1, type 0).
    fn value(&mut self, depth: usize) -> Result<Option<Value>, DecodeError> {
        // Peek at the marker, then let the matching `rmp` reader take it.
        let marker = read_marker(&mut { self.rest }).map_err(|_| malformed("unexpected end"))?;
        let rd = &mut self.rest;
        let value = match marker {
            Marker::Null => {
                read_nil(rd).map_err(read_error)?;
                Value::Null
            }
            Marker::True | Marker::False => Value::Bool(read_bool(rd).map_err(read_error)?),
            Marker::FixPos(_) | Marker::U8 | Marker::U16 | Marker::U32 | Marker::U64 => {
                Value::Number(read_int::<u64, _>(rd).map_err(int_error)?.into())
            }
            Marker::FixNeg(_) | Marker::I8 | Marker::I16 | Marker::I32 | Marker::I64 => {
                Value::Number(read_int::<i64, _>(rd).map_err(int_error)?.into())
            }
            Marker::F32 => float(f64::from(read_f32(rd).map_err(read_error)?)),
            Marker::F64 => float(read_f64(rd).map_err(read_error)?),
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                let len = read_str_len(rd).map_err(read_error)?;
                self.string(len)?
            }
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
                let len = read_bin_len(rd).map_err(read_error)?;
                Value::Binary(Bytes::copy_from_slice(self.take(len)?))
            }
            // Browsers' ArrayBuffers arrive as extension type 0.
            Marker::Ext8 | Marker::Ext16 | Marker::Ext32 => {
                let meta = read_ext_meta(rd).map_err(read_error)?;
                if meta.typeid != 0 {
                    return Err(malformed("unsupported extension type"));
                }
                Value::Binary(Bytes::copy_from_slice(self.take(meta.size)?))
            }
            Marker::FixExt1 => match read_fixext1(rd).map_err(read_error)? {
                (0, 0) => return Ok(None),
                _ => return Err(malformed("unsupported msgpack type")),
            },
            Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => {
                let len = read_array_len(rd).map_err(read_error)?;
                self.seq(len, depth)?
            }
            Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => {
                let len = read_map_len(rd).map_err(read_error)?;
                self.map(len, depth)?
            }
            // Dates (fixext 8) and other extensions, and the reserved marker.
            Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Reserved => return Err(malformed("unsupported msgpack type")),
        };
        Ok(Some(value))
    }

    fn string(&mut self, len: u32) -> Result<Value, DecodeError> {
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

    /// Elements to reserve for a declared `len`: never more than `MAX_PREALLOC`
    /// nor than the remaining bytes could hold at `min_size` bytes each.
    fn reserve(&self, len: u32, min_size: usize) -> usize {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        len.min(self.rest.len() / min_size).min(MAX_PREALLOC)
    }

    fn seq(&mut self, len: u32, depth: usize) -> Result<Value, DecodeError> {
        let depth = self.enter(depth)?;
        // Reserve little up front: the declared length is only a claim, and
        // nested claims must not multiply. The vector grows with real elements.
        let mut items = Vec::with_capacity(self.reserve(len, 1));
        for _ in 0..len {
            items.push(self.value(depth)?.unwrap_or(Value::Null));
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, len: u32, depth: usize) -> Result<Value, DecodeError> {
        let depth = self.enter(depth)?;
        let mut entries = Vec::with_capacity(self.reserve(len, 2));
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
    fn declared_lengths_reserve_no_more_than_the_bytes_left() {
        let few = Reader {
            rest: &[0; 10],
            max_depth: 128,
        };
        assert_eq!(few.reserve(u32::MAX, 1), 10);
        assert_eq!(few.reserve(u32::MAX, 2), 5);
        assert_eq!(few.reserve(3, 1), 3);
        let many = vec![0; 10_000];
        let many = Reader {
            rest: &many,
            max_depth: 128,
        };
        assert_eq!(many.reserve(u32::MAX, 1), MAX_PREALLOC);
        // An array32 claiming 2^32 - 1 elements in a 5-byte message.
        let claim = [0xdd, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(packet(&claim), Err(DecodeError::Malformed(_))));
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
