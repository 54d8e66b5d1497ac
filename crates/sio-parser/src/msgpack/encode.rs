//! Writing packets as msgpack, byte for byte as the Node parser (notepack)
//! does: smallest integer forms, integral floats as integers, other floats
//! as float 64, keys in the order the Node server builds its packets.

use bytes::Bytes;

use crate::encode::Encoded;
use crate::packet::PacketKind;
use crate::value::Value;

/// Encodes one packet. `kind` must be one of the five msgpack kinds (binary
/// kinds are written as their plain counterparts).
pub(crate) fn encode(kind: PacketKind, ns: &str, id: Option<u64>, data: Option<&Value>) -> Encoded {
    let kind = match kind {
        PacketKind::BinaryEvent => PacketKind::Event,
        PacketKind::BinaryAck => PacketKind::Ack,
        other => other,
    };
    let mut out = Vec::with_capacity(32);
    let len = 2 + u32::from(data.is_some()) + u32::from(id.is_some());
    write_map_len(&mut out, len);
    // Node builds ACKs as {id, type, data} and events as {type, data, id};
    // `nsp` is added last.
    if kind == PacketKind::Ack {
        write_id(&mut out, id);
    }
    write_str(&mut out, "type");
    write_uint(&mut out, u64::from(kind.as_u8()));
    if let Some(data) = data {
        write_str(&mut out, "data");
        write_value(&mut out, data);
    }
    if kind != PacketKind::Ack {
        write_id(&mut out, id);
    }
    write_str(&mut out, "nsp");
    write_str(&mut out, ns);
    Encoded::Binary(Bytes::from(out))
}

fn write_id(out: &mut Vec<u8>, id: Option<u64>) {
    if let Some(id) = id {
        write_str(out, "id");
        write_uint(out, id);
    }
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Binary(b) => {
            write_len(out, b.len(), None, [0xc4, 0xc5, 0xc6]);
            out.extend_from_slice(b);
        }
        Value::Array(items) => {
            write_len(out, items.len(), Some((0x90, 16)), [0xdc, 0xdc, 0xdd]);
            items.iter().for_each(|v| write_value(out, v));
        }
        Value::Object(entries) => {
            write_map_len(out, u32::try_from(entries.len()).unwrap_or(u32::MAX));
            for (k, v) in entries {
                write_str(out, k);
                write_value(out, v);
            }
        }
    }
}

fn write_number(out: &mut Vec<u8>, n: &serde_json::Number) {
    if let Some(u) = n.as_u64() {
        write_uint(out, u);
    } else if let Some(i) = n.as_i64() {
        write_int(out, i);
    } else {
        let f = n.as_f64().unwrap_or(f64::NAN);
        // JavaScript has one number type: notepack writes integral values as integers.
        if f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&f) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            write_uint(out, f as u64);
        } else if f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
            #[allow(clippy::cast_possible_truncation)]
            write_int(out, f as i64);
        } else {
            out.push(0xcb);
            out.extend_from_slice(&f.to_be_bytes());
        }
    }
}

fn write_uint(out: &mut Vec<u8>, u: u64) {
    match u {
        0..=0x7f => out.push(u as u8),
        0x80..=0xff => out.extend_from_slice(&[0xcc, u as u8]),
        0x100..=0xffff => {
            out.push(0xcd);
            out.extend_from_slice(&(u as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xce);
            out.extend_from_slice(&(u as u32).to_be_bytes());
        }
        _ => {
            out.push(0xcf);
            out.extend_from_slice(&u.to_be_bytes());
        }
    }
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if let Ok(u) = u64::try_from(i) {
        return write_uint(out, u);
    }
    match i {
        -32..=-1 => out.push(i as u8),
        -128..=-33 => out.extend_from_slice(&[0xd0, i as u8]),
        -32768..=-129 => {
            out.push(0xd1);
            out.extend_from_slice(&(i as i16).to_be_bytes());
        }
        -2_147_483_648..=-32769 => {
            out.push(0xd2);
            out.extend_from_slice(&(i as i32).to_be_bytes());
        }
        _ => {
            out.push(0xd3);
            out.extend_from_slice(&i.to_be_bytes());
        }
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    if s.len() < 32 {
        out.push(0xa0 | s.len() as u8);
    } else {
        write_len(out, s.len(), None, [0xd9, 0xda, 0xdb]);
    }
    out.extend_from_slice(s.as_bytes());
}

fn write_map_len(out: &mut Vec<u8>, len: u32) {
    write_len(out, len as usize, Some((0x80, 16)), [0xde, 0xde, 0xdf]);
}

/// A length: the fix form `(marker, limit)` when given and it fits, else the
/// 8-, 16- or 32-bit form (markers in that order; collections have no 8-bit
/// form and repeat the 16-bit marker).
fn write_len(out: &mut Vec<u8>, len: usize, fix: Option<(u8, usize)>, markers: [u8; 3]) {
    match fix {
        Some((marker, limit)) if len < limit => out.push(marker | len as u8),
        _ if len < 0x100 && markers[0] != markers[1] => {
            out.extend_from_slice(&[markers[0], len as u8])
        }
        _ if len < 0x1_0000 => {
            out.push(markers[1]);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(markers[2]);
            out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
        }
    }
}
