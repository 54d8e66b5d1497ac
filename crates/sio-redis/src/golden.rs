//! Golden vectors: the bytes Node's adapter and emitter published in the
//! captures of `shared/adapters/captures.md`, encoded and decoded here.

use std::time::Duration;

use sio_adapter::{BroadcastFlags, BroadcastOptions, Room};
use sio_parser::Value;

use crate::msgpack::{self, MsgpackError};
use crate::wire::{self, JsonOpts, JsonRequest, JsonResponse, JsonValue, kind};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

/// Node's flags for a plain `emit`: none set (`compress` true by default).
fn opts(rooms: &[&str], except: &[&str]) -> BroadcastOptions {
    BroadcastOptions {
        rooms: rooms.iter().map(|r| Room::from(*r)).collect(),
        except: except.iter().map(|r| Room::from(*r)).collect(),
        flags: BroadcastFlags {
            compress: true,
            ..BroadcastFlags::default()
        },
    }
}

const EMIT_ALL: &str = "93a64946757a7a7383a47479706502a46461746193a568656c6c6fa5776f726c6401a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380";
const ONE_ROOM: &str = "93a64946757a7a7383a47479706502a46461746192a36d736781a16101a36e7370a12f83a5726f6f6d7391a5726f6f6d31a665786365707490a5666c61677380";
const EXCEPT: &str = "93a64946757a7a7383a47479706502a46461746192a3657863c3a36e7370a12f83a5726f6f6d7390a665786365707491a5726f6f6d31a5666c61677380";
const TWO_ROOMS: &str = "93a64946757a7a7383a47479706502a46461746192a56d756c7469c0a36e7370a12f83a5726f6f6d7392a5726f6f6d31a5726f6f6d32a665786365707490a5666c61677380";
const BINARY: &str = "93a64946757a7a7383a47479706502a46461746193a362696ec40301020383a16ecb3ff8000000000000a36e6567ffa3626967cf0000000100000000a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380";
const FLAGS: &str = "93a64946757a7a7383a47479706502a46461746191a5666c616773a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677382a8766f6c6174696c65c3a8636f6d7072657373c2";
const ADMIN: &str = "93a6556f6b53687183a47479706502a46461746192a361646d01a36e7370a62f61646d696e83a5726f6f6d7390a665786365707490a5666c61677380";
const ASK: &str = "85a3756964a64946757a7a73a9726571756573744964a66c395566737aa47479706507a67061636b657483a47479706502a46461746192a361736b07a36e7370a12fa46f70747383a5726f6f6d7390a665786365707490a5666c61677381a774696d656f7574cd03e8";
const ACK: &str = "83a47479706509a9726571756573744964a66c395566737aa67061636b6574bd61636b2d66726f6d2d68344d62724e714a6c5f357353434d4141414142";
const EMITTER_ROOM: &str = "93a7656d697474657283a47479706502a46461746192a7656d2d726f6f6d01a36e7370a12f83a5726f6f6d7391a5726f6f6d31a5666c61677380a665786365707491a5726f6f6d39";
const NUMERIC_ROOM_DATE: &str = "93a67748776e443783a47479706502a46461746192a36e756dd6ff00000000a36e7370a12f83a5726f6f6d73912aa665786365707490a5666c61677380";

