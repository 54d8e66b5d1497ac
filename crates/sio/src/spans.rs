//! The `tracing` spans sio opens, so that what a handler logs carries the
//! connection and the socket it runs for.
//!
//! | span | target, level | fields | entered |
//! |---|---|---|---|
//! | `session` | `sio`, INFO | `sid`, `transport` (`polling`, then `websocket` after an upgrade), `protocol` (`3`, `4`), `remote` (the client's address, when the server puts it in the request: axum's `ConnectInfo`, or a `SocketAddr` extension) | for the whole life of an Engine.IO session: its task, and every handler it runs |
//! | `socket` | `sio`, INFO | `ns`, `id` | inside its session's span, around the socket's middlewares, connection handler, event handlers and disconnect handlers |
//!
//! So `tracing::info!("joined")` in an event handler is reported, by
//! `tracing_subscriber::fmt` for instance, as
//! `session{sid=.. transport=websocket protocol=4 remote=127.0.0.1:5000}:socket{ns=/ id=..}: joined`.
//! A filter that lets target `sio` through at INFO keeps them (with
//! `RUST_LOG=warn` they are off, and so is their cost). With no subscriber,
//! a span costs a check of a cached flag when it is created and nothing
//! when it is entered (see `docs/benchmarks.md`).

use sio_adapter::SocketId;
use sio_engine::{Protocol, Sid, TransportKind};
use tracing::{Span, field};

/// The span of one Engine.IO session.
pub(crate) fn session(
    sid: &Sid,
    transport: TransportKind,
    protocol: Protocol,
    parts: &http::request::Parts,
) -> Span {
    let protocol = match protocol {
        Protocol::V3 => 3u8,
        Protocol::V4 => 4u8,
    };
    let span = tracing::info_span!(
        target: "sio",
        "session",
        sid = %sid,
        transport = %transport.as_str(),
        protocol,
        remote = field::Empty,
    );
    if !span.is_disabled()
        && let Some(addr) = crate::limit::peer_addr(parts)
    {
        span.record("remote", field::display(addr));
    }
    span
}

/// Marks the current session span as upgraded to WebSocket.
pub(crate) fn upgraded() {
    Span::current().record(
        "transport",
        field::display(TransportKind::WebSocket.as_str()),
    );
}

/// The span of one socket (a client's connection to a namespace), opened
/// inside the current (its session's) span.
pub(crate) fn socket(ns: &str, id: &SocketId) -> Span {
    tracing::info_span!(target: "sio", "socket", ns = %ns, id = %id.as_str())
}
