//! [`Heartbeat`]: Node's `ClusterAdapterWithHeartbeat` as a layer that a
//! [`Transport`](crate::Transport) drives (the Postgres adapter uses it).
//! Each server learns who else serves a namespace from the messages it
//! receives, instead of asking the store:
//!
//! - when a namespace starts, it publishes INITIAL_HEARTBEAT (1), which
//!   every other server answers with a HEARTBEAT (2);
//! - a server that published nothing for `interval` publishes a HEARTBEAT;
//! - every message from another uid (the emitter's excepted) marks that
//!   uid alive; a sweep every second forgets uids silent for `timeout`, and
//!   ADAPTER_CLOSE (13) forgets its sender at once;
//! - `server_count` is 1 + the uids alive, and fetchSockets waits for an
//!   answer from each of them ([`Transport::nodes`](crate::Transport::nodes)):
//!   a server forgotten while a request waits on it no longer holds it up.
//!
//! The table of one namespace ([`NodeTable`]) is sans-IO: it takes the
//! time as an argument.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;

use crate::adapter::ClusterAdapter;
use crate::message::{ClusterMessage, EMITTER_UID, MessageType};

/// How often silent servers are looked for (Node: every second).
const SWEEP: Duration = Duration::from_secs(1);
/// The longest uid tracked; longer ones (not Node's) are not counted.
const MAX_UID: usize = 64;

/// Options of the heartbeat layer, with Node's defaults.
///
/// | option | default | meaning |
/// |---|---|---|
/// | `interval` | 5 s | a server that published nothing for this long sends a HEARTBEAT (Node's `heartbeatInterval`) |
/// | `timeout` | 10 s | a server not heard from for this long is forgotten (Node's `heartbeatTimeout`) |
/// | `max_nodes` | 1024 | other servers tracked per namespace; uids past it are not counted (any client of the store can publish with any uid) |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeartbeatConfig {
    /// See the table.
    pub interval: Duration,
    /// See the table.
    pub timeout: Duration,
    /// See the table.
    pub max_nodes: usize,
}

impl Default for HeartbeatConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_millis(5000),
            timeout: Duration::from_millis(10_000),
            max_nodes: 1024,
        }
    }
}

impl HeartbeatConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long a server stays silent before sending a heartbeat.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How long a silent server is still counted.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many other servers are tracked per namespace.
    pub fn max_nodes(mut self, n: usize) -> Self {
        self.max_nodes = n;
        self
    }
}

/// The other servers of one namespace and when each was last heard from.
#[derive(Debug, Clone)]
pub struct NodeTable {
    seen: HashMap<String, Instant>,
    timeout: Duration,
    max: usize,
}

impl NodeTable {
    /// An empty table forgetting servers silent for `timeout`, holding at
    /// most `max`.
    pub fn new(timeout: Duration, max: usize) -> Self {
        Self {
            seen: HashMap::new(),
            timeout,
            max,
        }
    }

    /// Server `uid` was heard from at `now`. The emitter, over-long uids
    /// and new uids past the limit are not tracked.
    pub fn seen(&mut self, uid: &str, now: Instant) {
        if uid == EMITTER_UID || uid.is_empty() || uid.len() > MAX_UID {
            return;
        }
        if let Some(last) = self.seen.get_mut(uid) {
            *last = now;
        } else if self.seen.len() < self.max {
            self.seen.insert(uid.to_owned(), now);
        } else {
            tracing::debug!(
                "cluster heartbeat: node {uid} not tracked (limit {})",
                self.max
            );
        }
    }

    /// Forgets `uid`; whether it was known.
    pub fn remove(&mut self, uid: &str) -> bool {
        self.seen.remove(uid).is_some()
    }

    /// Forgets the servers silent for longer than the timeout at `now`, and
    /// returns them.
    pub fn sweep(&mut self, now: Instant) -> Vec<String> {
        let timeout = self.timeout;
        let gone: Vec<String> = self
            .seen
            .iter()
            .filter(|(_, last)| now.saturating_duration_since(**last) > timeout)
            .map(|(uid, _)| uid.clone())
            .collect();
        for uid in &gone {
            self.seen.remove(uid);
        }
        gone
    }

