//! Graceful shutdown: `io.close()` returns while clients keep
//! reconnecting (as socket.io clients do after `transport close`), and
//! handshakes that arrive once it started are refused.

mod sio_common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use sio::{SocketIo, SocketRef};
use sio_common::{RawClient, serve_io};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::client_async;

/// A polling handshake over a fresh connection; the status.
async fn polling_handshake(addr: SocketAddr) -> u16 {
    let Ok(mut tcp) = TcpStream::connect(addr).await else {
        return 0;
    };
    let req = format!(
        "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    if tcp.write_all(req.as_bytes()).await.is_err() {
        return 0;
    }
    let mut buf = Vec::new();
    let _ = tcp.read_to_end(&mut buf).await;
    std::str::from_utf8(buf.get(9..12).unwrap_or_default())
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A WebSocket handshake that joins `/` and then waits to be closed.
async fn ws_session(addr: SocketAddr) {
    let Ok(tcp) = TcpStream::connect(addr).await else {
        return;
    };
    let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
    let Ok((mut ws, _)) = client_async(url, tcp).await else {
        return;
    };
    use futures_util::SinkExt as _;
    let _ = ws.send("40".into()).await;
    while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(10), ws.next()).await {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_returns_while_clients_keep_reconnecting() {
    let io = SocketIo::builder().ns("/", |_: SocketRef| async {}).build();
    let addr = serve_io(&io).await;
    // 100 live clients, plus clients that come back as soon as they are
    // closed.
    let mut live = Vec::new();
    for _ in 0..100 {
        live.push(RawClient::connect(addr, "/", None).await.0);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let mut loops = Vec::new();
    for i in 0..6 {
        let stop = stop.clone();
        loops.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if i % 2 == 0 {
                    polling_handshake(addr).await;
                } else {
                    ws_session(addr).await;
                }
            }
        }));
    }
    while io.connection_count() < 104 {
        tokio::task::yield_now().await;
    }
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), io.close())
        .await
        .expect("io.close() returned");
    let took = started.elapsed();
    println!("io.close() under a reconnect loop took {took:?}");
    assert_eq!(io.connection_count(), 0);
    assert_eq!(
        polling_handshake(addr).await,
        503,
        "a handshake after close is refused"
    );
    stop.store(true, Ordering::Relaxed);
    for l in loops {
        l.await.unwrap();
    }
    assert_eq!(io.connection_count(), 0, "no session opened after close");
    assert!(io.local_sockets("/").is_empty());
    drop(live);
}
