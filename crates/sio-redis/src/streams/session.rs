//! Sessions in Redis, as Node's Streams adapter keeps them: persisted with
//! `SET {prefix}{pid} base64(msgpack {sid, pid, rooms, data}) PX {window}`,
//! restored at most once (`MULTI GET DEL`) on whichever server the client
//! comes back to, with the broadcasts it missed read back from the stream.

use base64::Engine as _;
use sio_adapter::{AdapterError, BroadcastOptions, Room, Session, SocketId};
use sio_parser::Value;

use super::driver::StreamsDriver;
use super::entry::{self, Entry};
use sio_cluster::message::{decode_options, decode_rooms};
use sio_cluster::msgpack;

/// How many entries one `XRANGE` of a restore takes.
const RANGE_COUNT: usize = 1000;

/// The stored form of `session`: base64 of msgpack `{sid, pid, rooms,
/// data}`, keys in Node's order.
pub(crate) fn encode(session: &Session) -> Vec<u8> {
    let value = Value::Object(vec![
        ("sid".into(), Value::from(session.sid.as_str())),
        ("pid".into(), Value::from(session.pid.as_str())),
        (
            "rooms".into(),
            Value::Array(
                session
                    .rooms
                    .iter()
                    .map(|r| Value::from(r.as_str()))
                    .collect(),
            ),
        ),
        ("data".into(), Value::from(session.data.clone())),
    ]);
    let mut raw = Vec::new();
    msgpack::encode(&value, &mut raw);
    base64::engine::general_purpose::STANDARD
        .encode(raw)
        .into_bytes()
}

/// A stored session read back (`None` when malformed).
pub(crate) fn decode(stored: &[u8]) -> Option<Session> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(stored)
        .ok()?;
    let value = msgpack::decode(&raw).ok()?;
    let sid = value.get("sid")?.as_str()?.to_owned();
    let pid = value.get("pid")?.as_str()?.to_owned();
    let rooms = decode_rooms(value.get("rooms"));
    let data = value
        .get("data")
        .cloned()
        .map_or(serde_json::Value::Null, serde_json::Value::from);
    Some(Session {
        sid: SocketId::from(sid.as_str()),
        pid,
        rooms,
        data,
    })
}

/// The `opts` of a message, strictly: `rooms` and `except` must be arrays
/// of rooms (strings or integers). A lenient read would turn a message
/// aimed at a few sockets into one for every socket.
pub(crate) fn read_opts(data: &Value) -> Option<BroadcastOptions> {
    let raw = data.get("opts")?;
    let rooms_ok = |key: &str| match raw.get(key) {
        Some(Value::Array(items)) => decode_rooms(raw.get(key)).len() == items.len(),
        _ => false,
    };
    (rooms_ok("rooms") && rooms_ok("except")).then(|| decode_options(Some(raw)))
}

/// A broadcast read back from the stream: its event data (name first) and
/// how it was sent.
pub(crate) fn read_broadcast(entry: &Entry) -> Option<(Vec<Value>, BroadcastOptions)> {
    let data = entry::decode_data(entry.data.as_deref()?)?;
    let opts = read_opts(&data)?;
    let packet = data.get("packet")?;
    // Only EVENT packets (type 2) are replayed.
    if !matches!(packet.get("type"), Some(Value::Number(n)) if n.as_u64() == Some(2)) {
        return None;
    }
    match packet.get("data")?.clone() {
        Value::Array(items) if matches!(items.first(), Some(Value::String(_))) => {
            Some((items, opts))
        }
        _ => None,
    }
}

/// Whether a socket in `rooms` was targeted by a broadcast with `opts`
/// (Node's `shouldIncludePacket`).
fn includes(rooms: &[Room], opts: &BroadcastOptions) -> bool {
    let included = opts.rooms.is_empty() || rooms.iter().any(|r| opts.rooms.contains(r));
    included && !rooms.iter().any(|r| opts.except.contains(r))
}

