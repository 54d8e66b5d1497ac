//! Text packets written into one buffer: the Engine.IO message digit and
//! the header first (see [`TextFrame`]), then the JSON serialized in place
//! after it, so that an EVENT or an ACK costs one
//! allocation instead of one per part plus the copies between them. The
//! header assumes no binary attachment and is rewritten in the rare case
//! where the arguments held some.

use std::fmt::Write as _;

use bytes::Bytes;
use serde::Serialize;
use sio_engine::TextFrame;

use crate::encode::Encoded;
use crate::error::EncodeError;
use crate::packet::PacketKind;
use crate::placeholder::{Found, WithPlaceholders};

/// Room for the header and a small payload, so that the usual packet does
/// not grow its buffer.
const FIRST_CAPACITY: usize = 128;

/// Appends `<type>[<n>-][<ns>,][<id>]`, exactly as socket.io-parser writes
/// it (the header of every text packet).
pub(crate) fn header(
    out: &mut String,
    kind: PacketKind,
    ns: &str,
    id: Option<u64>,
    attachments: usize,
) {
    out.push(char::from(b'0' + kind.as_u8()));
    if kind.is_binary() {
        let _ = write!(out, "{attachments}-");
    }
    if ns != "/" {
        out.push_str(ns);
        out.push(',');
    }
    if let Some(id) = id {
        let _ = write!(out, "{id}");
    }
}

fn binary(kind: PacketKind) -> PacketKind {
    match kind {
        PacketKind::Event => PacketKind::BinaryEvent,
        PacketKind::Ack => PacketKind::BinaryAck,
        other => other,
    }
}

/// A buffer holding the provisional header of a `kind` packet.
fn start(kind: PacketKind, ns: &str, id: Option<u64>) -> (Vec<u8>, usize) {
    let mut head = TextFrame::buffer(FIRST_CAPACITY + ns.len());
    header(&mut head, kind, ns, id, 0);
    let json_start = head.len();
    (head.into_bytes(), json_start)
}

/// Turns the buffer into the packet, rewriting the header when attachments
/// were found.
fn finish(
    buf: Vec<u8>,
    json_start: usize,
    kind: PacketKind,
    ns: &str,
    id: Option<u64>,
    found: Found,
) -> Result<Encoded, EncodeError> {
    let attachments: Vec<Bytes> = found.into_inner();
    let buf = if attachments.is_empty() {
        buf
    } else {
        let json = buf.get(json_start..).unwrap_or_default();
        let mut head = TextFrame::buffer(json.len() + ns.len() + 24);
        header(&mut head, binary(kind), ns, id, attachments.len());
        let mut out = head.into_bytes();
        out.extend_from_slice(json);
        out
    };
    let text = String::from_utf8(buf).map_err(|e| EncodeError::Serialize(e.to_string()))?;
    let frame = TextFrame::from_buffer(text)
        .ok_or_else(|| EncodeError::Serialize("no message digit".to_owned()))?;
    Ok(Encoded::Text { frame, attachments })
}

/// EVENT `[event, ...args]`; `args` must serialize to a sequence (or
/// `null` for none).
pub(crate) fn event<T: Serialize + ?Sized>(
    ns: &str,
    event: &str,
    args: &T,
    id: Option<u64>,
) -> Result<Encoded, EncodeError> {
    let (mut buf, json_start) = start(PacketKind::Event, ns, id);
    buf.push(b'[');
    serde_json::to_writer(&mut buf, event)?;
    let args_start = buf.len();
    let found = Found::default();
    serde_json::to_writer(
        &mut buf,
        &WithPlaceholders {
            value: args,
            found: &found,
        },
    )?;
    match buf.get(args_start..) {
        Some(b"null" | b"[]") => {
            buf.truncate(args_start);
            buf.push(b']');
        }
        // `[a, b]` continues the array opened by the event name.
        Some([b'[', ..]) => {
            if let Some(open) = buf.get_mut(args_start) {
                *open = b',';
            }
        }
        _ => return Err(EncodeError::NotASequence),
    }
    finish(buf, json_start, PacketKind::Event, ns, id, found)
}

/// A packet of `kind` whose data is `data` serialized as it is; with
/// `sequence`, it must be an array (`null` becomes `[]`), as an ACK's.
pub(crate) fn with_value<T: Serialize + ?Sized>(
    kind: PacketKind,
    ns: &str,
    id: Option<u64>,
    data: &T,
    sequence: bool,
) -> Result<Encoded, EncodeError> {
    let (mut buf, json_start) = start(kind, ns, id);
    let found = Found::default();
    serde_json::to_writer(
        &mut buf,
        &WithPlaceholders {
            value: data,
            found: &found,
        },
    )?;
    if sequence {
        match buf.get(json_start..) {
            Some(b"null") => {
                buf.truncate(json_start);
                buf.extend_from_slice(b"[]");
            }
            Some([b'[', ..]) => {}
            _ => return Err(EncodeError::NotASequence),
        }
    }
    finish(buf, json_start, kind, ns, id, found)
}
