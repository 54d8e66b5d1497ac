//! `hyper`: sio's service on plain hyper 1 (with hyper-util's tokio I/O),
//! without axum.
//!
//! ```sh
//! cargo run -p sio --example hyper   # --port 3000 --host 127.0.0.1
//! ```
//!
//! An accept loop serves each connection with hyper's HTTP/1 server, with
//! upgrades on (sio's WebSocket transport needs them). sio is a tower
//! `Layer`: [`SocketIo::layer`] wraps any inner service, here one that
//! answers a plain page for every path that is not Socket.IO's. The peer's
//! address goes into the request's extensions as a `SocketAddr`, where sio
//! finds it (`socket.handshake().address`; axum does this through
//! `ConnectInfo`).
//!
//! Event: `hello` (with an ack) answers `{ id, address, transport }`.
//! `crates/sio/tests/examples_js.rs` runs it against socket.io-client.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::json;
use sio::{AckSender, SocketIo, SocketRef};
use tower::ServiceExt as _;

/// The Socket.IO server: a `hello` event that answers who is asking.
pub(crate) fn socket_io() -> SocketIo {
    SocketIo::builder()
        .ns("/", |socket: SocketRef| async move {
            socket.on("hello", |socket: SocketRef, ack: AckSender| async move {
                let answer = json!({
                    "id": socket.id().as_str(),
                    "address": socket.handshake().address,
                    "transport": socket.engine().transport().as_str(),
                });
                if let Err(e) = ack.send(&answer) {
                    tracing::warn!(%e, "hello: the answer was not sent");
                }
            });
        })
        .build()
}

/// The inner service: every request that is not Socket.IO's.
async fn page(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"plain hyper here; Socket.IO is on /socket.io/\n",
    ))))
}

/// Accepts connections on `listener` forever, each served by its own task.
pub(crate) async fn serve(listener: tokio::net::TcpListener, io: SocketIo) -> std::io::Result<()> {
    let svc = tower_layer::Layer::layer(&io.layer(), tower::service_fn(page));
    loop {
        let (stream, peer): (_, SocketAddr) = listener.accept().await?;
        let svc = svc.clone();
        let hyper_svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(peer);
            svc.clone().oneshot(req)
        });
        tokio::spawn(async move {
            let conn = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), hyper_svc)
                .with_upgrades();
            if let Err(e) = conn.await {
                tracing::debug!(%peer, %e, "connection ended with an error");
            }
        });
    }
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
            _ => return Err(std::io::Error::other("usage: hyper [--host H] [--port P]")),
        }
    }
    let listener = tokio::net::TcpListener::bind((host.as_str(), port)).await?;
    println!("hyper example on http://{}", listener.local_addr()?);
    serve(listener, socket_io()).await
}
