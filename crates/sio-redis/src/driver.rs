//! The two Redis connections a server's adapters share: one for PUBLISH and
//! PUBSUB NUMSUB (a `ConnectionManager`, which reconnects by itself), and
//! one for subscriptions, owned by the subscriber task (`subscriber.rs`).
//!
//! Adapters never send subscription commands themselves: they change the
//! routing table ([`Routes`]), which marks the names that changed, and wake
//! the subscriber, which subscribes or unsubscribes exactly those names.
//! Its queue of work is that set of changed names: at most one entry per
//! channel, however many adapters come and go.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sio_adapter::AdapterError;
use tokio::sync::{Notify, oneshot, watch};

use crate::RedisAdapterConfig;
use crate::adapter::RedisAdapter;
use crate::channels::Channels;

/// What arrives on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// A broadcast (pattern subscription).
    Broadcast,
    /// A request from some server.
    Request,
    /// An answer to a request.
    Response,
}

/// Which adapter each channel and pattern goes to, and what changed since
/// the subscriber last looked.
#[derive(Default)]
pub(crate) struct Routes {
    pub(crate) channels: HashMap<String, (Weak<RedisAdapter>, Route)>,
    pub(crate) patterns: HashMap<String, Weak<RedisAdapter>>,
    /// Channels whose wanted state changed (added or removed).
    pub(crate) dirty_channels: HashSet<String>,
    /// Patterns whose wanted state changed.
    pub(crate) dirty_patterns: HashSet<String>,
    /// Counts changes; [`Progress`] says how far they are applied.
    pub(crate) generation: u64,
}

impl Routes {
    fn add_channel(&mut self, name: &str, adapter: &Weak<RedisAdapter>, route: Route) {
        self.channels
            .insert(name.to_owned(), (adapter.clone(), route));
        self.dirty_channels.insert(name.to_owned());
    }

    /// Removes `name` if it still routes to `adapter` (a newer adapter of
    /// the same namespace may have taken it over).
    fn remove_channel(&mut self, name: &str, adapter: &Weak<RedisAdapter>) {
        if self
            .channels
            .get(name)
            .is_some_and(|(a, _)| Weak::ptr_eq(a, adapter))
        {
            self.channels.remove(name);
            self.dirty_channels.insert(name.to_owned());
        }
    }

    fn bump(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }
}

/// How far the subscriber has applied the changes of [`Routes`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Progress {
    /// Every change up to this generation is done in Redis.
    pub(crate) applied: u64,
    /// Changes up to this generation failed (connection down, lost, or a
    /// reply past its deadline); they are made again on reconnection.
    pub(crate) failed: u64,
    /// Why they failed.
    pub(crate) error: String,
}

/// What the driver and its subscriber task share.
pub(crate) struct Shared {
    pub(crate) routes: Mutex<Routes>,
    /// Wakes the subscriber when the routes changed.
    pub(crate) wake: Notify,
    pub(crate) progress: watch::Sender<Progress>,
}

impl Shared {
    /// Marks every change made so far as failed with `error`.
    pub(crate) fn fail_all(&self, error: &str) {
        let generation = self.routes.lock().generation;
        self.progress.send_modify(|p| {
            p.failed = p.failed.max(generation);
            error.clone_into(&mut p.error);
        });
    }
}

