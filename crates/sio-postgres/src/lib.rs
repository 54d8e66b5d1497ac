//! A PostgreSQL adapter for sio that speaks the protocol of Node's
//! `@socket.io/postgres-adapter` 0.5.0 over LISTEN/NOTIFY, so that sio
//! servers, Node servers and `@socket.io/postgres-emitter` share one
//! cluster on one database.
//!
//! ```no_run
//! use sio::SocketIo;
//! use sio_postgres::{PostgresAdapterConfig, PostgresAdapterFactory};
//!
//! # async fn run() -> Result<(), sio_adapter::AdapterError> {
//! let adapter = PostgresAdapterFactory::connect_with(
//!     "postgres://postgres@127.0.0.1:5432/app",
//!     PostgresAdapterConfig::default().channel_prefix("myapp"),
//! )
//! .await?;
//! // Build inside the tokio runtime: each namespace LISTENs at once.
//! let io = SocketIo::builder().adapter(adapter).build();
//! // `io.emit(..)` now reaches the clients of every server of the cluster.
//! # let _ = io;
//! # Ok(())
//! # }
//! ```
//!
//! # What crosses servers
//!
//! The messages are those of sio-cluster's `ClusterAdapter` protocol
//! (broadcasts with and without acks, socketsJoin/Leave, disconnectSockets,
//! fetchSockets, server-side events with and without acks), in its
//! heartbeat variant ([`sio_cluster::Heartbeat`]): a server counts the
//! others it hears from, and forgets one silent for `heartbeat_timeout`.
//!
//! | what | on the wire (Node's layout) |
//! |---|---|
//! | a message of namespace `nsp` | `SELECT pg_notify('{prefix}#{nsp}', json)`, the JSON of the whole envelope `{type, data, uid, nsp}` |
//! | a broadcast, server-side event or their answers (3, 9, 10, 12) holding binary, or any JSON ≥ [`payload_threshold`](PostgresAdapterConfig::payload_threshold) (8000) | the envelope as msgpack in the attachments table; the notification is the header `{"uid","type","attachmentId"}` |
//! | `server_count` | 1 + the servers heard from within the heartbeat timeout |
//!
//! The attachments table is created if missing, and rows older than
//! [`cleanup_interval`](PostgresAdapterConfig::cleanup_interval) are deleted
//! every interval (by every server, as in Node).
//!
//! # Why tokio-postgres
//!
//! [`tokio-postgres`](https://docs.rs/tokio-postgres) 0.7 hands out a
//! connection's notifications through `Connection::poll_message`, which is
//! all LISTEN needs; it is the async core of the `postgres` crate family,
//! pulls in no TLS, macro or pool crates (the default features are off but
//! `runtime`), and builds in a few seconds. `sqlx` has a ready `PgListener`
//! with reconnection, but brings its query macros, pool and runtime layer,
//! several times the dependencies and compile time, for two prepared
//! statements. The reconnection logic here is short: a LISTEN task that
//! reconnects with backoff and LISTENs again, and a query connection opened
//! again on the next use after a failure.
//!
//! # When PostgreSQL is down
//!
//! [`PostgresAdapterFactory::connect_with`] fails with the reason when the
//! database does not answer; [`PostgresAdapterFactory::new`] does not wait:
//! the server works alone (local delivery is done, the cluster part reports
//! [`AdapterError::Transport`](sio_adapter::AdapterError)) and the adapter
//! keeps trying (100 ms, doubling up to 5 s, with jitter), logging why at
//! `warn`. What is notified while a server's LISTEN connection is down is
//! lost for it, as with Node.
//!
//! # Not crossing servers
//!
//! - Connection-state recovery stays local: Node's adapter publishes no
//!   offsets either.
//! - `@socket.io/postgres-emitter` 0.1.1 writes no `nsp` in its messages;
//!   Node's adapter 0.5.0 drops them for that reason. This adapter takes
//!   the namespace from the channel and delivers them.
//!
//! # Limits on what comes from PostgreSQL
//!
//! Any client of the database can NOTIFY on the adapter's channels or write
//! rows in its table: garbage is dropped (logged at debug level), never a
//! panic. A row larger than
//! [`max_attachment_size`](PostgresAdapterConfig::max_attachment_size)
//! (8 MiB) is not read; a notification is at most 8000 bytes (PostgreSQL's
//! limit); sio-cluster's limits apply to what is decoded (pending requests,
//! answers per request, msgpack depth), and at most 1024 other servers are
//! counted per namespace. The table name is checked to be a plain SQL
//! identifier, since it is put into SQL text as Node does.
//!
//! `docs/cluster.md` in the repository is the longer guide.

#![forbid(unsafe_code)]

mod bus;
mod config;
mod factory;
mod listener;
mod notification;
mod publisher;
mod sql;
mod transport;

#[cfg(test)]
mod golden;
#[cfg(test)]
mod tests;

pub use config::PostgresAdapterConfig;
pub use factory::PostgresAdapterFactory;
