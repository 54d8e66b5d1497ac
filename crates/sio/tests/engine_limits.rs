//! Limits that must hold under concurrency: `max_sessions` against a burst
//! of WebSocket handshakes (the session registers after its 101), and a
//! shutdown that refuses new handshakes (503) so that it ends while
//! clients keep coming back.

mod engine_common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use engine_common::*;
use futures_util::StreamExt as _;
use futures_util::future::join_all;
use sio::{EngineConfig, EngineIoLayer};
use tokio::net::TcpStream;
use tokio_tungstenite::client_async;
use tokio_tungstenite::tungstenite::Message as WsMessage;

async fn start(config: EngineConfig) -> (EngineIoLayer<Echo>, SocketAddr) {
    let layer = EngineIoLayer::new(config, Echo);
    let router = Router::new().layer(layer.clone());
    (layer, serve(router).await)
}

/// A direct WebSocket handshake; true when the session opened (its OPEN
/// packet came), false when the server refused or closed it.
async fn ws_open(addr: SocketAddr) -> (bool, Option<impl Sized>) {
    let Ok(tcp) = TcpStream::connect(addr).await else {
        return (false, None);
    };
    let url = format!("ws://{addr}/engine.io/?EIO=4&transport=websocket");
    let Ok((mut ws, _)) = client_async(url, tcp).await else {
        return (false, None);
    };
    let first = tokio::time::timeout(Duration::from_secs(5), ws.next()).await;
    match first {
        Ok(Some(Ok(WsMessage::Text(t)))) if t.starts_with('0') => (true, Some(ws)),
        _ => (false, None),
    }
}

#[tokio::test]
async fn concurrent_websocket_handshakes_do_not_overshoot_max_sessions() {
    let (layer, addr) = start(config().max_sessions(2)).await;
    let opened = join_all((0..20).map(|_| ws_open(addr))).await;
    let open = opened.iter().filter(|(ok, _)| *ok).count();
    assert!(open <= 2, "{open} sessions opened past max_sessions(2)");
    assert!(layer.session_count() <= 2, "{}", layer.session_count());
}

#[tokio::test]
async fn handshakes_during_shutdown_get_503_with_an_engine_io_body() {
    let (layer, addr) = start(config()).await;
    open_sid(addr).await;
    tokio::time::timeout(Duration::from_secs(2), layer.shutdown())
        .await
        .unwrap();
    let (status, body) = http(addr, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
    assert_eq!(status, 503);
    assert_eq!(body, r#"{"code":3,"message":"Server shutting down"}"#);
    assert_eq!(layer.session_count(), 0);
    let (opened, _) = ws_open(addr).await;
    assert!(!opened, "no WebSocket session after the shutdown");
}

async fn open_sid(addr: SocketAddr) -> String {
    let (status, body) = http(addr, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
    assert_eq!(status, 200);
    sid_of(&body)
}

#[tokio::test]
async fn shutdown_ends_while_clients_keep_handshaking() {
    // Node's ping settings: an idle polling session lives for 45 s.
    let (layer, addr) = start(EngineConfig::default()).await;
    // Clients that come back as soon as they are closed: polling
    // handshakes (whose sessions would live until their ping timeout) and
    // WebSocket handshakes, in a loop.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut loops = Vec::new();
    for i in 0..4 {
        let stop = stop.clone();
        loops.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if i % 2 == 0 {
                    let _ = http(addr, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
                } else {
                    let _ = ws_open(addr).await;
                }
            }
        }));
    }
    while layer.session_count() < 4 {
        tokio::task::yield_now().await;
    }
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(5), layer.shutdown())
        .await
        .expect("shutdown ended");
    let took = started.elapsed();
    println!("shutdown under a reconnect loop took {took:?}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for l in loops {
        l.await.unwrap();
    }
    assert_eq!(layer.session_count(), 0);
}
