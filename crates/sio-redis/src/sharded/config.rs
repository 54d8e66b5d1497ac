//! [`ShardedConfig`]: the options of Node's `createShardedAdapter`, with
//! its defaults, and the bounds of the cluster core.

use std::time::Duration;

use sio_cluster::ClusterConfig;

/// Which channels a server subscribes to (Node's `subscriptionMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SubscriptionMode {
    /// Only the namespace's channel and this server's response channel: a
    /// broadcast to one room goes to every server.
    Static,
    /// Also one channel per public room (not a socket's own room), joined
    /// when the room is created on this server and left when it is deleted:
    /// a broadcast to one room only reaches the servers that have it.
    /// Node's default.
    #[default]
    Dynamic,
    /// As `Dynamic`, for sockets' own rooms too (many more subscriptions;
    /// for apps that mostly send to single sockets).
    DynamicPrivate,
}

/// Options of the sharded adapter. Every server of a cluster must use the
/// same `channel_prefix` and `subscription_mode`.
///
/// | option | default | meaning |
/// |---|---|---|
/// | [`channel_prefix`](Self::channel_prefix) | `socket.io` | prefix of every channel (Node's `channelPrefix`) |
/// | [`subscription_mode`](Self::subscription_mode) | dynamic | Node's `subscriptionMode` |
/// | [`requests_timeout`](Self::requests_timeout) | 5 s | how long `fetch_sockets` waits for the other servers when the call sets no timeout; also the deadline of a connection attempt |
/// | [`cluster`](Self::cluster) | see [`ClusterConfig`] | limits on what other servers send (message size 8 MiB, 1024 pending requests, 256 answers per request, 60 s ack timeout) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardedConfig {
    pub(crate) channel_prefix: String,
    pub(crate) subscription_mode: SubscriptionMode,
    pub(crate) cluster: ClusterConfig,
}

impl Default for ShardedConfig {
    fn default() -> Self {
        Self {
            channel_prefix: "socket.io".to_owned(),
            subscription_mode: SubscriptionMode::default(),
            cluster: ClusterConfig::default(),
        }
    }
}

impl ShardedConfig {
    /// The defaults (see the table above).
    pub fn new() -> Self {
        Self::default()
    }

    /// The prefix of every channel.
    pub fn channel_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.channel_prefix = prefix.into();
        self
    }

    /// Which channels to subscribe to.
    pub fn subscription_mode(mut self, mode: SubscriptionMode) -> Self {
        self.subscription_mode = mode;
        self
    }

    /// How long requests wait for the other servers.
    pub fn requests_timeout(mut self, timeout: Duration) -> Self {
        self.cluster.requests_timeout = timeout;
        self
    }

    /// The limits of the cluster core.
    pub fn cluster(mut self, config: ClusterConfig) -> Self {
        self.cluster = config;
        self
    }

    /// The options in force for the cluster core.
    pub fn cluster_config(&self) -> &ClusterConfig {
        &self.cluster
    }
}
