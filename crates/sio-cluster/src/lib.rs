//! The shared core of sio's cluster adapters that speak the `ClusterAdapter`
//! protocol of Node's `socket.io-adapter` 2.5: the sharded Redis adapter
//! (`createShardedAdapter` of `@socket.io/redis-adapter` 8.3), the Redis
//! Streams adapter and the Postgres adapter. Each of those is a
//! [`Transport`]; this crate holds what they have in common.
//!
//! # Design
//!
//! - **Messages.** [`ClusterMessage`] is Node's envelope
//!   `{type, data, uid, nsp}` with `data` kept as a [`sio_parser::Value`]
//!   (JSON plus binary, keys in order), so that what a transport publishes
//!   is byte-for-byte what Node publishes. [`message::data`] builds each
//!   type's `data` with Node's key order; [`message::decode_options`] and
//!   friends read them leniently (by key, unknown keys ignored).
//! - **Codec.** [`Codec`] writes JSON of the whole envelope, or msgpack of
//!   the whole envelope when the data holds binary ([`Format`]); reads by
//!   the first byte (`{` is JSON); refuses messages over a size limit and
//!   never panics on garbage. The msgpack writer matches notepack.io byte
//!   for byte ([`msgpack`]); [`Flavor`] says whether an `undefined` field
//!   is left out (notepack) or written as nil (`@msgpack/msgpack`).
//! - **Bookkeeping.** [`pending::Requests`] keeps the requests that wait
//!   for answers: fetchSockets (complete after `serverCount - 1` answers,
//!   or once every expected uid answered, for the heartbeat variant),
//!   serverSideEmit with acks and broadcasts with acks (counts and acks
//!   forwarded to the caller's [`AckSink`](sio_adapter::AckSink), never
//!   more acks than announced). A request that times out ends with the
//!   answers that came (a frozen server never makes a call hang).
//! - **Adapter.** [`ClusterAdapter`] implements
//!   [`sio_adapter::Adapter`] over an `Arc<dyn Transport>`: local work by
//!   a [`MemoryAdapter`](sio_adapter::MemoryAdapter), the cluster part as
//!   Node's `ClusterAdapter` does it (publish, then act locally; joins,
//!   leaves and disconnects are done by the sender itself and the echo is
//!   ignored; answers go to the requester through
//!   [`Transport::publish_response`]). It always answers what a Node
//!   requester waits for: fetchSockets, serverSideEmit with ack, and the
//!   client count of a broadcast with acks even when it is 0.
//! - **Transport.** [`Transport`] is Node's `doPublish` (returning the
//!   store's offset, if any), `doPublishResponse` and `serverCount`, plus:
//!   a subscription per namespace (the transport hands what arrives to
//!   [`ClusterAdapter::on_message`], [`ClusterAdapter::on_response`] or
//!   [`ClusterAdapter::on_bytes`]); hooks when a room is created or deleted
//!   on this server (the sharded transport subscribes per room there); and
//!   optional session persist/restore hooks so that a store with history
//!   (Redis Streams) can recover sessions across servers.
//! - **Heartbeats.** [`Heartbeat`] is Node's `ClusterAdapterWithHeartbeat`
//!   (used by the Postgres adapter) as a layer that a transport drives: it
//!   publishes INITIAL_HEARTBEAT when a namespace starts and answers
//!   others' with a HEARTBEAT, sends a HEARTBEAT after an idle interval,
//!   publishes ADAPTER_CLOSE when it stops, and counts the uids heard from
//!   within a timeout ([`NodeTable`]) for `server_count`. A transport that
//!   knows those uids returns them from [`Transport::nodes`]: fetchSockets
//!   then waits for an answer from each ([`pending::Gather::with_missing`])
//!   and stops waiting for one that is forgotten
//!   ([`ClusterAdapter::server_gone`]). The core itself ignores types 1, 2
//!   and 13.
//!
//! # What differs from Node
//!
//! - `rooms()` (Node's `allRooms`) is this server's rooms: the protocol has
//!   no message for it, as in Node.
//! - fetchSockets ends at its timeout with the answers that came (Node
//!   rejects the call).
//! - The `compress` flag is published only when false, `local` never.
//!
//! # Limits on what comes from the store
//!
//! Every message is untrusted: [`ClusterConfig`] bounds pending requests
//! (1024 per namespace, also the answers being relayed at once), answers
//! per request (256), the ack timeout another server may ask for (60 s);
//! [`Codec::max_message_size`] (8 MiB) bounds a message and msgpack nesting
//! is capped at [`msgpack::MAX_DEPTH`] levels.
//!
//! # Example: two servers on an in-process bus
//!
//! The crate's tests hold a complete [`Transport`] that is a `Vec` of
//! adapters; a real one publishes to a store instead. Every transport is
//! used through [`ClusterAdapterFactory`]:
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn run(transport: Arc<dyn sio_cluster::Transport>) {
//! use sio_cluster::{ClusterAdapterFactory, ClusterConfig};
//! let factory = ClusterAdapterFactory::new(transport, ClusterConfig::default());
//! // `SocketIo::builder().adapter(factory)`
//! # let _ = factory;
//! # }
//! ```

#![forbid(unsafe_code)]

mod adapter;
mod codec;
mod config;
mod date;
mod factory;
mod heartbeat;
pub mod message;
pub mod msgpack;
pub mod pending;
mod remote;
mod transport;

#[cfg(test)]
mod tests;

pub use adapter::{ClusterAdapter, event_data, random_id};
pub use codec::{Codec, CodecError, Flavor, Format, JsonValue, encode_json, encode_msgpack};
pub use config::ClusterConfig;
pub use factory::ClusterAdapterFactory;
pub use heartbeat::{Heartbeat, HeartbeatConfig, NodeTable};
pub use message::{ClusterMessage, EMITTER_UID, MessageType, Undefined};
pub use transport::Transport;
