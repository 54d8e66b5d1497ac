//! [`RedisStreamsAdapterFactory`]: connects to Redis once per server and
//! makes the [`RedisStreamsAdapter`] of each namespace.

use std::sync::{Arc, Weak};

use sio_adapter::{Adapter, AdapterError, AdapterFactory, LocalNamespace};
use sio_cluster::{ClusterAdapter, ClusterConfig, Codec, Flavor, Format, Transport};
use sio_engine::Str;

use super::RedisStreamsConfig;
use super::adapter::RedisStreamsAdapter;
use super::driver::StreamsDriver;
use super::transport::StreamsTransport;

/// Makes a [`RedisStreamsAdapter`] per namespace, all sharing one command
/// connection, one reader connection per stream and one pub/sub
/// connection. Cheap to clone (clones share the connections).
#[derive(Clone)]
pub struct RedisStreamsAdapterFactory {
    driver: Arc<StreamsDriver>,
    transport: Arc<dyn Transport>,
    cluster: ClusterConfig,
}

impl std::fmt::Debug for RedisStreamsAdapterFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStreamsAdapterFactory")
            .field("config", &self.driver.config)
            .finish_non_exhaustive()
    }
}

impl RedisStreamsAdapterFactory {
    /// Connects to the Redis server at `url` with Node's defaults.
    ///
    /// # Errors
    /// [`AdapterError::Transport`] when the URL is invalid or Redis cannot
    /// be reached.
    pub async fn connect(url: &str) -> Result<Self, AdapterError> {
        Self::connect_with(url, RedisStreamsConfig::default()).await
    }

    /// Connects with `config`.
    ///
    /// # Errors
    /// As [`RedisStreamsAdapterFactory::connect`].
    pub async fn connect_with(url: &str, config: RedisStreamsConfig) -> Result<Self, AdapterError> {
        let cluster = cluster_config(&config);
        let driver = Arc::new(StreamsDriver::connect(url, config).await?);
        Ok(Self::with_driver(driver, cluster))
    }

    /// Starts at once, whether Redis is reachable or not: the connections
    /// are made in the background and made again after any failure (100 ms
    /// backoff, doubling to 5 s). Until Redis answers, local delivery
    /// works and the cluster part of each operation fails with
    /// [`AdapterError::Transport`]; once it does, every namespace is
    /// subscribed and read. Call it inside a tokio runtime.
    ///
    /// # Errors
    /// [`AdapterError::Transport`] for an invalid URL only.
    pub fn connect_lazy(url: &str, config: RedisStreamsConfig) -> Result<Self, AdapterError> {
        let cluster = cluster_config(&config);
        let driver = Arc::new(StreamsDriver::connect_lazy(url, config)?);
        Ok(Self::with_driver(driver, cluster))
    }

    fn with_driver(driver: Arc<StreamsDriver>, cluster: ClusterConfig) -> Self {
        let transport = Arc::new(StreamsTransport {
            driver: driver.clone(),
        });
        Self {
            driver,
            transport,
            cluster,
        }
    }

    /// The options in force.
    pub fn config(&self) -> &RedisStreamsConfig {
        &self.driver.config
    }
}

/// sio-cluster's options for the Streams adapter: Node's pub/sub part is
/// always @msgpack/msgpack.
fn cluster_config(config: &RedisStreamsConfig) -> ClusterConfig {
    let codec = Codec {
        format: Format::Msgpack,
        flavor: Flavor::MsgpackJs,
        max_message_size: config.max_message_size,
    };
    let mut cluster = ClusterConfig::default().codec(codec);
    cluster.requests_timeout = config.requests_timeout;
    cluster
}

impl AdapterFactory for RedisStreamsAdapterFactory {
    fn create(&self, ns: Str, local: Weak<dyn LocalNamespace>) -> Arc<dyn Adapter> {
        let cluster = ClusterAdapter::new(
            ns.as_str(),
            local.clone(),
            self.transport.clone(),
            self.cluster.clone(),
        );
        RedisStreamsAdapter::new(cluster, local, self.driver.clone())
    }
}
