//! The byte bound of a connection's outgoing buffers
//! (`SocketIoBuilder::max_buffered_bytes`): a client that takes nothing
//! (a WebSocket that stops reading, a polling client that never GETs but
//! keeps POSTing pongs) is flooded with 20 KB events; the bytes the server
//! holds for it stay under the bound, another client's echo round trip
//! stays short, and everything is given back once the flooded one leaves.

mod sio_common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sio::{AckSender, Data, EmitError, SocketIo, SocketRef, Value};
use sio_common::{RawClient, http, serve_io};

/// The bound under test.
const BOUND: usize = 256 * 1024;
/// One event's payload.
const EVENT: usize = 20 * 1024;
/// What the flood tries to send: 100 MB.
const FLOOD: usize = 100 * 1024 * 1024;
/// Longest echo round trip accepted for the other client.
const MAX_ECHO: Duration = Duration::from_millis(500);

fn server(bound: usize) -> SocketIo {
    SocketIo::builder()
        .max_buffered_bytes(bound)
        .ns("/", |socket: SocketRef| async move {
            socket.on("echo", |Data(v): Data<Value>, ack: AckSender| async move {
                let _ = ack.send(&v);
            });
        })
        .build()
}

/// Floods `target` with 20 KB events (as fast as its buffers take them)
/// while `fast` echoes; returns the most bytes ever buffered for `target`
/// and how many emits were refused as full.
async fn flood(target: &SocketRef, fast: &mut RawClient) -> (usize, usize) {
    let body = "x".repeat(EVENT);
    let mut most = 0;
    let mut refused = 0;
    for i in 0..FLOOD / EVENT {
        match target.emit("flood", &body) {
            Ok(()) => {}
            Err(EmitError::BufferFull) => refused += 1,
            Err(e) => panic!("emit {i}: {e}"),
        }
        most = most.max(target.engine().buffered_bytes());
        if i % 500 == 0 {
            let sent = Instant::now();
            fast.send(&format!("2{i}[\"echo\",{i}]")).await;
            assert_eq!(fast.next_text().await, format!("3{i}[{i}]"));
            let took = sent.elapsed();
            assert!(took < MAX_ECHO, "echo {i} took {took:?}");
        }
        if i % 64 == 0 {
            // Let the flooded connection's task run.
            tokio::task::yield_now().await;
        }
    }
    eprintln!("most buffered {most} bytes, {refused} emits refused as full");
    (most, refused)
}

/// Waits (up to 5 s) until only `n` connections are left.
async fn connections_left(io: &SocketIo, n: usize) -> bool {
    for _ in 0..500 {
        if io.connection_count() == n {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_that_stops_reading_costs_at_most_the_bound() {
    let io = server(BOUND);
    let addr = serve_io(&io).await;
    let (stalled, stalled_id) = RawClient::connect(addr, "/", None).await; // never read again
    let (mut fast, _) = RawClient::connect(addr, "/", None).await;
    let target = io
        .local_sockets("/")
        .into_iter()
        .find(|s| s.id().to_string() == stalled_id)
        .expect("the stalled socket");

    let (most, refused) = flood(&target, &mut fast).await;
    assert!(refused > 0, "the flood outgrew the buffers");
    assert!(most <= BOUND, "{most} bytes buffered, bound {BOUND}");

    drop(stalled);
    assert!(
        connections_left(&io, 1).await,
        "the stalled connection ended"
    );
    assert!(target.engine().is_closed());
    assert_eq!(target.engine().buffered_bytes(), 0, "memory given back");
}

/// A raw polling client: handshake, CONNECT to `/`, then only POSTs.
#[derive(Clone)]
struct Polling {
    addr: SocketAddr,
    sid: String,
}

impl Polling {
    async fn connect(addr: SocketAddr) -> Self {
        let (status, open) = http(addr, "GET", "/socket.io/?EIO=4&transport=polling", "").await;
        assert_eq!(status, 200, "{open}");
        let open: serde_json::Value =
            serde_json::from_str(open.strip_prefix('0').unwrap()).unwrap();
        let sid = open["sid"].as_str().unwrap().to_owned();
        let client = Self { addr, sid };
        assert_eq!(client.post("40").await, 200);
        let (status, reply) = http(addr, "GET", &client.path(), "").await;
        assert_eq!(status, 200);
        assert!(reply.starts_with("40{"), "CONNECT reply: {reply}");
        client
    }

    fn path(&self) -> String {
        format!("/socket.io/?EIO=4&transport=polling&sid={}", self.sid)
    }

    async fn post(&self, body: &str) -> u16 {
        http(self.addr, "POST", &self.path(), body).await.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_client_that_never_gets_costs_at_most_the_bound() {
    let io = server(BOUND);
    let addr = serve_io(&io).await;
    let stalled = Polling::connect(addr).await;
    let (mut fast, _) = RawClient::connect(addr, "/", None).await;
    let target = io
        .local_sockets("/")
        .into_iter()
        .find(|s| s.engine().sid().as_str() == stalled.sid)
        .expect("the polling socket");
    // Blind pongs keep the session alive although it never GETs its pings.
    let pinger = stalled.clone();
    let pongs = tokio::spawn(async move {
        while pinger.post("3").await == 200 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });

    let (most, refused) = flood(&target, &mut fast).await;
    assert!(refused > 0, "the flood outgrew the buffers");
    assert!(most <= BOUND, "{most} bytes buffered, bound {BOUND}");
    assert!(!target.engine().is_closed(), "kept alive by its pongs");

    pongs.abort();
    let _ = pongs.await;
    // It leaves (a CLOSE packet).
    assert_eq!(stalled.post("1").await, 200);
    assert!(connections_left(&io, 1).await, "the polling session ended");
    assert_eq!(target.engine().buffered_bytes(), 0, "memory given back");
}
