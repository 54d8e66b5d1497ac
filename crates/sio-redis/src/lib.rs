//! Redis adapters for sio that speak the protocols of Node's
//! `@socket.io/redis-adapter` 8, so that sio servers, Node servers and
//! `@socket.io/redis-emitter` share one cluster: the classic `createAdapter`
//! ([`RedisAdapterFactory`], below) and the sharded `createShardedAdapter`
//! ([`ShardedAdapterFactory`], Redis 7 sharded pub/sub, on a single Redis or
//! a Redis Cluster; see [its section](#the-sharded-adapter)); and Node's
//! `@socket.io/redis-streams-adapter` 0.3 ([`streams`]: a Redis stream, and
//! connection-state recovery on any server).
//!
//! ```no_run
//! use sio::SocketIo;
//! use sio_redis::{RedisAdapterConfig, RedisAdapterFactory};
//!
//! # async fn run() -> Result<(), sio_adapter::AdapterError> {
//! let adapter = RedisAdapterFactory::connect_with(
//!     "redis://127.0.0.1:6379/",
//!     RedisAdapterConfig::default().key("myapp"),
//! )
//! .await?;
//! // Build inside the tokio runtime: each namespace subscribes at once.
//! let io = SocketIo::builder().adapter(adapter).build();
//! // `io.emit(..)` now reaches the clients of every server of the cluster.
//! # let _ = io;
//! # Ok(())
//! # }
//! ```
//!
//! # What crosses servers
//!
//! | operation | on the wire (Node's names) |
//! |---|---|
//! | broadcast (`emit`, `to`, `except`, `volatile`) | msgpack `[uid, packet, opts]` on `{key}#{nsp}#`, or `{key}#{nsp}#{room}#` for exactly one room |
//! | broadcast with acks | request 7 (msgpack); each server answers its client count (8, JSON, even 0) and its clients' acks (9, msgpack) |
//! | `fetch_sockets`, `sockets` | request 5 (JSON); every server answers with `{id, handshake, rooms, data}` |
//! | `rooms` | request 1 (allRooms) |
//! | `join`, `leave`, `disconnect` of targeted sockets | requests 2, 3, 4 (no answer) |
//! | `server_side_emit` (with or without acks) | request 6; answers on the shared response channel |
//! | `server_count` | `PUBSUB NUMSUB {key}-request#{nsp}#` |
//!
//! Requests that wait for answers (fetch, rooms) wait for `server_count`
//! answers at most [`requests_timeout`](RedisAdapterConfig::requests_timeout)
//! (default 5 s, then [`AdapterError::Timeout`](sio_adapter::AdapterError)).
//! A join, leave or disconnect is published and, as in Node, every server
//! (this one included) does it when the request comes out of Redis, so all
//! apply such requests in the same order; the call resolves once it is done
//! here (done here anyway if the echo does not come within the requests
//! timeout, or if publishing fails). Requests from the emitter (no uid) are
//! applied too.
//!
//! # Not crossing servers
//!
//! - **Connection-state recovery stays local** (the [`streams`] adapter
//!   recovers on any server): as with Node's classic
//!   adapter there is no session store in Redis; a client recovers its
//!   session only on the server it was connected to (sessions and missed
//!   packets are kept by that server's in-memory store). With recovery on,
//!   broadcasts reach the other servers with the offset as their last
//!   argument.
//! - The classic adapter speaks the classic protocol only; the sharded one
//!   is below, and the Redis Streams adapter (Node's
//!   `@socket.io/redis-streams-adapter`, with recovery across servers) is
//!   in [`streams`].
//! - A room name reaches other servers as text; Node's numeric rooms
//!   (`socket.join(42)`) arrive here as `"42"`, but a Node server does not
//!   match the text `"42"` against its numeric room 42.
//! - Redis pub/sub keeps nothing: what is published while a server's
//!   subscriber connection is down is lost for it (as in Node). The adapter
//!   reconnects (100 ms, doubling to 5 s) and subscribes again; operations
//!   fail with [`AdapterError::Transport`](sio_adapter::AdapterError) while
//!   Redis is unreachable, after the local part is done.
//! - The `compress` flag is not published (sio's default differs from
//!   Node's): receivers keep their own default.
//! - A namespace name is put in channel names verbatim, as in Node; in the
//!   pattern this server subscribes to, glob characters (`*`, `?`, `[`, `]`,
//!   `\`) are escaped, so a namespace named `/*` receives only its own
//!   broadcasts (a Node server subscribes to the raw name).
//!
//! # Subscriptions
//!
//! All namespaces of a server share one subscriber connection. A namespace
//! subscribes to four names when its adapter starts (a dynamic child: when
//! its first connection is accepted) and unsubscribes from them when it
//! closes; only those four are sent to Redis, while messages keep being
//! dispatched. Changes waiting to be sent are kept as a set of names (at most
//! one entry per channel). Each SUBSCRIBE or UNSUBSCRIBE must be answered
//! within [`requests_timeout`](RedisAdapterConfig::requests_timeout), else
//! the connection is renewed and everything routed is subscribed again.
//! [`RedisAdapterFactory::subscriptions`] counts what is routed.
//!
//! # Limits on what comes from Redis
//!
//! Every message is untrusted (any Redis client can publish): a message of
//! the wrong shape is dropped without disturbing delivery. The bounds are
//! in [`RedisAdapterConfig`]: message size (8 MiB), pending requests per
//! namespace (1024, which also caps the answers being relayed for other
//! servers), answers taken per request (256), the ack timeout another server
//! may ask for (60 s); msgpack nesting is capped at 64 levels.
//!
//! # The sharded adapter
//!
//! ```no_run
//! use sio::SocketIo;
//! use sio_redis::{ShardedAdapterFactory, ShardedConfig, SubscriptionMode};
//!
//! # async fn run() -> Result<(), sio_adapter::AdapterError> {
//! // One node of a Redis Cluster (the others are discovered), or a single Redis.
//! let adapter = ShardedAdapterFactory::connect(
//!     "redis://127.0.0.1:7000/",
//!     ShardedConfig::default().subscription_mode(SubscriptionMode::Dynamic),
//! )
//! .await?;
//! let io = SocketIo::builder().adapter(adapter).build();
//! # let _ = io;
//! # Ok(())
//! # }
//! ```
//!
//! It speaks Node's `ClusterAdapter` protocol (the `sio-cluster` crate)
//! over SPUBLISH/SSUBSCRIBE: `{p}#{nsp}#` for every server, `{p}#{nsp}#{uid}#`
//! for one server's answers, `{p}#{nsp}#{room}#` per room in the dynamic
//! modes; `server_count` is `PUBSUB SHARDNUMSUB` summed over the masters.
//! On a Redis Cluster the `redis` crate's cluster client follows MOVED/ASK
//! and restores the subscriptions after reconnects and slot moves; on a
//! single Redis a subscriber connection of its own reconnects with backoff
//! (100 ms doubling to 5 s) and subscribes again. Joins, leaves and
//! disconnects are done by the sender right after publishing (Node's
//! `ClusterAdapter`), `rooms()` is this server's rooms, and a
//! `fetch_sockets` that times out returns the answers that came. Garbage on
//! any channel is dropped; the limits are those of
//! [`ClusterConfig`](sio_cluster::ClusterConfig).
//!
//! # The Redis Streams adapter
//!
//! See [`streams`]: Node's `@socket.io/redis-streams-adapter` 0.3.1, with
//! sessions in Redis so that a client recovers its session on any server.
//! # Admin UI logins
//!
//! [`RedisAdminSessionStore`] keeps the Socket.IO Admin UI's login sessions
//! under Node's keys, so that every server of a cluster (Rust or Node)
//! accepts a login made on any of them.
//!
//! `docs/cluster.md` in the repository is the longer guide.

#![forbid(unsafe_code)]

mod adapter;
mod admin_store;
mod channels;
mod config;
mod driver;
mod factory;
use sio_cluster::msgpack;
mod pending;
mod remote;
mod sharded;
pub mod streams;
mod subscriber;
mod wire;

#[cfg(test)]
mod golden;

pub use adapter::RedisAdapter;
pub use admin_store::RedisAdminSessionStore;
pub use config::RedisAdapterConfig;
pub use factory::RedisAdapterFactory;
pub use sharded::{ShardedAdapterFactory, ShardedConfig, SubscriptionMode};
