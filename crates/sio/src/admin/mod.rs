//! The Socket.IO Admin UI (`@socket.io/admin-ui` 0.5.1, Node's
//! `instrument(io, opts)`): an admin namespace that the UI connects to,
//! with basic auth, per-server stats every 2 s, per-socket events in
//! development mode, and the UI's commands (emit, join, leave, disconnect).
//!
//! ```
//! use sio::SocketIo;
//! use sio::admin::{AdminUi, Mode};
//!
//! // A bcrypt hash of the password (e.g. `htpasswd -bnBC 10 "" secret`, or
//! // the `bcrypt` crate): the password itself is never in the config.
//! let hash = "$2a$10$GvIvhoSVVcjwaJjc2rrotOaBT8/2Ci.k6hoqaUz1ITw1XXDbE6wga";
//! let io = SocketIo::builder()
//!     .instrument(AdminUi::basic_auth("admin", hash)?.server_id("eu-1").mode(Mode::Production))
//!     .build();
//! # let _ = io;
//! # Ok::<_, sio::admin::AdminUiError>(())
//! ```
//!
//! What is sent, and when, is the protocol of the Node package (see
//! `docs/guide.md`, "The Admin UI"). Differences a user can see:
//! - `socket.data` has no proxy in Rust: each [`Socket::set_data`](crate::Socket::set_data)
//!   (the one way to change it) reports `socket_updated` with the new data.
//!   Data changed inside a value behind a lock is not seen: set it again.
//! - In development mode the per-socket events cost something only while
//!   an admin socket is connected somewhere in the cluster: each server
//!   looks (its own admin sockets at once, the cluster's at each 2 s stats
//!   tick), and with nobody watching every hook is one atomic load.
//! - The `session` event follows the CONNECT packet instead of preceding
//!   it (the UI sees the same thing).

mod files;
pub(crate) mod hooks;
mod ns;
mod serialize;
mod store;
mod task;

use std::fmt;
use std::sync::Arc;

pub use files::ui_files;
pub(crate) use hooks::Hooks;
pub(crate) use ns::namespace as admin_namespace;
pub use store::{MemorySessionStore, SessionStore};
pub(crate) use task::start;

/// Whether per-socket events are reported (Node's `mode` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Mode {
    /// Every socket connection, disconnection, room change, `socket.data`
    /// change and event is reported, while an admin UI is connected
    /// (Node's default unless `NODE_ENV` says otherwise).
    #[default]
    Development,
    /// Only the server stats (every 2 s, with the aggregated counts of
    /// connections, packets and bytes) and the commands.
    Production,
}

/// Why the admin UI's settings were refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminUiError {
    /// The password of basic auth is not a bcrypt hash (`$2a$`, `$2b$`,
    /// `$2x$` or `$2y$`): hash it first, never give the password itself.
    #[error("the password must be a valid bcrypt hash")]
    InvalidHash,
}

/// Basic auth: a username and the bcrypt hash of the password.
#[derive(Clone)]
pub(crate) struct BasicAuth {
    pub(crate) username: String,
    pub(crate) hash: String,
}

/// The settings of [`SocketIoBuilder::instrument`](crate::SocketIoBuilder::instrument)
/// (Node's `instrument(io, opts)` options). Start with [`AdminUi::basic_auth`]
/// or, stated explicitly, [`AdminUi::no_auth`].
///
/// | setting | default |
/// |---|---|
/// | [`namespace`](Self::namespace) | `/admin` |
/// | [`readonly`](Self::readonly) | false |
/// | [`server_id`](Self::server_id) | the host name |
/// | [`mode`](Self::mode) | [`Mode::Development`] |
/// | [`session_store`](Self::session_store) | [`MemorySessionStore`] |
/// | [`max_logins`](Self::max_logins) | 4 password checks at once |
#[derive(Clone)]
pub struct AdminUi {
    pub(crate) namespace: String,
    pub(crate) auth: Option<BasicAuth>,
    pub(crate) readonly: bool,
    pub(crate) server_id: Option<String>,
    pub(crate) mode: Mode,
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) max_logins: usize,
}

