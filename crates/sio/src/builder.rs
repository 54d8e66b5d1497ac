//! [`SocketIoBuilder`]: every setting of the server (the engine's and
//! socket.io's), its namespaces, state and hooks; [`SocketIoBuilder::build`]
//! freezes them into a [`SocketIo`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use sio_adapter::{AckResponse, AckSink, AdapterFactory};
use sio_parser::{DecoderConfig, Encoder, Parser, Value, Version};

use crate::engine::EngineConfig;
use crate::error::HandlerError;
use crate::handler::{ConnectHandler, ErasedMiddleware, Middleware, erase_middleware};
use crate::io::SocketIo;
use crate::ns::{Ns, NsTable, ServerEventFn, erase_server_event};
use crate::socket::SocketRef;
use crate::state::StateMap;

mod check;
mod engine_hooks;

pub use check::BuildError;

type ErrorHook = Arc<dyn Fn(&SocketRef, &HandlerError) + Send + Sync>;
type ServerSideFn =
    Arc<dyn Fn(Vec<Value>, Option<AckSink>) -> BoxFuture<'static, ()> + Send + Sync>;

/// The frozen settings every part of the server reads.
pub(crate) struct Config {
    pub(crate) encoder: Encoder,
    pub(crate) parser: Parser,
    pub(crate) connect_timeout: Duration,
    pub(crate) ack_timeout: Duration,
    pub(crate) max_pending_acks: usize,
    pub(crate) max_ns_children: usize,
    pub(crate) max_ns_name_len: usize,
    pub(crate) max_ns_per_connection: usize,
    pub(crate) decoder: DecoderConfig,
    pub(crate) state: StateMap,
    pub(crate) error_hook: ErrorHook,
    pub(crate) server_side: Option<ServerSideFn>,
    /// Per-event server-side handlers of the main namespace.
    pub(crate) server_events: Vec<(String, ServerEventFn)>,
    /// Connection middlewares of every namespace, run before its own.
    pub(crate) middlewares: Vec<Arc<dyn ErasedMiddleware>>,
    pub(crate) recovery: Option<crate::ConnectionStateRecovery>,
    pub(crate) client_files: Option<Arc<crate::serve_client::ClientFiles>>,
    /// Per-message deflate's threshold, when it is on: broadcasts of at
    /// least this size share one compression.
    pub(crate) deflate_threshold: Option<usize>,
    /// Per-socket event rate limits, when on.
    pub(crate) event_limit: Option<Arc<crate::limit::EventLimiter>>,
    /// The admin UI's hooks, when instrumented.
    pub(crate) admin: Option<Arc<crate::admin::Hooks>>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("parser", &self.parser)
            .field("connect_timeout", &self.connect_timeout)
            .field("ack_timeout", &self.ack_timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`SocketIo`]. Start with [`SocketIo::builder`].
///
/// | setting | default |
/// |---|---|
/// | [`path`](Self::path) | `/socket.io/` |
/// | [`connect_timeout`](Self::connect_timeout) | 45 s |
/// | [`ack_timeout`](Self::ack_timeout) | 5 s |
/// | [`max_buffer`](Self::max_buffer) | 1024 packets per connection |
/// | [`max_buffered_bytes`](Self::max_buffered_bytes) | 4 MiB per connection |
/// | [`max_pending_acks`](Self::max_pending_acks) | 1024 per socket |
/// | [`max_dynamic_children`](Self::max_dynamic_children) | 100 000 per family |
/// | [`max_ns_name_len`](Self::max_ns_name_len) | 256 bytes |
/// | [`max_ns_per_connection`](Self::max_ns_per_connection) | 256 namespaces |
/// | [`max_attachments`](Self::max_attachments) | 10 per packet |
/// | [`parser`](Self::parser) | [`Parser::Default`] |
/// | [`adapter`](Self::adapter) | the in-memory adapter |
/// | [`connection_state_recovery`](Self::connection_state_recovery) | off |
/// | [`serve_client`](Self::serve_client) | off (no bundle ships with sio) |
/// | [`event_rate_limit`](Self::event_rate_limit) | off |
/// | [`instrument`](Self::instrument) (the Admin UI) | off |
/// | [`connection_limit`](Self::connection_limit) | off |
/// | engine options ([`engine`](Self::engine)) | see [`EngineConfig`] |
pub struct SocketIoBuilder {
    engine: EngineConfig,
    connect_timeout: Duration,
    ack_timeout: Duration,
    parser: Parser,
    max_pending_acks: usize,
    max_ns_children: usize,
    max_ns_name_len: usize,
    max_ns_per_connection: usize,
    max_attachments: usize,
    max_payload: u64,
    factory: Option<Arc<dyn AdapterFactory>>,
    state: StateMap,
    /// Types given twice to `with_state`: `build()` refuses them.
    duplicate_states: Vec<&'static str>,
    error_hook: ErrorHook,
    server_side: Option<ServerSideFn>,
    server_events: Vec<(String, ServerEventFn)>,
    middlewares: Vec<Arc<dyn ErasedMiddleware>>,
    recovery: Option<crate::ConnectionStateRecovery>,
    client_dir: Option<std::path::PathBuf>,
    event_limit: Option<crate::EventRateLimit>,
    connection_limit: Option<crate::ConnectionLimit>,
    admin: Option<crate::admin::AdminUi>,
    exact: Vec<(String, Ns)>,
    dynamic: Vec<(crate::ns::NsMatcher, Ns)>,
}

impl fmt::Debug for SocketIoBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketIoBuilder")
            .field("engine", &self.engine)
            .field(
                "namespaces",
                &self.exact.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Default for SocketIoBuilder {
    fn default() -> Self {
        Self {
            engine: EngineConfig::default()
                .path("/socket.io/")
                .socket_buffer(1024),
            connect_timeout: Duration::from_secs(45),
            ack_timeout: Duration::from_secs(5),
            parser: Parser::Default,
            max_pending_acks: 1024,
            max_ns_children: 100_000,
            max_ns_name_len: 256,
            max_ns_per_connection: 256,
            max_attachments: 10,
            max_payload: 1_000_000,
            factory: None,
            state: StateMap::default(),
            duplicate_states: Vec::new(),
            error_hook: Arc::new(|socket, err| {
                tracing::warn!(id = %socket.id(), ns = %err.ns, event = %err.event, "handler failed: {}", err.error);
            }),
            server_side: None,
            server_events: Vec::new(),
            middlewares: Vec::new(),
            recovery: None,
            client_dir: None,
            event_limit: None,
            connection_limit: None,
            admin: None,
            exact: Vec::new(),
            dynamic: Vec::new(),
        }
    }
}

impl SocketIoBuilder {
    /// Per-socket event rate limits, on every namespace (see
    /// [`EventRateLimit`](crate::EventRateLimit); `EventRateLimit::default()`
    /// allows 100 events a second with a burst of 100 and answers the ack
    /// of an event over it with `{"message": "rate limited"}`). Off by
    /// default, as in Node. Checked before the packet middlewares.
    pub fn event_rate_limit(mut self, limit: crate::EventRateLimit) -> Self {
        self.event_limit = Some(limit);
        self
    }

    /// Per-address limits on sessions and handshakes (see
    /// [`ConnectionLimit`](crate::ConnectionLimit)); off by default. Wins
    /// over [`EngineConfig::connection_limit`] of [`Self::engine`].
    pub fn connection_limit(mut self, limit: crate::ConnectionLimit) -> Self {
        self.connection_limit = Some(limit);
        self
    }

    /// Replaces the engine settings (ping, payload, transports, CORS
    /// origins, ...). Its path is kept as given: set it with
    /// [`EngineConfig::path`] or [`SocketIoBuilder::path`] afterwards.
    pub fn engine(mut self, engine: EngineConfig) -> Self {
        self.engine = engine;
        self
    }

    /// Changes the engine settings in place, e.g.
    /// `.engine_with(|e| e.ping_interval(d))`.
    pub fn engine_with(mut self, f: impl FnOnce(EngineConfig) -> EngineConfig) -> Self {
        self.engine = f(self.engine);
        self
    }

    /// The path served (default `/socket.io/`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.engine = self.engine.path(path);
        self
    }

    /// Node's `pingInterval`: Time between two server pings. Default 25 s.
    pub fn ping_interval(mut self, d: Duration) -> Self {
        self.engine = self.engine.ping_interval(d);
        self
    }

    /// Node's `pingTimeout`: How long to wait for a pong. Default 20 s.
    pub fn ping_timeout(mut self, d: Duration) -> Self {
        self.engine = self.engine.ping_timeout(d);
        self
    }

    /// Node's `maxHttpBufferSize`: Largest message (and largest total of one
    /// packet's binary attachments), in bytes. Default 1,000,000.
    pub fn max_payload(mut self, bytes: u64) -> Self {
        self.engine = self.engine.max_payload(bytes);
        self.max_payload = bytes;
        self
    }

    /// Shortcut for [`EngineConfig::per_message_deflate`]: WebSocket
    /// compression, off by default (as in Node).
    pub fn per_message_deflate(mut self, deflate: Option<crate::PerMessageDeflate>) -> Self {
        self.engine = self.engine.per_message_deflate(deflate);
        self
    }

    /// Node's `allowEIO3`: Accept socket.io-client 2.x (protocol 4 over Engine.IO
    /// 3). Default false.
    pub fn allow_eio3(mut self, allow: bool) -> Self {
        self.engine = self.engine.allow_eio3(allow);
        self
    }

    /// Node's `connectTimeout`: How long a connection may stay without joining
    /// any namespace before it is closed. Default 45 s.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Default time to wait for acknowledgements. Default 5 s.
    pub fn ack_timeout(mut self, d: Duration) -> Self {
        self.ack_timeout = d;
        self
    }

    /// The packet format of every client. Default [`Parser::Default`];
    /// [`Parser::MsgPack`] or any [`PacketParser`](crate::PacketParser) with
    /// [`Parser::custom`] (its packets are held to the same limits).
    pub fn parser(mut self, parser: Parser) -> Self {
        self.parser = parser;
        self
    }

    /// The adapter factory (e.g. a cluster adapter). Default: in memory.
    pub fn adapter(mut self, factory: impl AdapterFactory) -> Self {
        self.factory = Some(Arc::new(factory));
        self
    }

    /// Node's `connectionStateRecovery`: turns on connection-state recovery
    /// (see [`ConnectionStateRecovery`](crate::ConnectionStateRecovery) for
    /// what it does and its limits). Default: off.
    pub fn connection_state_recovery(mut self, recovery: crate::ConnectionStateRecovery) -> Self {
        self.recovery = Some(recovery);
        self
    }

    /// Adds shared state, extracted with [`State<T>`](crate::State) (or
    /// axum's `State<T>`). One value per type: a second value of the same
    /// type makes `build()` fail ([`BuildError::DuplicateState`]); wrap
    /// values in distinct types instead.
    pub fn with_state<T: Clone + Send + Sync + 'static>(mut self, state: T) -> Self {
        if !self.state.insert(state) {
            self.duplicate_states.push(std::any::type_name::<T>());
        }
        self
    }

