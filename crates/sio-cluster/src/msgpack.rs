//! msgpack as notepack.io (Node's adapter) writes and reads it, to and from
//! [`Value`]: smallest integer forms, float64 only for non-integral numbers,
//! map keys in order, `bin` for binary, and the timestamp extension (a
//! JavaScript `Date`) read as its ISO-8601 text.

use serde_json::Number;
use sio_parser::Value;

/// How deep arrays and maps may nest in a message from Redis.
pub const MAX_DEPTH: usize = 64;

/// Most elements reserved from a declared length before they are read (as
/// sio-parser's decoder): a length is only a claim, and nested claims must
/// not multiply. Vectors grow with the elements actually read.
const MAX_PREALLOC: usize = 64;

/// Why bytes from Redis are not a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MsgpackError {
    /// The input ends inside a value.
    Truncated,
    /// A marker msgpack never uses (0xc1).
    BadMarker,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A string that is not UTF-8, or a map key that is neither a string nor
    /// an integer.
    BadText,
    /// Bytes left after the value.
    Trailing,
}

/// Writes `value` as notepack does.
pub fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Number(n) => number(n, out),
        Value::String(s) => str(s, out),
        Value::Binary(b) => {
            len_header(b.len(), out, None, [0xc4, 0xc5, 0xc6]);
            out.extend_from_slice(b);
        }
        Value::Array(items) => {
            len_header(items.len(), out, Some((0x90, 16)), [0xdc, 0xdc, 0xdd]);
            for item in items {
                encode(item, out);
            }
        }
        Value::Object(entries) => {
            len_header(entries.len(), out, Some((0x80, 16)), [0xde, 0xde, 0xdf]);
            for (k, v) in entries {
                str(k, out);
                encode(v, out);
            }
        }
    }
}

/// A length header: the fix form below its limit, else the 8/16/32-bit
/// forms of `wide` (arrays and maps have no 8-bit form: the 16-bit marker
/// is repeated there and the length written on 16 bits).
fn len_header(len: usize, out: &mut Vec<u8>, fix: Option<(u8, usize)>, wide: [u8; 3]) {
    if let Some((marker, limit)) = fix
        && len < limit
    {
        out.push(marker | len as u8);
    } else if len < 256 && wide[0] != wide[1] {
        out.extend_from_slice(&[wide[0], len as u8]);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(wide[1]);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(wide[2]);
        out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
    }
}

fn str(s: &str, out: &mut Vec<u8>) {
    if s.len() < 32 {
        out.push(0xa0 | s.len() as u8);
    } else {
        len_header(s.len(), out, None, [0xd9, 0xda, 0xdb]);
    }
    out.extend_from_slice(s.as_bytes());
}

fn number(n: &Number, out: &mut Vec<u8>) {
    if let Some(u) = n.as_u64() {
        return uint(u, out);
    }
    if let Some(i) = n.as_i64() {
        return int(i, out);
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    // JavaScript has one number type: an integral value goes as an integer.
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
        if f >= 0.0 {
            uint(f as u64, out);
        } else {
            int(f as i64, out);
        }
    } else {
        out.push(0xcb);
        out.extend_from_slice(&f.to_be_bytes());
    }
}

