//! The messages of the classic protocol of `@socket.io/redis-adapter` 8:
//! broadcasts (msgpack), requests and responses (JSON, except the broadcast
//! with acks and its acks, which are msgpack), written with Node's key
//! order and read leniently (by key, unknown keys ignored).

use std::time::Duration;

use serde::Serialize;
use sio_adapter::{BroadcastOptions, Room, SocketInfo};
use sio_parser::Value;

use crate::msgpack;

// The classic protocol reads rooms, options, sockets and JSON values the
// way the `ClusterAdapter` protocol does: one implementation, in sio-cluster.
pub(crate) use sio_cluster::JsonValue;
pub(crate) use sio_cluster::message::{
    decode_options as read_options, decode_rooms as read_rooms, decode_socket as read_socket,
};

/// Request types of the classic protocol (not those of `ClusterAdapter`).
pub(crate) mod kind {
    /// The socket ids in some rooms (adapters up to 7 send it).
    pub(crate) const SOCKETS: u64 = 0;
    /// Every room of a server.
    pub(crate) const ALL_ROOMS: u64 = 1;
    /// Make sockets join rooms.
    pub(crate) const REMOTE_JOIN: u64 = 2;
    /// Make sockets leave rooms.
    pub(crate) const REMOTE_LEAVE: u64 = 3;
    /// Disconnect sockets.
    pub(crate) const REMOTE_DISCONNECT: u64 = 4;
    /// Describe sockets.
    pub(crate) const REMOTE_FETCH: u64 = 5;
    /// A server-side event (and its answer).
    pub(crate) const SERVER_SIDE_EMIT: u64 = 6;
    /// A broadcast with acks.
    pub(crate) const BROADCAST: u64 = 7;
    /// A server's client count for a broadcast with acks.
    pub(crate) const BROADCAST_CLIENT_COUNT: u64 = 8;
    /// One client's ack to a broadcast with acks.
    pub(crate) const BROADCAST_ACK: u64 = 9;
}

/// A payload from Redis: JSON when it starts with `{`, msgpack otherwise.
pub(crate) fn parse(bytes: &[u8]) -> Option<Value> {
    if bytes.first() == Some(&b'{') {
        serde_json::from_slice(bytes).ok()
    } else {
        msgpack::decode(bytes).ok()
    }
}

fn to_msgpack(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    msgpack::encode(value, &mut out);
    out
}

fn entry(key: &str, value: impl Into<Value>) -> (String, Value) {
    (key.to_owned(), value.into())
}

fn int(n: u64) -> Value {
    Value::Number(n.into())
}

fn room_list(rooms: &[Room]) -> Value {
    Value::Array(rooms.iter().map(|r| Value::from(r.as_str())).collect())
}

/// `{type: 2, data, nsp}`: an EVENT as the adapter publishes it.
fn packet(data: Vec<Value>, nsp: &str) -> Value {
    Value::Object(vec![
        entry("type", int(2)),
        entry("data", Value::Array(data)),
        entry("nsp", nsp),
    ])
}

/// `{rooms, except, flags}`; `flags` holds `volatile` when set and
/// `timeout` for a broadcast with acks. `compress` is left out: sio treats
/// it as a hint whose default (false) is not Node's (true), so a receiver
/// keeps its own default.
fn options(opts: &BroadcastOptions, timeout: Option<Duration>) -> Value {
    let mut flags = Vec::new();
    if opts.flags.volatile {
        flags.push(entry("volatile", true));
    }
    if let Some(timeout) = timeout {
        let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        flags.push(entry("timeout", int(ms)));
    }
    Value::Object(vec![
        entry("rooms", room_list(&opts.rooms)),
        entry("except", room_list(&opts.except)),
        entry("flags", Value::Object(flags)),
    ])
}

/// A broadcast: `[uid, {type, data, nsp}, {rooms, except, flags}]`.
pub(crate) fn broadcast(
    uid: &str,
    nsp: &str,
    data: Vec<Value>,
    opts: &BroadcastOptions,
) -> Vec<u8> {
    to_msgpack(&Value::Array(vec![
        Value::from(uid),
        packet(data, nsp),
        options(opts, None),
    ]))
}

/// A broadcast with acks (request type 7), msgpack.
pub(crate) fn broadcast_with_ack(
    uid: &str,
    request_id: &str,
    nsp: &str,
    data: Vec<Value>,
    opts: &BroadcastOptions,
    timeout: Duration,
) -> Vec<u8> {
    to_msgpack(&Value::Object(vec![
        entry("uid", uid),
        entry("requestId", request_id),
        entry("type", int(kind::BROADCAST)),
        entry("packet", packet(data, nsp)),
        entry("opts", options(opts, Some(timeout))),
    ]))
}

/// One client's ack to a broadcast with acks (type 9), msgpack.
pub(crate) fn broadcast_ack(request_id: &str, answer: Value) -> Vec<u8> {
    to_msgpack(&Value::Object(vec![
        entry("type", int(kind::BROADCAST_ACK)),
        entry("requestId", request_id),
        entry("packet", answer),
    ]))
}

