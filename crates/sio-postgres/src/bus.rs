//! The bus: what one server's namespaces share to reach PostgreSQL. It
//! owns the query connection ([`Publisher`]), the routing table that the
//! LISTEN task (`listener.rs`) follows, and the periodic cleanup of the
//! attachments table.
//!
//! Namespaces never send LISTEN themselves: they change the routes and
//! wake the listener, which makes the connection's channels equal to the
//! routes (and LISTENs to all of them again after a reconnection).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use sio_adapter::AdapterError;
use tokio::sync::{Notify, watch};

use crate::PostgresAdapterConfig;
use crate::publisher::Publisher;

/// A message that arrived for a namespace, once its attachment (if any)
/// is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Incoming {
    /// The JSON text of a whole message (from a notification).
    Json(String),
    /// The msgpack bytes of a whole message (from the attachments table).
    Msgpack(Vec<u8>),
}

/// What receives the messages of one channel (a namespace's adapter).
pub(crate) trait Receiver: Send + Sync + 'static {
    /// Its uid: headers from it are not read back from the table.
    fn uid(&self) -> &str;
    /// Handles one message. Must not block.
    fn receive(&self, message: Incoming);
}

/// The state of the LISTEN connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Status {
    /// Whether it is up.
    pub(crate) connected: bool,
    /// The channels it LISTENs to.
    pub(crate) channels: Arc<HashSet<String>>,
    /// Why the last connection attempt failed, or the connection ended.
    pub(crate) error: Option<String>,
}

/// What the bus and its tasks share.
pub(crate) struct Shared {
    pub(crate) routes: Mutex<HashMap<String, Vec<Weak<dyn Receiver>>>>,
    /// Wakes the listener when the routes changed.
    pub(crate) wake: Notify,
    pub(crate) status: watch::Sender<Status>,
    pub(crate) publisher: Publisher,
    pub(crate) config: PostgresAdapterConfig,
}

impl Shared {
    /// The live receivers of `channel`.
    pub(crate) fn receivers(&self, channel: &str) -> Vec<Arc<dyn Receiver>> {
        let routes = self.routes.lock();
        routes
            .get(channel)
            .map(|list| list.iter().filter_map(Weak::upgrade).collect())
            .unwrap_or_default()
    }
}

/// One server's connections to PostgreSQL.
pub(crate) struct Bus {
    pub(crate) shared: Arc<Shared>,
    /// Dropped with the bus: its tasks end.
    _stop: watch::Sender<()>,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Bus {
    /// Starts the LISTEN and cleanup tasks (on the current tokio runtime);
    /// does not wait for PostgreSQL.
    pub(crate) fn start(pg: tokio_postgres::Config, config: PostgresAdapterConfig) -> Self {
        let (stop, stopped) = watch::channel(());
        let shared = Arc::new(Shared {
            routes: Mutex::default(),
            wake: Notify::new(),
            status: watch::Sender::new(Status::default()),
            publisher: Publisher::new(pg.clone(), config.clone()),
            config,
        });
        tokio::spawn(crate::listener::run(shared.clone(), pg, stopped.clone()));
        tokio::spawn(cleanup(shared.clone(), stopped));
        Self {
            shared,
            _stop: stop,
        }
    }

    /// Routes the notifications of `channel` to `receiver` too.
    pub(crate) fn route(&self, channel: &str, receiver: Weak<dyn Receiver>) {
        let mut routes = self.shared.routes.lock();
        let list = routes.entry(channel.to_owned()).or_default();
        list.retain(|r| r.strong_count() > 0);
        list.push(receiver);
        drop(routes);
        self.shared.wake.notify_one();
    }

    /// Stops routing `channel` to `receiver` (and to receivers gone).
    pub(crate) fn unroute(&self, channel: &str, receiver: &Weak<dyn Receiver>) {
        let mut routes = self.shared.routes.lock();
        if let Some(list) = routes.get_mut(channel) {
            list.retain(|r| r.strong_count() > 0 && !Weak::ptr_eq(r, receiver));
            if list.is_empty() {
                routes.remove(channel);
            }
        }
        drop(routes);
        self.shared.wake.notify_one();
    }

    /// Waits until the LISTEN connection listens to `channel`, at most
    /// `deadline`.
    ///
    /// # Errors
    /// [`AdapterError::Transport`] with the last connection error, when it
    /// does not within `deadline`.
    pub(crate) async fn listening(
        &self,
        channel: &str,
        deadline: Duration,
    ) -> Result<(), AdapterError> {
        let mut status = self.shared.status.subscribe();
        let wait = status.wait_for(|s| s.channels.contains(channel));
        match tokio::time::timeout(deadline, wait).await {
            Ok(Ok(_)) => Ok(()),
            _ => {
                let error = self.shared.status.borrow().error.clone();
                Err(crate::publisher::transport(error.unwrap_or_else(|| {
                    format!("not listening to {channel} after {deadline:?}")
                })))
            }
        }
    }

    /// Waits until the LISTEN connection is up, at most `deadline`.
    ///
    /// # Errors
    /// As [`Bus::listening`].
    pub(crate) async fn connected(&self, deadline: Duration) -> Result<(), AdapterError> {
        let mut status = self.shared.status.subscribe();
        let wait = status.wait_for(|s| s.connected);
        match tokio::time::timeout(deadline, wait).await {
            Ok(Ok(_)) => Ok(()),
            _ => {
                let error = self.shared.status.borrow().error.clone();
                Err(crate::publisher::transport(error.unwrap_or_else(|| {
                    format!("not connected after {deadline:?}")
                })))
            }
        }
    }

    /// The query connection.
    pub(crate) fn publisher(&self) -> &Publisher {
        &self.shared.publisher
    }
}

/// Deletes old attachment rows every cleanup interval, until stopped.
async fn cleanup(shared: Arc<Shared>, mut stop: watch::Receiver<()>) {
    let period = shared
        .config
        .cleanup_interval
        .max(Duration::from_millis(100));
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = ticks.tick() => {}
        }
        match shared.publisher.cleanup().await {
            Ok(n) => tracing::trace!("postgres adapter: {n} old attachments deleted"),
            Err(e) => tracing::debug!("postgres adapter: cleanup: {e}"),
        }
    }
}
