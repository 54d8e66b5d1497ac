//! Broadcast options and flags: which sockets an operation targets.

use std::time::Duration;

use crate::{Room, SocketId};

/// Flags of a broadcast (Node's `BroadcastFlags`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcastFlags {
    /// Only this server's sockets, even with a cluster adapter.
    pub local: bool,
    /// May be dropped for a socket that cannot take it now.
    pub volatile: bool,
    /// Compress if the transport can (per-message deflate). Default true,
    /// as in Node; `compress(false)` clears it.
    pub compress: bool,
    /// For a broadcast with acks: how long to wait for them.
    pub timeout: Option<Duration>,
}

impl Default for BroadcastFlags {
    fn default() -> Self {
        Self {
            local: false,
            volatile: false,
            compress: true,
            timeout: None,
        }
    }
}

/// The target of a broadcast or an operation: every socket of the
/// namespace that is in one of `rooms` (all sockets when `rooms` is empty),
/// and in none of `except`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOptions {
    /// Rooms to reach; empty means every socket of the namespace.
    pub rooms: Vec<Room>,
    /// Rooms whose sockets are left out (`except`, and the sender's own
    /// room for `socket.broadcast`).
    pub except: Vec<Room>,
    /// Flags.
    pub flags: BroadcastFlags,
}

impl BroadcastOptions {
    /// Targets every socket of the namespace.
    pub fn all() -> Self {
        Self::default()
    }

    /// Targets the sockets of `rooms`.
    pub fn rooms(rooms: impl IntoIterator<Item = impl Into<Room>>) -> Self {
        Self {
            rooms: rooms.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Targets one socket (its own room).
    pub fn socket(id: &SocketId) -> Self {
        Self {
            rooms: vec![Room::from(id)],
            ..Self::default()
        }
    }
}
