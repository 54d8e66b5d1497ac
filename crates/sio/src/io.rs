//! [`SocketIo`]: the cheap-to-clone handle on the server: its layer, its
//! namespaces, broadcasts from anywhere, and graceful shutdown.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sio_adapter::{AckCollected, BroadcastOptions, BroadcastReport, SocketId, SocketInfo};
use sio_parser::Value;

use crate::ack_reply::{AckReplies, FromAck};
use crate::builder::{Config, SocketIoBuilder};
use crate::client::Client;
use crate::engine::{EngineConfig, EngineHandler, EngineIoLayer, EngineSocket};
use crate::error::BroadcastError;
use crate::layer::{NotFound, SocketIoLayer, SocketIoService};
use crate::ns::{Namespace, NsTable};
use crate::operators::BroadcastOperators;
use crate::socket::SocketRef;

/// What every connection of the server shares.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) config: Arc<Config>,
    pub(crate) table: NsTable,
}

/// Opens a [`Client`] for every engine session.
#[derive(Debug, Clone)]
pub(crate) struct SioHandler(pub(crate) Arc<Server>);

impl EngineHandler for SioHandler {
    type Conn = Client;

    fn on_open(&self, socket: EngineSocket) -> Client {
        Client::new(self.0.clone(), socket)
    }
}

/// The Socket.IO server: clone it freely (into axum state, into tasks) to
/// emit from anywhere. Mount it with [`SocketIo::layer`].
///
/// ```
/// use sio::{Data, SocketIo, SocketRef};
///
/// let io = SocketIo::builder()
///     .ns("/", |socket: SocketRef| async move {
///         socket.on("echo", |socket: SocketRef, Data(msg): Data<String>| async move {
///             socket.emit("echo", &msg)?;
///             Ok::<_, sio::EmitError>(())
///         });
///     })
///     .build();
/// let app: axum::Router = axum::Router::new().layer(io.layer());
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct SocketIo {
    server: Arc<Server>,
    main: Arc<Namespace>,
    engine: EngineIoLayer<SioHandler>,
}

impl fmt::Debug for SocketIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketIo")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

impl SocketIo {
    /// A builder with the defaults.
    pub fn builder() -> SocketIoBuilder {
        SocketIoBuilder::default()
    }

    pub(crate) fn new(
        config: Arc<Config>,
        table: NsTable,
        main: Arc<Namespace>,
        engine: EngineConfig,
    ) -> Self {
        let server = Arc::new(Server { config, table });
        let engine = EngineIoLayer::new(engine, SioHandler(server.clone()));
        Self {
            server,
            main,
            engine,
        }
    }

    /// The state every connection shares.
    pub(crate) fn server(&self) -> &Arc<Server> {
        &self.server
    }

    /// The tower layer serving the server's path in front of any service
    /// (`Router::layer(io.layer())`).
    ///
    /// **Mounting order with axum.** `Router::layer` wraps the routes and
    /// the fallback that exist *when it is called*. A `.fallback(..)` added
    /// after `.layer(io.layer())` is not wrapped, so it answers
    /// `/socket.io/` itself (a 404). Add the fallback first, or mount the
    /// server on its own path with [`service`](Self::service), which works
    /// in any order:
    ///
    /// ```
    /// # let io = sio::SocketIo::builder().build();
    /// let fallback = || async { (http::StatusCode::NOT_FOUND, "no such page") };
    /// // either: fallback first, then the layer
    /// let app: axum::Router = axum::Router::new().fallback(fallback).layer(io.layer());
    /// // or: the server as a nested service, before or after the fallback
    /// let app: axum::Router = axum::Router::new()
    ///     .fallback(fallback)
    ///     .nest_service("/socket.io", io.service());
    /// ```
    pub fn layer(&self) -> SocketIoLayer {
        SocketIoLayer::new(self.engine.clone(), self.server.config.client_files.clone())
    }

    /// The server as a service of its own, for
    /// `Router::nest_service("/socket.io", io.service())` (the nested
    /// path is the builder's [`path`](crate::SocketIoBuilder::path)
    /// without its trailing `/`) or `Router::route_service("/socket.io/",
    /// io.service())`. Requests that are not the server's get a 404. Unlike
    /// [`layer`](Self::layer), it does not depend on where a `.fallback`
    /// is added.
    pub fn service(&self) -> SocketIoService<NotFound> {
        tower_layer::Layer::layer(&self.layer(), NotFound)
    }

    /// Operators on namespace `name`, if it exists (declared, or a dynamic
    /// child already created).
    pub fn of(&self, name: &str) -> Option<BroadcastOperators> {
        let ns = self.server.table.get(name)?;
        Some(BroadcastOperators::new(ns, BroadcastOptions::default()))
    }

    /// Operators on the main namespace `/` (which always exists: when it
    /// was not declared, it accepts connections and runs no handler).
    pub fn main_ns(&self) -> BroadcastOperators {
        BroadcastOperators::new(self.main.clone(), BroadcastOptions::default())
    }

    /// Targets rooms of `/`.
    pub fn to(&self, rooms: impl crate::IntoRooms) -> BroadcastOperators {
        self.main_ns().to(rooms)
    }

    /// Everyone in `/` except `rooms`.
    pub fn except(&self, rooms: impl crate::IntoRooms) -> BroadcastOperators {
        self.main_ns().except(rooms)
    }

    /// This server's sockets of `/` only.
    pub fn local(&self) -> BroadcastOperators {
        self.main_ns().local()
    }

