//! [`PostgresAdapterFactory`]: one bus per server, one cluster adapter per
//! namespace on it.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sio_adapter::{Adapter, AdapterError, AdapterFactory, LocalNamespace};
use sio_cluster::{
    ClusterAdapterFactory, ClusterConfig, Codec, Flavor, Format, Heartbeat, HeartbeatConfig,
};
use sio_engine::Str;

use crate::PostgresAdapterConfig;
use crate::bus::Bus;
use crate::publisher::transport;
use crate::sql;
use crate::transport::PgTransport;

/// Makes the adapter of each namespace, all sharing one LISTEN connection
/// and one query connection to PostgreSQL. Give it to
/// `SocketIo::builder().adapter(..)`; cheap to clone (clones share the
/// connections, which close when the last clone and adapter are gone).
#[derive(Debug, Clone)]
pub struct PostgresAdapterFactory {
    inner: ClusterAdapterFactory,
    transport: Arc<PgTransport>,
}

impl PostgresAdapterFactory {
    /// Starts the adapter's connections to the database at `url`
    /// (`postgres://user:password@host:port/database`) in the background,
    /// without waiting for them: while PostgreSQL does not answer, the
    /// server works alone (broadcasts reach its own clients and report
    /// [`AdapterError::Transport`]) and the adapter keeps retrying
    /// (100 ms, doubling up to 5 s), logging why each attempt failed.
    /// [`PostgresAdapterFactory::connected`] waits for the connection.
    ///
    /// Call it inside a tokio runtime.
    ///
    /// # Errors
    /// [`AdapterError::Transport`] when the URL is not a PostgreSQL URL or
    /// the configured table name is not a plain SQL identifier.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn new(url: &str, config: PostgresAdapterConfig) -> Result<Self, AdapterError> {
        let pg: tokio_postgres::Config = url.parse().map_err(transport)?;
        if !sql::valid_table_name(&config.table_name) {
            return Err(transport(format_args!(
                "invalid table name {:?}: expected [schema.]name of [A-Za-z0-9_]",
                config.table_name
            )));
        }
        let mut pg = pg;
        pg.connect_timeout(config.requests_timeout);
        if pg.get_application_name().is_none() {
            pg.application_name("sio-postgres");
        }
        let heartbeat = Heartbeat::new(
            HeartbeatConfig::new()
                .interval(config.heartbeat_interval)
                .timeout(config.heartbeat_timeout),
        );
        let codec = Codec {
            format: Format::JsonUnlessBinary,
            flavor: Flavor::MsgpackJs,
            max_message_size: config.max_attachment_size,
        };
        let cluster = ClusterConfig::new()
            .requests_timeout(config.requests_timeout)
            .codec(codec);
        let bus = Bus::start(pg, config);
        let transport = Arc::new(PgTransport::new(bus, heartbeat, codec));
        Ok(Self {
            inner: ClusterAdapterFactory::new(transport.clone(), cluster),
            transport,
        })
    }

    /// Like [`PostgresAdapterFactory::new`] with the default options, then
    /// waits (at most the requests timeout, 5 s) until the LISTEN
    /// connection is up.
    ///
    /// # Errors
    /// As [`PostgresAdapterFactory::new`], and [`AdapterError::Transport`]
    /// saying why PostgreSQL could not be reached.
    pub async fn connect(url: &str) -> Result<Self, AdapterError> {
        Self::connect_with(url, PostgresAdapterConfig::default()).await
    }

    /// Like [`PostgresAdapterFactory::connect`] with `config`.
    ///
    /// # Errors
    /// As [`PostgresAdapterFactory::connect`].
    pub async fn connect_with(
        url: &str,
        config: PostgresAdapterConfig,
    ) -> Result<Self, AdapterError> {
        let deadline = config.requests_timeout;
        let factory = Self::new(url, config)?;
        factory.connected(deadline).await?;
        Ok(factory)
    }

    /// Waits at most `deadline` until the LISTEN connection is up.
    ///
    /// # Errors
    /// [`AdapterError::Transport`] with the last connection error.
    pub async fn connected(&self, deadline: Duration) -> Result<(), AdapterError> {
        self.transport.bus.connected(deadline).await
    }

    /// How many servers this one counts in namespace `nsp`, itself
    /// included: 1 + the servers heard from within the heartbeat timeout
    /// (what `server_count` answers; 1 for a namespace not started).
    pub fn server_count(&self, nsp: &str) -> usize {
        self.transport.heartbeat.server_count(nsp)
    }

    /// The options in force.
    pub fn config(&self) -> &PostgresAdapterConfig {
        &self.transport.bus.shared.config
    }
}

impl AdapterFactory for PostgresAdapterFactory {
    fn create(&self, ns: Str, local: Weak<dyn LocalNamespace>) -> Arc<dyn Adapter> {
        self.inner.create(ns, local)
    }
}