impl fmt::Debug for AdminUi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminUi")
            .field("namespace", &self.namespace)
            .field("auth", &self.auth.as_ref().map(|a| &a.username))
            .field("readonly", &self.readonly)
            .field("server_id", &self.server_id)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl AdminUi {
    fn new(auth: Option<BasicAuth>) -> Self {
        Self {
            namespace: "/admin".to_owned(),
            auth,
            readonly: false,
            server_id: None,
            mode: Mode::Development,
            store: Arc::new(MemorySessionStore::default()),
            max_logins: 4,
        }
    }

    /// Basic auth: the UI logs in with `username` and a password whose
    /// bcrypt hash is `bcrypt_hash` (`$2a$`, `$2b$` and `$2y$` hashes are
    /// accepted, as by Node's `bcryptjs`). A login gets a session id, kept
    /// by the [`session_store`](Self::session_store), that the UI sends
    /// instead of the password when it reconnects.
    ///
    /// # Errors
    /// [`AdminUiError::InvalidHash`] when `bcrypt_hash` does not parse.
    pub fn basic_auth(
        username: impl Into<String>,
        bcrypt_hash: impl Into<String>,
    ) -> Result<Self, AdminUiError> {
        let hash = bcrypt_hash.into();
        if hash.parse::<bcrypt::HashParts>().is_err() {
            return Err(AdminUiError::InvalidHash);
        }
        Ok(Self::new(Some(BasicAuth {
            username: username.into(),
            hash,
        })))
    }

    /// No authentication: anyone who reaches the server may watch it and,
    /// unless [`readonly`](Self::readonly), disconnect its clients. Node
    /// insists on `auth: false` being written out; so does this name.
    pub fn no_auth() -> Self {
        tracing::warn!("admin UI: authentication is disabled");
        Self::new(None)
    }

    /// The admin namespace (default `/admin`; the UI's "advanced options"
    /// let the user type another).
    pub fn namespace(mut self, name: impl Into<String>) -> Self {
        self.namespace = name.into();
        self
    }

    /// Read-only: the UI's commands are ignored and not advertised.
    /// Default false.
    pub fn readonly(mut self, readonly: bool) -> Self {
        self.readonly = readonly;
        self
    }

    /// The id the UI tells servers apart by (default: the host name; two
    /// servers with one id show as one row).
    pub fn server_id(mut self, id: impl Into<String>) -> Self {
        self.server_id = Some(id.into());
        self
    }

    /// Development (default) or production mode, see [`Mode`].
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Where login session ids are kept (default: in memory, never
    /// expiring; share one store between servers so that a login on one
    /// is valid on all).
    pub fn session_store(mut self, store: impl SessionStore) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// Most bcrypt checks running at once (each takes tens of ms of CPU
    /// on a blocking thread); further logins wait. Default 4.
    pub fn max_logins(mut self, n: usize) -> Self {
        self.max_logins = n.max(1);
        self
    }

    /// The features the UI is told about (Node's `supportedFeatures`).
    pub(crate) fn features(&self) -> Vec<&'static str> {
        let mut features = Vec::new();
        if !self.readonly {
            features.extend([
                "EMIT",
                "JOIN",
                "LEAVE",
                "DISCONNECT",
                "MJOIN",
                "MLEAVE",
                "MDISCONNECT",
            ]);
        }
        features.push("AGGREGATED_EVENTS");
        if self.mode == Mode::Development {
            features.push("ALL_EVENTS");
        }
        features
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_password_that_is_not_a_hash() {
        assert!(matches!(
            AdminUi::basic_auth("admin", "secret"),
            Err(AdminUiError::InvalidHash)
        ));
        for prefix in ["2a", "2b", "2y"] {
            let hash =
                format!("${prefix}$10$GvIvhoSVVcjwaJjc2rrotOaBT8/2Ci.k6hoqaUz1ITw1XXDbE6wga");
            assert!(AdminUi::basic_auth("admin", hash).is_ok(), "{prefix}");
        }
    }

    #[test]
    fn features_follow_node() {
        let ui = AdminUi::no_auth();
        assert_eq!(
            ui.features(),
            [
                "EMIT",
                "JOIN",
                "LEAVE",
                "DISCONNECT",
                "MJOIN",
                "MLEAVE",
                "MDISCONNECT",
                "AGGREGATED_EVENTS",
                "ALL_EVENTS"
            ]
        );
        let ui = AdminUi::no_auth().readonly(true).mode(Mode::Production);
        assert_eq!(ui.features(), ["AGGREGATED_EVENTS"]);
    }
}
