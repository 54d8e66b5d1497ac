//! The Redis connections of the Streams adapter, shared by the namespaces
//! of one server:
//!
//! - one `ConnectionManager` (it reconnects by itself) for `XADD`,
//!   `PUBLISH`, `PUBSUB NUMSUB`, the session keys and `XRANGE`;
//! - one reader task per stream, on its own connection (its `XREAD BLOCK`
//!   would hold up anything else), handing each entry to the namespace it
//!   names;
//! - one subscriber task for the requests and answers that go over pub/sub
//!   (with `use_sharded_pubsub`, the sharded adapter's single-Redis
//!   subscriber, `SSUBSCRIBE`, instead).
//!
//! A reader starts at the stream's last entry (Node's `$`, made concrete
//! at once so that nothing written during a reconnection is skipped), then
//! always reads from the last id it saw: after a lost connection or a
//! Redis restart it reconnects (100 ms, doubling to 5 s) and resumes there.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use redis::IntoConnectionInfo as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sio_adapter::AdapterError;
use sio_cluster::ClusterAdapter;
use tokio::sync::{Notify, oneshot, watch};

use super::RedisStreamsConfig;
use super::entry::{self, Entry, Read};
use crate::sharded::{routes, single};

/// What a namespace's adapter takes from the driver. Both calls must
/// return quickly (they run on the reader and subscriber tasks).
pub(crate) trait StreamsSink: Send + Sync + 'static {
    /// An entry of the stream for its namespace (its own included).
    fn stream_entry(&self, entry: Entry);
    /// A message on one of its pub/sub channels.
    fn pubsub_message(&self, payload: &[u8]);
}

pub(crate) type Sink = Weak<dyn StreamsSink>;

/// What the tasks share with the driver.
pub(crate) struct Shared {
    /// The sink of each namespace, for stream entries.
    pub(crate) namespaces: Mutex<HashMap<String, Sink>>,
    /// The sink of each pub/sub channel.
    pub(crate) channels: Mutex<Channels>,
    /// Wakes the subscriber when the channels changed.
    pub(crate) wake: Notify,
    /// Generation of the channel changes applied, and of those failed.
    pub(crate) progress: watch::Sender<(u64, u64)>,
    pub(crate) max_message_size: usize,
}

/// The pub/sub channels wanted, and a counter of their changes.
#[derive(Default)]
pub(crate) struct Channels {
    pub(crate) routes: HashMap<String, Sink>,
    pub(crate) generation: u64,
}

pub(crate) fn transport(e: impl std::fmt::Display) -> AdapterError {
    AdapterError::Transport(e.to_string())
}

/// The connections of one server.
pub(crate) struct StreamsDriver {
    pub(crate) config: RedisStreamsConfig,
    conn: ConnectionManager,
    shared: Arc<Shared>,
    /// The shard channels' routes, with `use_sharded_pubsub`.
    sharded: Option<Arc<routes::Shared>>,
    /// Dropped with the driver: every task ends.
    _stop: watch::Sender<()>,
}

impl Drop for StreamsDriver {
    fn drop(&mut self) {
        // The sharded subscriber ends once it sees the routes orphaned.
        if let Some(sharded) = &self.sharded {
            sharded.wake.notify_one();
        }
    }
}

/// The sharded subscriber's target, with `use_sharded_pubsub`.
fn sharded_target(
    url: &str,
    config: &RedisStreamsConfig,
) -> Result<Option<single::Target>, AdapterError> {
    if !config.use_sharded_pubsub {
        return Ok(None);
    }
    let info = url.into_connection_info().map_err(transport)?;
    single::Target::from_info(&info, config.requests_timeout, config.max_message_size)
        .map(Some)
        .map_err(transport)
}

impl std::fmt::Debug for StreamsDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamsDriver")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The command connection: it reconnects by itself, each command waiting
/// at most the requests timeout.
fn manager_config(config: &RedisStreamsConfig) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(config.requests_timeout))
        .set_response_timeout(Some(config.requests_timeout))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_secs(2))
}

pub(crate) const FIRST_BACKOFF: Duration = Duration::from_millis(100);
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(5);

impl StreamsDriver {
    /// Connects (the first attempt of every connection must succeed) and
    /// starts the readers, each placed at its stream's end.
    pub(crate) async fn connect(
        url: &str,
        config: RedisStreamsConfig,
    ) -> Result<Self, AdapterError> {
        let client = redis::Client::open(url).map_err(transport)?;
        let target = sharded_target(url, &config)?;
        let conn = client
            .get_connection_manager_with_config(manager_config(&config))
            .await
            .map_err(transport)?;
        let (driver, started) = Self::start(client, conn, config, target, true);
        for rx in started {
            rx.await
                .map_err(|_| AdapterError::Closed)?
                .map_err(AdapterError::Transport)?;
        }
        Ok(driver)
    }