#[test]
fn broadcasts_encode_as_node() {
    let enc = |data: &str, o: &BroadcastOptions| {
        let Value::Array(data) = json(data) else {
            panic!()
        };
        wire::broadcast("IFuzzs", "/", data, o)
    };
    assert_eq!(
        enc(r#"["hello","world",1]"#, &opts(&[], &[])),
        hex(EMIT_ALL)
    );
    assert_eq!(
        enc(r#"["msg",{"a":1}]"#, &opts(&["room1"], &[])),
        hex(ONE_ROOM)
    );
    assert_eq!(enc(r#"["exc",true]"#, &opts(&[], &["room1"])), hex(EXCEPT));
    let two = opts(&["room1", "room2"], &[]);
    assert_eq!(enc(r#"["multi",null]"#, &two), hex(TWO_ROOMS));
    // Node's `io.volatile.emit("flags")` (capture 06 also had
    // `compress(false)`, which is not carried: see `wire::options`).
    let mut volatile = opts(&[], &[]);
    volatile.flags.volatile = true;
    let volatile_only = "93a64946757a7a7383a47479706502a46461746191a5666c616773a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677381a8766f6c6174696c65c3";
    assert_eq!(enc(r#"["flags"]"#, &volatile), hex(volatile_only));
    let data = vec![
        Value::from("bin"),
        Value::Binary(vec![1u8, 2, 3].into()),
        json(r#"{"n":1.5,"neg":-1,"big":4294967296}"#),
    ];
    assert_eq!(
        wire::broadcast("IFuzzs", "/", data, &opts(&[], &[])),
        hex(BINARY)
    );
    let data = vec![Value::from("adm"), Value::from(1i64)];
    assert_eq!(
        wire::broadcast("UokShq", "/admin", data, &opts(&[], &[])),
        hex(ADMIN)
    );
}

#[test]
fn broadcast_with_ack_and_its_ack_encode_as_node() {
    let data = vec![Value::from("ask"), Value::from(7i64)];
    let timeout = Duration::from_millis(1000);
    let bytes = wire::broadcast_with_ack("IFuzzs", "l9Ufsz", "/", data, &opts(&[], &[]), timeout);
    assert_eq!(bytes, hex(ASK));
    let ack = wire::broadcast_ack("l9Ufsz", Value::from("ack-from-h4MbrNqJl_5sSCMAAAAB"));
    assert_eq!(ack, hex(ACK));
}

#[test]
fn every_captured_msgpack_message_round_trips_byte_for_byte() {
    for vector in [
        EMIT_ALL,
        ONE_ROOM,
        EXCEPT,
        TWO_ROOMS,
        BINARY,
        FLAGS,
        ADMIN,
        ASK,
        ACK,
        EMITTER_ROOM,
    ] {
        let bytes = hex(vector);
        let value = msgpack::decode(&bytes).unwrap();
        let mut again = Vec::new();
        msgpack::encode(&value, &mut again);
        assert_eq!(again, bytes, "{vector}");
    }
}

#[test]
fn broadcasts_decode_by_key_whatever_the_order() {
    let b = wire::read_broadcast(wire::parse(&hex(EMITTER_ROOM)).unwrap()).unwrap();
    assert_eq!(b.uid.as_deref(), Some("emitter"));
    assert_eq!((b.nsp.as_str(), b.event.as_str()), ("/", "em-room"));
    assert_eq!(b.args, vec![Value::from(1i64)]);
    assert_eq!(b.opts.rooms, vec![Room::from("room1")]);
    assert_eq!(b.opts.except, vec![Room::from("room9")]);
    assert!(b.opts.flags.compress && !b.opts.flags.volatile);

    let b = wire::read_broadcast(wire::parse(&hex(NUMERIC_ROOM_DATE)).unwrap()).unwrap();
    assert_eq!(b.opts.rooms, vec![Room::from("42")]);
    assert_eq!(b.args, vec![Value::from("1970-01-01T00:00:00.000Z")]);

    let b = wire::read_broadcast(wire::parse(&hex(FLAGS)).unwrap()).unwrap();
    assert!(b.opts.flags.volatile && !b.opts.flags.compress);
    let b = wire::read_broadcast(wire::parse(&hex(BINARY)).unwrap()).unwrap();
    assert_eq!(b.args[0], Value::Binary(vec![1u8, 2, 3].into()));

    let ask = wire::parse(&hex(ASK)).unwrap();
    assert_eq!(wire::uint(&ask, "type"), Some(kind::BROADCAST));
    let o = wire::read_options(ask.get("opts"));
    assert_eq!(o.flags.timeout, Some(Duration::from_millis(1000)));
}

#[test]
fn json_requests_and_responses_are_written_as_node_writes_them() {
    let all = opts(&[], &[]);
    let text = |m: &dyn erased::Json| String::from_utf8(m.bytes()).unwrap();
    let fetch = JsonRequest {
        uid: Some("IFuzzs"),
        request_id: Some("MZPoy9"),
        kind: kind::REMOTE_FETCH,
        opts: Some(JsonOpts::from(&all)),
        ..JsonRequest::default()
    };
    assert_eq!(
        text(&fetch),
        r#"{"uid":"IFuzzs","requestId":"MZPoy9","type":5,"opts":{"rooms":[],"except":[]}}"#
    );
    let args = [Value::from("ping-ss"), Value::from(1i64), Value::from("x")];
    let emit = JsonRequest {
        uid: Some("IFuzzs"),
        kind: kind::SERVER_SIDE_EMIT,
        data: Some(args.iter().map(JsonValue).collect()),
        ..JsonRequest::default()
    };
    assert_eq!(
        text(&emit),
        r#"{"uid":"IFuzzs","type":6,"data":["ping-ss",1,"x"]}"#
    );
    let join_opts = opts(&["h4MbrNqJl_5sSCMAAAAB"], &[]);
    let rooms = [Room::from("room3")];
    let join = JsonRequest {
        uid: Some("IFuzzs"),
        kind: kind::REMOTE_JOIN,
        opts: Some(JsonOpts::from(&join_opts)),
        rooms: Some(&rooms),
        ..JsonRequest::default()
    };
    assert_eq!(
        text(&join),
        r#"{"uid":"IFuzzs","type":2,"opts":{"rooms":["h4MbrNqJl_5sSCMAAAAB"],"except":[]},"rooms":["room3"]}"#
    );
    let room2 = opts(&["room2"], &[]);
    let disconnect = JsonRequest {
        uid: Some("IFuzzs"),
        kind: kind::REMOTE_DISCONNECT,
        opts: Some(JsonOpts::from(&room2)),
        close: Some(true),
        ..JsonRequest::default()
    };
    assert_eq!(
        text(&disconnect),
        r#"{"uid":"IFuzzs","type":4,"opts":{"rooms":["room2"],"except":[]},"close":true}"#
    );
    let all_rooms = JsonRequest {
        uid: Some("IFuzzs"),
        request_id: Some("3iogHH"),
        kind: kind::ALL_ROOMS,
        ..JsonRequest::default()
    };
    assert_eq!(
        text(&all_rooms),
        r#"{"uid":"IFuzzs","requestId":"3iogHH","type":1}"#
    );

    let pong = Value::from("pong-from-3102");
    let answer = JsonResponse {
        kind: Some(kind::SERVER_SIDE_EMIT),
        request_id: "11c8e6",
        data: Some(JsonValue(&pong)),
        ..JsonResponse::default()
    };
    assert_eq!(
        text(&answer),
        r#"{"type":6,"requestId":"11c8e6","data":"pong-from-3102"}"#
    );
    let count = JsonResponse {
        kind: Some(kind::BROADCAST_CLIENT_COUNT),
        request_id: "l9Ufsz",
        client_count: Some(2),
        ..JsonResponse::default()
    };
    assert_eq!(
        text(&count),
        r#"{"type":8,"requestId":"l9Ufsz","clientCount":2}"#
    );
    let rooms: Vec<Room> = ["h4MbrNqJl_5sSCMAAAAB", "room1"].map(Room::from).to_vec();
    let listed = JsonResponse {
        request_id: "3iogHH",
        rooms: Some(&rooms),
        ..JsonResponse::default()
    };
    assert_eq!(
        text(&listed),
        r#"{"requestId":"3iogHH","rooms":["h4MbrNqJl_5sSCMAAAAB","room1"]}"#
    );
    let bin = [Value::Binary(vec![9u8, 8].into())];
    let buffer = JsonRequest {
        data: Some(bin.iter().map(JsonValue).collect()),
        ..JsonRequest::default()
    };
    assert_eq!(
        text(&buffer),
        r#"{"type":0,"data":[{"type":"Buffer","data":[9,8]}]}"#
    );
}

#[test]
fn a_node_fetch_sockets_answer_reads_with_numeric_rooms_as_text() {
    let answer = r#"{"requestId":"uEw4Xc","sockets":[{"id":"-RMpvtjk3ZQi03bxAAAA","handshake":{"headers":{"host":"127.0.0.1:3112"},"time":"Wed Nov 25 2026 18:13:29 GMT+0000 (Coordinated Universal Time)","address":"127.0.0.1","xdomain":false,"secure":false,"issued":1795630409092,"url":"/socket.io/?EIO=4&transport=websocket","query":{"EIO":"4","transport":"websocket"},"auth":{}},"rooms":["-RMpvtjk3ZQi03bxAAAA",42],"data":{"bin":{"type":"Buffer","data":[9,8]},"when":"1970-01-01T00:00:00.000Z"}}]}"#;
    let value = wire::parse(answer.as_bytes()).unwrap();
    assert_eq!(wire::string(&value, "requestId").as_deref(), Some("uEw4Xc"));
    let Some(Value::Array(sockets)) = value.get("sockets") else {
        panic!()
    };
    let socket = wire::read_socket(&sockets[0]).unwrap();
    assert_eq!(socket.id.as_str(), "-RMpvtjk3ZQi03bxAAAA");
    assert_eq!(
        socket.rooms,
        vec![Room::from("-RMpvtjk3ZQi03bxAAAA"), Room::from("42")]
    );
    assert_eq!(socket.handshake["issued"], 1_795_630_409_092u64);
    assert_eq!(socket.data["bin"]["data"], serde_json::json!([9, 8]));
}

#[test]
fn hostile_msgpack_is_refused_without_panic_or_large_allocation() {
    // An array, a map, a string and a bin claiming 4 GiB, with nothing after.
    for bytes in [
        &[0xdd, 0xff, 0xff, 0xff, 0xff][..],
        &[0xdf, 0xff, 0xff, 0xff, 0xff],
        &[0xdb, 0xff, 0xff, 0xff, 0xff],
        &[0xc6, 0xff, 0xff, 0xff, 0xff],
    ] {
        assert_eq!(msgpack::decode(bytes), Err(MsgpackError::Truncated));
    }
    assert_eq!(msgpack::decode(&[0xc1]), Err(MsgpackError::BadMarker));
    assert_eq!(msgpack::decode(&[0xc0, 0xc0]), Err(MsgpackError::Trailing));
    assert_eq!(msgpack::decode(&[0xa1, 0xff]), Err(MsgpackError::BadText));
    assert_eq!(msgpack::decode(&[0x91; 200]), Err(MsgpackError::TooDeep));
    // Every prefix of every vector, and every byte flipped: no panic.
    for vector in [EMIT_ALL, BINARY, ASK, NUMERIC_ROOM_DATE] {
        let bytes = hex(vector);
        for end in 0..bytes.len() {
            let _ = wire::parse(&bytes[..end]).and_then(wire::read_broadcast);
        }
        for i in 0..bytes.len() {
            let mut mutated = bytes.clone();
            mutated[i] ^= 0xff;
            let _ = wire::parse(&mutated).and_then(wire::read_broadcast);
        }
    }
}

/// Lets the test above take any of the JSON message types.
mod erased {
    pub(super) trait Json {
        fn bytes(&self) -> Vec<u8>;
    }
    impl<T: serde::Serialize> Json for T {
        fn bytes(&self) -> Vec<u8> {
            crate::wire::json(self)
        }
    }
}
