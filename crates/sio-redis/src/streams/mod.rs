//! The Redis Streams adapter, wire-compatible with Node's
//! `@socket.io/redis-streams-adapter` 0.3.1: durable messages in a Redis
//! stream, requests and answers over pub/sub, and sessions in Redis so
//! that connection-state recovery works on any server.

mod adapter;
mod config;
mod driver;
mod entry;
mod factory;
#[cfg(test)]
mod golden;
mod session;
mod transport;

pub use adapter::RedisStreamsAdapter;
pub use config::{RedisStreamsConfig, ns_hash};
pub use factory::RedisStreamsAdapterFactory;
