//! A custom parser written outside sio (`examples/custom_parser`, the
//! `socket.io-json-parser` 3.0.0 format) end to end: the packets its
//! decoder yields are held to the built-in limits, and the JavaScript
//! client configured with that npm parser (`tests/js/jsonparser/client.mjs`)
//! talks to a server using it, over WebSocket only and polling only.
//! The node part is skipped with a message when node or
//! `tests/js/node_modules` is missing, unless `CI` or `SIO_REQUIRE_NODE`
//! is set.

mod sio_common;

#[path = "../../../examples/custom_parser/json_parser.rs"]
mod json_parser;

use std::process::Stdio;
use std::time::Duration;

use json_parser::JsonParser;
use serde_json::json;
use sio::{AckSender, Args, Data, Parser, SocketIo, SocketRef, Value};
use sio_engine::Str;
use sio_parser::{DecodeError, Decoder, DecoderConfig, Encoder, Version};

fn decode(config: DecoderConfig, text: &str) -> Result<Option<sio_parser::Packet>, DecodeError> {
    let mut decoder = Decoder::new(Parser::custom(JsonParser), Version::V5, config);
    decoder.decode_text(Str::from(text.to_owned()))
}

#[test]
fn the_json_parser_reads_and_writes_json_stringify_packets() {
    let packet = decode(
        DecoderConfig::default(),
        r#"{"type":2,"data":["chat","hi",{"a":[1]}],"options":{"compress":true},"nsp":"/x","id":4}"#,
    )
    .unwrap()
    .unwrap();
    assert_eq!(packet.event_name(), Some("chat"));
    assert_eq!(packet.ns.as_str(), "/x");
    assert_eq!(packet.id, Some(4));
    let (text, obj): (String, serde_json::Value) = packet.args().unwrap();
    assert_eq!((text.as_str(), obj), ("hi", json!({"a": [1]})));

    let encoder = Encoder::new(Parser::custom(JsonParser), Version::V5);
    let event = encoder.event("/x", "news", &("hi", 2), Some(9)).unwrap();
    assert_eq!(
        event.text(),
        Some(r#"{"type":2,"nsp":"/x","data":["news","hi",2],"id":9}"#)
    );
    let connect = encoder.connect("/", "abc", None).unwrap();
    assert_eq!(
        connect.text(),
        Some(r#"{"type":0,"nsp":"/","data":{"sid":"abc"}}"#)
    );
    let ack = encoder.ack("/", 3, &()).unwrap();
    assert_eq!(ack.text(), Some(r#"{"type":3,"nsp":"/","data":[],"id":3}"#));
}

#[test]
fn packets_from_a_custom_decoder_are_held_to_the_built_in_limits() {
    let config = DecoderConfig::default;
    let refused = [
        // reserved event name, no name, wrong payload shape
        (r#"{"type":2,"nsp":"/","data":["disconnect"]}"#, "reserved"),
        (r#"{"type":2,"nsp":"/","data":[]}"#, "empty event"),
        (r#"{"type":0,"nsp":"/","data":[1]}"#, "connect with array"),
        // namespace and ack ids
        (r#"{"type":2,"nsp":"x","data":["a"]}"#, "namespace"),
        (r#"{"type":3,"nsp":"/","data":[]}"#, "ack without id"),
        (r#"{"type":0,"nsp":"/","id":1}"#, "connect with id"),
        (
            r#"{"type":2,"nsp":"/","data":["a"],"id":9007199254740992}"#,
            "id above 2^53-1",
        ),
        // a server never receives CONNECT_ERROR
        (
            r#"{"type":4,"nsp":"/","data":{"message":"x"}}"#,
            "connect_error",
        ),
    ];
    for (text, what) in refused {
        assert!(decode(config(), text).is_err(), "{what}: accepted");
    }
    let deep = format!(
        r#"{{"type":2,"nsp":"/","data":["a",{}{}]}}"#,
        "[".repeat(10),
        "]".repeat(10)
    );
    assert!(decode(config(), &deep).is_ok());
    assert!(matches!(
        decode(config().max_depth(5), &deep),
        Err(DecodeError::TooDeep { limit: 5 })
    ));
}

async fn on_connect(socket: SocketRef, Data(auth): Data<serde_json::Value>) {
    let welcome = json!({
        "id": socket.id().to_string(),
        "auth": auth,
        "nested": {"list": [1, 2.5, "x", null, true, -3], "deep": {"a": {"b": {"c": []}}}},
    });
    let _ = socket.emit("welcome", &welcome);
    socket.on(
        "echo",
        |Args(args): Args<Vec<Value>>, ack: AckSender| async move {
            let _ = ack.send(&args);
        },
    );
    socket.on(
        "ask",
        |socket: SocketRef, Data(n): Data<i64>, ack: AckSender| async move {
            let reply = socket
                .timeout(Duration::from_secs(5))
                .emit_with_ack::<_, Args<Vec<Value>>>("question", &n);
            let _ = match reply.await {
                Ok(Args(reply)) => ack.send(&reply),
                Err(_) => ack.send(&"timeout"),
            };
        },
    );
    socket.on(
        "join",
        |socket: SocketRef, Data(room): Data<String>, ack: AckSender| async move {
            socket.join(room.clone());
            let _ = ack.send(&[room]);
        },
    );
    socket.on(
        "to",
        |socket: SocketRef, Args((room, event, data)): Args<(String, String, Value)>| async move {
            let _ = socket.within_ns().to(room).emit(&event, &data).await;
        },
    );
}

#[tokio::test]
async fn the_javascript_client_with_socket_io_json_parser_talks_to_a_custom_parser_server() {
    if !sio_common::node_ready("socket.io-json-parser") {
        return;
    }
    let io = SocketIo::builder()
        .parser(Parser::custom(JsonParser))
        .ns("/", on_connect)
        .build();
    let addr = sio_common::serve_io(&io).await;
    let child = tokio::process::Command::new("node")
        .arg("jsonparser/client.mjs")
        .arg(format!("http://{addr}"))
        .current_dir(sio_common::js_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("node script timed out")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "node failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    for mode in ["websocket", "polling"] {
        for check in [
            "connect with auth, server emit with nested data",
            "emit with ack round trip",
            "server emit with ack answered by the client",
            "room broadcast reaches the member",
        ] {
            assert!(stdout.contains(&format!("ok {mode}: {check}")), "{stdout}");
        }
    }
    assert!(
        stdout.contains("json-parser e2e: 8 checks passed"),
        "{stdout}"
    );
}
