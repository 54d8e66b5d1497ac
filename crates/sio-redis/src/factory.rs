//! [`RedisAdapterFactory`]: connects to Redis once per server and makes the
//! [`RedisAdapter`] of each namespace.

use std::sync::{Arc, Weak};

use sio_adapter::{Adapter, AdapterError, AdapterFactory, LocalNamespace};
use sio_engine::Str;

use crate::RedisAdapterConfig;
use crate::adapter::RedisAdapter;
use crate::driver::Driver;

/// Makes a [`RedisAdapter`] per namespace, all sharing one publishing
/// connection and one subscribing connection to Redis. Give it to
/// [`SocketIo::builder().adapter(..)`](https://docs.rs/sio); cheap to clone
/// (clones share the connections).
#[derive(Debug, Clone)]
pub struct RedisAdapterFactory {
    driver: Arc<Driver>,
}

impl RedisAdapterFactory {
    /// Connects to the Redis server at `url` (`redis://host:port/db`) with
    /// the default options.
    ///
    /// # Errors
    /// [`AdapterError::Transport`] when the URL is invalid or Redis cannot be
    /// reached.
    pub async fn connect(url: &str) -> Result<Self, AdapterError> {
        Self::connect_with(url, RedisAdapterConfig::default()).await
    }

    /// Connects with `config`.
    ///
    /// # Errors
    /// As [`RedisAdapterFactory::connect`].
    pub async fn connect_with(url: &str, config: RedisAdapterConfig) -> Result<Self, AdapterError> {
        let driver = Driver::connect(url, config).await?;
        Ok(Self {
            driver: Arc::new(driver),
        })
    }

    /// How many channels and patterns this server is subscribed to (or
    /// subscribing to) for its namespaces: four per namespace whose adapter
    /// is live. For monitoring: it falls back as namespaces close.
    pub fn subscriptions(&self) -> usize {
        self.driver.routes()
    }

    /// The options in force.
    pub fn config(&self) -> &RedisAdapterConfig {
        &self.driver.config
    }
}

impl AdapterFactory for RedisAdapterFactory {
    fn create(&self, ns: Str, local: Weak<dyn LocalNamespace>) -> Arc<dyn Adapter> {
        RedisAdapter::new(ns.as_str(), local, self.driver.clone())
    }
}