    /// `/`, compressed or not (see [`BroadcastOperators::compress`]).
    pub fn compress(&self, compress: bool) -> BroadcastOperators {
        self.main_ns().compress(compress)
    }

    /// `/` whose full queues are skipped (see
    /// [`BroadcastOperators::volatile`]).
    pub fn volatile(&self) -> BroadcastOperators {
        self.main_ns().volatile()
    }

    /// `/` with a timeout for acks.
    pub fn timeout(&self, timeout: Duration) -> BroadcastOperators {
        self.main_ns().timeout(timeout)
    }

    /// Emits `event` with ONE argument to every socket of `/`.
    ///
    /// # Errors
    /// As [`BroadcastOperators::emit`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<BroadcastReport, BroadcastError> {
        self.main_ns().emit(event, data).await
    }

    /// Emits to every socket of `/` asking each for an ack; see
    /// [`BroadcastOperators::emit_with_ack`]. The timeout is set as for
    /// every other emit: `io.timeout(d).emit_with_ack(..)`.
    ///
    /// # Errors
    /// As [`SocketIo::emit`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn emit_with_ack<T: Serialize + ?Sized, R: FromAck>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<AckReplies<R>, BroadcastError> {
        self.main_ns().emit_with_ack(event, data).await
    }

    /// This server's sockets of namespace `ns`, synchronously (Node's
    /// `io.of(ns).sockets`). For the whole cluster: [`fetch_sockets`](Self::fetch_sockets)
    /// (descriptions) or [`socket_ids`](Self::socket_ids).
    pub fn local_sockets(&self, ns: &str) -> Vec<SocketRef> {
        self.server
            .table
            .get(ns)
            .map(|ns| ns.sockets())
            .unwrap_or_default()
    }

    /// Descriptions of the sockets of `ns` (the whole cluster).
    ///
    /// # Errors
    /// [`BroadcastError::Adapter`].
    #[must_use = "an operator does nothing until it is awaited"]
    pub async fn fetch_sockets(&self, ns: &str) -> Result<Vec<SocketInfo>, BroadcastError> {
        match self.of(ns) {
            Some(op) => op.fetch_sockets().await,
            None => Ok(Vec::new()),
        }
    }

    /// The ids of the sockets of `ns` (the whole cluster).
    ///
    /// # Errors
    /// [`BroadcastError::Adapter`].
    #[must_use = "an operator does nothing until it is awaited"]
    pub async fn socket_ids(&self, ns: &str) -> Result<Vec<SocketId>, BroadcastError> {
        match self.of(ns) {
            Some(op) => op.socket_ids().await,
            None => Ok(Vec::new()),
        }
    }

    /// Makes every socket of `/` join `rooms`.
    ///
    /// # Errors
    /// As [`SocketIo::emit`].
    #[must_use = "an operator does nothing until it is awaited"]
    pub async fn sockets_join(&self, rooms: impl crate::IntoRooms) -> Result<(), BroadcastError> {
        self.main_ns().join(rooms).await
    }

    /// Makes every socket of `/` leave `rooms`.
    ///
    /// # Errors
    /// As [`SocketIo::emit`].
    #[must_use = "an operator does nothing until it is awaited"]
    pub async fn sockets_leave(&self, rooms: impl crate::IntoRooms) -> Result<(), BroadcastError> {
        self.main_ns().leave(rooms).await
    }

    /// Disconnects every socket of `/`.
    ///
    /// # Errors
    /// As [`SocketIo::emit`].
    #[must_use = "an operator does nothing until it is awaited"]
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), BroadcastError> {
        self.main_ns().disconnect(close).await
    }

    /// Adds a handler of server-side event `event` of the main namespace
    /// (Node's `io.on(event, ..)`); see
    /// [`SocketIoBuilder::on_server_side`](crate::SocketIoBuilder::on_server_side).
    pub fn on_server_side<F, Fut>(&self, event: impl Into<String>, handler: F)
    where
        F: Fn(Vec<Value>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Vec<Value>> + Send + 'static,
    {
        self.main_ns().on_server_side(event, handler);
    }

    /// Sends a server-side event to the other servers of the cluster (their
    /// [`on_server_side`](crate::SocketIoBuilder::on_server_side) handlers;
    /// the handlers of this server do not receive it).
    ///
    /// # Errors
    /// As [`SocketIo::emit`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn server_side_emit(&self, args: Vec<Value>) -> Result<(), BroadcastError> {
        self.main_ns().server_side_emit(args).await
    }

    /// Sends a server-side event to the other servers and collects their
    /// answers (none with a single server).
    ///
    /// # Errors
    /// As [`SocketIo::emit`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn server_side_emit_with_ack(
        &self,
        args: Vec<Value>,
        timeout: Duration,
    ) -> Result<AckCollected, BroadcastError> {
        self.main_ns()
            .server_side_emit_with_ack(args, timeout)
            .await
    }

    /// How many engine connections are open.
    pub fn connection_count(&self) -> usize {
        self.engine.session_count()
    }

    /// Disconnects every socket (reason `server shutting down`), closes
    /// every connection and the adapters, and resolves once all the
    /// connections are gone. New handshakes are refused from the call on
    /// (see [`EngineIoLayer::shutdown`](crate::EngineIoLayer::shutdown)),
    /// so clients reconnecting at once cannot keep it from resolving.
    pub async fn close(&self) {
        self.engine.shutdown().await;
        for ns in self.server.table.all() {
            if let Err(e) = ns.adapter.close().await {
                tracing::warn!(ns = %ns.name, "adapter close failed: {e}");
            }
        }
    }
}
