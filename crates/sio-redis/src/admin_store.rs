//! [`RedisAdminSessionStore`]: the Socket.IO Admin UI's login sessions in
//! Redis, under the keys of Node's `RedisStore` (`socket.io-admin#<id>`,
//! value `true`, expiring after a day), so that Rust and Node servers of
//! one cluster accept each other's logins.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sio_adapter::{AdapterError, AdminSessionStore, BoxFuture};

use crate::driver::transport;

/// Admin UI sessions in Redis (Node's `RedisStore` of
/// `@socket.io/admin-ui`): give it to `sio::admin::AdminUi::session_store`.
///
/// | setting | default |
/// |---|---|
/// | [`prefix`](Self::prefix) | `socket.io-admin` (keys `socket.io-admin#<id>`) |
/// | [`session_duration`](Self::session_duration) | 86 400 s |
///
/// A Redis that does not answer (within 2 s) counts as "no such session":
/// the UI asks for the password again; a save that fails is logged.
#[derive(Clone)]
pub struct RedisAdminSessionStore {
    conn: ConnectionManager,
    prefix: String,
    duration: Duration,
}

impl std::fmt::Debug for RedisAdminSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisAdminSessionStore")
            .field("prefix", &self.prefix)
            .field("duration", &self.duration)
            .finish_non_exhaustive()
    }
}

impl RedisAdminSessionStore {
    /// Connects to the Redis at `url` (`redis://host:port/`).
    ///
    /// # Errors
    /// [`AdapterError::Transport`] when the first connection fails.
    pub async fn connect(url: &str) -> Result<Self, AdapterError> {
        let client = redis::Client::open(url).map_err(transport)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2);
        let conn = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(transport)?;
        Ok(Self {
            conn,
            prefix: "socket.io-admin".to_owned(),
            duration: Duration::from_secs(86_400),
        })
    }

    /// The key prefix (Node's `prefix` option): keys are `<prefix>#<id>`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a session lasts (Node's `sessionDuration`); at least 1 s.
    pub fn session_duration(mut self, duration: Duration) -> Self {
        self.duration = duration.max(Duration::from_secs(1));
        self
    }

    fn key(&self, id: &str) -> String {
        format!("{}#{id}", self.prefix)
    }
}

impl AdminSessionStore for RedisAdminSessionStore {
    fn exists(&self, id: &str) -> BoxFuture<'_, bool> {
        let key = self.key(id);
        let mut conn = self.conn.clone();
        Box::pin(async move {
            let found: Result<i64, _> = redis::cmd("EXISTS").arg(&key).query_async(&mut conn).await;
            match found {
                Ok(n) => n == 1,
                Err(e) => {
                    tracing::warn!("admin UI: session lookup failed: {e}");
                    false
                }
            }
        })
    }

    fn save(&self, id: String) -> BoxFuture<'_, ()> {
        let key = self.key(&id);
        let mut conn = self.conn.clone();
        let secs = self.duration.as_secs();
        Box::pin(async move {
            let saved: Result<(), _> = redis::cmd("SET")
                .arg(&key)
                .arg("true")
                .arg("EX")
                .arg(secs)
                .query_async(&mut conn)
                .await;
            if let Err(e) = saved {
                tracing::warn!("admin UI: session not saved: {e}");
            }
        })
    }
}
