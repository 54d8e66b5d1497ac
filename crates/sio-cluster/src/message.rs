//! The messages of the `ClusterAdapter` protocol: the envelope
//! `{type, data, uid, nsp}`, its 13 types, how each type's `data` is built
//! (keys in Node's order) and read back (by key, leniently).

use std::time::Duration;

use sio_adapter::{BroadcastFlags, BroadcastOptions, Room, SocketId, SocketInfo};
use sio_parser::Value;

/// The uid of `@socket.io/*-emitter` publishers: never this server's, never
/// counted as a server.
pub const EMITTER_UID: &str = "emitter";

/// The 13 message types (numbers as in `socket.io-adapter` 2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageType {
    /// 1: a node announces itself (heartbeat variant only).
    InitialHeartbeat,
    /// 2: a node is alive (heartbeat variant only).
    Heartbeat,
    /// 3: a broadcast; with `requestId`, a broadcast with acks.
    Broadcast,
    /// 4: make sockets join rooms.
    SocketsJoin,
    /// 5: make sockets leave rooms.
    SocketsLeave,
    /// 6: disconnect sockets.
    DisconnectSockets,
    /// 7: describe sockets.
    FetchSockets,
    /// 8: the answer to 7.
    FetchSocketsResponse,
    /// 9: a server-side event; with `requestId`, one that wants an answer.
    ServerSideEmit,
    /// 10: the answer to 9.
    ServerSideEmitResponse,
    /// 11: a server's client count for a broadcast with acks.
    BroadcastClientCount,
    /// 12: one client's ack to a broadcast with acks.
    BroadcastAck,
    /// 13: a node leaves (heartbeat variant only).
    AdapterClose,
}

impl MessageType {
    const ALL: [MessageType; 13] = [
        Self::InitialHeartbeat,
        Self::Heartbeat,
        Self::Broadcast,
        Self::SocketsJoin,
        Self::SocketsLeave,
        Self::DisconnectSockets,
        Self::FetchSockets,
        Self::FetchSocketsResponse,
        Self::ServerSideEmit,
        Self::ServerSideEmitResponse,
        Self::BroadcastClientCount,
        Self::BroadcastAck,
        Self::AdapterClose,
    ];

    /// The type's number on the wire (1 to 13).
    pub fn code(self) -> u8 {
        match self {
            Self::InitialHeartbeat => 1,
            Self::Heartbeat => 2,
            Self::Broadcast => 3,
            Self::SocketsJoin => 4,
            Self::SocketsLeave => 5,
            Self::DisconnectSockets => 6,
            Self::FetchSockets => 7,
            Self::FetchSocketsResponse => 8,
            Self::ServerSideEmit => 9,
            Self::ServerSideEmitResponse => 10,
            Self::BroadcastClientCount => 11,
            Self::BroadcastAck => 12,
            Self::AdapterClose => 13,
        }
    }

    /// The type numbered `n`, if any.
    pub fn from_code(n: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|t| u64::from(t.code()) == n)
    }

    /// Whether this is an answer to a request (8, 10, 11, 12): those go to
    /// the requesting server only.
    pub fn is_response(self) -> bool {
        matches!(
            self,
            Self::FetchSocketsResponse
                | Self::ServerSideEmitResponse
                | Self::BroadcastClientCount
                | Self::BroadcastAck
        )
    }

    /// Whether Node may encode this type as msgpack (3, 8, 9, 10, 12, when
    /// the data holds binary).
    pub fn may_contain_binary(self) -> bool {
        matches!(
            self,
            Self::Broadcast
                | Self::FetchSocketsResponse
                | Self::ServerSideEmit
                | Self::ServerSideEmitResponse
                | Self::BroadcastAck
        )
    }
}

/// One message: Node's `{type, data?, uid, nsp}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterMessage {
    /// Its type.
    pub kind: MessageType,
    /// Its data (absent for heartbeats and the close message).
    pub data: Option<Value>,
    /// The sender's uid (16 hex characters, or [`EMITTER_UID`]).
    pub uid: String,
    /// The namespace.
    pub nsp: String,
}

impl ClusterMessage {
    /// A message of `kind` from `uid` in namespace `nsp`.
    pub fn new(kind: MessageType, data: Option<Value>, uid: &str, nsp: &str) -> Self {
        Self {
            kind,
            data,
            uid: uid.to_owned(),
            nsp: nsp.to_owned(),
        }
    }

    /// Whether `data` holds binary anywhere.
    pub fn has_binary(&self) -> bool {
        self.data.as_ref().is_some_and(Value::has_binary)
    }

