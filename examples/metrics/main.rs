//! `metrics`: sio's counters and gauges (feature `metrics`) exposed for
//! Prometheus by `metrics-exporter-prometheus`, on the same axum router.
//!
//! ```sh
//! cargo run -p sio --features metrics --example metrics   # --port 3000 --host 127.0.0.1
//! curl -s http://127.0.0.1:3000/metrics
//! ```
//!
//! The recorder is installed before the server is built: sio resolves its
//! metric handles at the first event (see the `sio::metrics` module for
//! the names and labels). Events, to make some traffic:
//! - `echo` (with an ack) answers its argument;
//! - `shout` (text) is broadcast to every other client as `shout`;
//! - `ask` (with an ack) asks the sender a `question` with a 200 ms ack
//!   timeout and answers whether it got an answer;
//! - `count` (with an ack) answers how many sockets `/` has (an adapter
//!   request: `fetch_sockets`).
//!
//! `crates/sio/tests/metrics_prometheus.rs` drives it with socket.io-client
//! and checks what `/metrics` says.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use metrics_exporter_prometheus::{BuildError, PrometheusBuilder, PrometheusHandle};
use sio::{AckSender, Data, SocketIo, SocketRef};

/// Installs the Prometheus recorder as the global one (once per process).
pub(crate) fn install_recorder() -> Result<PrometheusHandle, BuildError> {
    PrometheusBuilder::new().install_recorder()
}

async fn on_connect(socket: SocketRef) {
    socket.on(
        "echo",
        |Data(value): Data<serde_json::Value>, ack: AckSender| async move {
            if let Err(e) = ack.send(&value) {
                tracing::warn!(%e, "echo: not answered");
            }
        },
    );
    socket.on(
        "shout",
        |socket: SocketRef, Data(text): Data<String>| async move {
            if let Err(e) = socket.broadcast().emit("shout", &text).await {
                tracing::warn!(%e, "shout: not broadcast");
            }
        },
    );
    socket.on("ask", |socket: SocketRef, ack: AckSender| async move {
        let answered = socket
            .timeout(Duration::from_millis(200))
            .emit_with_ack::<_, serde_json::Value>("question", "still there?")
            .await
            .is_ok();
        if let Err(e) = ack.send(&answered) {
            tracing::warn!(%e, "ask: not answered");
        }
    });
    socket.on("count", |socket: SocketRef, ack: AckSender| async move {
        let count = socket.within_ns().fetch_sockets().await.map(|s| s.len());
        if let Err(e) = ack.send(&count.ok()) {
            tracing::warn!(%e, "count: not answered");
        }
    });
}

/// The router: `/metrics` renders what the recorder holds; Socket.IO on
/// `/socket.io/`.
pub(crate) fn app(prometheus: PrometheusHandle) -> Router {
    let io = SocketIo::builder().ns("/", on_connect).build();
    Router::new()
        .route(
            "/metrics",
            get(move || std::future::ready(prometheus.render())),
        )
        .layer(io.layer())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt::init();
    let mut args = std::env::args().skip(1);
    let (mut host, mut port) = ("127.0.0.1".to_owned(), 3000u16);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--host", Some(v)) => host = v,
            ("--port", Some(v)) => port = v.parse()?,
            _ => return Err("usage: metrics [--host H] [--port P]".into()),
        }
    }
    // first the recorder, then the server
    let prometheus = install_recorder()?;
    let listener = tokio::net::TcpListener::bind((host.as_str(), port)).await?;
    println!(
        "metrics example on http://{0}; scrape http://{0}/metrics",
        listener.local_addr()?
    );
    axum::serve(listener, app(prometheus)).await?;
    Ok(())
}
