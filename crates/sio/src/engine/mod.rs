//! The Engine.IO I/O side: a tower layer that claims its path, long-polling
//! and WebSocket transports, and one task per session driving the sans-IO
//! [`sio_engine::Session`].
//!
//! Layering: [`EngineIoService`] parses and checks each request and hands it
//! to the session's task (`driver`) through the `registry`; the task owns
//! the session and calls the [`ConnHandler`] of the layer above.

mod body;
mod compact;
pub(crate) mod compress;
mod config;
mod driver;
mod events;
mod future;
mod handler;
mod hooks;
mod layer;
mod outbox;
mod polling;
mod registry;
mod request;
mod response;
mod service;
pub(crate) use service::original_path;
mod websocket;
mod wsconn;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use http::request::Parts;
use sio_engine::{Session, Sid, TransportKind};
use tokio::sync::oneshot;

pub use body::EngineBody;
pub use config::EngineConfig;
pub use events::ConnectionError;
pub use future::ResponseFuture;
pub use handler::{ConnHandler, EngineHandler, EngineSocket};
pub use layer::EngineIoLayer;
pub use service::EngineIoService;

use driver::Driver;
use handler::SocketShared;
use registry::{Entry, Refused, Registry};
use response::Reject;
use wsconn::WsConn;

/// What every request of one endpoint shares.
#[derive(Debug)]
pub(crate) struct Engine<H> {
    pub(crate) config: EngineConfig,
    pub(crate) handler: H,
    pub(crate) registry: Arc<Registry>,
}

/// Reply channel of a pending polling GET.
pub(crate) type PollReplyTx =
    oneshot::Sender<Result<sio_engine::PollReply, sio_engine::RequestError>>;

impl<H: EngineHandler> Engine<H> {
    /// A fresh, unused session id from the configured generator, which
    /// sees the handshake request `parts`.
    pub(crate) async fn new_sid(&self, parts: &Parts) -> Result<Sid, Reject> {
        let id = match &self.config.id_generator {
            Some(generator) => generator.generate(parts).await.ok_or(Reject::Internal)?,
            None => hooks::random_id(),
        };
        let sid = Sid::new(&id).ok_or_else(|| {
            tracing::warn!("id generator returned an invalid session id");
            Reject::Internal
        })?;
        if self.registry.contains(&sid) {
            tracing::warn!("id generator returned a session id in use");
            return Err(Reject::Internal);
        }
        Ok(sid)
    }

    /// Registers `session`, opens its handler and spawns its task; returns
    /// what the session's handle shares (the request head among it). The
    /// WebSocket, if any, is taken only when the session registered.
    ///
    /// # Errors
    /// The registry refused the session: its id is taken (500),
    /// `max_sessions` are live (503) or the endpoint is shutting down (503).
    pub(crate) fn start(
        &self,
        session: Session,
        parts: Parts,
        pending_get: Option<PollReplyTx>,
        ws: &mut Option<Box<WsConn>>,
        permit: Option<crate::limit::AddrPermit>,
    ) -> Result<Arc<SocketShared>, Reject> {
        let parts = compact::compact(parts);
        let initial = if ws.is_some() {
            TransportKind::WebSocket
        } else {
            TransportKind::Polling
        };
        let shared = Arc::new(SocketShared {
            sid: session.sid().clone(),
            protocol: session.protocol(),
            parts,
            upgraded: AtomicBool::new(false),
            initial,
            outbox: outbox::Outbox::new(self.config.socket_buffer, self.config.max_buffered_bytes),
            ready: parking_lot::Mutex::default(),
            supports_binary: session.supports_binary(),
            post_busy: AtomicBool::new(false),
            post_permit: Arc::new(tokio::sync::Semaphore::new(1)),
        });
        let entry = Entry {
            shared: shared.clone(),
        };
        let max = self.config.max_sessions;
        self.registry
            .insert(shared.sid.clone(), entry, max)
            .map_err(|refused| match refused {
                Refused::Taken => Reject::Internal,
                Refused::Full => Reject::Overloaded,
                Refused::Closing => Reject::ShuttingDown,
            })?;
        let conn = self.handler.on_open(EngineSocket::new(shared.clone()));
        let driver = Driver {
            session,
            conn,
            shared: shared.clone(),
            registry: self.registry.clone(),
            pending_get,
            ws: ws.take(),
            held: None,
            write_timeout: self.config.session.ping_timeout,
            timer: driver::Timer::default(),
            staged: false,
            ws_generation: 0,
            _permit: permit,
        };
        let span = crate::spans::session(&shared.sid, initial, shared.protocol, &shared.parts);
        tokio::spawn(tracing::Instrument::instrument(driver.run(), span));
        Ok(shared)
    }
}
