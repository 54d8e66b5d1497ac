//! A PostgreSQL adapter for sio (LISTEN/NOTIFY), wire-compatible with
//! Node's `@socket.io/postgres-adapter` 0.5.0 and `@socket.io/postgres-emitter`.

#![forbid(unsafe_code)]
// The transport is wired to the cluster adapter in the next commit.
#![allow(dead_code)]

mod bus;
mod config;
mod listener;
mod notification;
mod publisher;
mod sql;

pub use config::PostgresAdapterConfig;
#[cfg(test)]
mod tests;