    /// Starts at once, Redis reachable or not: every connection is made
    /// (and made again) in the background, with backoff; until then
    /// commands fail with [`AdapterError::Transport`]. Only an invalid URL
    /// fails. Needs a tokio runtime.
    pub(crate) fn connect_lazy(
        url: &str,
        config: RedisStreamsConfig,
    ) -> Result<Self, AdapterError> {
        let client = redis::Client::open(url).map_err(transport)?;
        let target = sharded_target(url, &config)?;
        let conn = client
            .get_connection_manager_lazy(manager_config(&config))
            .map_err(transport)?;
        Ok(Self::start(client, conn, config, target, false).0)
    }

    /// Spawns the readers and the subscriber; with `eager`, each tells how
    /// its first connection went (and gives up if it failed). With a
    /// sharded `target`, the sharded subscriber replaces the pub/sub one
    /// (it connects in the background).
    fn start(
        client: redis::Client,
        conn: ConnectionManager,
        config: RedisStreamsConfig,
        target: Option<single::Target>,
        eager: bool,
    ) -> (Self, Vec<oneshot::Receiver<Result<(), String>>>) {
        let shared = Arc::new(Shared {
            namespaces: Mutex::new(HashMap::new()),
            channels: Mutex::new(Channels::default()),
            wake: Notify::new(),
            progress: watch::Sender::new((0, 0)),
            max_message_size: config.max_message_size,
        });
        let (stop, stopped) = watch::channel(());
        let mut started = Vec::new();
        let mut ready = || {
            eager.then(|| {
                let (ready, rx) = oneshot::channel();
                started.push(rx);
                ready
            })
        };
        for stream in config.streams() {
            tokio::spawn(super::reader::read_stream(super::reader::Reader {
                client: client.clone(),
                stream,
                shared: shared.clone(),
                config: config.clone(),
                stop: stopped.clone(),
                ready: ready(),
            }));
        }
        let sharded = if let Some(target) = target {
            let routes = routes::Shared::new();
            tokio::spawn(single::run(target, Arc::downgrade(&routes)));
            Some(routes)
        } else {
            tokio::spawn(super::pubsub::subscribe(
                client,
                shared.clone(),
                stopped,
                config.requests_timeout,
                ready(),
            ));
            None
        };
        let driver = Self {
            config,
            conn,
            shared,
            sharded,
            _stop: stop,
        };
        (driver, started)
    }

    /// Routes the entries of namespace `nsp` and the messages of
    /// `channels` to `sink`, and subscribes to the channels.
    pub(crate) async fn register(
        &self,
        nsp: &str,
        channels: &[String],
        sink: Sink,
    ) -> Result<(), AdapterError> {
        self.shared
            .namespaces
            .lock()
            .insert(nsp.to_owned(), sink.clone());
        let generation = {
            let mut ch = self.shared.channels.lock();
            for name in channels {
                ch.routes.insert(name.clone(), sink.clone());
            }
            ch.generation += 1;
            ch.generation
        };
        self.shared.wake.notify_one();
        let mut progress = self.shared.progress.subscribe();
        let (applied, _) = *progress
            .wait_for(|(a, f)| *a >= generation || *f >= generation)
            .await
            .map_err(|_| AdapterError::Closed)?;
        if applied >= generation {
            Ok(())
        } else {
            Err(AdapterError::Transport("redis unavailable".into()))
        }
    }

    /// Whether requests and answers go over sharded pub/sub.
    pub(crate) fn is_sharded(&self) -> bool {
        self.sharded.is_some()
    }

    /// With `use_sharded_pubsub`: routes the entries of the namespace of
    /// `adapter` to it, and `SSUBSCRIBE`s its `[requests, answers]`
    /// channels, waiting at most the requests timeout for Redis to confirm.
    pub(crate) async fn register_sharded(
        &self,
        channels: [String; 2],
        adapter: &Arc<ClusterAdapter>,
    ) -> Result<(), AdapterError> {
        let Some(sharded) = &self.sharded else {
            return Err(AdapterError::Transport("sharded pub/sub is off".into()));
        };
        let sink: Sink = Arc::downgrade(adapter) as Weak<ClusterAdapter>;
        self.shared
            .namespaces
            .lock()
            .insert(adapter.nsp().to_owned(), sink);
        let [requests, answers] = channels;
        sharded.add(requests, adapter, false);
        let generation = sharded.add(answers, adapter, true);
        if sharded
            .wait_applied(generation, self.config.requests_timeout)
            .await
        {
            Ok(())
        } else {
            Err(AdapterError::Transport("redis unavailable".into()))
        }
    }

