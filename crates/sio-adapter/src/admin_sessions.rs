//! [`AdminSessionStore`]: where a server instrumented for the Socket.IO
//! Admin UI keeps the session ids it hands out at login. Here, next to the
//! adapters, so that a cluster crate (e.g. `sio-redis`) can share them
//! between servers.

use crate::BoxFuture;

/// Keeps the session ids handed to the admin UI at login (the `Store` of
/// Node's `@socket.io/admin-ui`). A store shared by several servers lets a
/// login on one be valid on all (`sio-redis` has one with Node's keys).
pub trait AdminSessionStore: Send + Sync + 'static {
    /// Whether `id` was saved (and has not expired). A store that cannot
    /// tell (its backend is down) answers false: the UI then asks for the
    /// password again.
    fn exists(&self, id: &str) -> BoxFuture<'_, bool>;
    /// Saves a new session id.
    fn save(&self, id: String) -> BoxFuture<'_, ()>;
}
