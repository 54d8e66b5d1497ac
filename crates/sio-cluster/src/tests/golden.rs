//! Golden vectors: messages captured from Node's sharded adapter
//! (`@socket.io/redis-adapter` 8.3.0 on `socket.io-adapter` 2.5, Redis
//! MONITOR; see the project's adapter research notes). Each is decoded and
//! checked, and what this crate builds for the same call is checked byte
//! for byte.

use std::time::Duration;

use proptest::prelude::*;
use sio_adapter::{BroadcastOptions, Room};
use sio_parser::Value;

use crate::message::{data, decode_options};
use crate::{ClusterMessage, Codec, CodecError, MessageType};

const A: &str = "71853611d192076e";
const B: &str = "77d900ab4bf06f7c";

/// (capture, JSON as published).
const JSON: &[(&str, &str)] = &[
    (
        "sharded:01",
        r#"{"type":3,"data":{"packet":{"type":2,"data":["hello","world",1]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
    (
        "sharded:02",
        r#"{"type":3,"data":{"packet":{"type":2,"data":["msg",{"a":1}]},"opts":{"rooms":["room1"],"except":[],"flags":{}}},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
    (
        "sharded:03",
        r#"{"type":3,"data":{"packet":{"type":2,"data":["exc",true]},"opts":{"rooms":[],"except":["room1"],"flags":{}}},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
    (
        "sharded:04",
        r#"{"type":3,"data":{"packet":{"type":2,"data":["multi",null]},"opts":{"rooms":["room1","room2"],"except":[],"flags":{}}},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
    (
        "sharded:06",
        r#"{"type":3,"data":{"packet":{"type":2,"data":["flags"]},"opts":{"rooms":[],"except":[],"flags":{"volatile":true,"compress":false}}},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
    (
        "sharded:07",
        r#"{"type":3,"data":{"packet":{"type":2,"data":["adm",1]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"18dc0bdb130d9319","nsp":"/admin"}"#,
    ),
    (
        "sharded:08",
        r#"{"type":7,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"requestId":"5f4d3ad6b9e551e5"},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
    (
        "sharded:09",
        r#"{"type":9,"data":{"packet":["ping-ss",1,"x"]},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
    (
        "sharded:10 request",
        r#"{"type":9,"data":{"requestId":"106f67065b81453c","packet":["ping-ss",2]},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
    (
        "sharded:10 response",
        r#"{"type":10,"data":{"requestId":"106f67065b81453c","packet":"pong-from-3102"},"uid":"77d900ab4bf06f7c","nsp":"/"}"#,
    ),
    (
        "sharded:11",
        r#"{"type":4,"data":{"opts":{"rooms":["wPOdSW3qRtxSt-HhAAAB"],"except":[],"flags":{}},"rooms":["room3"]},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
    (
        "sharded:12",
        r#"{"type":5,"data":{"opts":{"rooms":["room3"],"except":[],"flags":{}},"rooms":["room3"]},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
    (
        "sharded:13 request",
        r#"{"type":3,"data":{"packet":{"type":2,"data":["ask",7]},"requestId":"177dd3b7277528fd","opts":{"rooms":[],"except":[],"flags":{"timeout":1000}}},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
    (
        "sharded:13 count",
        r#"{"type":11,"data":{"requestId":"177dd3b7277528fd","clientCount":2},"uid":"77d900ab4bf06f7c","nsp":"/"}"#,
    ),
    (
        "sharded:13 ack",
        r#"{"type":12,"data":{"requestId":"177dd3b7277528fd","packet":"ack-from-wPOdSW3qRtxSt-HhAAAB"},"uid":"77d900ab4bf06f7c","nsp":"/"}"#,
    ),
    (
        "sharded:15",
        r#"{"type":6,"data":{"opts":{"rooms":["room2"],"except":[],"flags":{}},"close":true},"uid":"71853611d192076e","nsp":"/"}"#,
    ),
];

/// sharded:05, `io.emit("bin", Buffer[1,2,3], {n:1.5,neg:-1,big:2^32})`.
const BINARY_HEX: &str = "84a47479706503a46461746182a67061636b657482a47479706502a46461746193a362696ec40301020383a16ecb3ff8000000000000a36e6567ffa3626967cf0000000100000000a46f70747383a5726f6f6d7390a665786365707490a5666c61677380a3756964b037313835333631316431393230373665a36e7370a12f";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn s(v: &str) -> Value {
    Value::from(v)
}

#[test]
fn every_capture_decodes_and_encodes_back_to_the_same_bytes() {
    let codec = Codec::default();
    for (name, json) in JSON {
        let message = codec
            .decode(json.as_bytes())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(codec.encode(&message), json.as_bytes(), "{name}");
    }
    let bytes = hex(BINARY_HEX);
    let message = codec.decode(&bytes).unwrap();
    assert_eq!(message.kind, MessageType::Broadcast);
    assert!(message.has_binary());
    assert_eq!(codec.encode(&message), bytes);
}

fn build(kind: MessageType, data: Value, uid: &str) -> Vec<u8> {
    Codec::default().encode(&ClusterMessage::new(kind, Some(data), uid, "/"))
}

fn golden(name: &str) -> &'static [u8] {
    JSON.iter().find(|(n, _)| *n == name).unwrap().1.as_bytes()
}

#[test]
fn what_this_crate_builds_is_what_node_publishes() {
    use MessageType as T;
    let all = BroadcastOptions::all();
    let event = vec![s("hello"), s("world"), 1.into()];
    assert_eq!(
        build(T::Broadcast, data::broadcast(event, &all, None), A),
        golden("sharded:01")
    );

    let mut volatile = BroadcastOptions::all();
    volatile.flags.volatile = true;
    volatile.flags.compress = false;
    let event = vec![s("flags")];
    assert_eq!(
        build(T::Broadcast, data::broadcast(event, &volatile, None), A),
        golden("sharded:06")
    );

    let fetch = data::fetch_sockets(&all, "5f4d3ad6b9e551e5");
    assert_eq!(build(T::FetchSockets, fetch, A), golden("sharded:08"));

    let emit = data::server_side_emit(vec![s("ping-ss"), 1.into(), s("x")], None);
    assert_eq!(build(T::ServerSideEmit, emit, A), golden("sharded:09"));
    let emit = data::server_side_emit(vec![s("ping-ss"), 2.into()], Some("106f67065b81453c"));
    assert_eq!(
        build(T::ServerSideEmit, emit, A),
        golden("sharded:10 request")
    );
    let answer = data::answer(
        "106f67065b81453c",
        Some(s("pong-from-3102")),
        Default::default(),
    );
    assert_eq!(
        build(T::ServerSideEmitResponse, answer, B),
        golden("sharded:10 response")
    );

    let one = BroadcastOptions::rooms(["wPOdSW3qRtxSt-HhAAAB"]);
    let join = data::sockets_join_leave(&one, &[Room::from("room3")]);
    assert_eq!(build(T::SocketsJoin, join, A), golden("sharded:11"));
    let room3 = BroadcastOptions::rooms(["room3"]);
    let leave = data::sockets_join_leave(&room3, &[Room::from("room3")]);
    assert_eq!(build(T::SocketsLeave, leave, A), golden("sharded:12"));

    let mut acked = BroadcastOptions::all();
    acked.flags.timeout = Some(Duration::from_millis(1000));
    let ask = data::broadcast(vec![s("ask"), 7.into()], &acked, Some("177dd3b7277528fd"));
    assert_eq!(build(T::Broadcast, ask, A), golden("sharded:13 request"));
    let count = data::client_count("177dd3b7277528fd", 2);
    assert_eq!(
        build(T::BroadcastClientCount, count, B),
        golden("sharded:13 count")
    );
    let ack = data::answer(
        "177dd3b7277528fd",
        Some(s("ack-from-wPOdSW3qRtxSt-HhAAAB")),
        Default::default(),
    );
    assert_eq!(build(T::BroadcastAck, ack, B), golden("sharded:13 ack"));

    let room2 = BroadcastOptions::rooms(["room2"]);
    let disconnect = data::disconnect_sockets(&room2, true);
    assert_eq!(
        build(T::DisconnectSockets, disconnect, A),
        golden("sharded:15")
    );

    // The binary broadcast: msgpack of the whole envelope, byte for byte.
    let object = Value::Object(vec![
        (
            "n".into(),
            Value::Number(serde_json::Number::from_f64(1.5).unwrap()),
        ),
        ("neg".into(), Value::from(-1)),
        ("big".into(), Value::Number(4_294_967_296u64.into())),
    ]);
    let event = vec![s("bin"), Value::Binary(vec![1u8, 2, 3].into()), object];
    assert_eq!(
        build(T::Broadcast, data::broadcast(event, &all, None), A),
        hex(BINARY_HEX)
    );
}

#[test]
fn options_read_back_as_sent() {
    let codec = Codec::default();
    let message = codec.decode(golden("sharded:06")).unwrap();
    let opts = decode_options(message.field("packet").and(message.field("opts")));
    assert!(opts.flags.volatile && !opts.flags.compress);
    let message = codec.decode(golden("sharded:13 request")).unwrap();
    let opts = decode_options(message.field("opts"));
    assert_eq!(opts.flags.timeout, Some(Duration::from_millis(1000)));
    assert_eq!(message.request_id(), Some("177dd3b7277528fd"));
}

#[test]
fn garbage_is_an_error_never_a_panic() {
    let codec = Codec {
        max_message_size: 64,
        ..Codec::default()
    };
    assert!(matches!(
        codec.decode(b"{not json"),
        Err(CodecError::Json(_))
    ));
    assert!(matches!(codec.decode(&[0xc1]), Err(CodecError::Msgpack(_))));
    assert!(matches!(
        codec.decode(br#"{"type":99,"uid":"x"}"#),
        Err(CodecError::NotAMessage)
    ));
    assert!(matches!(
        codec.decode(b"[1,2]"),
        Err(CodecError::Msgpack(_))
    ));
    assert!(matches!(
        codec.decode(&[b'{'; 65]),
        Err(CodecError::TooLarge(65))
    ));
    assert_eq!(
        codec.decode(br#"{"type":2}"#).map(|m| (m.uid, m.nsp)),
        Ok((String::new(), "/".to_owned()))
    );
}

proptest! {
    #[test]
    fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = Codec::default().decode(&bytes);
    }

    #[test]
    fn mutated_captures_decode_or_fail_cleanly(i in 0usize..16, at in 0usize..200, byte in any::<u8>()) {
        let mut bytes = JSON[i % JSON.len()].1.as_bytes().to_vec();
        let at = at % bytes.len();
        bytes[at] = byte;
        let _ = Codec::default().decode(&bytes);
        let mut bin = hex(BINARY_HEX);
        let at = at % bin.len();
        bin[at] = byte;
        let _ = Codec::default().decode(&bin);
    }
}

/// A capture of `tests/js/cluster/capture-sharded.mjs` (the real
/// `@socket.io/redis-adapter` 8.3.0 on socket.io 4.8.4): each line is
/// `{name, channel, hex}`.
pub(crate) const NODE_SHARDED: &str = include_str!("node-sharded.jsonl");

/// `(name, channel, bytes)` of each captured message.
pub(crate) fn node_sharded() -> Vec<(String, String, Vec<u8>)> {
    NODE_SHARDED
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let field = |k: &str| v[k].as_str().unwrap().to_owned();
            (field("name"), field("channel"), hex(&field("hex")))
        })
        .collect()
}

#[test]
fn the_node_capture_round_trips_byte_for_byte() {
    let codec = Codec::default();
    let captured = node_sharded();
    assert_eq!(captured.len(), 17);
    for (name, _, bytes) in &captured {
        let message = codec
            .decode(bytes)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&codec.encode(&message), bytes, "{name}");
    }
    let find = |name: &str, kind: MessageType| {
        captured
            .iter()
            .map(|(n, _, b)| (n, codec.decode(b).unwrap()))
            .find(|(n, m)| *n == name && m.kind == kind)
            .map(|(_, m)| m)
            .unwrap()
    };
    // An ack called with no argument: `packet` left out (notepack, JSON).
    let answer = find("server-side-no-arg", MessageType::ServerSideEmitResponse);
    let id = answer.request_id().unwrap().to_owned();
    let ours = data::answer(&id, None, Default::default());
    assert_eq!(answer.data.as_ref(), Some(&ours));
    // A binary ack: the whole envelope as msgpack, the bytes as `bin`.
    let ack = find("ack-binary", MessageType::BroadcastAck);
    assert_eq!(
        ack.field("packet"),
        Some(&Value::Binary(vec![5u8, 6].into()))
    );
    let rebuilt = ClusterMessage::new(
        MessageType::BroadcastAck,
        Some(data::answer(
            ack.request_id().unwrap(),
            Some(Value::Binary(vec![5u8, 6].into())),
            Default::default(),
        )),
        &ack.uid,
        "/",
    );
    assert_eq!(codec.encode(&rebuilt), codec.encode(&ack));
    // A numeric room reads as its decimal text.
    let numeric = find("numeric-room", MessageType::Broadcast);
    assert_eq!(
        decode_options(numeric.field("opts")).rooms,
        [Room::from("42")]
    );
    // socket.data holding a Buffer makes the fetch answer msgpack.
    let fetched = find("fetch-binary-data", MessageType::FetchSocketsResponse);
    let sockets = fetched.field("sockets").unwrap();
    let Value::Array(sockets) = sockets else {
        panic!()
    };
    let socket = crate::message::decode_socket(&sockets[0]).unwrap();
    assert_eq!(socket.data["user"], "u");
    assert_eq!(socket.rooms.len(), 3);
}