    /// How many servers are known.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Their uids.
    pub fn uids(&self) -> HashSet<String> {
        self.seen.keys().cloned().collect()
    }
}

/// The heartbeat state of one namespace.
struct Namespace {
    uid: String,
    nodes: NodeTable,
    last_publish: Instant,
    /// Stops its timer task when dropped.
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// The heartbeat layer of one transport, for every namespace it serves;
/// see the module docs. The transport calls [`Heartbeat::start`] when a
/// namespace is subscribed, [`Heartbeat::stop`] when it closes,
/// [`Heartbeat::published`] for each message it publishes and
/// [`Heartbeat::on_message`] for each message it receives (before handing
/// it to the adapter), and answers `server_count` and `nodes` from it.
#[derive(Clone)]
pub struct Heartbeat {
    config: HeartbeatConfig,
    namespaces: Arc<Mutex<HashMap<String, Namespace>>>,
}

impl std::fmt::Debug for Heartbeat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Heartbeat")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Heartbeat {
    /// The layer, with `config`.
    pub fn new(config: HeartbeatConfig) -> Self {
        Self {
            config,
            namespaces: Arc::default(),
        }
    }

    /// The options in force.
    pub fn config(&self) -> &HeartbeatConfig {
        &self.config
    }

    /// Starts the heartbeats of `adapter`'s namespace: publishes
    /// INITIAL_HEARTBEAT and runs the idle heartbeat and the sweep until
    /// [`Heartbeat::stop`] (or until the adapter is dropped). Call it once
    /// the namespace receives messages.
    pub fn start(&self, adapter: &Arc<ClusterAdapter>) {
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let state = Namespace {
            uid: adapter.uid().to_owned(),
            nodes: NodeTable::new(self.config.timeout, self.config.max_nodes),
            last_publish: Instant::now(),
            _stop: stop,
        };
        self.namespaces
            .lock()
            .insert(adapter.nsp().to_owned(), state);
        send(adapter, MessageType::InitialHeartbeat);
        let task = Timers {
            adapter: Arc::downgrade(adapter),
            namespaces: Arc::downgrade(&self.namespaces),
            interval: self.config.interval,
        };
        tokio::spawn(task.run(stopped));
    }

    /// Stops the heartbeats of `adapter`'s namespace; returns the
    /// ADAPTER_CLOSE for the transport to publish (so that the other
    /// servers forget this one at once), or `None` when they were not
    /// running.
    pub fn stop(&self, adapter: &ClusterAdapter) -> Option<ClusterMessage> {
        let mut namespaces = self.namespaces.lock();
        if namespaces.get(adapter.nsp())?.uid != adapter.uid() {
            return None;
        }
        namespaces.remove(adapter.nsp());
        Some(ClusterMessage::new(
            MessageType::AdapterClose,
            None,
            adapter.uid(),
            adapter.nsp(),
        ))
    }

    /// A message of namespace `nsp` was published: the idle heartbeat
    /// waits a full interval again.
    pub fn published(&self, nsp: &str) {
        if let Some(state) = self.namespaces.lock().get_mut(nsp) {
            state.last_publish = Instant::now();
        }
    }

    /// Takes note of `message`, received for `adapter`: its sender is
    /// alive; INITIAL_HEARTBEAT is answered, ADAPTER_CLOSE forgets the
    /// sender. Returns whether the adapter should handle it (false for
    /// types 1, 2 and 13, and for this server's own messages).
    pub fn on_message(&self, adapter: &Arc<ClusterAdapter>, message: &ClusterMessage) -> bool {
        if message.uid == adapter.uid() {
            return false;
        }
        let mut namespaces = self.namespaces.lock();
        let Some(state) = namespaces.get_mut(adapter.nsp()) else {
            return !is_heartbeat(message.kind);
        };
        state.nodes.seen(&message.uid, Instant::now());
        match message.kind {
            MessageType::InitialHeartbeat => {
                drop(namespaces);
                send(adapter, MessageType::Heartbeat);
                false
            }
            MessageType::Heartbeat => false,
            MessageType::AdapterClose => {
                state.nodes.remove(&message.uid);
                drop(namespaces);
                adapter.server_gone(&message.uid);
                false
            }
            _ => true,
        }
    }

