//! [`PostgresAdapterConfig`]: the options of Node's adapter, with its
//! defaults, and the limits put on what arrives through PostgreSQL.

use std::time::Duration;

/// Options of the Postgres adapter. The first six are Node's
/// (`@socket.io/postgres-adapter` 0.5.0), with Node's defaults; every server
/// of a cluster must agree on `channel_prefix` and `table_name`. The others
/// bound what arrives from PostgreSQL, which is untrusted input: any client
/// of the database may `NOTIFY` on the adapter's channels or write rows in
/// its table.
///
/// | option | default | meaning |
/// |---|---|---|
/// | [`channel_prefix`](Self::channel_prefix) | `socket.io` | channel of namespace `nsp` is `{prefix}#{nsp}` (Node's `channelPrefix`) |
/// | [`table_name`](Self::table_name) | `socket_io_attachments` | table of the payloads too large for a notification or holding binary (Node's `tableName`); created if missing |
/// | [`payload_threshold`](Self::payload_threshold) | 8000 bytes | a message whose JSON is at least this long goes through the table (Node's `payloadThreshold`; PostgreSQL refuses notifications of 8000 bytes or more) |
/// | [`cleanup_interval`](Self::cleanup_interval) | 30 s | every interval, rows older than it are deleted (Node's `cleanupInterval`) |
/// | [`heartbeat_interval`](Self::heartbeat_interval) | 5 s | a server that published nothing for this long sends a heartbeat (Node's `heartbeatInterval`) |
/// | [`heartbeat_timeout`](Self::heartbeat_timeout) | 10 s | a server not heard from for this long is dropped from the cluster (Node's `heartbeatTimeout`) |
/// | [`requests_timeout`](Self::requests_timeout) | 5 s | how long `fetch_sockets` and `server_side_emit_with_ack` wait for the other servers (Node's fixed 5000 ms); also the deadline of each connection attempt and query |
/// | [`max_attachment_size`](Self::max_attachment_size) | 8 MiB | a row of the table larger than this is not read |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresAdapterConfig {
    pub(crate) channel_prefix: String,
    pub(crate) table_name: String,
    pub(crate) payload_threshold: usize,
    pub(crate) cleanup_interval: Duration,
    pub(crate) heartbeat_interval: Duration,
    pub(crate) heartbeat_timeout: Duration,
    pub(crate) requests_timeout: Duration,
    pub(crate) max_attachment_size: usize,
}

impl Default for PostgresAdapterConfig {
    fn default() -> Self {
        Self {
            channel_prefix: "socket.io".to_owned(),
            table_name: "socket_io_attachments".to_owned(),
            payload_threshold: 8000,
            cleanup_interval: Duration::from_millis(30_000),
            heartbeat_interval: Duration::from_millis(5000),
            heartbeat_timeout: Duration::from_millis(10_000),
            requests_timeout: Duration::from_millis(5000),
            max_attachment_size: 8 << 20,
        }
    }
}

impl PostgresAdapterConfig {
    /// The defaults (see the table above).
    pub fn new() -> Self {
        Self::default()
    }

    /// The prefix of every channel name.
    pub fn channel_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.channel_prefix = prefix.into();
        self
    }

    /// The attachments table: a plain or schema-qualified SQL identifier
    /// (`[A-Za-z_][A-Za-z0-9_]*`, at most 63 bytes per part), since it is
    /// put in SQL text as Node does; any other name is refused when the
    /// factory is made.
    pub fn table_name(mut self, name: impl Into<String>) -> Self {
        self.table_name = name.into();
        self
    }

    /// The JSON size, in bytes, from which a message goes through the
    /// attachments table. Capped at 8000 (PostgreSQL's own limit).
    pub fn payload_threshold(mut self, bytes: usize) -> Self {
        self.payload_threshold = bytes.min(8000);
        self
    }

    /// How often old attachment rows are deleted, and how old they must be.
    pub fn cleanup_interval(mut self, interval: Duration) -> Self {
        self.cleanup_interval = interval;
        self
    }

    /// How long a server stays silent before sending a heartbeat.
    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.heartbeat_interval = interval;
        self
    }

    /// How long a silent server is still counted in the cluster.
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.heartbeat_timeout = timeout;
        self
    }

    /// How long cluster requests wait for answers; also the deadline of
    /// each connection attempt and query.
    pub fn requests_timeout(mut self, timeout: Duration) -> Self {
        self.requests_timeout = timeout;
        self
    }

    /// The largest attachment row read, in bytes.
    pub fn max_attachment_size(mut self, bytes: usize) -> Self {
        self.max_attachment_size = bytes;
        self
    }

    /// The channel of namespace `nsp`.
    pub(crate) fn channel(&self, nsp: &str) -> String {
        format!("{}#{nsp}", self.channel_prefix)
    }
}
