//! [`RedisStreamsAdapterFactory`]: connects to Redis once per server and
//! makes the [`RedisStreamsAdapter`] of each namespace.

use std::sync::{Arc, Weak};

use sio_adapter::{Adapter, AdapterError, AdapterFactory, LocalNamespace};
use sio_engine::Str;

use super::RedisStreamsConfig;
use super::adapter::RedisStreamsAdapter;
use super::driver::StreamsDriver;

/// Makes a [`RedisStreamsAdapter`] per namespace, all sharing one command
/// connection, one reader connection per stream and one pub/sub
/// connection. Cheap to clone (clones share the connections).
#[derive(Debug, Clone)]
pub struct RedisStreamsAdapterFactory {
    driver: Arc<StreamsDriver>,
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
        let driver = StreamsDriver::connect(url, config).await?;
        Ok(Self {
            driver: Arc::new(driver),
        })
    }

    /// The options in force.
    pub fn config(&self) -> &RedisStreamsConfig {
        &self.driver.config
    }
}

impl AdapterFactory for RedisStreamsAdapterFactory {
    fn create(&self, ns: Str, local: Weak<dyn LocalNamespace>) -> Arc<dyn Adapter> {
        RedisStreamsAdapter::new(ns.as_str(), local, self.driver.clone())
    }
}
