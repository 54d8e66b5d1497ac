//! [`ClusterAdapterFactory`]: one [`ClusterAdapter`] per namespace, all on
//! one transport.

use std::sync::{Arc, Weak};

use sio_adapter::{Adapter, AdapterFactory, LocalNamespace};
use sio_engine::Str;

use crate::adapter::ClusterAdapter;
use crate::config::ClusterConfig;
use crate::transport::Transport;

/// Makes a [`ClusterAdapter`] per namespace on `transport`. Give it to
/// `SocketIo::builder().adapter(..)`; cheap to clone.
#[derive(Clone)]
pub struct ClusterAdapterFactory {
    transport: Arc<dyn Transport>,
    config: ClusterConfig,
}

impl std::fmt::Debug for ClusterAdapterFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterAdapterFactory")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ClusterAdapterFactory {
    /// Adapters on `transport` with `config`.
    pub fn new(transport: Arc<dyn Transport>, config: ClusterConfig) -> Self {
        Self { transport, config }
    }

    /// The transport.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    /// The options in force.
    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }
}

impl AdapterFactory for ClusterAdapterFactory {
    fn create(&self, ns: Str, local: Weak<dyn LocalNamespace>) -> Arc<dyn Adapter> {
        ClusterAdapter::new(
            ns.as_str(),
            local,
            self.transport.clone(),
            self.config.clone(),
        )
    }
}
