//! [`EngineConfig`]: every setting of the Engine.IO endpoint, with Node's
//! option names and defaults.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use http::request::Parts;
use sio_engine::SessionConfig;
use sio_ws::{Deflate, PerMessageDeflate};

use super::events::{ConnectionError, ErrorHook, HeadersHook};
use super::hooks::{AllowRequest, IdGenerator};
use crate::limit::{AddrLimiter, ConnectionLimit};

/// Settings of an Engine.IO endpoint. Build with [`EngineConfig::default`]
/// and the setters, each taking and returning `self`.
///
/// ```
/// use std::time::Duration;
/// let config = sio::EngineConfig::default()
///     .ping_interval(Duration::from_millis(300))
///     .ping_timeout(Duration::from_millis(200))
///     .allow_eio3(true);
/// assert_eq!(config.path_str(), "/engine.io/");
/// ```
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub(crate) path: String,
    pub(crate) session: SessionConfig,
    pub(crate) polling: bool,
    pub(crate) allow_eio3: bool,
    pub(crate) cookie: bool,
    pub(crate) allowed_origins: Option<Vec<String>>,
    pub(crate) allow_request: Option<AllowRequest>,
    pub(crate) id_generator: Option<IdGenerator>,
    pub(crate) initial_headers: Option<HeadersHook>,
    pub(crate) headers: Option<HeadersHook>,
    pub(crate) connection_error: Option<ErrorHook>,
    pub(crate) compression_threshold: Option<usize>,
    pub(crate) socket_buffer: usize,
    pub(crate) max_buffered_bytes: usize,
    pub(crate) max_sessions: usize,
    pub(crate) deflate: Option<Deflate>,
    pub(crate) connection_limit: Option<Arc<AddrLimiter>>,
}

/// Default of [`EngineConfig::max_packets_per_payload`].
const DEFAULT_MAX_PACKETS: usize = 10_000;

/// Default of [`EngineConfig::max_buffered_bytes`]: 4 MiB.
pub(crate) const DEFAULT_MAX_BUFFERED_BYTES: usize = 4 * 1024 * 1024;

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            path: "/engine.io/".to_owned(),
            session: SessionConfig {
                max_packets_per_payload: DEFAULT_MAX_PACKETS,
                ..SessionConfig::default()
            },
            polling: true,
            allow_eio3: false,
            cookie: false,
            allowed_origins: None,
            allow_request: None,
            id_generator: None,
            initial_headers: None,
            headers: None,
            connection_error: None,
            compression_threshold: Some(1024),
            socket_buffer: 128,
            max_buffered_bytes: DEFAULT_MAX_BUFFERED_BYTES,
            max_sessions: 100_000,
            deflate: None,
            connection_limit: None,
        }
    }
}

impl EngineConfig {
    /// Node: `path`. The exact path served (default `/engine.io/`). Requests for
    /// this path, or for it without its trailing `/`, are Engine.IO
    /// requests; every other request goes to the inner service.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The configured path.
    pub fn path_str(&self) -> &str {
        &self.path
    }

    /// Node: `pingInterval`. Time between two server pings. Default 25 s.
    pub fn ping_interval(mut self, d: Duration) -> Self {
        self.session.ping_interval = d;
        self
    }

    /// Node: `pingTimeout`. How long to wait for a pong. Default 20 s.
    pub fn ping_timeout(mut self, d: Duration) -> Self {
        self.session.ping_timeout = d;
        self
    }

    /// Node: `upgradeTimeout`. How long an upgrade to WebSocket may take before
    /// it is abandoned. Default 10 s.
    pub fn upgrade_timeout(mut self, d: Duration) -> Self {
        self.session.upgrade_timeout = d;
        self
    }

    /// Node: `maxHttpBufferSize`. Largest polling body (counted while it
    /// streams: past it the POST gets 413 and the session closes) and
    /// largest WebSocket message or frame (past it: close 1009), in bytes.
    /// Default 1,000,000.
    pub fn max_payload(mut self, bytes: u64) -> Self {
        self.session.max_payload = bytes;
        self
    }