    /// Most packets queued for one connection. When full, emits fail with
    /// [`EmitError::BufferFull`](crate::EmitError::BufferFull), volatile
    /// emits and broadcasts skip it. Default 1024.
    pub fn max_buffer(mut self, packets: usize) -> Self {
        self.engine = self.engine.socket_buffer(packets);
        self
    }

    /// Most bytes of outgoing messages buffered for one connection (all
    /// its sockets), counted until they are handed to the transport: the
    /// queue, what waits for a polling GET (or the end of an upgrade) and
    /// the WebSocket's write buffer. Same policy as [`Self::max_buffer`]:
    /// past it emits fail with
    /// [`EmitError::BufferFull`](crate::EmitError::BufferFull), volatile
    /// emits and broadcasts skip the connection (broadcasts count it as
    /// dropped). A packet larger than the bound is still sent when nothing
    /// else is buffered. With connection-state recovery, a backlog that
    /// does not fit gives a fresh session. Read a connection's count with
    /// [`EngineSocket::buffered_bytes`](crate::EngineSocket::buffered_bytes).
    /// Default 4 MiB.
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.engine = self.engine.max_buffered_bytes(bytes);
        self
    }

    /// Most acknowledgements one socket may have outstanding. Default 1024.
    pub fn max_pending_acks(mut self, n: usize) -> Self {
        self.max_pending_acks = n.max(1);
        self
    }

    /// Most children of one dynamic namespace family alive at once, the
    /// server-wide ceiling (a child is removed as soon as it has no socket
    /// and no connection in progress). Past it a CONNECT to a new child is
    /// refused with "Invalid namespace". Default 100 000: above real use
    /// (one child per user online); what one client can hold is bounded by
    /// [`max_ns_per_connection`](Self::max_ns_per_connection), and an idle
    /// child costs little (its table entry and its adapter; a dynamic
    /// child's adapter is started, e.g. subscribed on Redis, only once a
    /// connection to it is accepted).
    pub fn max_dynamic_children(mut self, n: usize) -> Self {
        self.max_ns_children = n;
        self
    }

    /// Most namespaces one connection may have joined or be joining at
    /// once; a CONNECT past it is refused with `connect_error` "Too many
    /// namespaces" (the connection stays open). Default 256.
    pub fn max_ns_per_connection(mut self, n: usize) -> Self {
        self.max_ns_per_connection = n.max(1);
        self
    }

    /// Longest namespace name a client may ask for. Default 256 bytes.
    pub fn max_ns_name_len(mut self, n: usize) -> Self {
        self.max_ns_name_len = n;
        self
    }

    /// Most binary attachments in one packet. Default 10.
    pub fn max_attachments(mut self, n: usize) -> Self {
        self.max_attachments = n;
        self
    }

    /// Called when a handler is not run because its extractors refused the
    /// packet (data that does not deserialize:
    /// [`HandlerFailure::Extract`](crate::HandlerFailure::Extract); when the
    /// client asked for an ack it also gets `[{"message": "<why>"}]`), and
    /// when a handler returns `Err`
    /// ([`HandlerFailure::Returned`](crate::HandlerFailure::Returned); the
    /// client is told nothing). Default: a `tracing` warning.
    pub fn on_handler_error<F>(mut self, hook: F) -> Self
    where
        F: Fn(&SocketRef, &HandlerError) + Send + Sync + 'static,
    {
        self.error_hook = Arc::new(hook);
        self
    }

    /// Adds a handler of server-side event `event` of the main namespace
    /// (Node's `io.on(event, ..)` for `serverSideEmit`; the same as
    /// [`SocketIo::on_server_side`](crate::SocketIo::on_server_side) on the
    /// built server). It gets the arguments after the event name and
    /// returns the answer's arguments, sent when the emitting server asked
    /// for one. Several handlers of one event all run; the first one's
    /// answer is sent.
    pub fn on_server_side<F, Fut>(mut self, event: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Vec<Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<Value>> + Send + 'static,
    {
        self.server_events
            .push((event.into(), erase_server_event(handler)));
        self
    }

    /// Answers the server-side events from the other servers of a cluster
    /// that no [`on_server_side`](Self::on_server_side) handler takes, in
    /// every namespace: gets every argument, the event name first, and
    /// returns the answer's arguments (sent when an answer was asked).
    pub fn on_server_event<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Vec<Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<Value>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.server_side = Some(Arc::new(move |args, sink| {
            let fut = handler(args);
            Box::pin(async move {
                let answer = fut.await;
                if let Some(sink) = sink {
                    sink.ack(AckResponse {
                        socket: None,
                        args: answer,
                    });
                }
            })
        }));
        self
    }

    /// Node's `serveClient`: serves the JavaScript client bundle from `dir`
    /// (e.g. `node_modules/socket.io-client/dist`) under the server's path:
    /// `/socket.io/socket.io.js`, `socket.io.min.js`, `socket.io.esm.min.js`,
    /// `socket.io.msgpack.min.js` and their `.map` files, nothing else.
    /// As in Node: `ETag` is the client's version (from `dir/../package.json`,
    /// else a hash of the file), `Cache-Control: public, max-age=0`, 304 on a
    /// matching `If-None-Match`, gzip when accepted. The files are read once
    /// by [`build`](Self::build) (each at most 8 MiB); a missing one is
    /// answered 404. Default: off.
    pub fn serve_client(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.client_dir = Some(dir.into());
        self
    }

    /// Node's `instrument(io, opts)` of `@socket.io/admin-ui`: serves the
    /// Socket.IO Admin UI's protocol on its namespace (default `/admin`),
    /// see [`admin`](crate::admin). Default: off. `build()` must then run
    /// inside a tokio runtime (the stats task starts there). On the builder
    /// only (not on a built [`SocketIo`]): the admin namespace is declared
    /// with the others, and namespaces are frozen by `build()`.
    pub fn instrument(mut self, ui: crate::admin::AdminUi) -> Self {
        self.admin = Some(ui);
        self
    }

    /// Declares namespace `name` with a connection handler.
    pub fn ns<H: ConnectHandler<T>, T: Send + 'static>(
        self,
        name: impl Into<String>,
        handler: H,
    ) -> Self {
        self.namespace(name, Ns::new(handler))
    }

    /// Declares namespace `name` with its handlers and middlewares.
    pub fn namespace(mut self, name: impl Into<String>, ns: Ns) -> Self {
        self.exact.push((name.into(), ns));
        self
    }

    /// Declares a dynamic family: every name `matcher` accepts is created
    /// on first connection (checked after the exact names, families in
    /// declaration order), within the caps above.
    pub fn dyn_namespace<F>(self, matcher: F, ns: Ns) -> Self
    where
        F: Fn(&str) -> bool + Send + Sync + 'static,
    {
        self.dyn_namespace_with(move |name, _| matcher(name), ns)
    }

    /// Declares a dynamic family by a regular expression on the name
    /// (`regex` crate syntax; anchor it: `r"^/dyn-[a-z0-9]+$"`), as Node's
    /// `io.of(/^\/dyn-\w+$/)`.
    ///
    /// # Panics
    /// When `pattern` is not a valid regular expression (a programming
    /// error, caught at start-up).
    pub fn dyn_namespace_pattern(self, pattern: &str, ns: Ns) -> Self {
        let re = match regex::Regex::new(pattern) {
            Ok(re) => re,
            Err(e) => panic!("invalid dynamic namespace pattern {pattern:?}: {e}"),
        };
        self.dyn_namespace(move |name| re.is_match(name), ns)
    }

    /// Declares a dynamic family decided by a function of the name and
    /// the connection's [`Handshake`](crate::Handshake) (auth, query,
    /// headers), as Node's `io.of((name, auth, next) => ..)`. Synchronous:
    /// refusing a child for slow reasons belongs in a middleware.
    pub fn dyn_namespace_with<F>(mut self, matcher: F, ns: Ns) -> Self
    where
        F: Fn(&str, &crate::Handshake) -> bool + Send + Sync + 'static,
    {
        self.dynamic.push((Box::new(matcher), ns));
        self
    }

    /// Adds a connection middleware run for every namespace, before the
    /// namespace's own ones (in the order added); an error refuses the
    /// connection with a `connect_error`.
    pub fn middleware<M: Middleware<T>, T: Send + 'static>(mut self, middleware: M) -> Self {
        self.middlewares.push(erase_middleware(middleware));
        self
    }

    /// Freezes the settings into a server. Call it inside a tokio runtime
    /// when the adapter needs to start tasks.
    ///
    /// # Panics
    /// When [`try_build`](Self::try_build) fails: a connection handler or
    /// middleware extracts a state that was never registered, or a state
    /// type was registered twice. The message names the handler and type.
    #[track_caller]
    pub fn build(self) -> SocketIo {
        match self.try_build() {
            Ok(io) => io,
            Err(e) => panic!("{e}"),
        }
    }

    /// As [`build`](Self::build), returning the settings' mistakes instead
    /// of panicking.
    ///
    /// ```
    /// use sio::{BuildError, SocketIo, State};
    ///
    /// #[derive(Clone)]
    /// struct Db;
    ///
    /// let err = SocketIo::builder()
    ///     .ns("/", |State(_db): State<Db>| async move {})
    ///     .try_build()
    ///     .unwrap_err();
    /// assert!(matches!(err, BuildError::MissingState { .. }));
    /// assert!(err.to_string().contains("connection handler of namespace `/`"));
    /// ```
    ///
    /// # Errors
    /// [`BuildError`]: what to fix, naming the handler.
    pub fn try_build(mut self) -> Result<SocketIo, BuildError> {
        self.check()?;
        let admin = self.admin.take().map(crate::admin::Hooks::new);
        if let Some(hooks) = &admin {
            let ns = crate::admin::admin_namespace(hooks);
            self.exact.push((hooks.ui.namespace.clone(), ns));
        }
        let engine = match self.connection_limit {
            Some(limit) => self.engine.connection_limit(Some(limit)),
            None => self.engine,
        };
        let client_files = self.client_dir.map(|dir| {
            Arc::new(crate::serve_client::ClientFiles::load(
                &dir,
                engine.path_str(),
            ))
        });
        let decoder = DecoderConfig::default()
            .max_attachments(self.max_attachments)
            .max_attachment_bytes(usize::try_from(self.max_payload).unwrap_or(usize::MAX));
        let config = Arc::new(Config {
            encoder: Encoder::new(self.parser.clone(), Version::V5),
            parser: self.parser,
            connect_timeout: self.connect_timeout,
            ack_timeout: self.ack_timeout,
            max_pending_acks: self.max_pending_acks,
            max_ns_children: self.max_ns_children,
            max_ns_name_len: self.max_ns_name_len,
            max_ns_per_connection: self.max_ns_per_connection,
            decoder,
            state: self.state,
            error_hook: self.error_hook,
            server_side: self.server_side,
            server_events: self.server_events,
            middlewares: self.middlewares,
            recovery: self.recovery,
            client_files,
            deflate_threshold: engine.deflate_threshold(),
            event_limit: self.event_limit.map(crate::EventRateLimit::build),
            admin: admin.clone(),
        });
        let factory = self
            .factory
            .unwrap_or_else(|| Arc::new(sio_adapter::MemoryAdapterFactory));
        let exact = self
            .exact
            .into_iter()
            .map(|(name, ns)| (name, ns.handlers))
            .collect();
        let dynamic = self
            .dynamic
            .into_iter()
            .map(|(m, ns)| crate::ns::Dynamic::new(m, ns.handlers))
            .collect();
        let table = NsTable::new(exact, dynamic, factory, config.clone());
        let main = table.main();
        let io = SocketIo::new(config, table, main, engine);
        if let Some(hooks) = &admin {
            crate::admin::start(hooks, io.server());
        }
        Ok(io)
    }
}