/// The connections and the routing table of one server.
pub(crate) struct Driver {
    publisher: ConnectionManager,
    shared: Arc<Shared>,
    /// Dropped with the driver: the subscriber task ends.
    _stop: oneshot::Sender<()>,
    pub(crate) config: RedisAdapterConfig,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

pub(crate) fn transport(e: impl std::fmt::Display) -> AdapterError {
    AdapterError::Transport(e.to_string())
}

impl Driver {
    /// Opens both connections (the first attempt must succeed).
    pub(crate) async fn connect(
        url: &str,
        config: RedisAdapterConfig,
    ) -> Result<Self, AdapterError> {
        let client = redis::Client::open(url).map_err(transport)?;
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.requests_timeout))
            .set_response_timeout(Some(config.requests_timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let publisher = client
            .get_connection_manager_with_config(manager)
            .await
            .map_err(transport)?;
        let shared = Arc::new(Shared {
            routes: Mutex::new(Routes::default()),
            wake: Notify::new(),
            progress: watch::Sender::new(Progress::default()),
        });
        let (ready, started) = oneshot::channel();
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(crate::subscriber::run(crate::subscriber::Subscriber {
            client,
            shared: shared.clone(),
            stop: stopped,
            max_message_size: config.max_message_size,
            deadline: config.requests_timeout,
            ready: Some(ready),
        }));
        started
            .await
            .map_err(|_| AdapterError::Closed)?
            .map_err(AdapterError::Transport)?;
        Ok(Self {
            publisher,
            shared,
            _stop: stop,
            config,
        })
    }

    /// PUBLISH.
    pub(crate) async fn publish(
        &self,
        channel: &str,
        payload: Vec<u8>,
    ) -> Result<(), AdapterError> {
        let mut conn = self.publisher.clone();
        redis::cmd("PUBLISH")
            .arg(channel)
            .arg(payload)
            .query_async::<i64>(&mut conn)
            .await
            .map(|_| ())
            .map_err(transport)
    }

    /// PUBSUB NUMSUB: how many connections listen on `channel`.
    pub(crate) async fn numsub(&self, channel: &str) -> Result<usize, AdapterError> {
        let mut conn = self.publisher.clone();
        let reply: Vec<redis::Value> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel)
            .query_async(&mut conn)
            .await
            .map_err(transport)?;
        match reply.get(1) {
            Some(redis::Value::Int(n)) => Ok(usize::try_from(*n).unwrap_or(0)),
            _ => Err(AdapterError::Transport(
                "unexpected PUBSUB NUMSUB reply".into(),
            )),
        }
    }

    /// Routes the channels of one namespace to `adapter` and subscribes to
    /// them (and only them).
    pub(crate) async fn subscribe(
        &self,
        adapter: &Weak<RedisAdapter>,
        channels: &Channels,
    ) -> Result<(), AdapterError> {
        let generation = {
            let mut routes = self.shared.routes.lock();
            routes
                .patterns
                .insert(channels.pattern.clone(), adapter.clone());
            routes.dirty_patterns.insert(channels.pattern.clone());
            routes.add_channel(&channels.request, adapter, Route::Request);
            routes.add_channel(&channels.response, adapter, Route::Response);
            routes.add_channel(&channels.own_response, adapter, Route::Response);
            routes.bump()
        };
        self.shared.wake.notify_one();
        self.applied(generation).await
    }

    /// Forgets the channels of one namespace that still route to `adapter`
    /// and unsubscribes from them; resolves once Redis confirmed, or failed
    /// (the connection is down: a new one subscribes only to what is
    /// routed).
    pub(crate) async fn unsubscribe(&self, adapter: &Weak<RedisAdapter>, channels: &Channels) {
        let generation = {
            let mut routes = self.shared.routes.lock();
            if routes
                .patterns
                .get(&channels.pattern)
                .is_some_and(|a| Weak::ptr_eq(a, adapter))
            {
                routes.patterns.remove(&channels.pattern);
                routes.dirty_patterns.insert(channels.pattern.clone());
            }
            for name in [
                &channels.request,
                &channels.response,
                &channels.own_response,
            ] {
                routes.remove_channel(name, adapter);
            }
            routes.bump()
        };
        self.shared.wake.notify_one();
        let _ = self.applied(generation).await;
    }

    /// Waits until the subscriber has applied the changes up to
    /// `generation` (or failed them).
    async fn applied(&self, generation: u64) -> Result<(), AdapterError> {
        let mut progress = self.shared.progress.subscribe();
        let progress = progress
            .wait_for(|p| p.applied >= generation || p.failed >= generation)
            .await
            .map_err(|_| AdapterError::Closed)?;
        if progress.applied >= generation {
            Ok(())
        } else {
            Err(AdapterError::Transport(progress.error.clone()))
        }
    }

    /// How many channels and patterns are routed to an adapter.
    pub(crate) fn routes(&self) -> usize {
        let routes = self.shared.routes.lock();
        routes.channels.len() + routes.patterns.len()
    }
}
