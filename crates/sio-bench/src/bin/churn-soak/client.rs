//! The soak's clients: Engine.IO 4 / Socket.IO 5 spoken by hand, over
//! WebSocket (tokio-tungstenite) and over HTTP long-polling (one HTTP/1.1
//! request per connection, read to its end).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// What the clients count, all phases together.
#[derive(Default)]
pub(crate) struct Counters {
    /// Connect-to-disconnect cycles completed.
    pub(crate) cycles: AtomicU64,
    /// Acks the clients asked for (join, echo, ask).
    pub(crate) acks_asked: AtomicU64,
    /// Acks that came back with the right content.
    pub(crate) acks_got: AtomicU64,
    /// Acks the clients gave the server.
    pub(crate) acks_given: AtomicU64,
    /// Failed cycles (I/O error, unexpected packet, timeout).
    pub(crate) errors: AtomicU64,
}

impl Counters {
    /// The counters as JSON fields (no braces).
    pub(crate) fn json(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "\"cycles\":{},\"acks_asked\":{},\"acks_got\":{},\"acks_given\":{},\"errors\":{}",
            get(&self.cycles),
            get(&self.acks_asked),
            get(&self.acks_got),
            get(&self.acks_given),
            get(&self.errors)
        )
    }
}

/// How long one step may wait for the server.
const STEP: Duration = Duration::from_secs(10);

/// One transport's way to send and receive Engine.IO packets.
enum Conn {
    Ws(Box<tokio_tungstenite::WebSocketStream<TcpStream>>),
    Polling {
        addr: SocketAddr,
        sid: String,
        queued: Vec<String>,
    },
}

type Res<T> = Result<T, String>;

async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> Res<String> {
    let mut tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    tcp.read_to_end(&mut out).await.map_err(|e| e.to_string())?;
    let text = String::from_utf8(out).map_err(|e| e.to_string())?;
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no HTTP head")?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!(
            "{method} {path}: {}",
            head.lines().next().unwrap_or("")
        ));
    }
    Ok(body.to_owned())
}

fn sid_of(open: &str) -> Res<String> {
    let json: serde_json::Value =
        serde_json::from_str(open.strip_prefix('0').ok_or("not an open packet")?)
            .map_err(|e| e.to_string())?;
    json.get("sid")
        .and_then(|s| s.as_str())
        .map(str::to_owned)
        .ok_or_else(|| "no sid".to_owned())
}

impl Conn {
    async fn open(addr: SocketAddr, websocket: bool) -> Res<Self> {
        if websocket {
            let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
            let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
            let (ws, _) = tokio_tungstenite::client_async(url, tcp)
                .await
                .map_err(|e| e.to_string())?;
            let mut conn = Self::Ws(Box::new(ws));
            let open = conn.recv().await?;
            sid_of(&open)?;
            Ok(conn)
        } else {
            let body = http(addr, "GET", "/socket.io/?EIO=4&transport=polling", "").await?;
            let sid = sid_of(&body)?;
            Ok(Self::Polling {
                addr,
                sid,
                queued: Vec::new(),
            })
        }
    }

    async fn send(&mut self, packet: &str) -> Res<()> {
        match self {
            Self::Ws(ws) => ws
                .send(Message::text(packet))
                .await
                .map_err(|e| e.to_string()),
            Self::Polling { addr, sid, .. } => {
                let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
                http(*addr, "POST", &path, packet).await.map(drop)
            }
        }
    }

    /// The next packet that is not a ping (pings are answered here).
    async fn recv(&mut self) -> Res<String> {
        loop {
            let packet = match self {
                Self::Ws(ws) => match ws.next().await {
                    Some(Ok(Message::Text(t))) => t.to_string(),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Err(e.to_string()),
                    None => return Err("websocket closed".into()),
                },
                Self::Polling { addr, sid, queued } => {
                    if queued.is_empty() {
                        let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
                        let body = http(*addr, "GET", &path, "").await?;
                        queued.extend(body.split('\u{1e}').rev().map(str::to_owned));
                    }
                    queued.pop().unwrap_or_default()
                }
            };
            match packet.as_str() {
                "2" => self.send("3").await?,
                "" => {}
                _ => return Ok(packet),
            }
        }
    }

    async fn close(mut self) -> Res<()> {
        self.send("41").await?;
        match self {
            Self::Ws(mut ws) => futures_util::SinkExt::close(&mut *ws)
                .await
                .map_err(|e| e.to_string()),
            Self::Polling { addr, sid, .. } => {
                let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
                http(addr, "POST", &path, "1").await.map(drop)
            }
        }
    }
}

/// One connect-to-disconnect cycle.
async fn cycle(addr: SocketAddr, id: u64, websocket: bool, counters: &Counters) -> Res<()> {
    let mut conn = Conn::open(addr, websocket).await?;
    conn.send("40").await?;
    let connect = conn.recv().await?;
    if !connect.starts_with("40") {
        return Err(format!("expected CONNECT, got {connect}"));
    }
    let room = format!("room-{}", id % 8);
    let mut ack_id = 0u64;
    // join, then echo ×5, then ask ×2 (the server asks back).
    let mut asks: Vec<(String, String)> =
        vec![(format!("[\"join\",\"{room}\"]"), format!("[\"{room}\"]"))];
    for n in 0..5 {
        asks.push((format!("[\"echo\",{n}]"), format!("[{n}]")));
    }
    for n in 100..102 {
        asks.push((format!("[\"ask\",{n}]"), format!("[[{n}]]")));
    }
    for (event, expected) in asks {
        ack_id += 1;
        counters.acks_asked.fetch_add(1, Ordering::Relaxed);
        conn.send(&format!("42{ack_id}{event}")).await?;
        loop {
            let packet = conn.recv().await?;
            if let Some(question) = packet.strip_prefix("42") {
                // The server's question: `42<id>["question",n]` → `43<id>[n]`.
                let split = question.find('[').ok_or("bad question")?;
                let (qid, args) = question.split_at(split);
                let args: serde_json::Value =
                    serde_json::from_str(args).map_err(|e| e.to_string())?;
                if args.get(0).and_then(|e| e.as_str()) == Some("question") {
                    let n = args.get(1).cloned().unwrap_or_default();
                    conn.send(&format!("43{qid}[{n}]")).await?;
                    counters.acks_given.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            }
            let expect = format!("43{ack_id}{expected}");
            if packet == expect {
                counters.acks_got.fetch_add(1, Ordering::Relaxed);
                break;
            }
            return Err(format!("expected {expect}, got {packet}"));
        }
    }
    conn.send(&format!("42[\"shout\",\"{room}\"]")).await?;
    conn.close().await
}

/// Loops cycles until `stop`, alternating transports.
pub(crate) async fn churn(
    addr: SocketAddr,
    id: u64,
    stop: Arc<AtomicBool>,
    counters: Arc<Counters>,
) {
    let mut n = id;
    while !stop.load(Ordering::Relaxed) {
        let websocket = n % 2 == 0;
        match tokio::time::timeout(STEP * 3, cycle(addr, id, websocket, &counters)).await {
            Ok(Ok(())) => {
                counters.cycles.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Err(e)) => {
                if counters.errors.fetch_add(1, Ordering::Relaxed) < 5 {
                    eprintln!(
                        "churn-soak: client {id} ({}): {e}",
                        if websocket { "websocket" } else { "polling" }
                    );
                }
            }
            Err(_) => {
                if counters.errors.fetch_add(1, Ordering::Relaxed) < 5 {
                    eprintln!("churn-soak: client {id}: a cycle timed out");
                }
            }
        }
        n += 1;
    }
}
