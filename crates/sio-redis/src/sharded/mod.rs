//! The sharded Redis adapter: Node's `createShardedAdapter` of
//! `@socket.io/redis-adapter` 8.3 (Redis 7 sharded pub/sub: SPUBLISH,
//! SSUBSCRIBE, `PUBSUB SHARDNUMSUB`), as a [`Transport`] of the
//! `ClusterAdapter` core (`sio-cluster`). Works on a single Redis and on a
//! Redis Cluster.
//!
//! Channels, as Node names them (`{p}` the channel prefix):
//! `{p}#{nsp}#` (every server), `{p}#{nsp}#{uid}#` (this server's answers),
//! and in the dynamic modes `{p}#{nsp}#{room}#` per room of this server.
//! A broadcast without acks to exactly one room goes to the room's channel
//! (dynamic: unless the room looks like a socket id, i.e. 20 characters;
//! dynamic-private: always); everything else to the namespace's channel.

mod cluster;
mod config;
mod resp;
pub(crate) mod routes;
pub(crate) mod single;

use std::sync::Arc;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{MultipleNodeRoutingInfo, RoutingInfo};
use redis::{IntoConnectionInfo as _, ProtocolVersion};
use sio_adapter::{AdapterError, BoxFuture, Room};
use sio_cluster::message::decode_rooms;
use sio_cluster::{
    ClusterAdapter, ClusterAdapterFactory, ClusterMessage, Codec, MessageType, Transport,
};

pub use config::{ShardedConfig, SubscriptionMode};
use routes::Shared;

fn transport_error(what: &str, e: impl std::fmt::Display) -> AdapterError {
    AdapterError::Transport(format!("sharded redis adapter: {what}: {e}"))
}

/// The connection that publishes and counts.
#[derive(Clone)]
enum Publisher {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// The sharded transport of one server (every namespace).
pub(crate) struct Sharded {
    config: ShardedConfig,
    codec: Codec,
    publisher: Publisher,
    shared: Arc<Shared>,
}

impl Drop for Sharded {
    fn drop(&mut self) {
        self.shared.wake.notify_one();
    }
}

/// `PUBSUB SHARDNUMSUB` replies, summed over however many nodes answered:
/// `[channel, n]` pairs, maps of node to reply, or maps of channel to n.
fn sum_numsub(value: &redis::Value) -> usize {
    use redis::Value as V;
    match value {
        V::Int(n) => usize::try_from(*n).unwrap_or(0),
        V::Array(items) => match items.as_slice() {
            [_, V::Int(n)] => usize::try_from(*n).unwrap_or(0),
            _ => items.iter().map(sum_numsub).sum(),
        },
        V::Map(entries) => entries.iter().map(|(_, v)| sum_numsub(v)).sum(),
        _ => 0,
    }
}

/// Node's test: a string of 20 UTF-16 code units looks like a socket id.
fn looks_like_a_socket_id(room: &str) -> bool {
    room.encode_utf16().count() == 20
}

/// Node's `computeChannel`: where `message` is published.
fn channel_of(config: &ShardedConfig, message: &ClusterMessage) -> String {
    let main = format!("{}#{}#", config.channel_prefix, message.nsp);
    if message.kind != MessageType::Broadcast || message.request_id().is_some() {
        return main;
    }
    let rooms = decode_rooms(message.field("opts").and_then(|o| o.get("rooms")));
    let [room] = rooms.as_slice() else {
        return main;
    };
    let dynamic = match config.subscription_mode {
        SubscriptionMode::Static => false,
        SubscriptionMode::Dynamic => !looks_like_a_socket_id(room),
        SubscriptionMode::DynamicPrivate => true,
    };
    if dynamic {
        format!("{main}{room}#")
    } else {
        main
    }
}

impl Sharded {
    fn main_channel(&self, nsp: &str) -> String {
        format!("{}#{nsp}#", self.config.channel_prefix)
    }

    /// Whether a room of this server gets its own channel. Node subscribes
    /// to public rooms only, and publishes to a room's channel unless the
    /// room looks like a socket id (20 characters, Node's ids). sio's socket
    /// ids are longer (27 characters), so every publisher sends to their
    /// channel: in dynamic mode a socket's own room is subscribed too when
    /// it does not look like a Node socket id.
    fn wants_room_channel(&self, room: &str, private: bool) -> bool {
        match self.config.subscription_mode {
            SubscriptionMode::Static => false,
            SubscriptionMode::Dynamic => !private || !looks_like_a_socket_id(room),
            SubscriptionMode::DynamicPrivate => true,
        }
    }

