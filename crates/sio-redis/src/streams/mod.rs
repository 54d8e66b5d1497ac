//! The Redis Streams adapter, wire-compatible with Node's
//! `@socket.io/redis-streams-adapter` 0.3.1: durable messages (broadcasts,
//! joins, leaves, disconnects) in a Redis stream, requests and answers over
//! pub/sub, and the sessions of connection-state recovery in Redis, so that
//! a client recovers its session on **any** server of the cluster, Rust or
//! Node. It runs on sio-cluster's `ClusterAdapter`.
//!
//! ```no_run
//! use sio::{ConnectionStateRecovery, SocketIo};
//! use sio_redis::streams::{RedisStreamsAdapterFactory, RedisStreamsConfig};
//!
//! # async fn run() -> Result<(), sio_adapter::AdapterError> {
//! let adapter = RedisStreamsAdapterFactory::connect_with(
//!     "redis://127.0.0.1:6379/",
//!     RedisStreamsConfig::default().max_len(50_000),
//! )
//! .await?;
//! // Build inside the tokio runtime: each namespace subscribes at once.
//! let io = SocketIo::builder()
//!     .adapter(adapter)
//!     .connection_state_recovery(ConnectionStateRecovery::default())
//!     .build();
//! # let _ = io;
//! # Ok(())
//! # }
//! ```
//!
//! # Recovery offsets
//!
//! With recovery on, the offset of an event is the id `XADD` gave its
//! stream entry, appended as its last argument on the sending server and on
//! every server that reads it (the adapter
//! [assigns offsets](sio_adapter::Adapter::assigns_offsets)); emits to one
//! socket go through the stream too, as in Node. Broadcasts are written in
//! the order they are made (one queue of at most 65 536 per namespace,
//! `XADD`s pipelined by 128) and delivered here once Redis gave their id.
//! A client back within the window, on any server, gets its id, rooms, data
//! and every broadcast it missed; see [`RedisStreamsConfig`] for when it
//! gets a fresh session instead.
//!
//! # Sharded pub/sub
//!
//! With [`use_sharded_pubsub`](RedisStreamsConfig::use_sharded_pubsub)
//! (Node's `useShardedPubSub`), requests and answers go over `SPUBLISH` /
//! `SSUBSCRIBE` on the same channels, and servers are counted with
//! `PUBSUB SHARDNUMSUB`; the stream is unchanged.
//!
//! # Redis outages
//!
//! One reader per stream reads from the last entry id it saw: after a lost
//! connection or a Redis restart it reconnects (100 ms, doubling to 5 s)
//! and resumes there. Requests over pub/sub may be lost meanwhile, as in
//! Node; they end at their timeout with the answers that came.
//!
//! # Untrusted input
//!
//! Any Redis client may write to the stream and the channels: entries and
//! messages over [`max_message_size`](RedisStreamsConfig::max_message_size)
//! are skipped unread, entries of the wrong shape are skipped (logged at
//! debug level), never a panic; a restore reads at most
//! [`max_restore_reads`](RedisStreamsConfig::max_restore_reads) pages and
//! returns at most
//! [`max_restore_packets`](RedisStreamsConfig::max_restore_packets) packets.
//!
//! `docs/cluster.md` in the repository is the longer guide, with Node's
//! `streamCount` hashing quirk.

mod adapter;
mod config;
mod driver;
mod entry;
mod factory;
#[cfg(test)]
mod golden;
mod pubsub;
mod reader;
mod session;
mod transport;

pub use adapter::RedisStreamsAdapter;
pub use config::{RedisStreamsConfig, ns_hash};
pub use factory::RedisStreamsAdapterFactory;
