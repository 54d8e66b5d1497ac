//! [`ClusterConfig`]: timeouts and the limits put on what other servers
//! send.

use std::time::Duration;

use crate::codec::Codec;

/// Options of a [`ClusterAdapter`](crate::ClusterAdapter), with Node's
/// defaults, and bounds on what arrives from the store (untrusted: any
/// client of the store can publish).
///
/// | option | default | meaning |
/// |---|---|---|
/// | `requests_timeout` | 5 s | how long `fetch_sockets` waits when the call sets no timeout (Node's `DEFAULT_TIMEOUT`); also how long this server waits for its handlers' answer to another server's server-side event |
/// | `max_pending_requests` | 1024 | requests of one namespace waiting at once (past it a request fails), and answers to other servers being relayed (past it a request is left unanswered) |
/// | `max_responses` | 256 | answers taken for one request (about one per server) |
/// | `max_remote_ack_timeout` | 60 s | cap on the ack timeout another server asks for in a broadcast with acks |
/// | `codec` | JSON unless binary, notepack, 8 MiB | how [`ClusterAdapter::on_bytes`](crate::ClusterAdapter::on_bytes) decodes, and how answers write `undefined` |
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClusterConfig {
    /// See the table.
    pub requests_timeout: Duration,
    /// See the table.
    pub max_pending_requests: usize,
    /// See the table.
    pub max_responses: usize,
    /// See the table.
    pub max_remote_ack_timeout: Duration,
    /// See the table.
    pub codec: Codec,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            requests_timeout: Duration::from_millis(5000),
            max_pending_requests: 1024,
            max_responses: 256,
            max_remote_ack_timeout: Duration::from_secs(60),
            codec: Codec::default(),
        }
    }
}

impl ClusterConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `requests_timeout`.
    pub fn requests_timeout(mut self, timeout: Duration) -> Self {
        self.requests_timeout = timeout;
        self
    }

    /// Sets `max_pending_requests`.
    pub fn max_pending_requests(mut self, n: usize) -> Self {
        self.max_pending_requests = n;
        self
    }

    /// Sets `max_responses`.
    pub fn max_responses(mut self, n: usize) -> Self {
        self.max_responses = n;
        self
    }

    /// Sets `max_remote_ack_timeout`.
    pub fn max_remote_ack_timeout(mut self, timeout: Duration) -> Self {
        self.max_remote_ack_timeout = timeout;
        self
    }

    /// Sets the codec.
    pub fn codec(mut self, codec: Codec) -> Self {
        self.codec = codec;
        self
    }
}
