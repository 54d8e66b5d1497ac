//! `tower`: sio inside a tower `ServiceBuilder` stack with tower-http's
//! CORS, trace, compression, timeout and `ServeDir`, and a graceful
//! shutdown that disconnects every client before the server exits.
//!
//! ```sh
//! RUST_LOG=tower_http=debug cargo run -p sio --example tower   # --port 3000 --host 127.0.0.1
//! ```
//!
//! Then open <http://127.0.0.1:3000>: `examples/tower/static` is served by
//! `ServeDir` (gzip-compressed when the browser accepts it), `/api/stats`
//! answers JSON, and Socket.IO lives on `/socket.io/` under the same
//! layers. Ctrl-C starts the shutdown: axum stops accepting, `io.close()`
//! disconnects every socket (as with Node's `io.close()`, the clients
//! see `transport close` and may reconnect to another server) and
//! closes every connection, then the process exits.
//!
//! How the layers meet Socket.IO:
//! - `TimeoutLayer` bounds every request, and a long-polling GET waits up
//!   to the ping interval (25 s): keep the timeout above it (here 30 s).
//!   A WebSocket's upgrade answers at once, so it is not cut.
//! - `CompressionLayer` compresses polling responses too; WebSocket frames
//!   are compressed (or not) by sio's own permessage-deflate option.
//! - `CorsLayer` answers the preflights of a page on another origin; sio's
//!   own CORS handling is then not needed.
//!
//! `crates/sio/tests/examples_js.rs` runs it against socket.io-client.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use http::{HeaderValue, Method, StatusCode};
use serde_json::json;
use sio::{AckSender, Data, SocketIo, SocketRef};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The Socket.IO server: an `echo` event with an ack.
pub(crate) fn socket_io() -> SocketIo {
    SocketIo::builder()
        .ns("/", |socket: SocketRef| async move {
            socket.on(
                "echo",
                |Data(value): Data<serde_json::Value>, ack: AckSender| async move {
                    if let Err(e) = ack.send(&value) {
                        tracing::warn!(%e, "echo: the answer was not sent");
                    }
                },
            );
        })
        .build()
}

/// The application: an API route, the static files as the fallback, and
/// sio, all under one `ServiceBuilder` stack. `origin` is the one page
/// origin CORS lets in.
pub(crate) fn app(io: &SocketIo, static_dir: &Path, origin: HeaderValue) -> Router {
    let stats = {
        let io = io.clone();
        move || async move {
            let body = json!({ "connections": io.connection_count() }).to_string();
            ([(http::header::CONTENT_TYPE, "application/json")], body)
        }
    };
    Router::new()
        .route("/api/stats", get(stats))
        .fallback_service(ServeDir::new(static_dir))
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(
                    CorsLayer::new()
                        .allow_origin(origin)
                        .allow_methods([Method::GET, Method::POST])
                        .allow_credentials(true),
                )
                .layer(CompressionLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(30),
                ))
                .layer(io.layer()),
        )
}

/// Serves `app` until `shutdown` resolves, then closes `io` (every socket
/// is disconnected, every connection closed) and returns once axum has
/// finished the requests in flight.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    io: SocketIo,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: disconnecting every client");
            io.close().await;
        })
        .await
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt::init();
    let mut args = std::env::args().skip(1);
    let (mut host, mut port) = ("127.0.0.1".to_owned(), 3000u16);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--host", Some(v)) => host = v,
            ("--port", Some(v)) => port = v.parse().map_err(std::io::Error::other)?,
            _ => return Err(std::io::Error::other("usage: tower [--host H] [--port P]")),
        }
    }
    let listener = tokio::net::TcpListener::bind((host.as_str(), port)).await?;
    let addr = listener.local_addr()?;
    let origin = HeaderValue::from_str(&format!("http://{addr}")).map_err(std::io::Error::other)?;
    let static_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tower/static");
    let io = socket_io();
    let app = app(&io, &static_dir, origin);
    println!("tower example on http://{addr} (Ctrl-C to stop)");
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(%e, "no Ctrl-C handler");
            std::future::pending::<()>().await;
        }
    };
    serve(listener, app, io, ctrl_c).await
}
