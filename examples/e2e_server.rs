//! The end-to-end server that the protocol suites, real clients and load
//! tests run against (its behaviour is fixed by `e2e-server.md`):
//! `GET /health`, a bare Engine.IO echo endpoint on `/engine.io/`, and
//! (next) the Socket.IO server on `/socket.io/`.
//!
//! ```text
//! cargo run --release --example e2e_server -- [--port 3000] [--host 127.0.0.1]
//!     [--recovery] [--redis redis://127.0.0.1:6379/] [--node-name NAME]
//! ```

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt as _;
use sio::{
    CloseReason, ConnHandler, EngineConfig, EngineHandler, EngineIoLayer, EngineSocket, Message,
};

/// Command-line options.
#[derive(Debug)]
struct Args {
    host: String,
    port: u16,
    /// Connection-state recovery (used by the Socket.IO part).
    recovery: bool,
    /// Redis adapter URL (used by the Socket.IO part).
    redis: Option<String>,
    /// This server's name in a cluster (default `node-PORT`).
    node_name: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let port = std::env::var("PORT").ok();
    let mut args = Args {
        host: "127.0.0.1".to_owned(),
        port: port
            .as_deref()
            .unwrap_or("3000")
            .parse()
            .map_err(|_| "invalid PORT")?,
        recovery: false,
        redis: None,
        node_name: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => args.port = value()?.parse().map_err(|_| "invalid --port")?,
            "--host" => args.host = value()?,
            "--recovery" => args.recovery = true,
            "--redis" => args.redis = Some(value()?),
            "--node-name" => args.node_name = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// The `/engine.io/` endpoint: echoes every message on its session, text
/// as text and binary as binary.
struct Echo;

struct EchoConn(EngineSocket);

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

/// Settings shared by both endpoints.
fn engine_config() -> EngineConfig {
    EngineConfig::default()
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(200))
        .max_payload(1_000_000)
        .allow_eio3(true)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .init();
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("e2e_server: {e}");
            return ExitCode::from(2);
        }
    };
    let node_name = args
        .node_name
        .clone()
        .unwrap_or_else(|| format!("node-{}", args.port));
    tracing::info!(%node_name, recovery = args.recovery, redis = ?args.redis, "starting");

    let engine = EngineIoLayer::new(engine_config(), Echo);
    // The Socket.IO layer (`/socket.io/`) mounts here, next to the engine one.
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .layer(engine.clone());

    let listener = match tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "e2e_server: cannot listen on {}:{}: {e}",
                args.host, args.port
            );
            return ExitCode::FAILURE;
        }
    };
    let port = listener.local_addr().map_or(args.port, |a| a.port());
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    println!("listening on http://{}:{port}", args.host);
    let _ = std::io::stdout().flush();

    let shutdown = async move {
        shutdown_signal().await;
        engine.shutdown().await;
    };
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("e2e_server: {e}");
            ExitCode::FAILURE
        }
    }
}