    async fn spublish(&self, channel: String, payload: Vec<u8>) -> Result<(), AdapterError> {
        let mut cmd = redis::cmd("SPUBLISH");
        cmd.arg(&channel).arg(payload);
        let result: redis::RedisResult<redis::Value> = match self.publisher.clone() {
            Publisher::Single(mut c) => cmd.query_async(&mut c).await,
            Publisher::Cluster(mut c) => cmd.query_async(&mut c).await,
        };
        result.map(drop).map_err(|e| transport_error("SPUBLISH", e))
    }

    async fn subscribe_adapter(&self, adapter: &Arc<ClusterAdapter>) -> Result<(), AdapterError> {
        let main = self.main_channel(adapter.nsp());
        self.shared.add(main.clone(), adapter, false);
        self.shared
            .add(format!("{main}{}#", adapter.uid()), adapter, true);
        let mut generation = self.shared.generation();
        for room in adapter.local_rooms() {
            if self.wants_room_channel(&room, adapter.is_socket_room(&room)) {
                generation = self.shared.add(format!("{main}{room}#"), adapter, false);
            }
        }
        let timeout = self.config.cluster.requests_timeout;
        if !self.shared.wait_applied(generation, timeout).await {
            tracing::warn!(
                ns = adapter.nsp(),
                "sharded redis adapter: not subscribed yet (is Redis reachable?); still trying"
            );
        }
        Ok(())
    }
}

impl Transport for Sharded {
    fn subscribe(&self, adapter: &Arc<ClusterAdapter>) -> BoxFuture<'_, Result<(), AdapterError>> {
        let adapter = adapter.clone();
        Box::pin(async move { self.subscribe_adapter(&adapter).await })
    }

    fn unsubscribe(&self, adapter: &ClusterAdapter) -> BoxFuture<'_, ()> {
        let generation = self.shared.remove_all(adapter);
        let timeout = self.config.cluster.requests_timeout;
        Box::pin(async move {
            self.shared.wait_applied(generation, timeout).await;
        })
    }

    fn publish(
        &self,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<Option<String>, AdapterError>> {
        Box::pin(async move {
            let channel = channel_of(&self.config, &message);
            self.spublish(channel, self.codec.encode(&message)).await?;
            Ok(None)
        })
    }

    fn publish_response(
        &self,
        requester_uid: String,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let channel = format!("{}{requester_uid}#", self.main_channel(&message.nsp));
            self.spublish(channel, self.codec.encode(&message)).await
        })
    }

    fn server_count(&self, nsp: &str) -> BoxFuture<'_, Result<usize, AdapterError>> {
        let mut cmd = redis::cmd("PUBSUB");
        cmd.arg("SHARDNUMSUB").arg(self.main_channel(nsp));
        Box::pin(async move {
            let reply = match self.publisher.clone() {
                Publisher::Single(mut c) => cmd.query_async(&mut c).await,
                Publisher::Cluster(mut c) => {
                    let all = RoutingInfo::MultiNode((MultipleNodeRoutingInfo::AllMasters, None));
                    c.route_command(cmd, all).await
                }
            };
            let reply = reply.map_err(|e| transport_error("PUBSUB SHARDNUMSUB", e))?;
            Ok(sum_numsub(&reply).max(1))
        })
    }

    fn room_created(&self, adapter: &ClusterAdapter, room: &Room, private: bool) {
        if !self.wants_room_channel(room, private) {
            return;
        }
        if let Some(adapter) = adapter.arc() {
            let channel = format!("{}{room}#", self.main_channel(adapter.nsp()));
            self.shared.add(channel, &adapter, false);
        }
    }

    fn room_deleted(&self, adapter: &ClusterAdapter, room: &Room, private: bool) {
        if !self.wants_room_channel(room, private) {
            return;
        }
        let channel = format!("{}{room}#", self.main_channel(adapter.nsp()));
        self.shared.remove(&channel, adapter);
    }
}

/// Makes the sharded adapter of each namespace; give it to
/// `SocketIo::builder().adapter(..)`. Cheap to clone: clones share the
/// connections. See the crate docs.
#[derive(Clone)]
pub struct ShardedAdapterFactory {
    inner: ClusterAdapterFactory,
    shared: Arc<Shared>,
    cluster_mode: bool,
}

impl std::fmt::Debug for ShardedAdapterFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardedAdapterFactory")
            .field("cluster_mode", &self.cluster_mode)
            .field("subscriptions", &self.shared.len())
            .finish_non_exhaustive()
    }
}