    /// `data.requestId`, when it is a string (a `null` counts as absent).
    pub fn request_id(&self) -> Option<&str> {
        self.field("requestId").and_then(Value::as_str)
    }

    /// Field `key` of `data`.
    pub fn field(&self, key: &str) -> Option<&Value> {
        self.data.as_ref().and_then(|d| d.get(key))
    }

    /// Moves field `key` out of `data` (leaving `null`).
    pub fn take_field(&mut self, key: &str) -> Option<Value> {
        match self.data.as_mut() {
            Some(Value::Object(entries)) => entries
                .iter_mut()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| std::mem::take(v)),
            _ => None,
        }
    }

    /// The envelope as one [`Value`], keys in Node's order
    /// (`type, data, uid, nsp`; `data` left out when absent).
    pub fn to_value(&self) -> Value {
        let mut entries = Vec::with_capacity(4);
        entries.push(entry("type", int(u64::from(self.kind.code()))));
        if let Some(data) = &self.data {
            entries.push(("data".to_owned(), data.clone()));
        }
        entries.push(entry("uid", self.uid.as_str()));
        entries.push(entry("nsp", self.nsp.as_str()));
        Value::Object(entries)
    }

    /// Reads an envelope; `None` unless `type` is one of the 13 and `uid`
    /// and `nsp` are strings (a missing `uid` reads as empty, a missing
    /// `nsp` as `/`).
    pub fn from_value(value: Value) -> Option<Self> {
        let Value::Object(entries) = value else {
            return None;
        };
        let mut kind = None;
        let mut data = None;
        let mut uid = String::new();
        let mut nsp = "/".to_owned();
        for (key, value) in entries {
            match (key.as_str(), value) {
                ("type", Value::Number(n)) => kind = n.as_u64().and_then(MessageType::from_code),
                ("data", value) => data = Some(value),
                ("uid", Value::String(s)) => uid = s,
                ("nsp", Value::String(s)) => nsp = s,
                _ => {}
            }
        }
        Some(Self {
            kind: kind?,
            data,
            uid,
            nsp,
        })
    }
}

/// How a field Node sets to `undefined` is written: left out (JSON and
/// notepack.io, the sharded adapter) or as nil (`@msgpack/msgpack`, the
/// Streams and Postgres adapters). It only matters for answers whose value
/// is `undefined` (an ack called without arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Undefined {
    /// The key is left out.
    #[default]
    Omit,
    /// The key is written with nil / `null`.
    Nil,
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

/// `{rooms, except, flags}` as Node's `encodeOptions` writes it. `flags`
/// holds `volatile` when set, `compress` when false and `timeout` (ms) when
/// given; `local` is never published.
pub fn encode_options(opts: &BroadcastOptions) -> Value {
    let mut flags = Vec::new();
    if opts.flags.volatile {
        flags.push(entry("volatile", true));
    }
    if !opts.flags.compress {
        flags.push(entry("compress", false));
    }
    if let Some(timeout) = opts.flags.timeout {
        let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        flags.push(entry("timeout", int(ms)));
    }
    Value::Object(vec![
        entry("rooms", room_list(&opts.rooms)),
        entry("except", room_list(&opts.except)),
        entry("flags", Value::Object(flags)),
    ])
}

/// Rooms as Node sends them: strings, or integers for numeric rooms (read
/// as their decimal text). Other entries are skipped.
pub fn decode_rooms(value: Option<&Value>) -> Vec<Room> {
    let Some(Value::Array(items)) = value else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item {
            Value::String(s) => Some(Room::from(s.as_str())),
            Value::Number(n) if !n.is_f64() => Some(Room::from(n.to_string())),
            _ => None,
        })
        .collect()
}

/// `{rooms, except, flags}` (each part optional). `compress` defaults to
/// true, as in Node; `local` is always false.
pub fn decode_options(value: Option<&Value>) -> BroadcastOptions {
    let Some(value) = value else {
        return BroadcastOptions::all();
    };
    let flags = value.get("flags");
    let flag = |name: &str| match flags.and_then(|f| f.get(name)) {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    };
    let timeout = match flags.and_then(|f| f.get("timeout")) {
        Some(Value::Number(n)) => n.as_u64().map(Duration::from_millis),
        _ => None,
    };
    BroadcastOptions {
        rooms: decode_rooms(value.get("rooms")),
        except: decode_rooms(value.get("except")),
        flags: BroadcastFlags {
            local: false,
            volatile: flag("volatile").unwrap_or(false),
            compress: flag("compress").unwrap_or(true),
            timeout,
        },
    }
}

