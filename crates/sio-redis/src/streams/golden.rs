//! Golden vectors of the Streams transport: what Node's
//! `@socket.io/redis-streams-adapter` 0.3.1 wrote in the capture of
//! `shared/adapters/captures.md` (Capture 4), rebuilt byte for byte from
//! the same inputs: the `data` field of each `XADD`, the msgpack of each
//! `PUBLISH`, and the stored sessions (computed with @msgpack/msgpack 2.8).

use sio_adapter::{BroadcastFlags, BroadcastOptions, Room, Session, SocketId};
use sio_cluster::message::data;
use sio_cluster::{ClusterMessage, MessageType, Undefined, encode_msgpack};
use sio_parser::Value;

use super::entry;
use super::session;
use super::transport::{entry_data, is_ephemeral};

const A: &str = "a5f66dba4e0643e6";
const B: &str = "c9a4267230d02f80";

fn opts(rooms: &[&str], except: &[&str]) -> BroadcastOptions {
    BroadcastOptions {
        rooms: rooms.iter().map(|r| Room::from(*r)).collect(),
        except: except.iter().map(|r| Room::from(*r)).collect(),
        flags: BroadcastFlags::default(),
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn message(kind: MessageType, data: Value, uid: &str) -> ClusterMessage {
    ClusterMessage::new(kind, Some(data), uid, "/")
}

/// The `data` field of the stream entry of `message`.
fn field(message: &ClusterMessage) -> String {
    assert!(!is_ephemeral(message));
    String::from_utf8(entry_data(message, false).unwrap()).unwrap()
}

#[test]
fn stream_entries() {
    let cases: Vec<(ClusterMessage, &str)> = vec![
        (
            message(
                MessageType::Broadcast,
                data::broadcast(
                    vec![json(r#""hello""#), json(r#""world""#), json("1")],
                    &opts(&[], &[]),
                    None,
                ),
                A,
            ),
            r#"{"packet":{"type":2,"data":["hello","world",1]},"opts":{"rooms":[],"except":[],"flags":{}}}"#,
        ),
        (
            message(
                MessageType::Broadcast,
                data::broadcast(
                    vec![json(r#""msg""#), json(r#"{"a":1}"#)],
                    &opts(&["room1"], &[]),
                    None,
                ),
                A,
            ),
            r#"{"packet":{"type":2,"data":["msg",{"a":1}]},"opts":{"rooms":["room1"],"except":[],"flags":{}}}"#,
        ),
        (
            message(
                MessageType::Broadcast,
                data::broadcast(
                    vec![json(r#""exc""#), json("true")],
                    &opts(&[], &["room1"]),
                    None,
                ),
                A,
            ),
            r#"{"packet":{"type":2,"data":["exc",true]},"opts":{"rooms":[],"except":["room1"],"flags":{}}}"#,
        ),
        (
            message(
                MessageType::SocketsJoin,
                data::sockets_join_leave(
                    &opts(&["xqFv6vEfS2wujRIMAAAC"], &[]),
                    &[Room::from("room3")],
                ),
                A,
            ),
            r#"{"opts":{"rooms":["xqFv6vEfS2wujRIMAAAC"],"except":[],"flags":{}},"rooms":["room3"]}"#,
        ),
        (
            message(
                MessageType::SocketsLeave,
                data::sockets_join_leave(&opts(&["room3"], &[]), &[Room::from("room3")]),
                A,
            ),
            r#"{"opts":{"rooms":["room3"],"except":[],"flags":{}},"rooms":["room3"]}"#,
        ),
        (
            message(
                MessageType::DisconnectSockets,
                data::disconnect_sockets(&opts(&["room2"], &[]), true),
                A,
            ),
            r#"{"opts":{"rooms":["room2"],"except":[],"flags":{}},"close":true}"#,
        ),
    ];
    for (message, expected) in cases {
        assert_eq!(field(&message), expected);
    }
    // streams:06, volatile and compress(false)
    let mut o = opts(&[], &[]);
    o.flags.volatile = true;
    o.flags.compress = false;
    let m = message(
        MessageType::Broadcast,
        data::broadcast(vec![json(r#""flags""#)], &o, None),
        A,
    );
    assert_eq!(
        field(&m),
        r#"{"packet":{"type":2,"data":["flags"]},"opts":{"rooms":[],"except":[],"flags":{"volatile":true,"compress":false}}}"#
    );
    // streams:05, binary: base64 of msgpack
    let event = vec![
        json(r#""bin""#),
        Value::Binary(bytes::Bytes::from_static(&[1, 2, 3])),
        json(r#"{"n":1.5,"neg":-1,"big":4294967296}"#),
    ];
    let m = message(
        MessageType::Broadcast,
        data::broadcast(event, &opts(&[], &[]), None),
        A,
    );
    assert_eq!(
        field(&m),
        "gqZwYWNrZXSCpHR5cGUCpGRhdGGTo2JpbsQDAQIDg6Fuyz/4AAAAAAAAo25lZ/+jYmlnzwAAAAEAAAAApG9wdHODpXJvb21zkKZleGNlcHSQpWZsYWdzgA=="
    );
    // Read back as a receiver reads it.
    let value = entry::decode_data(field(&m).as_bytes()).unwrap();
    assert_eq!(value, m.data.unwrap());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn pubsub_messages() {
    // streams:08 fetchSockets
    let m = message(
        MessageType::FetchSockets,
        data::fetch_sockets(&opts(&[], &[]), "0ed49fb732093e7f"),
        A,
    );
    assert!(is_ephemeral(&m));
    assert_eq!(
        hex(&encode_msgpack(&m.to_value())),
        "84a47479706507a46461746182a46f70747383a5726f6f6d7390a665786365707490a5666c61677380a9726571756573744964b030656434396662373332303933653766a3756964b061356636366462613465303634336536a36e7370a12f"
    );
    // streams:09 serverSideEmit, no ack
    let m = message(
        MessageType::ServerSideEmit,
        data::server_side_emit(vec![json(r#""ping-ss""#), json("1"), json(r#""x""#)], None),
        A,
    );
    assert!(is_ephemeral(&m));
    assert_eq!(
        hex(&encode_msgpack(&m.to_value())),
        "84a47479706509a46461746181a67061636b657493a770696e672d737301a178a3756964b061356636366462613465303634336536a36e7370a12f"
    );
    // streams:10 serverSideEmitWithAck and its answer
    let m = message(
        MessageType::ServerSideEmit,
        data::server_side_emit(
            vec![json(r#""ping-ss""#), json("2")],
            Some("3f99b9e1d91b556e"),
        ),
        A,
    );
    assert_eq!(
        hex(&encode_msgpack(&m.to_value())),
        "84a47479706509a46461746182a9726571756573744964b033663939623965316439316235353665a67061636b657492a770696e672d737302a3756964b061356636366462613465303634336536a36e7370a12f"
    );
    let m = message(
        MessageType::ServerSideEmitResponse,
        data::answer(
            "3f99b9e1d91b556e",
            Some(json(r#""pong-from-3102""#)),
            Undefined::Nil,
        ),
        B,
    );
    assert_eq!(
        hex(&encode_msgpack(&m.to_value())),
        "84a4747970650aa46461746182a9726571756573744964b033663939623965316439316235353665a67061636b6574ae706f6e672d66726f6d2d33313032a3756964b063396134323637323330643032663830a36e7370a12f"
    );
    // streams:13 broadcast with ack, its count and an ack
    let mut o = opts(&[], &[]);
    o.flags.timeout = Some(std::time::Duration::from_millis(1000));
    let m = message(
        MessageType::Broadcast,
        data::broadcast(
            vec![json(r#""ask""#), json("7")],
            &o,
            Some("f327cc8facdfc842"),
        ),
        A,
    );
    assert!(is_ephemeral(&m));
    assert_eq!(
        hex(&encode_msgpack(&m.to_value())),
        "84a47479706503a46461746183a67061636b657482a47479706502a46461746192a361736b07a9726571756573744964b066333237636338666163646663383432a46f70747383a5726f6f6d7390a665786365707490a5666c61677381a774696d656f7574cd03e8a3756964b061356636366462613465303634336536a36e7370a12f"
    );
    let m = message(
        MessageType::BroadcastClientCount,
        data::client_count("f327cc8facdfc842", 2),
        B,
    );
    assert_eq!(
        hex(&encode_msgpack(&m.to_value())),
        "84a4747970650ba46461746182a9726571756573744964b066333237636338666163646663383432ab636c69656e74436f756e7402a3756964b063396134323637323330643032663830a36e7370a12f"
    );
    let m = message(
        MessageType::BroadcastAck,
        data::answer(
            "f327cc8facdfc842",
            Some(json(r#""ack-from-xqFv6vEfS2wujRIMAAAC""#)),
            Undefined::Nil,
        ),
        B,
    );
    assert_eq!(
        hex(&encode_msgpack(&m.to_value())),
        "84a4747970650ca46461746182a9726571756573744964b066333237636338666163646663383432a67061636b6574bd61636b2d66726f6d2d7871467636764566533277756a52494d41414143a3756964b063396134323637323330643032663830a36e7370a12f"
    );
}

#[test]
fn sessions() {
    // Capture 4's streams:99, encoded with @msgpack/msgpack 2.8.
    let s = Session {
        sid: SocketId::from("xqFv6vEfS2wujRIMAAAC"),
        pid: "u3PvizmJMFMruv-RAAAD".into(),
        rooms: vec![Room::from("xqFv6vEfS2wujRIMAAAC"), Room::from("room1")],
        data: serde_json::json!({"user": "u-3102"}),
    };
    let node = "hKNzaWS0eHFGdjZ2RWZTMnd1alJJTUFBQUOjcGlktHUzUHZpem1KTUZNcnV2LVJBQUFEpXJvb21zkrR4cUZ2NnZFZlMyd3VqUklNQUFBQ6Vyb29tMaRkYXRhgaR1c2VypnUtMzEwMg==";
    assert_eq!(session::encode(&s), node.as_bytes());
    assert_eq!(session::decode(node.as_bytes()), Some(s));
    let empty = "hKNzaWS0RUplX01odEVYR2w0MjlDRUFBQUejcGlktFEwb2tRV04xdExHdmd2bUxBQUFIpXJvb21zkbRFSmVfTWh0RVhHbDQyOUNFQUFBR6RkYXRhgA==";
    let s = session::decode(empty.as_bytes()).unwrap();
    assert_eq!(s.data, serde_json::json!({}));
    assert_eq!(session::encode(&s), empty.as_bytes());
    // A session without data: nil, as Node writes `null`.
    let none = Session {
        sid: SocketId::from("a"),
        pid: "b".into(),
        rooms: vec![],
        data: serde_json::Value::Null,
    };
    assert_eq!(
        session::encode(&none),
        b"hKNzaWShYaNwaWShYqVyb29tc5CkZGF0YcA="
    );
}

/// Captured with `redis-cli monitor` next to
/// `tests/js/cluster/capture-streams.mjs` (Node 0.3.1, recovery on): a
/// `socket.emit("hi", 1, Buffer[7])` (Node sends it through the stream,
/// to the socket's own room), then that socket's session once its
/// transport closed (`PX 60000`, the window).
#[test]
fn socket_emit_and_session_from_node() {
    let sid = "ox0bs49Iw7z_jqtIAAAA";
    let event = vec![
        json(r#""hi""#),
        json("1"),
        Value::Binary(bytes::Bytes::from_static(&[7])),
    ];
    let m = message(
        MessageType::Broadcast,
        data::broadcast(event, &BroadcastOptions::socket(&SocketId::from(sid)), None),
        "5c219af43e0d49d5",
    );
    assert_eq!(
        field(&m),
        "gqZwYWNrZXSCpHR5cGUCpGRhdGGTomhpAcQBB6RvcHRzg6Vyb29tc5G0b3gwYnM0OUl3N3pfanF0SUFBQUGmZXhjZXB0kKVmbGFnc4A="
    );
    let s = Session {
        sid: SocketId::from(sid),
        pid: "-cxbrF8-BLlZtXugAAAB".into(),
        rooms: vec![Room::from(sid), Room::from("room1")],
        data: serde_json::json!({"user": 1}),
    };
    assert_eq!(
        session::encode(&s),
        b"hKNzaWS0b3gwYnM0OUl3N3pfanF0SUFBQUGjcGlktC1jeGJyRjgtQkxsWnRYdWdBQUFCpXJvb21zkrRveDBiczQ5SXc3el9qcXRJQUFBQaVyb29tMaRkYXRhgaR1c2VyAQ=="
    );
}
