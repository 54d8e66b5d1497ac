//! Which adapter each shard channel goes to, the changes the subscriber
//! has to make, and how far it got.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use sio_cluster::ClusterAdapter;
use tokio::sync::{Notify, watch};

/// Where a channel's messages go.
struct Route {
    adapter: Weak<ClusterAdapter>,
    /// This server's response channel (answers, not requests).
    response: bool,
}

/// The routing table shared by the adapters (which change it) and the
/// subscriber (which makes Redis match it and dispatches messages).
pub(crate) struct Shared {
    routes: Mutex<HashMap<String, Route>>,
    /// Counts changes; the subscriber reports in `applied` how far its
    /// subscriptions match.
    generation: Mutex<u64>,
    pub(crate) applied: watch::Sender<u64>,
    pub(crate) wake: Notify,
}

impl Shared {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            routes: Mutex::new(HashMap::new()),
            generation: Mutex::new(0),
            applied: watch::Sender::new(0),
            wake: Notify::new(),
        })
    }

    fn changed(&self) -> u64 {
        let mut generation = self.generation.lock();
        *generation += 1;
        self.wake.notify_one();
        *generation
    }

    /// The current generation (what the subscriber is to catch up with).
    pub(crate) fn generation(&self) -> u64 {
        *self.generation.lock()
    }

    /// Routes `channel` to `adapter`; the generation to wait for.
    pub(crate) fn add(
        &self,
        channel: String,
        adapter: &Arc<ClusterAdapter>,
        response: bool,
    ) -> u64 {
        let route = Route {
            adapter: Arc::downgrade(adapter),
            response,
        };
        self.routes.lock().insert(channel, route);
        self.changed()
    }

    /// Removes `channel` if it still routes to `adapter`.
    pub(crate) fn remove(&self, channel: &str, adapter: &ClusterAdapter) -> u64 {
        let mut routes = self.routes.lock();
        if routes
            .get(channel)
            .is_some_and(|r| std::ptr::eq(r.adapter.as_ptr(), adapter))
        {
            routes.remove(channel);
        }
        drop(routes);
        self.changed()
    }

    /// Removes every channel of `adapter` (and of adapters gone).
    pub(crate) fn remove_all(&self, adapter: &ClusterAdapter) -> u64 {
        self.routes.lock().retain(|_, r| {
            r.adapter.strong_count() > 0 && !std::ptr::eq(r.adapter.as_ptr(), adapter)
        });
        self.changed()
    }

    /// The channels wanted now, and the generation they stand for.
    pub(crate) fn wanted(&self) -> (HashSet<String>, u64) {
        let generation = self.generation();
        let wanted = self.routes.lock().keys().cloned().collect();
        (wanted, generation)
    }

    /// How many channels are routed.
    pub(crate) fn len(&self) -> usize {
        self.routes.lock().len()
    }

    /// Hands a message of `channel` to its adapter; unknown channels (just
    /// unsubscribed) are dropped.
    pub(crate) fn dispatch(&self, channel: &[u8], payload: &[u8]) {
        let Ok(channel) = std::str::from_utf8(channel) else {
            return;
        };
        let target = self
            .routes
            .lock()
            .get(channel)
            .and_then(|r| Some((r.adapter.upgrade()?, r.response)));
        if let Some((adapter, response)) = target {
            adapter.on_bytes(payload, response);
        }
    }

    /// Waits until the subscriber applied `generation`, at most `timeout`;
    /// false on timeout (Redis unreachable: it keeps trying).
    pub(crate) async fn wait_applied(&self, generation: u64, timeout: Duration) -> bool {
        let mut applied = self.applied.subscribe();
        tokio::time::timeout(timeout, applied.wait_for(|g| *g >= generation))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}