    /// Node: `transports`. Which transports are on. Default both. Turning both
    /// off leaves an endpoint that refuses everything with code 0.
    pub fn transports(mut self, polling: bool, websocket: bool) -> Self {
        self.polling = polling;
        self.session.websocket_enabled = websocket;
        self
    }

    /// Node: `allowUpgrades`. Whether polling sessions may move to WebSocket.
    /// Default true.
    pub fn allow_upgrades(mut self, allow: bool) -> Self {
        self.session.allow_upgrades = allow;
        self
    }

    /// Node: `allowEIO3`. Whether protocol 3 clients (socket.io-client 2.x) are
    /// accepted. Default false: `EIO=3` gets 400 code 5.
    pub fn allow_eio3(mut self, allow: bool) -> Self {
        self.allow_eio3 = allow;
        self
    }

    /// Node: `cookie`. Sends `Set-Cookie: io=<sid>; Path=/; HttpOnly;
    /// SameSite=Lax` on the handshake (useful for sticky sessions). Default
    /// off.
    pub fn cookie(mut self, on: bool) -> Self {
        self.cookie = on;
        self
    }

    /// Origins allowed to reach the endpoint (exact `Origin` values, e.g.
    /// `https://example.com`). Checked on polling requests and on
    /// WebSocket upgrades before the 101; a request whose `Origin` is not
    /// listed gets 403 code 4. Requests without `Origin` (non-browser
    /// clients) pass. Default: no check. An `Origin` holding control
    /// characters is always refused (400 code 3).
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// Node: `allowRequest`. An async check run on every handshake with the
    /// request's head; `false` answers 403 `{"code":4,"message":"Forbidden"}`.
    /// A hook that panics counts as `false`: the server keeps serving.
    /// Default: none.
    pub fn allow_request<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(&Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        self.allow_request = Some(AllowRequest::new(hook));
        self
    }