    /// 1 + the other servers known in namespace `nsp`.
    pub fn server_count(&self, nsp: &str) -> usize {
        1 + self.namespaces.lock().get(nsp).map_or(0, |s| s.nodes.len())
    }

    /// The uids of the other servers known in namespace `nsp`.
    pub fn nodes(&self, nsp: &str) -> HashSet<String> {
        self.namespaces
            .lock()
            .get(nsp)
            .map(|s| s.nodes.uids())
            .unwrap_or_default()
    }
}

fn is_heartbeat(kind: MessageType) -> bool {
    matches!(
        kind,
        MessageType::InitialHeartbeat | MessageType::Heartbeat | MessageType::AdapterClose
    )
}

/// Publishes a message of `kind` without data for `adapter`, in the
/// background.
fn send(adapter: &Arc<ClusterAdapter>, kind: MessageType) {
    let message = ClusterMessage::new(kind, None, adapter.uid(), adapter.nsp());
    let adapter = Arc::downgrade(adapter);
    tokio::spawn(async move {
        let Some(adapter) = adapter.upgrade() else {
            return;
        };
        if let Err(e) = adapter.transport.publish(message).await {
            tracing::debug!(ns = %adapter.nsp(), "cluster heartbeat: not sent: {e}");
        }
    });
}

/// The timer task of one namespace: the idle heartbeat and the sweep.
struct Timers {
    adapter: Weak<ClusterAdapter>,
    namespaces: Weak<Mutex<HashMap<String, Namespace>>>,
    interval: Duration,
}

impl Timers {
    async fn run(self, mut stopped: tokio::sync::oneshot::Receiver<()>) {
        let mut sweep = tokio::time::interval(SWEEP);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let Some(last) = self.state(|s| s.last_publish) else {
                return;
            };
            let idle = tokio::time::sleep_until(last + self.interval);
            tokio::select! {
                _ = &mut stopped => return,
                () = idle => {
                    let Some(adapter) = self.adapter.upgrade() else { return };
                    // Reset now, so that a slow publish is not repeated.
                    self.state(|s| s.last_publish = Instant::now());
                    send(&adapter, MessageType::Heartbeat);
                }
                _ = sweep.tick() => {
                    let Some(adapter) = self.adapter.upgrade() else { return };
                    let gone = self.state(|s| s.nodes.sweep(Instant::now())).unwrap_or_default();
                    for uid in gone {
                        tracing::debug!(ns = %adapter.nsp(), "cluster heartbeat: node {uid} seems down");
                        adapter.server_gone(&uid);
                    }
                }
            }
        }
    }

    /// Runs `f` on this namespace's state, if it is still there.
    fn state<T>(&self, f: impl FnOnce(&mut Namespace) -> T) -> Option<T> {
        let adapter = self.adapter.upgrade()?;
        let namespaces = self.namespaces.upgrade()?;
        let mut namespaces = namespaces.lock();
        namespaces
            .get_mut(adapter.nsp())
            .filter(|s| s.uid == adapter.uid())
            .map(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_counts_the_living_and_forgets_the_silent() {
        let t0 = Instant::now();
        let mut nodes = NodeTable::new(Duration::from_secs(10), 2);
        nodes.seen("a", t0);
        nodes.seen(EMITTER_UID, t0);
        nodes.seen(&"x".repeat(65), t0);
        nodes.seen("b", t0 + Duration::from_secs(5));
        nodes.seen("c", t0 + Duration::from_secs(5));
        assert_eq!(nodes.uids(), ["a".to_owned(), "b".to_owned()].into());
        assert!(nodes.sweep(t0 + Duration::from_secs(10)).is_empty());
        assert_eq!(
            nodes.sweep(t0 + Duration::from_millis(10_001)),
            ["a".to_owned()]
        );
        nodes.seen("b", t0 + Duration::from_secs(12));
        assert!(nodes.sweep(t0 + Duration::from_secs(16)).is_empty());
        assert!(nodes.remove("b"));
        assert!(nodes.is_empty());
    }
}