/// A socket of a fetchSockets answer: `{id, handshake, rooms, data}`.
pub fn decode_socket(value: &Value) -> Option<SocketInfo> {
    Some(SocketInfo {
        id: SocketId::from(value.get("id")?.as_str()?),
        handshake: serde_json::to_value(value.get("handshake")?).ok()?,
        rooms: decode_rooms(value.get("rooms")),
        data: value
            .get("data")
            .and_then(|d| serde_json::to_value(d).ok())
            .unwrap_or(serde_json::Value::Null),
    })
}

fn json_to_value(value: &serde_json::Value) -> Value {
    Value::from_serialize(value).unwrap_or_default()
}

/// The `data` of each message type, keys in Node's order.
pub mod data {
    use sio_adapter::{BroadcastOptions, Room, SocketInfo};
    use sio_parser::Value;

    use super::{Undefined, encode_options, entry, int, json_to_value, room_list};

    /// BROADCAST (3): `{packet: {type: 2, data}, opts}`, or with an ack
    /// `{packet, requestId, opts}`. `event` is the event name then the
    /// arguments.
    pub fn broadcast(
        event: Vec<Value>,
        opts: &BroadcastOptions,
        request_id: Option<&str>,
    ) -> Value {
        let packet = Value::Object(vec![
            entry("type", int(2)),
            entry("data", Value::Array(event)),
        ]);
        let mut entries = vec![("packet".to_owned(), packet)];
        if let Some(id) = request_id {
            entries.push(entry("requestId", id));
        }
        entries.push(("opts".to_owned(), encode_options(opts)));
        Value::Object(entries)
    }

    /// SOCKETS_JOIN (4) and SOCKETS_LEAVE (5): `{opts, rooms}`.
    pub fn sockets_join_leave(opts: &BroadcastOptions, rooms: &[Room]) -> Value {
        Value::Object(vec![
            ("opts".to_owned(), encode_options(opts)),
            ("rooms".to_owned(), room_list(rooms)),
        ])
    }

    /// DISCONNECT_SOCKETS (6): `{opts, close}`.
    pub fn disconnect_sockets(opts: &BroadcastOptions, close: bool) -> Value {
        Value::Object(vec![
            ("opts".to_owned(), encode_options(opts)),
            entry("close", close),
        ])
    }

    /// FETCH_SOCKETS (7): `{opts, requestId}`.
    pub fn fetch_sockets(opts: &BroadcastOptions, request_id: &str) -> Value {
        Value::Object(vec![
            ("opts".to_owned(), encode_options(opts)),
            entry("requestId", request_id),
        ])
    }

    /// FETCH_SOCKETS_RESPONSE (8): `{requestId, sockets: [{id, handshake,
    /// rooms, data}]}`.
    pub fn fetch_sockets_response(request_id: &str, sockets: &[SocketInfo]) -> Value {
        let sockets = sockets
            .iter()
            .map(|s| {
                Value::Object(vec![
                    entry("id", s.id.as_str()),
                    ("handshake".to_owned(), json_to_value(&s.handshake)),
                    ("rooms".to_owned(), room_list(&s.rooms)),
                    ("data".to_owned(), json_to_value(&s.data)),
                ])
            })
            .collect();
        Value::Object(vec![
            entry("requestId", request_id),
            ("sockets".to_owned(), Value::Array(sockets)),
        ])
    }

    /// SERVER_SIDE_EMIT (9): `{packet: [event, ...args]}`, or with an ack
    /// `{requestId, packet}`.
    pub fn server_side_emit(args: Vec<Value>, request_id: Option<&str>) -> Value {
        let mut entries = Vec::with_capacity(2);
        if let Some(id) = request_id {
            entries.push(entry("requestId", id));
        }
        entries.push(("packet".to_owned(), Value::Array(args)));
        Value::Object(entries)
    }

    /// SERVER_SIDE_EMIT_RESPONSE (10) and BROADCAST_ACK (12):
    /// `{requestId, packet}`; `packet` is `None` when the ack had no argument
    /// (written as `undefined` says).
    pub fn answer(request_id: &str, packet: Option<Value>, undefined: Undefined) -> Value {
        let mut entries = vec![entry("requestId", request_id)];
        match (packet, undefined) {
            (Some(p), _) => entries.push(("packet".to_owned(), p)),
            (None, Undefined::Nil) => entries.push(("packet".to_owned(), Value::Null)),
            (None, Undefined::Omit) => {}
        }
        Value::Object(entries)
    }

    /// BROADCAST_CLIENT_COUNT (11): `{requestId, clientCount}`.
    pub fn client_count(request_id: &str, count: usize) -> Value {
        Value::Object(vec![
            entry("requestId", request_id),
            entry("clientCount", int(u64::try_from(count).unwrap_or(u64::MAX))),
        ])
    }
}