    /// Node: `generateId(req)`. An async session-id generator, given the
    /// head of the handshake request (after [`Self::allow_request`]
    /// accepted it). Ids must be 1 to 128 characters of
    /// `A-Z a-z 0-9 - _ . ~` and unique; otherwise the handshake gets 500.
    /// Default: 20 bytes from a CSPRNG, base64url without padding.
    pub fn id_generator<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(&Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = String> + Send + 'static,
    {
        self.id_generator = Some(IdGenerator::new(hook));
        self
    }

    /// Node: the `initial_headers` event. Edits the headers of the response
    /// to a handshake (the polling handshake GET or the WebSocket 101),
    /// e.g. to set a cookie; runs after the [`Self::cookie`] header is set
    /// and before [`Self::headers`]. Gets the request head too. A hook that
    /// panics is logged; the response goes out as it left it. Default:
    /// none.
    pub fn initial_headers<F>(mut self, hook: F) -> Self
    where
        F: Fn(&mut HeaderMap, &Parts) + Send + Sync + 'static,
    {
        self.initial_headers = Some(HeadersHook::new(hook));
        self
    }

    /// Node: the `headers` event. Edits the headers of every successful
    /// engine response (handshakes, polling GETs and POSTs, WebSocket
    /// 101s); refusals are reported to [`Self::on_connection_error`]
    /// instead. A hook that panics is logged. Default: none.
    pub fn headers<F>(mut self, hook: F) -> Self
    where
        F: Fn(&mut HeaderMap, &Parts) + Send + Sync + 'static,
    {
        self.headers = Some(HeadersHook::new(hook));
        self
    }

    /// Node: the `connection_error` event. Called for every request the
    /// engine refuses before it reaches a session, with Node's code (0–5),
    /// message and the request head (see [`ConnectionError`]). Runs
    /// synchronously on the request: hand slow work to a task. Default:
    /// none (refusals are logged at debug level).
    pub fn on_connection_error<F>(mut self, hook: F) -> Self
    where
        F: Fn(&ConnectionError<'_>) + Send + Sync + 'static,
    {
        self.connection_error = Some(ErrorHook::new(hook));
        self
    }

    /// Node: `httpCompression.threshold`. Polling responses of at least this
    /// many bytes are compressed (gzip or deflate, per `Accept-Encoding`);
    /// `None` turns compression off. Default `Some(1024)`.
    pub fn compression_threshold(mut self, bytes: Option<usize>) -> Self {
        self.compression_threshold = bytes;
        self
    }

    /// Node: `perMessageDeflate`. WebSocket per-message compression
    /// (RFC 7692), offered by browsers and Node's `ws`: `None` (the
    /// default, as in Node) leaves it off; `Some` accepts the client's
    /// offer with these settings. Messages of at least the threshold are
    /// compressed unless sent with `compress(false)`; a broadcast is
    /// compressed once for all of its recipients.
    ///
    /// ```
    /// use sio::{EngineConfig, PerMessageDeflate};
    /// let config = EngineConfig::default().per_message_deflate(Some(PerMessageDeflate::default()));
    /// assert!(config.deflate_threshold().is_some());
    /// ```
    pub fn per_message_deflate(mut self, deflate: Option<PerMessageDeflate>) -> Self {
        self.deflate = deflate.map(Deflate::new);
        self
    }

    /// The threshold of per-message deflate, when it is on.
    pub fn deflate_threshold(&self) -> Option<usize> {
        self.deflate.as_ref().map(|d| d.config().threshold_bytes())
    }

    /// Most packets one polling POST body may hold; more closes the session
    /// with a parse error. Bounds per-request work independently of
    /// [`Self::max_payload`] (about 100 bytes of bookkeeping per packet).
    /// Default 10,000: real clients put every queued packet into one POST
    /// (engine.io-client only splits by `maxPayload` bytes), so a burst of a
    /// few hundred small messages is normal and must not close the session.
    pub fn max_packets_per_payload(mut self, n: usize) -> Self {
        self.session.max_packets_per_payload = n;
        self
    }

    /// Most outgoing packets a session buffers while its transport cannot
    /// take them (no pending poll, or mid-upgrade); past it sends fail with
    /// [`SendError::Full`](crate::SendError::Full). Default 1024.
    pub fn max_buffered_packets(mut self, n: usize) -> Self {
        self.session.max_buffered_packets = n;
        self
    }

    /// Capacity of the channel from an [`EngineSocket`](crate::EngineSocket)
    /// to its connection task; [`EngineSocket::send`](crate::EngineSocket::send)
    /// fails with `Full` when it is full. Default 128.
    pub fn socket_buffer(mut self, n: usize) -> Self {
        self.socket_buffer = n.max(1);
        self
    }

    /// Most bytes of outgoing messages one session buffers, wherever they
    /// wait: in the queue from its [`EngineSocket`](crate::EngineSocket)s,
    /// in the session (no pending poll, mid-upgrade), set out for the next
    /// poll, or in the WebSocket's write buffer. A send that would go past
    /// it fails with `Full`, as when [`Self::socket_buffer`] is full. A
    /// message larger than the bound is still taken when nothing else is
    /// buffered. Bounds what a client that stops reading (or a polling
    /// client that never GETs) costs the server. Default 4 MiB.
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.max_buffered_bytes = bytes;
        self
    }

    /// Most sessions open at once on this endpoint; past it handshakes get
    /// 503 (existing sessions are untouched). Bounds what clients that
    /// handshake and go silent can hold until their ping timeout. Default
    /// 100,000 (an idle session costs a few kilobytes).
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.max_sessions = n;
        self
    }

    /// Per-address limits on sessions and handshakes (see
    /// [`ConnectionLimit`]); `None` (the default, as Node) turns them off.
    /// A handshake over a limit gets HTTP 429. Endpoints built from clones
    /// of this config share the counts.
    pub fn connection_limit(mut self, limit: Option<ConnectionLimit>) -> Self {
        self.connection_limit = limit.map(ConnectionLimit::build);
        self
    }
}
