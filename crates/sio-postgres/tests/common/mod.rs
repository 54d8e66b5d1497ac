//! Helpers of the Postgres adapter's tests: servers on the local
//! PostgreSQL (each test with its own channel prefix and table, so tests
//! run in parallel), raw clients (the socket.io tests' own), and a plain
//! connection to notify and write rows with. Every test skips, with a
//! printed reason, when PostgreSQL does not answer (CI starts one).
#![allow(dead_code, unreachable_pub, unused_imports)]

#[path = "../../../sio/tests/sio_common/mod.rs"]
mod sio_common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sio::{SocketIo, SocketRef, Value};
pub use sio_common::{Frame, RawClient, WAIT, serve_io as serve};
use sio_postgres::{PostgresAdapterConfig, PostgresAdapterFactory};
use tokio::sync::mpsc;

/// The database of the tests: `SIO_TEST_POSTGRES`, else the local one.
pub fn url() -> String {
    std::env::var("SIO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A plain connection, or `None` (and why, printed) when PostgreSQL does
/// not answer.
pub async fn database() -> Option<tokio_postgres::Client> {
    let mut config: tokio_postgres::Config = url().parse().expect("a PostgreSQL URL");
    config.connect_timeout(Duration::from_secs(2));
    match config.connect(tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            Some(client)
        }
        Err(e) => {
            eprintln!("skipped: PostgreSQL at {} does not answer: {e}", url());
            None
        }
    }
}

/// The options of one test: a channel prefix and table no other test (or
/// run) uses.
#[derive(Clone)]
pub struct Setup {
    pub config: PostgresAdapterConfig,
    /// The channel of namespace `/`.
    pub channel: String,
    pub table: String,
}

/// A fresh [`Setup`] for `test`.
pub fn setup(test: &str) -> Setup {
    static N: AtomicUsize = AtomicUsize::new(0);
    let tag = format!(
        "{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        rand_tag()
    );
    let prefix = format!("sio-test-{test}-{tag}");
    let table = format!("sio_test_{tag}");
    Setup {
        config: PostgresAdapterConfig::default()
            .channel_prefix(&prefix)
            .table_name(&table)
            .requests_timeout(Duration::from_millis(1500)),
        channel: format!("{prefix}#/"),
        table,
    }
}

fn rand_tag() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

/// One server of a test cluster.
pub struct Node {
    pub io: SocketIo,
    pub addr: SocketAddr,
    pub factory: PostgresAdapterFactory,
    /// The server-side events its handler received.
    pub events: mpsc::UnboundedReceiver<Vec<Value>>,
}

/// A server on the adapter with `config`; every socket's data is
/// `{"node": name}`, and it answers server-side events with its name.
pub async fn node(config: PostgresAdapterConfig, name: &'static str) -> Node {
    let factory = PostgresAdapterFactory::connect_with(&url(), config)
        .await
        .expect("PostgreSQL at SIO_TEST_POSTGRES or 127.0.0.1:5432");
    node_on(factory, name).await
}

/// A server on `factory`.
pub async fn node_on(factory: PostgresAdapterFactory, name: &'static str) -> Node {
    let (tx, events) = mpsc::unbounded_channel();
    let io = SocketIo::builder()
        .adapter(factory.clone())
        .ns("/", move |socket: SocketRef| async move {
            socket.set_data(serde_json::json!({ "node": name }));
        })
        .on_server_event(move |args: Vec<Value>| {
            let _ = tx.send(args);
            async move { vec![Value::from(name)] }
        })
        .build();
    let addr = sio_common::serve_io(&io).await;
    Node {
        io,
        addr,
        factory,
        events,
    }
}

/// Servers named `names`, returned once each counts all of them.
pub async fn cluster(config: &PostgresAdapterConfig, names: &[&'static str]) -> Vec<Node> {
    let mut nodes = Vec::new();
    for name in names {
        nodes.push(node(config.clone(), name).await);
    }
    for node in &nodes {
        wait_count(node, names.len()).await;
    }
    nodes
}

/// Waits until `node` counts `n` servers in namespace `/`.
pub async fn wait_count(node: &Node, n: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if node.factory.server_count("/") == n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server did not count {n} servers"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `payload` on `channel`.
pub async fn notify(db: &tokio_postgres::Client, channel: &str, payload: &str) {
    db.execute("SELECT pg_notify($1, $2)", &[&channel, &payload])
        .await
        .expect("pg_notify");
}

/// Drops the test's table.
pub async fn drop_table(db: &tokio_postgres::Client, setup: &Setup) {
    let table = &setup.table;
    let _ = db
        .batch_execute(&format!("DROP TABLE IF EXISTS {table}"))
        .await;
}

/// The local socket `id` of `io`.
pub fn socket(io: &SocketIo, id: &str) -> SocketRef {
    io.local_sockets("/")
        .into_iter()
        .find(|s| s.id().as_str() == id)
        .expect("a local socket")
}
