//! sio: a Socket.IO server that mounts as tower middleware on any axum
//! router.
//!
//! ```no_run
//! use sio::{AckSender, BroadcastError, Data, EmitError, SocketIo, SocketRef};
//!
//! # async fn run() {
//! let io = SocketIo::builder()
//!     .ns("/", |socket: SocketRef, Data(auth): Data<serde_json::Value>| async move {
//!         socket.on("chat", |socket: SocketRef, Data(text): Data<String>| async move {
//!             socket.broadcast().emit("chat", &text).await?;
//!             Ok::<_, BroadcastError>(())
//!         });
//!         socket.on("add", |Data((a, b)): Data<(i64, i64)>, ack: AckSender| async move {
//!             ack.send(&(a + b))?;
//!             Ok::<_, EmitError>(())
//!         });
//!         socket.emit("hello", &auth)?;
//!         Ok::<_, EmitError>(())
//!     })
//!     .build();
//! let app = axum::Router::new().layer(io.layer());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
//!
//! - [`SocketIo::builder`] takes the engine's options and socket.io's
//!   (connect timeout, ack timeout, parser, adapter, state), declares the
//!   namespaces ([`Ns`]: middlewares and a connection handler) and builds
//!   a cheap-to-clone [`SocketIo`] handle whose [`SocketIo::layer`] serves
//!   `/socket.io/` (add an axum `.fallback` before the layer, or mount
//!   [`SocketIo::service`] with `Router::nest_service`).
//! - Handlers are async closures taking extractors ([`extract`]): the
//!   socket ([`SocketRef`]), typed data ([`Data`], [`Args`]), the ack
//!   ([`AckSender`]), [`State`] (axum's `State` works too; `build()` checks
//!   that every state a connection handler or middleware extracts was
//!   registered), the handshake; they return `()` or `Result<(), E>`
//!   ([`HandlerOutput`]), an `Err` going to the error hook. A packet whose
//!   data does not deserialize is reported (error hook, error ack), never
//!   dropped silently; the default hook and the server's own errors are
//!   `tracing` events, so install a subscriber to see them.
//! - Emits are encoded once and queued on a bounded per-connection queue:
//!   a full queue is an error ([`EmitError::BufferFull`]), volatile emits
//!   and broadcasts skip that client.
//!
//! - [`SocketIoBuilder::instrument`] serves the Socket.IO Admin UI
//!   protocol ([`admin`]).
//! - [`SocketIoBuilder::serve_client`] serves the JavaScript client bundle
//!   (`/socket.io/socket.io.js`) from an npm-installed `socket.io-client`.
//! - Operating it: the [`metrics`] module lists the counters and gauges of
//!   the feature `metrics` (through the `metrics` facade); every Engine.IO
//!   session runs in a `tracing` span `session` (sid, transport, protocol,
//!   remote address) and each socket's handlers in a span `socket` (ns, id),
//!   so a handler's own logs carry them.
//!
//! The bare Engine.IO layer ([`EngineIoLayer`]) is also available for
//! protocols of your own. See `docs/guide.md` for a tour.

#![forbid(unsafe_code)]

mod ack_reply;
pub mod admin;
mod builder;
mod client;
mod engine;
mod error;
pub mod extract;
mod handler;
mod io;
mod layer;
mod limit;
mod mailbox;
pub mod metrics;
mod ns;
mod operators;
pub mod parser;
mod reason;
mod recovery;
mod rooms;
mod serve_client;
mod socket;
mod spans;
mod state;
pub mod typed;

pub use ack_reply::{AckReplies, AckReply, FromAck};
pub use builder::{BuildError, SocketIoBuilder};
pub use engine::{
    ConnHandler, ConnectionError, EngineBody, EngineConfig, EngineHandler, EngineIoLayer,
    EngineIoService, EngineSocket, ResponseFuture,
};
pub use error::{
    AckError, BroadcastError, ConnectError, EmitError, ExtractError, HandlerError, HandlerFailure,
    PacketError,
};
pub use extract::{AckSender, Args, Data, Event, HandshakeRef, State, TryData};
pub use handler::{
    ConnectHandler, DisconnectHandler, DisconnectParts, DisconnectingHandler, ErrorListener,
    ErrorParts, FromDisconnectParts, FromErrorParts, HandlerOutput, MessageHandler, Middleware,
};
pub use io::SocketIo;
pub use layer::{NotFound, SocketIoLayer, SocketIoService};
pub use limit::{ConnectionLimit, EventRateLimit, OverLimit};
pub use ns::Ns;
pub use operators::BroadcastOperators;
pub use reason::DisconnectReason;
pub use recovery::ConnectionStateRecovery;
pub use rooms::IntoRooms;
pub use sio_adapter::{AckCollected, AckResponse, BroadcastReport, Room, SocketId, SocketInfo};
pub use sio_engine::{CloseReason, Message, Protocol, SendError, Sid, Str, TransportKind};
pub use sio_parser::{CustomParser, PacketParser, Parser, Value};
pub use sio_ws::PerMessageDeflate;
pub use socket::{Handshake, ListenerId, RequestHeaders, Socket, SocketEmitter, SocketRef};

/// The README's Rust example, compiled by `cargo test` so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// Every Rust block of docs/guide.md, compiled by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide.md")]
struct GuideDoctests;

/// Every Rust block of docs/migration.md, compiled by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/migration.md")]
struct MigrationDoctests;

/// Errors of the Engine.IO layer.
pub mod engine_error {
    pub use sio_engine::SendError;
}
