//! sio: a Socket.IO server that mounts as tower middleware on any axum
//! router.
//!
//! Today it serves the Engine.IO layer: [`EngineIoLayer`] claims one path
//! (default `/engine.io/`), speaks long-polling and WebSocket (protocols 4
//! and, optionally, 3), and runs one task per session that calls your
//! [`EngineHandler`]. See `docs/architecture.md` for how the pieces fit.

#![forbid(unsafe_code)]

mod engine;

pub use engine::{
    ConnHandler, EngineBody, EngineConfig, EngineHandler, EngineIoLayer, EngineIoService,
    EngineSocket, ResponseFuture,
};
pub use sio_engine::{CloseReason, Message, Protocol, SendError, Sid, Str, TransportKind};
