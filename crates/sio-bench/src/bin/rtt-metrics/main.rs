//! `rtt-metrics`: the part of the e2e contract the load generator's `rtt`
//! scenario uses (emit `auth` on connecting to `/`, ack `message-with-ack`
//! with its arguments), on sio built with its feature `metrics`. With
//! `--recorder`, a Prometheus recorder (`metrics-exporter-prometheus`) is
//! installed first and rendered on `/metrics`; without, the metric handles
//! are the facade's no-ops. docs/benchmarks.md measures the two against the
//! `e2e_server` built without the feature.
//!
//! ```sh
//! cargo build --release -p sio-bench --features metrics --bin rtt-metrics
//! target/release/rtt-metrics --port 4000 [--recorder]
//! ```

use axum::Router;
use axum::routing::get;
use serde_json::Value;
use sio::{AckSender, Args, Data, SocketIo, SocketRef};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut port, mut recorder) = (3000u16, false);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--port" => port = args.next().ok_or("--port N")?.parse()?,
            "--recorder" => recorder = true,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let prometheus = if recorder {
        Some(metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()?)
    } else {
        None
    };
    let io = SocketIo::builder()
        .ns(
            "/",
            |socket: SocketRef, Data(auth): Data<Value>| async move {
                socket.on(
                "message-with-ack",
                |Args(args): Args<Vec<Value>>, ack: AckSender| async move { ack.send_args(&args) },
            );
                socket.emit("auth", &auth)
            },
        )
        .build();
    let app = Router::new()
        .route(
            "/metrics",
            get(move || {
                let text = prometheus.as_ref().map(|p| p.render()).unwrap_or_default();
                std::future::ready(text)
            }),
        )
        .layer(io.layer());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://127.0.0.1:{port}");
    let stop = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok::<_, std::io::Error>(())
    };
    tokio::select! {
        served = axum::serve(listener, app) => served?,
        stopped = stop => stopped?,
    }
    Ok(())
}
