//! [`Transport`]: what a store (sharded Redis pub/sub, Redis Streams,
//! Postgres LISTEN/NOTIFY, an in-process bus) supplies to a
//! [`ClusterAdapter`]: Node's `doPublish` / `doPublishResponse` /
//! `serverCount`, the subscription of each namespace, and optional hooks.

use std::collections::HashSet;
use std::sync::Arc;

use sio_adapter::{AdapterError, BoxFuture, RestoredSession, Room, Session};

use crate::adapter::ClusterAdapter;
use crate::message::ClusterMessage;

/// The store side of a [`ClusterAdapter`]. One transport serves every
/// namespace of a server; each namespace's adapter registers itself with
/// [`Transport::subscribe`] and is handed what arrives with
/// [`ClusterAdapter::on_message`] / [`ClusterAdapter::on_response`] (or
/// [`ClusterAdapter::on_bytes`], which decodes with the adapter's codec).
///
/// A transport encodes what it publishes itself (with a
/// [`Codec`](crate::Codec), or its own format), so that each store keeps
/// Node's exact layout.
pub trait Transport: Send + Sync + 'static {
    /// Starts delivering the messages of `adapter`'s namespace (and its
    /// responses) to it. Hold it weakly.
    fn subscribe(&self, adapter: &Arc<ClusterAdapter>) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// Stops delivering to `adapter` (its namespace is closing).
    fn unsubscribe(&self, adapter: &ClusterAdapter) -> BoxFuture<'_, ()>;

    /// Publishes `message` to every server of its namespace (Node's
    /// `doPublish`). Resolves with the message's offset when the store has
    /// one (a stream entry id), for connection-state recovery. (The
    /// `ClusterAdapter` itself does not use it on the sender side: sio puts
    /// its own offset in the packet before broadcasting, unless the adapter
    /// [assigns offsets](sio_adapter::Adapter::assigns_offsets), as the
    /// Redis Streams adapter of sio-redis does around a `ClusterAdapter`.
    /// Receivers get a store's offset through [`ClusterAdapter::on_message`].)
    ///
    /// # Errors
    /// [`AdapterError::Transport`] when the store cannot be reached.
    fn publish(
        &self,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<Option<String>, AdapterError>>;

    /// Publishes answer `message` for the server whose uid is
    /// `requester_uid` (Node's `doPublishResponse`).
    ///
    /// # Errors
    /// As [`Transport::publish`].
    fn publish_response(
        &self,
        requester_uid: String,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// How many servers share namespace `nsp`, this one included.
    ///
    /// # Errors
    /// As [`Transport::publish`].
    fn server_count(&self, nsp: &str) -> BoxFuture<'_, Result<usize, AdapterError>>;

    /// The uids of the other servers of namespace `nsp`, when the
    /// transport knows them (the heartbeat variant, see
    /// [`Heartbeat`](crate::Heartbeat)): fetchSockets then waits for an
    /// answer from each of them rather than for `server_count - 1`
    /// answers, and stops waiting for one that is forgotten
    /// ([`ClusterAdapter::server_gone`]). Default: `None`.
    fn nodes(&self, nsp: &str) -> Option<HashSet<String>> {
        let _ = nsp;
        None
    }

    /// Room `room` was just created on this server (its first local socket
    /// joined); `private` when it is a socket's own room. Called
    /// synchronously from the room index: queue any work, never block.
    /// Default: nothing (the sharded transport subscribes to the room's
    /// channel here).
    fn room_created(&self, adapter: &ClusterAdapter, room: &Room, private: bool) {
        let _ = (adapter, room, private);
    }

    /// Room `room` was just deleted on this server (its last local socket
    /// left). As [`Transport::room_created`].
    fn room_deleted(&self, adapter: &ClusterAdapter, room: &Room, private: bool) {
        let _ = (adapter, room, private);
    }

    /// Keeps `session` in the store so that any server can restore it;
    /// `false` (the default) leaves it to this server's in-memory store.
    fn persist_session(&self, adapter: &ClusterAdapter, session: &Session) -> bool {
        let _ = (adapter, session);
        false
    }

    /// Restores session `pid` and what it missed after `offset` from the
    /// store; `None` (the default) asks this server's in-memory store.
    fn restore_session<'a>(
        &'a self,
        adapter: &'a ClusterAdapter,
        pid: String,
        offset: String,
    ) -> Option<BoxFuture<'a, Result<Option<RestoredSession>, AdapterError>>> {
        let _ = (adapter, pid, offset);
        None
    }
}