    /// With `use_sharded_pubsub`: `SUNSUBSCRIBE`s the channels of `adapter`.
    pub(crate) fn unregister_sharded(&self, adapter: &ClusterAdapter) {
        if let Some(sharded) = &self.sharded {
            sharded.remove_all(adapter);
        }
    }

    /// Forgets what [`StreamsDriver::register`] routed to the sink at
    /// address `owner` (a newer adapter of the namespace keeps its routes).
    pub(crate) fn unregister(&self, nsp: &str, channels: &[String], owner: *const ()) {
        let mine = |s: &Sink| s.as_ptr().cast::<()>() == owner;
        let mut namespaces = self.shared.namespaces.lock();
        if namespaces.get(nsp).is_some_and(mine) {
            namespaces.remove(nsp);
        }
        drop(namespaces);
        let mut ch = self.shared.channels.lock();
        for name in channels {
            if ch.routes.get(name).is_some_and(mine) {
                ch.routes.remove(name);
            }
        }
        ch.generation += 1;
        drop(ch);
        self.shared.wake.notify_one();
    }

    /// `XADD {stream} MAXLEN ~ {max_len} * uid … nsp … type … [data …]`
    /// for each `(type, data)` of `entries`, in one pipeline: the new
    /// entries' ids, in order.
    pub(crate) async fn xadd(
        &self,
        stream: &str,
        uid: &str,
        nsp: &str,
        entries: &[(u8, Option<Vec<u8>>)],
    ) -> Result<Vec<String>, AdapterError> {
        let mut pipe = redis::pipe();
        for (kind, data) in entries {
            let cmd = pipe
                .cmd("XADD")
                .arg(stream)
                .arg("MAXLEN")
                .arg("~")
                .arg(self.config.max_len)
                .arg("*")
                .arg("uid")
                .arg(uid)
                .arg("nsp")
                .arg(nsp)
                .arg("type")
                .arg(kind.to_string());
            if let Some(data) = data {
                cmd.arg("data").arg(data.as_slice());
            }
        }
        pipe.query_async(&mut self.conn.clone())
            .await
            .map_err(transport)
    }

    /// PUBLISH (SPUBLISH with `use_sharded_pubsub`).
    pub(crate) async fn publish(
        &self,
        channel: &str,
        payload: Vec<u8>,
    ) -> Result<(), AdapterError> {
        let command = if self.is_sharded() {
            "SPUBLISH"
        } else {
            "PUBLISH"
        };
        redis::cmd(command)
            .arg(channel)
            .arg(payload)
            .query_async::<i64>(&mut self.conn.clone())
            .await
            .map(|_| ())
            .map_err(transport)
    }

    /// PUBSUB NUMSUB (SHARDNUMSUB with `use_sharded_pubsub`) of one channel.
    pub(crate) async fn numsub(&self, channel: &str) -> Result<usize, AdapterError> {
        let which = if self.is_sharded() {
            "SHARDNUMSUB"
        } else {
            "NUMSUB"
        };
        let reply: Vec<redis::Value> = redis::cmd("PUBSUB")
            .arg(which)
            .arg(channel)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(transport)?;
        match reply.get(1) {
            Some(redis::Value::Int(n)) => Ok(usize::try_from(*n).unwrap_or(0)),
            _ => Err(transport(format!("unexpected PUBSUB {which} reply"))),
        }
    }

    /// `SET key value PX ms`.
    pub(crate) async fn set_px(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<(), AdapterError> {
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("PX")
            .arg(ms)
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(transport)
    }

    /// `MULTI GET key DEL key EXEC` (Redis 6.2's GETDEL, on any version).
    pub(crate) async fn get_del(&self, key: &str) -> Result<Option<Vec<u8>>, AdapterError> {
        let (value, _): (Option<Vec<u8>>, i64) = redis::pipe()
            .atomic()
            .get(key)
            .del(key)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(transport)?;
        Ok(value)
    }

    /// `XRANGE stream start end [COUNT n]`.
    pub(crate) async fn xrange(
        &self,
        stream: &str,
        start: &str,
        end: &str,
        count: Option<usize>,
    ) -> Result<Read, AdapterError> {
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(stream).arg(start).arg(end);
        if let Some(n) = count {
            cmd.arg("COUNT").arg(n);
        }
        let reply: redis::Value = cmd
            .query_async(&mut self.conn.clone())
            .await
            .map_err(transport)?;
        Ok(entry::parse_range(&reply, self.config.max_message_size))
    }
}