impl ShardedAdapterFactory {
    /// Connects to the Redis at `url` (`redis://host:port`): a Redis
    /// Cluster if that node has cluster mode on (the other nodes are
    /// discovered), else a single Redis.
    ///
    /// # Errors
    /// [`AdapterError::Transport`] when the URL is invalid or the node
    /// cannot be reached (use [`ShardedAdapterFactory::single`] to start
    /// while a single Redis is down).
    pub async fn connect(url: &str, config: ShardedConfig) -> Result<Self, AdapterError> {
        let client = redis::Client::open(url).map_err(|e| transport_error("invalid URL", e))?;
        let timeout = config.cluster.requests_timeout;
        let probe = async {
            let mut c = client.get_multiplexed_async_connection().await?;
            redis::cmd("INFO")
                .arg("cluster")
                .query_async::<String>(&mut c)
                .await
        };
        let info = tokio::time::timeout(timeout, probe)
            .await
            .map_err(|_| transport_error(&format!("cannot reach {url}"), "timed out"))?
            .map_err(|e| transport_error(&format!("cannot reach {url}"), e))?;
        if info.contains("cluster_enabled:1") {
            Self::cluster(&[url], config).await
        } else {
            Self::single(url, config)
        }
    }

    /// A single Redis at `url`. Never waits for Redis: while it is down,
    /// local delivery works, cluster operations fail with
    /// [`AdapterError::Transport`], and the connections retry with backoff.
    ///
    /// # Errors
    /// [`AdapterError::Transport`] when the URL is invalid or not plain TCP.
    pub fn single(url: &str, config: ShardedConfig) -> Result<Self, AdapterError> {
        let info = url
            .into_connection_info()
            .map_err(|e| transport_error("invalid URL", e))?;
        let timeout = config.cluster.requests_timeout;
        let max = config.cluster.codec.max_message_size;
        let target = single::Target::from_info(&info, timeout, max)
            .map_err(|e| transport_error("unsupported URL", e))?;
        let client = redis::Client::open(info).map_err(|e| transport_error("invalid URL", e))?;
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_max_delay(std::time::Duration::from_secs(5));
        let publisher = ConnectionManager::new_lazy_with_config(client, manager)
            .map_err(|e| transport_error("connection", e))?;
        let shared = Shared::new();
        tokio::spawn(single::run(target, Arc::downgrade(&shared)));
        Ok(Self::build(
            config,
            Publisher::Single(publisher),
            shared,
            false,
        ))
    }

    /// A Redis Cluster whose nodes include `urls` (one reachable node is
    /// enough: the others are discovered).
    ///
    /// # Errors
    /// [`AdapterError::Transport`] when no node can be reached.
    pub async fn cluster(urls: &[&str], config: ShardedConfig) -> Result<Self, AdapterError> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let timeout = config.cluster.requests_timeout;
        let client = redis::cluster::ClusterClientBuilder::new(urls.to_vec())
            .use_protocol(ProtocolVersion::RESP3)
            .push_sender(tx)
            .connection_timeout(timeout)
            .response_timeout(timeout)
            .build()
            .map_err(|e| transport_error("invalid cluster URLs", e))?;
        let conn = tokio::time::timeout(timeout, client.get_async_connection())
            .await
            .map_err(|_| transport_error("cannot reach the Redis Cluster", "timed out"))?
            .map_err(|e| transport_error("cannot reach the Redis Cluster", e))?;
        let shared = Shared::new();
        tokio::spawn(cluster::dispatch(rx, Arc::downgrade(&shared)));
        tokio::spawn(cluster::reconcile(conn.clone(), Arc::downgrade(&shared)));
        Ok(Self::build(config, Publisher::Cluster(conn), shared, true))
    }

    fn build(
        config: ShardedConfig,
        publisher: Publisher,
        shared: Arc<Shared>,
        cluster_mode: bool,
    ) -> Self {
        let cluster = config.cluster.clone();
        let transport = Sharded {
            codec: cluster.codec,
            config,
            publisher,
            shared: shared.clone(),
        };
        Self {
            inner: ClusterAdapterFactory::new(Arc::new(transport), cluster),
            shared,
            cluster_mode,
        }
    }

    /// Whether it is connected to a Redis Cluster (else a single Redis).
    pub fn is_cluster(&self) -> bool {
        self.cluster_mode
    }

    /// How many shard channels this server's namespaces are subscribed to
    /// (or subscribing to): two per namespace plus one per room in the
    /// dynamic modes. For monitoring.
    pub fn subscriptions(&self) -> usize {
        self.shared.len()
    }
}

impl sio_adapter::AdapterFactory for ShardedAdapterFactory {
    fn create(
        &self,
        ns: sio_engine::Str,
        local: std::sync::Weak<dyn sio_adapter::LocalNamespace>,
    ) -> Arc<dyn sio_adapter::Adapter> {
        self.inner.create(ns, local)
    }
}

#[cfg(test)]
mod tests;