fn uint(u: u64, out: &mut Vec<u8>) {
    if u < 128 {
        out.push(u as u8);
    } else if let Ok(u) = u8::try_from(u) {
        out.extend_from_slice(&[0xcc, u]);
    } else if let Ok(u) = u16::try_from(u) {
        out.push(0xcd);
        out.extend_from_slice(&u.to_be_bytes());
    } else if let Ok(u) = u32::try_from(u) {
        out.push(0xce);
        out.extend_from_slice(&u.to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

fn int(i: i64, out: &mut Vec<u8>) {
    if i >= 0 {
        uint(i.unsigned_abs(), out);
    } else if i >= -32 {
        out.push(i as u8);
    } else if let Ok(i) = i8::try_from(i) {
        out.extend_from_slice(&[0xd0, i as u8]);
    } else if let Ok(i) = i16::try_from(i) {
        out.push(0xd1);
        out.extend_from_slice(&i.to_be_bytes());
    } else if let Ok(i) = i32::try_from(i) {
        out.push(0xd2);
        out.extend_from_slice(&i.to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

/// Reads one value that spans all of `bytes`.
///
/// # Errors
/// [`MsgpackError`] for anything but exactly one well-formed value.
pub fn decode(bytes: &[u8]) -> Result<Value, MsgpackError> {
    let mut reader = Reader {
        buf: bytes,
        reserved: 0,
    };
    let value = reader.value(0)?;
    if reader.buf.is_empty() {
        Ok(value)
    } else {
        Err(MsgpackError::Trailing)
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    /// Elements reserved so far, all levels together (what the caps bound).
    reserved: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], MsgpackError> {
        if n > self.buf.len() {
            return Err(MsgpackError::Truncated);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], MsgpackError> {
        self.take(N)?
            .try_into()
            .map_err(|_| MsgpackError::Truncated)
    }

    /// Elements to reserve for a declared `n`: never more than
    /// [`MAX_PREALLOC`], nor than the rest of the input could hold at
    /// `min_size` bytes each.
    fn reserve(&mut self, n: usize, min_size: usize) -> usize {
        let n = n.min(self.buf.len() / min_size).min(MAX_PREALLOC);
        self.reserved += n;
        n
    }

    fn len(&mut self, width: usize) -> Result<usize, MsgpackError> {
        Ok(match width {
            1 => usize::from(self.array::<1>()?[0]),
            2 => usize::from(u16::from_be_bytes(self.array()?)),
            _ => u32::from_be_bytes(self.array()?) as usize,
        })
    }

    fn value(&mut self, depth: usize) -> Result<Value, MsgpackError> {
        if depth > MAX_DEPTH {
            return Err(MsgpackError::TooDeep);
        }
        let marker = self.array::<1>()?[0];
        Ok(match marker {
            0x00..=0x7f => uv(u64::from(marker)),
            0x80..=0x8f => self.map(usize::from(marker & 0x0f), depth)?,
            0x90..=0x9f => self.seq(usize::from(marker & 0x0f), depth)?,
            0xa0..=0xbf => self.text(usize::from(marker & 0x1f))?,
            0xc0 => Value::Null,
            0xc1 => return Err(MsgpackError::BadMarker),
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4..=0xc6 => {
                let n = self.len(1 << (marker - 0xc4))?;
                Value::Binary(self.take(n)?.to_vec().into())
            }
            0xc7..=0xc9 => {
                let n = self.len(1 << (marker - 0xc7))?;
                self.ext(n)?
            }
            0xca => float(f64::from(f32::from_be_bytes(self.array()?))),
            0xcb => float(f64::from_be_bytes(self.array()?)),
            0xcc => uv(u64::from(self.array::<1>()?[0])),
            0xcd => uv(u64::from(u16::from_be_bytes(self.array()?))),
            0xce => uv(u64::from(u32::from_be_bytes(self.array()?))),
            0xcf => uv(u64::from_be_bytes(self.array()?)),
            0xd0 => Value::from(i64::from(i8::from_be_bytes(self.array()?))),
            0xd1 => Value::from(i64::from(i16::from_be_bytes(self.array()?))),
            0xd2 => Value::from(i64::from(i32::from_be_bytes(self.array()?))),
            0xd3 => Value::from(i64::from_be_bytes(self.array()?)),
            0xd4..=0xd8 => self.ext(1 << (marker - 0xd4))?,
            0xd9..=0xdb => {
                let n = self.len(1 << (marker - 0xd9))?;
                self.text(n)?
            }
            0xdc | 0xdd => {
                let n = self.len(if marker == 0xdc { 2 } else { 4 })?;
                self.seq(n, depth)?
            }
            0xde | 0xdf => {
                let n = self.len(if marker == 0xde { 2 } else { 4 })?;
                self.map(n, depth)?
            }
            0xe0..=0xff => Value::from(i64::from(marker as i8)),
        })
    }

    fn text(&mut self, n: usize) -> Result<Value, MsgpackError> {
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes)
            .map(Value::from)
            .map_err(|_| MsgpackError::BadText)
    }

    /// The declared count is only a claim: see [`Reader::reserve`].
    fn seq(&mut self, n: usize, depth: usize) -> Result<Value, MsgpackError> {
        let mut items = Vec::with_capacity(self.reserve(n, 1));
        for _ in 0..n {
            items.push(self.value(depth + 1)?);
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, n: usize, depth: usize) -> Result<Value, MsgpackError> {
        let mut entries = Vec::with_capacity(self.reserve(n, 2));
        for _ in 0..n {
            let key = match self.value(depth + 1)? {
                Value::String(s) => s,
                Value::Number(n) if !n.is_f64() => n.to_string(),
                _ => return Err(MsgpackError::BadText),
            };
            entries.push((key, self.value(depth + 1)?));
        }
        Ok(Value::Object(entries))
    }

    /// An extension: the timestamp (type -1, a JavaScript `Date`) becomes its
    /// ISO-8601 text as a Node receiver would forward it; others are null.
    fn ext(&mut self, n: usize) -> Result<Value, MsgpackError> {
        let kind = self.array::<1>()?[0] as i8;
        let data = self.take(n)?;
        if kind != -1 {
            return Ok(Value::Null);
        }
        let (secs, nanos) = match data.len() {
            4 => (i64::from(be_u32(data)), 0),
            8 => {
                let v = u64::from_be_bytes(data.try_into().map_err(|_| MsgpackError::Truncated)?);
                ((v & 0x3_ffff_ffff) as i64, (v >> 34) as u32)
            }
            12 => {
                let secs = data.get(4..).and_then(|s| s.try_into().ok());
                let secs = i64::from_be_bytes(secs.ok_or(MsgpackError::Truncated)?);
                (secs, be_u32(data))
            }
            _ => return Ok(Value::Null),
        };
        Ok(crate::date::iso_string(secs, nanos).map_or(Value::Null, Value::from))
    }
}

fn be_u32(data: &[u8]) -> u32 {
    let mut b = [0u8; 4];
    for (dst, src) in b.iter_mut().zip(data) {
        *dst = *src;
    }
    u32::from_be_bytes(b)
}

/// A float as JavaScript sees it: NaN and infinities have no JSON form and
/// become null, as `JSON.stringify` makes them.
fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn uv(u: u64) -> Value {
    Value::Number(u.into())
}

#[cfg(test)]
mod tests {
    use proptest::collection::vec;
    use proptest::prelude::*;
    use serde_json::Number;
    use sio_parser::Value;

    use super::{MAX_DEPTH, MAX_PREALLOC, Reader, decode, encode};

    /// Arrays and maps nested `MAX_DEPTH` deep, each claiming 2^32 - 1
    /// elements, over 256 KiB of padding: every level reserves at most
    /// `MAX_PREALLOC`, so the claims do not multiply.
    #[test]
    fn nested_length_claims_reserve_little() {
        let mut bytes = Vec::new();
        for level in 0..MAX_DEPTH {
            bytes.extend_from_slice(if level % 2 == 0 {
                &[0xdd, 0xff, 0xff, 0xff, 0xff]
            } else {
                &[0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, b'k']
            });
        }
        bytes.resize(bytes.len() + (256 << 10), 0xc0);
        let mut reader = Reader {
            buf: &bytes,
            reserved: 0,
        };
        assert!(reader.value(0).is_err());
        assert!(
            reader.reserved <= MAX_DEPTH * MAX_PREALLOC,
            "reserved {} elements",
            reader.reserved
        );
    }

    /// Any value notepack can carry (floats non-integral, as JavaScript
    /// sends integral ones as integers).
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(|u| Value::Number(u.into())),
            any::<f64>()
                .prop_filter_map("non-integral", |f| (f.fract() != 0.0)
                    .then(|| Number::from_f64(f))
                    .flatten())
                .prop_map(Value::Number),
            ".{0,40}".prop_map(Value::from),
            vec(any::<u8>(), 0..300).prop_map(|b| Value::Binary(b.into())),
        ];
        leaf.prop_recursive(4, 64, 20, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..20).prop_map(Value::Array),
                vec((".{0,8}", inner), 0..20).prop_map(Value::Object),
            ]
        })
    }

    proptest! {
        #[test]
        fn every_value_round_trips(v in value()) {
            let mut bytes = Vec::new();
            encode(&v, &mut bytes);
            prop_assert_eq!(decode(&bytes), Ok(v));
        }

        #[test]
        fn any_bytes_decode_without_panic(bytes in vec(any::<u8>(), 0..512)) {
            let _ = decode(&bytes);
        }
    }
}
