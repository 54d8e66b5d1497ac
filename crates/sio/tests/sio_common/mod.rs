//! Helpers shared by the socket.io tests: a live server on 127.0.0.1:0
//! and a raw protocol-5 WebSocket client that answers pings.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use sio::SocketIo;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{WebSocketStream, client_async};

/// One HTTP/1.1 request on a new connection (`Connection: close`): the
/// status and the body of the response.
pub async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
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

/// `tests/js`, where the JavaScript clients are installed.
pub fn js_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js")
}

/// Whether node and `tests/js/node_modules/<module>` are there. When they
/// are not: fails if `CI` or `SIO_REQUIRE_NODE` is set (they are required
/// there), else says the test is skipped.
pub fn node_ready(module: &str) -> bool {
    let node = std::process::Command::new("node")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let ready = node && js_dir().join("node_modules").join(module).is_dir();
    let required = ["CI", "SIO_REQUIRE_NODE"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    assert!(
        ready || !required,
        "node and tests/js/node_modules are required here (npm ci in tests/js)"
    );
    if !ready {
        eprintln!("SKIPPED: node or tests/js/node_modules missing (run `npm ci` in tests/js)");
    }
    ready
}

/// How long a test waits for anything.
pub const WAIT: Duration = Duration::from_secs(5);

/// Serves `app` on 127.0.0.1:0 and returns its address.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Serves `io` alone.
pub async fn serve_io(io: &SocketIo) -> SocketAddr {
    serve(axum::Router::new().layer(io.layer())).await
}

/// What the raw client read: a socket.io text packet, a binary attachment,
/// or the end of the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
    Closed,
}

/// A raw WebSocket client speaking Engine.IO 4 on `/socket.io/`.
pub struct RawClient {
    ws: WebSocketStream<TcpStream>,
    pub sid: String,
}

impl RawClient {
    /// Opens a session (reads the OPEN packet).
    pub async fn open(addr: SocketAddr) -> Self {
        Self::open_eio(addr, 4).await
    }

    /// Opens a session with Engine.IO protocol `eio` (3 or 4).
    pub async fn open_eio(addr: SocketAddr, eio: u8) -> Self {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let url = format!("ws://{addr}/socket.io/?EIO={eio}&transport=websocket");
        let (ws, _) = client_async(url, tcp).await.unwrap();
        let mut client = Self {
            ws,
            sid: String::new(),
        };
        let Frame::Text(open) = client.next_raw().await else {
            panic!("no OPEN packet")
        };
        let open = open.strip_prefix('0').expect("OPEN packet");
        let open: serde_json::Value = serde_json::from_str(open).unwrap();
        client.sid = open["sid"].as_str().unwrap().to_owned();
        client
    }

    /// Opens a session and connects to `ns` with `auth`; returns the
    /// socket id from the CONNECT reply.
    pub async fn connect(addr: SocketAddr, ns: &str, auth: Option<&str>) -> (Self, String) {
        let mut client = Self::open(addr).await;
        let id = client.join(ns, auth).await;
        (client, id)
    }

    /// Sends CONNECT for `ns`, expects the reply, returns the socket id.
    pub async fn join(&mut self, ns: &str, auth: Option<&str>) -> String {
        let prefix = if ns == "/" {
            String::new()
        } else {
            format!("{ns},")
        };
        self.send(&format!("0{prefix}{}", auth.unwrap_or(""))).await;
        let reply = self.next().await;
        let Frame::Text(reply) = reply else {
            panic!("no CONNECT reply: {reply:?}")
        };
        let body = reply
            .strip_prefix(&format!("0{prefix}"))
            .unwrap_or_else(|| panic!("refused: {reply}"));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        body["sid"].as_str().unwrap().to_owned()
    }

    /// Sends a socket.io packet (the Engine.IO `4` is added).
    pub async fn send(&mut self, packet: &str) {
        self.ws
            .send(WsMessage::text(format!("4{packet}")))
            .await
            .unwrap();
    }

    /// Sends a binary attachment.
    pub async fn send_binary(&mut self, data: &[u8]) {
        self.ws
            .send(WsMessage::binary(data.to_vec()))
            .await
            .unwrap();
    }

    async fn next_raw(&mut self) -> Frame {
        match tokio::time::timeout(WAIT, self.ws.next())
            .await
            .expect("nothing received in time")
        {
            Some(Ok(WsMessage::Text(t))) => Frame::Text(t.to_string()),
            Some(Ok(WsMessage::Binary(b))) => Frame::Binary(b.to_vec()),
            Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => Frame::Closed,
            Some(Ok(_)) => Frame::Text(String::new()),
        }
    }

    /// The next socket.io packet (pings are answered, other Engine.IO
    /// packets skipped).
    pub async fn next(&mut self) -> Frame {
        loop {
            match self.next_raw().await {
                Frame::Text(t) if t == "2" => self.ws.send(WsMessage::text("3")).await.unwrap(),
                Frame::Text(t) if t.starts_with('4') => return Frame::Text(t[1..].to_owned()),
                Frame::Text(t) if t == "1" => return Frame::Closed,
                Frame::Text(_) => {}
                other => return other,
            }
        }
    }

    /// The next text packet, failing on anything else.
    pub async fn next_text(&mut self) -> String {
        match self.next().await {
            Frame::Text(t) => t,
            other => panic!("expected a text packet, got {other:?}"),
        }
    }

    /// Closes the WebSocket cleanly (the server sees `transport close`).
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }

    /// Waits until the server closes the connection.
    pub async fn closed(&mut self) {
        loop {
            if self.next().await == Frame::Closed {
                return;
            }
        }
    }
}