/// A broadcast read from Redis.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Broadcast {
    /// The sender's uid (`emitter` for the emitter).
    pub(crate) uid: Option<String>,
    /// The packet's namespace (`/` when absent).
    pub(crate) nsp: String,
    /// The event name (a number's decimal text) and the arguments.
    pub(crate) event: String,
    /// The arguments.
    pub(crate) args: Vec<Value>,
    /// Target and flags.
    pub(crate) opts: BroadcastOptions,
}

/// Reads `[uid, packet, opts]`; `None` for any other shape.
pub(crate) fn read_broadcast(value: Value) -> Option<Broadcast> {
    let Value::Array(items) = value else {
        return None;
    };
    let mut items = items.into_iter();
    let uid = items.next()?.as_str().map(str::to_owned);
    let packet = items.next()?;
    let opts = read_options(items.next().as_ref());
    let (nsp, event, args) = read_packet(packet)?;
    Some(Broadcast {
        uid,
        nsp,
        event,
        args,
        opts,
    })
}

/// `{type, data: [event, ...args], nsp}` into its parts.
pub(crate) fn read_packet(packet: Value) -> Option<(String, String, Vec<Value>)> {
    let Value::Object(entries) = packet else {
        return None;
    };
    let mut nsp = "/".to_owned();
    let mut data = None;
    for (key, value) in entries {
        match (key.as_str(), value) {
            ("nsp", Value::String(s)) => nsp = s,
            ("data", Value::Array(items)) => data = Some(items),
            _ => {}
        }
    }
    let mut data = data?.into_iter();
    let event = match data.next()? {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Some((nsp, event, data.collect()))
}

/// A string field.
pub(crate) fn string(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Moves field `key` out of an object, leaving `null` in its place (the
/// last one when repeated, as [`Value::get`] reads it): a request's payload
/// is handed on without a copy.
pub(crate) fn take(value: &mut Value, key: &str) -> Option<Value> {
    match value {
        Value::Object(entries) => entries
            .iter_mut()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| std::mem::take(v)),
        _ => None,
    }
}

/// An unsigned integer field.
pub(crate) fn uint(value: &Value, key: &str) -> Option<u64> {
    match value.get(key) {
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    }
}

/// `{rooms, except}` of requests 2 to 5.
#[derive(Debug, Serialize)]
pub(crate) struct JsonOpts<'a> {
    pub(crate) rooms: &'a [Room],
    pub(crate) except: &'a [Room],
}

impl<'a> From<&'a BroadcastOptions> for JsonOpts<'a> {
    fn from(opts: &'a BroadcastOptions) -> Self {
        Self {
            rooms: &opts.rooms,
            except: &opts.except,
        }
    }
}

/// A JSON request; absent fields are left out, the rest come in Node's
/// order (`uid, requestId, type, opts, rooms, close, data`).
#[derive(Debug, Default, Serialize)]
pub(crate) struct JsonRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) uid: Option<&'a str>,
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    pub(crate) request_id: Option<&'a str>,
    #[serde(rename = "type")]
    pub(crate) kind: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) opts: Option<JsonOpts<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rooms: Option<&'a [Room]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) close: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) data: Option<Vec<JsonValue<'a>>>,
}

/// A JSON response, in Node's order (`type, requestId, ...`).
#[derive(Debug, Default, Serialize)]
pub(crate) struct JsonResponse<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<u64>,
    #[serde(rename = "requestId")]
    pub(crate) request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sockets: Option<Vec<JsonSocket<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rooms: Option<&'a [Room]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) data: Option<JsonValue<'a>>,
    #[serde(rename = "clientCount", skip_serializing_if = "Option::is_none")]
    pub(crate) client_count: Option<usize>,
}

/// A socket in a fetchSockets answer.
#[derive(Debug, Serialize)]
pub(crate) struct JsonSocket<'a> {
    pub(crate) id: &'a str,
    pub(crate) handshake: &'a serde_json::Value,
    pub(crate) rooms: &'a [Room],
    pub(crate) data: &'a serde_json::Value,
}

impl<'a> From<&'a SocketInfo> for JsonSocket<'a> {
    fn from(s: &'a SocketInfo) -> Self {
        Self {
            id: s.id.as_str(),
            handshake: &s.handshake,
            rooms: &s.rooms,
            data: &s.data,
        }
    }
}

/// A JSON message's bytes (serializing these types cannot fail; an empty
/// payload would be dropped by every receiver).
pub(crate) fn json(message: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(message).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use sio_parser::Value;

    #[test]
    fn take_moves_out_the_field_get_reads() {
        let mut request = Value::Object(vec![
            ("data".to_owned(), Value::from("first")),
            ("type".to_owned(), Value::from(9)),
            ("data".to_owned(), Value::Array(vec![Value::from("last")])),
        ]);
        let read = request.get("data").cloned();
        assert_eq!(super::take(&mut request, "data"), read);
        assert_eq!(request.get("data"), Some(&Value::Null));
        assert_eq!(super::uint(&request, "type"), Some(9));
        assert_eq!(super::take(&mut request, "nowhere"), None);
        assert_eq!(super::take(&mut Value::from("text"), "data"), None);
    }
}
