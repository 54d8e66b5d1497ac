//! Helpers shared by the engine tests: an echo handler, a test app, a raw
//! HTTP/1.1 client and a live server on 127.0.0.1:0.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use sio::{
    CloseReason, ConnHandler, EngineConfig, EngineHandler, EngineIoLayer, EngineIoService,
    EngineSocket, Message,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tower::{Layer as _, ServiceExt as _};

/// Echoes every message back on its session.
#[derive(Debug, Clone, Copy)]
pub struct Echo;

#[derive(Debug)]
pub struct EchoConn(EngineSocket);

impl EngineHandler for Echo {
    type Conn = EchoConn;
    fn on_open(&self, socket: EngineSocket) -> EchoConn {
        EchoConn(socket)
    }
}

impl ConnHandler for EchoConn {
    fn on_message(&mut self, msg: Message) {
        let _ = self.0.send(msg);
    }
    fn on_close(&mut self, _reason: CloseReason) {}
}

/// The e2e server's settings: ping 300/200 ms, protocols 3 and 4.
pub fn config() -> EngineConfig {
    EngineConfig::default()
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(200))
        .allow_eio3(true)
}

/// The inner router the engine wraps: `/other` and a fallback.
pub fn inner() -> Router {
    Router::new()
        .route("/other", get(|| async { "inner" }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "inner fallback") })
}

/// The engine layer around [`inner`].
pub fn app(config: EngineConfig) -> (EngineIoLayer<Echo>, EngineIoService<Router, Echo>) {
    let layer = EngineIoLayer::new(config, Echo);
    let svc = layer.layer(inner());
    (layer, svc)
}

/// A response, read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

/// Sends one request through the service with `oneshot`.
pub async fn call(svc: &EngineIoService<Router, Echo>, req: Request<Body>) -> Reply {
    let res = svc.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

pub fn get_req(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

pub fn post_req(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.into())
        .unwrap()
}

/// Opens a v4 polling session through the service; returns its sid.
pub async fn handshake(svc: &EngineIoService<Router, Echo>) -> String {
    let reply = call(svc, get_req("/engine.io/?EIO=4&transport=polling")).await;
    assert_eq!(reply.status, StatusCode::OK);
    sid_of(reply.text())
}

/// The sid of an OPEN packet (`0{...}`).
pub fn sid_of(open: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(open.strip_prefix('0').unwrap()).unwrap();
    json["sid"].as_str().unwrap().to_owned()
}

/// Serves `router` on 127.0.0.1:0; returns its address.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// Writes one HTTP/1.1 request (`Connection: close`) on a new connection.
pub async fn send_raw(addr: SocketAddr, method: &str, path: &str, body: &str) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    tcp
}

/// Reads a whole `Connection: close` response: status and body.
pub async fn read_raw(mut tcp: TcpStream) -> (u16, String) {
    let mut buf = Vec::new();
    tcp.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// One request over a real connection: status and body.
pub async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    read_raw(send_raw(addr, method, path, body).await).await
}

/// True when nothing arrives on `tcp` within `wait` (the request is held).
pub async fn is_held(tcp: &mut TcpStream, wait: Duration) -> bool {
    let mut byte = [0u8; 1];
    tokio::time::timeout(wait, tcp.peek(&mut byte))
        .await
        .is_err()
}

/// Waits (up to 2 s) until `layer` has no live session.
pub async fn no_sessions_left(layer: &EngineIoLayer<Echo>) -> bool {
    for _ in 0..200 {
        if layer.session_count() == 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}
