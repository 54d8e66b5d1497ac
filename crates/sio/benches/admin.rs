//! What the admin UI's instrumentation costs per event: a server whose
//! handler acks every event, driven over loopback by one WebSocket client
//! that sends a batch of events at once and waits for the last ack, in
//! four setups: not instrumented, instrumented with no admin connected
//! (the hooks read one flag and return), instrumented with an admin
//! socket connected in development mode (each event is reported as
//! `event_received`, each ack counted), and in production mode with an
//! admin connected (counted only).
//!
//! ```text
//! cargo bench -p sio --bench admin
//! ```

#![allow(missing_docs)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::{SinkExt as _, StreamExt as _};
use sio::admin::{AdminUi, Mode};
use sio::{AckSender, SocketIo, SocketRef};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{WebSocketStream, client_async};

/// Events per measured batch.
const BATCH: u64 = 2000;

type Ws = WebSocketStream<TcpStream>;

fn server(instrument: Option<Mode>) -> SocketIo {
    let mut builder = SocketIo::builder().max_buffer(100_000);
    if let Some(mode) = instrument {
        builder = builder.instrument(AdminUi::no_auth().mode(mode));
    }
    builder
        .ns("/", |socket: SocketRef| async move {
            socket.on("e", |ack: AckSender| async move {
                let _ = ack.send(&1);
            });
        })
        .build()
}

async fn serve(io: &SocketIo) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().layer(io.layer());
    // Small writes go out at once (as in e2e_server), not after a delayed ack.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A WebSocket session connected to `ns` (the CONNECT reply read).
async fn client(addr: SocketAddr, ns: &str) -> Ws {
    let tcp = TcpStream::connect(addr).await.unwrap();
    // Without it, the last ack of a batch can wait for a delayed TCP ack.
    tcp.set_nodelay(true).unwrap();
    let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = client_async(url, tcp).await.unwrap();
    let _open = ws.next().await;
    let prefix = if ns == "/" {
        String::new()
    } else {
        format!("{ns},")
    };
    ws.send(Message::text(format!("40{prefix}"))).await.unwrap();
    loop {
        if let Some(Ok(Message::Text(t))) = ws.next().await
            && t.starts_with("40")
        {
            return ws;
        }
    }
}

/// An admin socket that reads (and drops) everything it is sent.
async fn admin(addr: SocketAddr) {
    let mut ws = client(addr, "/admin").await;
    tokio::spawn(async move {
        while let Some(Ok(msg)) = ws.next().await {
            if msg.to_text().is_ok_and(|t| t == "2") {
                let _ = ws.send(Message::text("3")).await;
            }
        }
    });
}

/// Sends `BATCH` events asking for acks, waits for the last ack.
async fn batch(ws: &mut Ws, next_id: &mut u64) -> Duration {
    let start = Instant::now();
    let first = *next_id;
    for _ in 0..BATCH {
        ws.feed(Message::text(format!("42{next_id}[\"e\"]")))
            .await
            .unwrap();
        *next_id += 1;
    }
    ws.flush().await.unwrap();
    let last = format!("43{}[1]", first + BATCH - 1);
    while let Some(Ok(msg)) = ws.next().await {
        match msg.to_text() {
            Ok("2") => ws.send(Message::text("3")).await.unwrap(),
            Ok(t) if t == last => break,
            _ => {}
        }
    }
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("admin: one event and its ack");
    group.throughput(criterion::Throughput::Elements(BATCH));
    for (name, instrument, watched) in [
        ("not instrumented", None, false),
        (
            "instrumented, no admin connected",
            Some(Mode::Development),
            false,
        ),
        (
            "instrumented, an admin connected",
            Some(Mode::Development),
            true,
        ),
        (
            "production mode, an admin connected",
            Some(Mode::Production),
            true,
        ),
    ] {
        let (mut ws, io) = rt.block_on(async {
            let io = server(instrument);
            let addr = serve(&io).await;
            if watched {
                admin(addr).await;
            }
            (client(addr, "/").await, io)
        });
        let mut next_id = 0;
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += batch(&mut ws, &mut next_id).await;
                    }
                    total
                })
            });
        });
        drop(io);
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
