//! Writing packets as msgpack, byte for byte as the Node parser (notepack)
//! does: smallest integer forms, integral floats as integers, other floats
//! as float 64, keys in the order the Node server builds its packets. `rmp`
//! writes every marker, length and scalar.

use std::convert::Infallible;

use bytes::Bytes;
use rmp::encode::{
    ByteBuf, RmpWrite, ValueWriteError, write_array_len, write_bin_len, write_bool, write_f64,
    write_map_len, write_nil, write_sint, write_str_len, write_uint,
};

use crate::encode::Encoded;
use crate::packet::PacketKind;
use crate::value::Value;

/// What writing into a [`ByteBuf`] can fail with: nothing (it is uninhabited).
type WriteError = ValueWriteError<Infallible>;

/// Encodes one packet. `kind` must be one of the five msgpack kinds (binary
/// kinds are written as their plain counterparts).
pub(crate) fn encode(kind: PacketKind, ns: &str, id: Option<u64>, data: Option<&Value>) -> Encoded {
    let mut out = ByteBuf::with_capacity(32);
    match write_packet(&mut out, kind, ns, id, data) {
        Ok(()) => Encoded::Binary(Bytes::from(out.into_vec())),
        Err(
            ValueWriteError::InvalidMarkerWrite(never) | ValueWriteError::InvalidDataWrite(never),
        ) => match never {},
    }
}

fn write_packet(
    out: &mut ByteBuf,
    kind: PacketKind,
    ns: &str,
    id: Option<u64>,
    data: Option<&Value>,
) -> Result<(), WriteError> {
    let kind = match kind {
        PacketKind::BinaryEvent => PacketKind::Event,
        PacketKind::BinaryAck => PacketKind::Ack,
        other => other,
    };
    let len = 2 + u32::from(data.is_some()) + u32::from(id.is_some());
    write_map_len(out, len)?;
    // Node builds ACKs as {id, type, data} and events as {type, data, id};
    // `nsp` is added last.
    if kind == PacketKind::Ack {
        write_id(out, id)?;
    }
    write_string(out, "type")?;
    write_uint(out, u64::from(kind.as_u8()))?;
    if let Some(data) = data {
        write_string(out, "data")?;
        write_value(out, data)?;
    }
    if kind != PacketKind::Ack {
        write_id(out, id)?;
    }
    write_string(out, "nsp")?;
    write_string(out, ns)
}

fn write_id(out: &mut ByteBuf, id: Option<u64>) -> Result<(), WriteError> {
    if let Some(id) = id {
        write_string(out, "id")?;
        write_uint(out, id)?;
    }
    Ok(())
}

/// A collection length as msgpack declares it (at most `u32::MAX`).
fn len32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// A string; its length saturates at `u32::MAX` as collections' do (`rmp`'s
/// own `write_str` would wrap it).
fn write_string(out: &mut ByteBuf, s: &str) -> Result<(), WriteError> {
    write_str_len(out, len32(s.len()))?;
    out.write_bytes(s.as_bytes())
        .map_err(ValueWriteError::InvalidDataWrite)
}

fn write_value(out: &mut ByteBuf, value: &Value) -> Result<(), WriteError> {
    match value {
        Value::Null => write_nil(out).map_err(ValueWriteError::InvalidMarkerWrite),
        Value::Bool(b) => write_bool(out, *b).map_err(ValueWriteError::InvalidMarkerWrite),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Binary(b) => {
            write_bin_len(out, len32(b.len()))?;
            out.write_bytes(b)
                .map_err(ValueWriteError::InvalidDataWrite)
        }
        Value::Array(items) => {
            write_array_len(out, len32(items.len()))?;
            items.iter().try_for_each(|v| write_value(out, v))
        }
        Value::Object(entries) => {
            write_map_len(out, len32(entries.len()))?;
            entries.iter().try_for_each(|(k, v)| {
                write_string(out, k)?;
                write_value(out, v)
            })
        }
    }
}

fn write_number(out: &mut ByteBuf, n: &serde_json::Number) -> Result<(), WriteError> {
    if let Some(u) = n.as_u64() {
        write_uint(out, u)?;
    } else if let Some(i) = n.as_i64() {
        write_int(out, i)?;
    } else {
        let f = n.as_f64().unwrap_or(f64::NAN);
        // JavaScript has one number type: notepack writes integral values as integers.
        if f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&f) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            write_uint(out, f as u64)?;
        } else if f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
            #[allow(clippy::cast_possible_truncation)]
            write_int(out, f as i64)?;
        } else {
            write_f64(out, f)?;
        }
    }
    Ok(())
}

/// An integer in its smallest form; non-negative ones as unsigned, as notepack does.
fn write_int(out: &mut ByteBuf, i: i64) -> Result<(), WriteError> {
    match u64::try_from(i) {
        Ok(u) => write_uint(out, u)?,
        Err(_) => write_sint(out, i)?,
    };
    Ok(())
}
