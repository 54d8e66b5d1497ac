//! The msgpack parser end to end with the real JavaScript client: a sio
//! server built with `.parser(Parser::MsgPack)` on 127.0.0.1:0, and
//! `tests/js/msgpack/client.mjs` (socket.io-client 4.x with
//! socket.io-msgpack-parser) run by node against it over WebSocket and
//! polling, and the engine hooks of the builder as that client sees them.
//! Skipped with a message when node or `tests/js/node_modules`
//! is missing (`.ci/run` installs both), unless `CI` or
//! `SIO_REQUIRE_NODE` is set: then a missing node fails the test.

mod sio_common;

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;
use serde_json::json;
use sio::{AckSender, Args, Data, Parser, SocketIo, SocketRef, Value};

/// A fresh random suffix for session ids.
fn uuid_like() -> String {
    use std::fmt::Write as _;
    let bytes: [u8; 16] = rand::random();
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

async fn on_connect(socket: SocketRef, Data(auth): Data<serde_json::Value>) {
    let welcome = json!({
        "id": socket.id().to_string(),
        "auth": auth,
        "nested": {"list": [1, 2.5, "x", null, true, -3], "deep": {"a": {"b": {"c": []}}}},
    });
    let blob = Bytes::from_static(&[0, 1, 2, 255]);
    let _ = socket.emit_args("welcome", &(welcome, blob));
    socket.on(
        "echo",
        |Args(args): Args<Vec<Value>>, ack: AckSender| async move {
            let _ = ack.send(&args);
        },
    );
    socket.on(
        "ask",
        |socket: SocketRef, Data(n): Data<i64>, ack: AckSender| async move {
            let blob = Bytes::from_static(&[1, 2, 3]);
            let reply = socket
                .timeout(Duration::from_secs(5))
                .emit_args_with_ack::<_, Args<Vec<Value>>>("question", &(n, blob));
            let _ = match reply.await {
                Ok(Args(reply)) => ack.send(&reply),
                Err(_) => ack.send(&"timeout"),
            };
        },
    );
    socket.on(
        "join",
        |socket: SocketRef, Data(room): Data<String>, ack: AckSender| async move {
            socket.join(room);
            let own = socket.id().to_string();
            let rooms: Vec<String> = socket
                .rooms()
                .iter()
                .map(ToString::to_string)
                .filter(|r| *r != own)
                .collect();
            let _ = ack.send(&rooms);
        },
    );
    socket.on(
        "to",
        |socket: SocketRef, Args(args): Args<Vec<Value>>| async move {
            let mut args = args.into_iter();
            let (Some(room), Some(event)) = (args.next(), args.next()) else {
                return;
            };
            let (Some(room), Some(event)) = (room.as_str(), event.as_str()) else {
                return;
            };
            let rest: Vec<Value> = args.collect();
            let _ = socket
                .within_ns()
                .to(room.to_owned())
                .emit_args(event, &rest)
                .await;
        },
    );
}

#[tokio::test]
async fn the_javascript_msgpack_client_talks_to_a_msgpack_server() {
    if !sio_common::node_ready("socket.io-msgpack-parser") {
        return;
    }
    let refused = Arc::new(Mutex::new(Vec::new()));
    let sink = refused.clone();
    let io = SocketIo::builder()
        .parser(Parser::MsgPack)
        .ns("/", on_connect)
        .id_generator(|_| async { format!("node-a.{}", uuid_like()) })
        .allow_request(|req| {
            let deny = req.uri.query().is_some_and(|q| q.contains("deny=1"));
            async move { !deny }
        })
        .initial_headers(|h, _| {
            h.insert("set-cookie", HeaderValue::from_static("lb=node-a; Path=/"));
        })
        .headers(|h, _| {
            h.insert("x-served-by", HeaderValue::from_static("node-a"));
        })
        .on_connection_error(move |e| sink.lock().unwrap().push((e.code, e.message)))
        .build();
    let addr = sio_common::serve_io(&io).await;
    let child = tokio::process::Command::new("node")
        .arg("msgpack/client.mjs")
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
            "connect with auth, server emit with nested and binary data",
            "emit with ack, binary and nested data round trip",
            "server emit with ack answered by the client",
            "room broadcast with binary reaches the member",
        ] {
            assert!(stdout.contains(&format!("ok {mode}: {check}")), "{stdout}");
        }
    }
    for check in [
        "hooks: allow-request refuses the handshake with 403",
        "hooks: initial_headers on the handshake, headers on every response, custom ids",
    ] {
        assert!(stdout.contains(&format!("ok {check}")), "{stdout}");
    }
    assert!(stdout.contains("msgpack e2e: 10 checks passed"), "{stdout}");
    assert_eq!(*refused.lock().unwrap(), [(4, "Forbidden")]);
}
