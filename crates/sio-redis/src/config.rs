//! [`RedisAdapterConfig`]: the options of Node's adapter and the limits put
//! on what arrives from Redis.

use std::time::Duration;

/// Options of the Redis adapter, with Node's defaults, and the bounds on
/// everything that arrives from Redis (which is untrusted input: any client
/// of the Redis server can publish on the adapter's channels).
///
/// | option | default | meaning |
/// |---|---|---|
/// | [`key`](Self::key) | `socket.io` | prefix of every channel (Node's `key`) |
/// | [`requests_timeout`](Self::requests_timeout) | 5 s | how long a cluster request waits for the other servers (Node's `requestsTimeout`); also the deadline of each SUBSCRIBE and UNSUBSCRIBE reply |
/// | [`publish_on_specific_response_channel`](Self::publish_on_specific_response_channel) | `false` | answer on the requester's own response channel instead of the shared one (Node's option of that name) |
/// | [`max_message_size`](Self::max_message_size) | 8 MiB | a message from Redis larger than this is dropped unread |
/// | [`max_pending_requests`](Self::max_pending_requests) | 1024 | requests of one namespace waiting for answers at once (past it a new request fails), and answers to other servers' requests in flight (past it a request is left unanswered) |
/// | [`max_responses`](Self::max_responses) | 256 | answers taken for one request (about one per server); the rest are dropped |
/// | [`max_remote_ack_timeout`](Self::max_remote_ack_timeout) | 60 s | cap on the ack timeout another server asks for in a broadcast with acks |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisAdapterConfig {
    pub(crate) key: String,
    pub(crate) requests_timeout: Duration,
    pub(crate) specific_response_channel: bool,
    pub(crate) max_message_size: usize,
    pub(crate) max_pending_requests: usize,
    pub(crate) max_responses: usize,
    pub(crate) max_remote_ack_timeout: Duration,
}

impl Default for RedisAdapterConfig {
    fn default() -> Self {
        Self {
            key: "socket.io".to_owned(),
            requests_timeout: Duration::from_millis(5000),
            specific_response_channel: false,
            max_message_size: 8 << 20,
            max_pending_requests: 1024,
            max_responses: 256,
            max_remote_ack_timeout: Duration::from_secs(60),
        }
    }
}

impl RedisAdapterConfig {
    /// The defaults (see the table above).
    pub fn new() -> Self {
        Self::default()
    }

    /// The channel prefix; every server of a cluster must use the same.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }

    /// How long `fetch_sockets`, `rooms` and `server_side_emit_with_ack`
    /// requests wait for the other servers.
    pub fn requests_timeout(mut self, timeout: Duration) -> Self {
        self.requests_timeout = timeout;
        self
    }

    /// Whether answers go to the requesting server's own response channel
    /// (`{key}-response#{nsp}#{uid}#`) rather than the shared one. Answers to
    /// `server_side_emit_with_ack` always go to the shared one, as in Node.
    pub fn publish_on_specific_response_channel(mut self, on: bool) -> Self {
        self.specific_response_channel = on;
        self
    }

    /// The largest message read from Redis, in bytes.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// How many requests of one namespace may wait for answers at once.
    pub fn max_pending_requests(mut self, n: usize) -> Self {
        self.max_pending_requests = n;
        self
    }

    /// How many answers one request takes.
    pub fn max_responses(mut self, n: usize) -> Self {
        self.max_responses = n;
        self
    }

    /// The longest ack timeout honoured in a broadcast with acks from
    /// another server.
    pub fn max_remote_ack_timeout(mut self, timeout: Duration) -> Self {
        self.max_remote_ack_timeout = timeout;
        self
    }
}
