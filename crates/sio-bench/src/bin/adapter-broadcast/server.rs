//! The two sio servers of the bench and the adapter each one is built on.

use std::net::SocketAddr;
use std::time::Duration;

use sio::{SocketIo, SocketRef};

/// The adapter under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// One server, in-memory adapter: the baseline.
    Memory,
    /// `sio_redis::RedisAdapterFactory` (PUBLISH/PSUBSCRIBE).
    Classic,
    /// `sio_redis::ShardedAdapterFactory` on a single Redis (SPUBLISH).
    Sharded,
    /// `sio_redis::streams::RedisStreamsAdapterFactory` (XADD/XREAD).
    Streams,
    /// `sio_postgres::PostgresAdapterFactory` (LISTEN/NOTIFY).
    Postgres,
}

impl Kind {
    /// The kind named `name` on the command line.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "memory" => Self::Memory,
            "classic" => Self::Classic,
            "sharded" => Self::Sharded,
            "streams" => Self::Streams,
            "postgres" => Self::Postgres,
            _ => return None,
        })
    }

    /// Its name on the command line and in the report.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Classic => "classic",
            Self::Sharded => "sharded",
            Self::Streams => "streams",
            Self::Postgres => "postgres",
        }
    }
}

/// Where the stores are and the private names of this run.
#[derive(Debug, Clone)]
pub(crate) struct Stores {
    /// Redis URL (classic, sharded, streams).
    pub(crate) redis: String,
    /// PostgreSQL URL.
    pub(crate) postgres: String,
    /// The key / channel prefix / stream name of this run.
    pub(crate) prefix: String,
}

async fn on_connect(_socket: SocketRef) {}

/// Builds one server's `SocketIo` on `kind`'s adapter, connected to its store.
async fn socket_io(kind: Kind, stores: &Stores) -> Result<SocketIo, String> {
    // Pings far apart: the clients answer them, but none fall in a run.
    let builder = SocketIo::builder()
        .ping_interval(Duration::from_secs(120))
        .ping_timeout(Duration::from_secs(60))
        .ns("/", on_connect);
    let prefix = stores.prefix.clone();
    let builder = match kind {
        Kind::Memory => builder,
        Kind::Classic => {
            let config = sio_redis::RedisAdapterConfig::new().key(prefix);
            builder.adapter(
                sio_redis::RedisAdapterFactory::connect_with(&stores.redis, config)
                    .await
                    .map_err(|e| format!("redis: {e}"))?,
            )
        }
        Kind::Sharded => {
            let config = sio_redis::ShardedConfig::new().channel_prefix(prefix);
            builder.adapter(
                sio_redis::ShardedAdapterFactory::connect(&stores.redis, config)
                    .await
                    .map_err(|e| format!("redis: {e}"))?,
            )
        }
        Kind::Streams => {
            let config = sio_redis::streams::RedisStreamsConfig::new()
                .stream_name(prefix.clone())
                .channel_prefix(prefix.clone())
                .session_key_prefix(format!("{prefix}:session:"));
            builder.adapter(
                sio_redis::streams::RedisStreamsAdapterFactory::connect_with(&stores.redis, config)
                    .await
                    .map_err(|e| format!("redis: {e}"))?,
            )
        }
        Kind::Postgres => {
            // Payloads stay far under the 8000-byte threshold: the table
            // is created (if missing) but never written to.
            let config = sio_postgres::PostgresAdapterConfig::new()
                .channel_prefix(prefix)
                .table_name("sio_bench_attachments");
            builder.adapter(
                sio_postgres::PostgresAdapterFactory::connect_with(&stores.postgres, config)
                    .await
                    .map_err(|e| format!("postgres: {e}"))?,
            )
        }
    };
    Ok(builder.build())
}

/// Starts a server on 127.0.0.1 (a free port) on `kind`'s adapter.
pub(crate) async fn start(kind: Kind, stores: &Stores) -> Result<(SocketIo, SocketAddr), String> {
    let io = socket_io(kind, stores).await?;
    let app = axum::Router::new().layer(io.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((io, addr))
}

/// Deletes the stream of a Streams run (`DEL`, spoken in RESP by hand).
pub(crate) async fn delete_stream(redis: &str, key: &str) -> Result<(), String> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let host = redis
        .strip_prefix("redis://")
        .unwrap_or(redis)
        .trim_end_matches('/');
    let mut tcp = tokio::net::TcpStream::connect(host)
        .await
        .map_err(|e| e.to_string())?;
    let command = format!("*2\r\n$3\r\nDEL\r\n${}\r\n{key}\r\n", key.len());
    tcp.write_all(command.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut reply = [0u8; 16];
    let n = tcp.read(&mut reply).await.map_err(|e| e.to_string())?;
    match reply.get(..n) {
        Some([b':', ..]) => Ok(()),
        other => Err(format!("DEL {key}: {other:?}")),
    }
}
