//! Helpers of the Redis adapter's tests: servers on one Redis (each test
//! with its own key prefix, so tests run in parallel), raw clients (the
//! socket.io tests' own), and a plain Redis connection to publish with.
#![allow(dead_code, unreachable_pub, unused_imports)]

mod redis_server;
#[path = "../../../sio/tests/sio_common/mod.rs"]
mod sio_common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub use redis_server::{RedisServer, free_port};
use sio::{SocketIo, SocketRef, Value};
pub use sio_common::{Frame, RawClient, WAIT, serve_io as serve};
use sio_redis::{RedisAdapterConfig, RedisAdapterFactory};
use tokio::sync::mpsc;

/// The Redis of the tests: `SIO_REDIS_URL`, else 127.0.0.1:6379.
pub fn redis_url() -> String {
    std::env::var("SIO_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned())
}

/// A key prefix no other test (or run) uses.
pub fn unique_key(test: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "sio-test-{test}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// One server of a test cluster.
pub struct Node {
    pub io: SocketIo,
    pub addr: SocketAddr,
    /// The server-side events its handler received.
    pub events: mpsc::UnboundedReceiver<Vec<Value>>,
}

/// How a node answers server-side events: with its name, or never.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Name(&'static str),
    Never,
}

pub fn config(key: &str) -> RedisAdapterConfig {
    RedisAdapterConfig::default()
        .key(key)
        .requests_timeout(Duration::from_millis(1500))
}

/// A server on the adapter with prefix `key`; every socket's data is
/// `{"node": name}`.
pub async fn node(key: &str, name: &'static str, answer: Answer) -> Node {
    node_with(config(key), name, answer).await
}

/// A server on the adapter with `config`.
pub async fn node_with(config: RedisAdapterConfig, name: &'static str, answer: Answer) -> Node {
    let factory = RedisAdapterFactory::connect_with(&redis_url(), config)
        .await
        .expect("Redis at SIO_REDIS_URL or 127.0.0.1:6379");
    let (tx, events) = mpsc::unbounded_channel();
    let io = SocketIo::builder()
        .adapter(factory)
        .ns("/", move |socket: SocketRef| async move {
            socket.set_data(serde_json::json!({ "node": name }));
        })
        .on_server_event(move |args: Vec<Value>| {
            let _ = tx.send(args);
            async move {
                match answer {
                    Answer::Name(name) => vec![Value::from(name)],
                    Answer::Never => std::future::pending().await,
                }
            }
        })
        .build();
    let addr = sio_common::serve_io(&io).await;
    Node { io, addr, events }
}

/// `names.len()` servers, returned once every one is subscribed.
pub async fn cluster(key: &str, names: &[(&'static str, Answer)]) -> Vec<Node> {
    let mut nodes = Vec::new();
    for (name, answer) in names {
        nodes.push(node(key, name, *answer).await);
    }
    wait_subscribers(key, names.len()).await;
    nodes
}

/// A plain connection, to publish and count subscribers.
pub async fn redis() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

pub async fn publish(conn: &mut redis::aio::MultiplexedConnection, channel: &str, payload: &[u8]) {
    let _: i64 = redis::cmd("PUBLISH")
        .arg(channel)
        .arg(payload)
        .query_async(conn)
        .await
        .unwrap();
}

/// Waits until `n` connections listen on the request channel of `/` (the
/// adapters subscribe in a task started by `build`).
pub async fn wait_subscribers(key: &str, n: usize) {
    let mut conn = redis().await;
    let channel = format!("{key}-request#/#");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let reply: Vec<redis::Value> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(&channel)
            .query_async(&mut conn)
            .await
            .unwrap();
        if matches!(reply.get(1), Some(redis::Value::Int(c)) if *c as usize >= n) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "adapters did not subscribe"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The local socket `id` of `io`.
pub fn socket(io: &SocketIo, id: &str) -> SocketRef {
    io.local_sockets("/")
        .into_iter()
        .find(|s| s.id().as_str() == id)
        .expect("a local socket")
}