/// Takes session `pid` out of Redis with the event data of every
/// broadcast of namespace `nsp` it missed after `offset`, each with its
/// entry id as last argument. `Ok(None)` (a fresh session) when the offset
/// is not an entry id, the session is unknown, taken or expired, the
/// offset was trimmed from the stream, or the missed packets are more than
/// [`max_restore_packets`](super::RedisStreamsConfig::max_restore_packets)
/// or not all read within
/// [`max_restore_reads`](super::RedisStreamsConfig::max_restore_reads)
/// `XRANGE` calls (Node then gives back what it read; a recovery here
/// never leaves packets out). Volatile broadcasts are not replayed.
pub(crate) async fn restore(
    driver: &StreamsDriver,
    stream: &str,
    nsp: &str,
    pid: &str,
    offset: &str,
) -> Result<Option<(Session, Vec<Vec<Value>>)>, AdapterError> {
    if !entry::is_entry_id(offset) {
        return Ok(None);
    }
    let key = format!("{}{pid}", driver.config.session_key_prefix);
    let (stored, at_offset) = tokio::try_join!(
        driver.get_del(&key),
        driver.xrange(stream, offset, offset, None)
    )?;
    let Some(session) = stored.as_deref().and_then(decode) else {
        return Ok(None);
    };
    if at_offset.is_empty() || session.pid != pid {
        return Ok(None);
    }
    let config = &driver.config;
    let mut missed = Vec::new();
    let mut last = offset.to_owned();
    for _ in 0..config.max_restore_reads {
        let Some(start) = entry::next_id(&last) else {
            return Ok(None);
        };
        let entries = driver
            .xrange(stream, &start, "+", Some(RANGE_COUNT))
            .await?;
        let Some((id, _)) = entries.last() else {
            return Ok(Some((session, missed)));
        };
        last.clone_from(id);
        for (id, entry) in entries {
            let Some(entry) = entry.filter(|e| e.nsp == nsp && e.kind == 3) else {
                continue;
            };
            let Some((mut data, opts)) = read_broadcast(&entry) else {
                continue;
            };
            if opts.flags.volatile || !includes(&session.rooms, &opts) {
                continue;
            }
            if missed.len() >= config.max_restore_packets {
                return Ok(None);
            }
            data.push(Value::String(id));
            missed.push(data);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_round_trip() {
        let session = Session {
            sid: SocketId::from("xqFv6vEfS2wujRIMAAAC"),
            pid: "u3PvizmJMFMruv-RAAAD".into(),
            rooms: vec![Room::from("xqFv6vEfS2wujRIMAAAC"), Room::from("room1")],
            data: serde_json::json!({"user": "u-3102"}),
        };
        let stored = encode(&session);
        assert_eq!(decode(&stored), Some(session));
        assert_eq!(decode(b"not base64!"), None);
        assert_eq!(decode(b"AAAA"), None);
    }

    #[test]
    fn broadcast_entry() {
        let entry = Entry {
            id: "1-0".into(),
            uid: "a".into(),
            nsp: "/".into(),
            kind: 3,
            data: Some(
                br#"{"packet":{"type":2,"data":["msg",{"a":1}]},"opts":{"rooms":["room1"],"except":[],"flags":{}}}"#.to_vec(),
            ),
        };
        let (data, opts) = read_broadcast(&entry).unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(opts.rooms, [Room::from("room1")]);
        assert!(includes(&[Room::from("room1")], &opts));
        assert!(!includes(&[Room::from("room2")], &opts));
        let mut bad = entry.clone();
        bad.data = Some(br#"{"packet":{"type":2,"data":[1]}}"#.to_vec());
        assert!(read_broadcast(&bad).is_none());
        // rooms that are not rooms: skipped, not sent to everyone
        bad.data = Some(
            br#"{"packet":{"type":2,"data":["x"]},"opts":{"rooms":[[]],"except":[]}}"#.to_vec(),
        );
        assert!(read_broadcast(&bad).is_none());
        bad.data = Some(
            br#"{"packet":{"type":2,"data":["x"]},"opts":{"rooms":"r","except":[]}}"#.to_vec(),
        );
        assert!(read_broadcast(&bad).is_none());
    }
}
