//! [`EngineIoLayer`]: mounts an Engine.IO endpoint in front of any service.

use std::fmt;
use std::sync::Arc;

use sio_engine::CloseReason;
use tower_layer::Layer;

use super::registry::Registry;
use super::{Engine, EngineConfig, EngineHandler, EngineIoService};

/// A tower layer serving Engine.IO on one path and passing every other
/// request to the service it wraps.
///
/// ```no_run
/// use sio::{ConnHandler, EngineConfig, EngineHandler, EngineIoLayer, EngineSocket};
/// use sio_engine::{CloseReason, Message};
///
/// struct Echo;
/// struct EchoConn(EngineSocket);
/// impl EngineHandler for Echo {
///     type Conn = EchoConn;
///     fn on_open(&self, socket: EngineSocket) -> EchoConn { EchoConn(socket) }
/// }
/// impl ConnHandler for EchoConn {
///     fn on_message(&mut self, msg: Message) { let _ = self.0.send(msg); }
///     fn on_close(&mut self, _reason: CloseReason) {}
/// }
///
/// let layer = EngineIoLayer::new(EngineConfig::default(), Echo);
/// let app = axum::Router::new()
///     .route("/health", axum::routing::get(|| async { "ok" }))
///     .layer(layer);
/// # let _: axum::Router = app;
/// ```
pub struct EngineIoLayer<H> {
    engine: Arc<Engine<H>>,
}

impl<H: EngineHandler> EngineIoLayer<H> {
    /// A layer serving `config.path` with `handler`.
    pub fn new(config: EngineConfig, handler: H) -> Self {
        let engine = Engine {
            config,
            handler,
            registry: Arc::new(Registry::default()),
        };
        Self {
            engine: Arc::new(engine),
        }
    }

    /// How many sessions are live.
    pub fn session_count(&self) -> usize {
        self.engine.registry.len()
    }

    /// Closes every session (reason `server shutting down`; pending polls
    /// are answered with a CLOSE packet, and a polling session without a
    /// pending GET keeps that CLOSE for the client's next GET for at most
    /// `sio_engine::session::CLIENT_CLOSE_GRACE`, capped at the ping
    /// timeout) and resolves once all their tasks have ended. From
    /// the call on, handshakes are refused (503, `{"code":3,"message":"Server
    /// shutting down"}`; a WebSocket whose 101 was already sent is closed
    /// with 1001), so clients that reconnect at once cannot keep it waiting:
    /// it resolves within the time the live sessions take to close (at
    /// most a ping timeout to flush a WebSocket, the grace for a poll).
    pub async fn shutdown(&self) {
        self.engine
            .registry
            .close_all(CloseReason::ServerShuttingDown);
        self.engine.registry.wait_empty().await;
    }
}

impl<H> Clone for EngineIoLayer<H> {
    fn clone(&self) -> Self {
        Self {
            engine: self.engine.clone(),
        }
    }
}

impl<H> fmt::Debug for EngineIoLayer<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineIoLayer")
            .field("path", &self.engine.config.path)
            .finish_non_exhaustive()
    }
}

impl<S, H> Layer<S> for EngineIoLayer<H> {
    type Service = EngineIoService<S, H>;

    fn layer(&self, inner: S) -> Self::Service {
        EngineIoService::new(inner, self.engine.clone())
    }
}
