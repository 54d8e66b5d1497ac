//! The engine behind a real listener on 127.0.0.1:0: long-polling over raw
//! HTTP/1.1 connections and WebSocket with a tokio-tungstenite client.

mod engine_common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use engine_common::*;
use futures_util::{SinkExt as _, StreamExt as _};
use sio::{EngineConfig, EngineIoLayer};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{WebSocketStream, client_async};

type Ws = WebSocketStream<TcpStream>;

/// A live server: `/health` plus the engine layer (as `Router::layer`).
async fn start(config: EngineConfig) -> (EngineIoLayer<Echo>, SocketAddr) {
    let layer = EngineIoLayer::new(config, Echo);
    let router = Router::new()
        .route("/health", get(|| async { "ok" }))
        .layer(layer.clone());
    (layer, serve(router).await)
}

async fn open_polling(addr: SocketAddr) -> String {
    let (status, body) = http(addr, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
    assert_eq!(status, 200);
    sid_of(&body)
}

async fn ws_connect(addr: SocketAddr, query: &str) -> Ws {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (ws, res) = client_async(format!("ws://{addr}/engine.io/?{query}"), tcp)
        .await
        .unwrap();
    assert_eq!(res.status(), 101);
    ws
}

async fn next_text(ws: &mut Ws) -> String {
    match ws.next().await.unwrap().unwrap() {
        WsMessage::Text(t) => t.to_string(),
        other => panic!("expected text, got {other:?}"),
    }
}

const HELD: Duration = Duration::from_millis(100);

#[tokio::test]
async fn polling_handshake_and_echo_under_router_layer() {
    let (_layer, addr) = start(config()).await;
    assert_eq!(
        http(addr, "GET", "/health", "").await,
        (200, "ok".to_owned())
    );
    let sid = open_polling(addr).await;
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(
        http(addr, "POST", &path, "4hello").await,
        (200, "ok".to_owned())
    );
    assert_eq!(
        http(addr, "GET", &path, "").await,
        (200, "4hello".to_owned())
    );
}

#[tokio::test]
async fn works_under_nest_service() {
    let layer = EngineIoLayer::new(config(), Echo);
    let router = Router::new().nest_service("/rt", tower::Layer::layer(&layer, inner()));
    let addr = serve(router).await;
    let (status, body) = http(addr, "GET", "/rt/engine.io/?EIO=4&transport=polling", "").await;
    assert_eq!((status, body.starts_with("0{")), (200, true));
    assert_eq!(
        http(addr, "GET", "/rt/other", "").await,
        (200, "inner".to_owned())
    );
}

#[tokio::test]
async fn overlapping_gets_close_the_session() {
    let (layer, addr) = start(config()).await;
    let sid = open_polling(addr).await;
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let mut first = send_raw(addr, "GET", &path, "").await;
    assert!(
        is_held(&mut first, HELD).await,
        "the first GET waits for data"
    );
    let (status, _) = http(addr, "GET", &path, "").await;
    assert_eq!(status, 400, "the overlapping GET is refused");
    let (status, _) = read_raw(first).await;
    assert_eq!(status, 200, "the first GET is answered");
    assert_eq!(http(addr, "GET", &path, "").await.0, 400);
    assert!(no_sessions_left(&layer).await);
}

#[tokio::test]
async fn a_cancelled_get_closes_the_session() {
    let (layer, addr) = start(config()).await;
    let sid = open_polling(addr).await;
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let mut pending = send_raw(addr, "GET", &path, "").await;
    assert!(is_held(&mut pending, HELD).await);
    drop(pending);
    assert!(no_sessions_left(&layer).await, "the session closed");
    assert_eq!(http(addr, "GET", &path, "").await.0, 400);
}

#[tokio::test]
async fn origin_with_a_control_character_never_reaches_a_session() {
    let (layer, addr) = start(config()).await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let req = "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: https://a\x01b\r\nConnection: close\r\n\r\n";
    tcp.write_all(req.as_bytes()).await.unwrap();
    assert_eq!(read_raw(tcp).await.0, 400);
    assert_eq!(layer.session_count(), 0);
}

#[tokio::test]
async fn websocket_direct_session_echoes_text_and_binary() {
    let (layer, addr) = start(config()).await;
    let mut ws = ws_connect(addr, "EIO=4&transport=websocket").await;
    let open = next_text(&mut ws).await;
    let json: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    assert_eq!(json["upgrades"], serde_json::json!([]));
    ws.send(WsMessage::text("4hello")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4hello");
    ws.send(WsMessage::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        WsMessage::binary(vec![1u8, 2, 3])
    );
    assert_eq!(layer.session_count(), 1);
    ws.close(None).await.unwrap();
    assert!(
        no_sessions_left(&layer).await,
        "no session left after close"
    );
}

#[tokio::test]
async fn upgrade_from_polling_to_websocket() {
    let (layer, addr) = start(config()).await;
    let sid = open_polling(addr).await;
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let mut ws = ws_connect(addr, &format!("EIO=4&transport=websocket&sid={sid}")).await;
    ws.send(WsMessage::text("2probe")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "3probe");
    assert_eq!(
        http(addr, "GET", &path, "").await,
        (200, "6".to_owned()),
        "noop ends the poll"
    );
    ws.send(WsMessage::text("5")).await.unwrap();
    ws.send(WsMessage::text("4after")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4after");
    assert_eq!(
        http(addr, "GET", &path, "").await.0,
        400,
        "no polling once upgraded"
    );
    // A second WebSocket for the same sid is accepted, then closed at once.
    let mut second = ws_connect(addr, &format!("EIO=4&transport=websocket&sid={sid}")).await;
    assert!(matches!(
        second.next().await,
        Some(Ok(WsMessage::Close(_))) | None
    ));
    ws.send(WsMessage::text("4still")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4still");
    drop(ws);
    assert!(no_sessions_left(&layer).await);
}

/// What was posted and echoed while no GET waited, and what was posted
/// just before the upgrade, reaches the client over the WebSocket, in
/// order: nothing is left with the polling transport.
#[tokio::test]
async fn messages_waiting_for_a_get_move_to_the_websocket_in_order() {
    let (layer, addr) = start(config()).await;
    let sid = open_polling(addr).await;
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(http(addr, "POST", &path, "4one").await.0, 200);
    let mut ws = ws_connect(addr, &format!("EIO=4&transport=websocket&sid={sid}")).await;
    ws.send(WsMessage::text("2probe")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "3probe");
    assert_eq!(http(addr, "POST", &path, "4two\x1e4three").await.0, 200);
    // Sent as soon as the POST is answered: the POST's messages come first.
    ws.send(WsMessage::text("5")).await.unwrap();
    ws.send(WsMessage::text("4after")).await.unwrap();
    for expected in ["4one", "4two", "4three", "4after"] {
        assert_eq!(next_text(&mut ws).await, expected);
    }
    assert_eq!(layer.session_count(), 1);
}

/// A session on WebSocket refuses POSTs (400) and lives on, whatever the
/// body, as Node does ("unexpected transport without upgrade").
#[tokio::test]
async fn a_post_to_a_websocket_session_is_refused_without_closing_it() {
    let (layer, addr) = start(config()).await;
    let mut ws = ws_connect(addr, "EIO=4&transport=websocket").await;
    let sid = sid_of(&next_text(&mut ws).await);
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(http(addr, "POST", &path, "4x").await.0, 400);
    assert_eq!(http(addr, "POST", &path, "\u{1}garbage").await.0, 400);
    ws.send(WsMessage::text("4still")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4still");
    assert_eq!(layer.session_count(), 1);
}

/// Echoes every message; the first one blocks the session's task until
/// the test lets it go: a handler far slower than the client's POSTs.
///
/// It blocks inside `block_in_place`, as a blocking handler must: a plain
/// blocking call keeps its worker thread, and when that worker was the
/// one that last polled tokio's I/O and timer driver while the others
/// sleep on their condvar, nothing polls the driver any more (tokio
/// issue #4730): neither the test's timer that releases the gate nor the
/// POST's response ever fires, and the test hung about 1 run in 10.
#[derive(Debug, Clone)]
struct GatedEcho(Arc<Mutex<Option<std::sync::mpsc::Receiver<()>>>>);

#[derive(Debug)]
struct GatedEchoConn(sio::EngineSocket, GatedEcho);

impl sio::EngineHandler for GatedEcho {
    type Conn = GatedEchoConn;
    fn on_open(&self, socket: sio::EngineSocket) -> GatedEchoConn {
        GatedEchoConn(socket, self.clone())
    }
}

impl sio::ConnHandler for GatedEchoConn {
    fn on_message(&mut self, msg: sio::Message) {
        let gate = self.1.0.lock().unwrap().take();
        if let Some(gate) = gate {
            tokio::task::block_in_place(|| {
                let _ = gate.recv();
            });
        }
        let _ = self.0.send(msg);
    }
    fn on_close(&mut self, _reason: sio::CloseReason) {}
}

/// POSTs are answered before their packets are handled, but a client
/// posting while its handler is stuck waits (as it did when every POST
/// waited for the task) instead of filling the session's queue and being
/// refused: every message arrives, in order, and the GET still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn posts_while_the_handler_is_stuck_wait_and_lose_nothing() {
    let (release, gate) = std::sync::mpsc::channel();
    let handler = GatedEcho(Arc::new(Mutex::new(Some(gate))));
    let layer = EngineIoLayer::new(config().ping_interval(Duration::from_secs(30)), handler);
    let addr = serve(Router::new().layer(layer.clone())).await;
    let sid = open_polling(addr).await;
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let mut posts = tokio::spawn({
        let path = path.clone();
        async move {
            let mut statuses = Vec::new();
            for i in 0..30 {
                statuses.push(http(addr, "POST", &path, &format!("4m{i}")).await.0);
            }
            statuses
        }
    });
    // Stuck handler: the POSTs wait (or, wrongly, all finish at once).
    let early = tokio::time::timeout(HELD, &mut posts).await;
    release.send(()).unwrap();
    let statuses = match early {
        Ok(done) => done.unwrap(),
        Err(_) => posts.await.unwrap(),
    };
    assert_eq!(statuses, vec![200; 30]);
    let mut got = Vec::new();
    while got.len() < 30 {
        let (status, body) = http(addr, "GET", &path, "").await;
        assert_eq!(status, 200);
        got.extend(
            body.split('\x1e')
                .filter(|p| p.starts_with("4m"))
                .map(str::to_owned),
        );
    }
    let want: Vec<String> = (0..30).map(|i| format!("4m{i}")).collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn oversized_websocket_message_closes_with_1009() {
    let (layer, addr) = start(config().max_payload(1000)).await;
    let mut ws = ws_connect(addr, "EIO=4&transport=websocket").await;
    next_text(&mut ws).await;
    ws.send(WsMessage::text(format!("4{}", "a".repeat(2000))))
        .await
        .unwrap();
    loop {
        match ws.next().await {
            Some(Ok(WsMessage::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode::Size);
                break;
            }
            Some(Ok(WsMessage::Text(_))) => continue,
            other => panic!("expected close 1009, got {other:?}"),
        }
    }
    assert!(no_sessions_left(&layer).await);
}

#[tokio::test]
async fn shutdown_answers_pending_polls_and_empties_the_registry() {
    let (layer, addr) = start(config()).await;
    let sid = open_polling(addr).await;
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let mut pending = send_raw(addr, "GET", &path, "").await;
    assert!(is_held(&mut pending, HELD).await);
    tokio::time::timeout(Duration::from_secs(2), layer.shutdown())
        .await
        .unwrap();
    assert_eq!(
        read_raw(pending).await,
        (200, "1".to_owned()),
        "a CLOSE packet"
    );
    assert_eq!(layer.session_count(), 0);
}

#[tokio::test]
async fn shutdown_keeps_the_close_for_a_poll_between_two_gets() {
    let (layer, addr) = start(config()).await;
    let sid = open_polling(addr).await;
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    // No GET pending: the client is between two polls.
    let shutdown = tokio::spawn({
        let layer = layer.clone();
        async move { layer.shutdown().await }
    });
    assert_eq!(
        http(addr, "GET", &path, "").await,
        (200, "1".to_owned()),
        "the next GET gets the CLOSE packet, not an unknown sid"
    );
    tokio::time::timeout(Duration::from_secs(2), shutdown)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(layer.session_count(), 0);
    assert_eq!(http(addr, "GET", &path, "").await.0, 400);
}

#[tokio::test]
async fn shutdown_waits_for_a_poll_no_longer_than_the_grace() {
    let (layer, addr) = start(config()).await;
    open_polling(addr).await;
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(2), layer.shutdown())
        .await
        .unwrap();
    // The grace, capped at the ping timeout (200 ms here).
    let grace = sio_engine::session::CLIENT_CLOSE_GRACE.min(Duration::from_millis(200));
    assert!(started.elapsed() >= grace, "{:?}", started.elapsed());
    assert_eq!(layer.session_count(), 0);
}

#[tokio::test]
async fn an_abandoned_upgrade_is_dropped_and_polling_goes_on() {
    let (layer, addr) = start(config().upgrade_timeout(Duration::from_millis(100))).await;
    let sid = open_polling(addr).await;
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let mut ws = ws_connect(addr, &format!("EIO=4&transport=websocket&sid={sid}")).await;
    ws.send(WsMessage::text("2probe")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "3probe");
    // No "5": the server gives up on the probe after the upgrade timeout.
    let end = tokio::time::timeout(Duration::from_secs(2), ws.next())
        .await
        .unwrap();
    assert!(
        matches!(end, Some(Ok(WsMessage::Close(_))) | None),
        "{end:?}"
    );
    assert_eq!(http(addr, "POST", &path, "4still polling").await.0, 200);
    assert_eq!(
        http(addr, "GET", &path, "").await,
        (200, "4still polling".to_owned())
    );
    assert_eq!(layer.session_count(), 1);
}

#[tokio::test]
async fn a_protocol_violation_on_the_websocket_ends_the_session() {
    let (layer, addr) = start(config()).await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let req = "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tokio::io::AsyncReadExt::read_exact(&mut tcp, &mut byte)
            .await
            .unwrap();
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"));
    assert!(String::from_utf8_lossy(&head).contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    // A client frame must be masked: this one is not.
    tcp.write_all(&[0x81, 0x02, b'4', b'a']).await.unwrap();
    assert!(no_sessions_left(&layer).await);
}
