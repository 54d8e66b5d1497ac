//! "A node frozen" and sharded pub/sub for the Redis Streams adapter, on
//! the Redis 7 of the tests (each test with its own stream and channel
//! prefix):
//!
//! - with `use_sharded_pubsub`, two servers answer each other's
//!   `fetch_sockets` and `server_side_emit_with_ack` over SPUBLISH;
//! - a third "server" that counts in (S)NUMSUB but never answers (a raw
//!   Redis connection subscribed on the namespace's channel, never read
//!   again) makes requests of the streams and sharded adapters end at
//!   their timeout with the answers that came, never hang.

mod common;

use std::time::{Duration, Instant};

use common::{RawClient, redis_url};
use sio::{SocketIo, SocketRef, Value};
use sio_redis::streams::{RedisStreamsAdapterFactory, RedisStreamsConfig};
use sio_redis::{ShardedAdapterFactory, ShardedConfig};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Requests timeout of these tests (a real Redis: no paused clock).
const TIMEOUT: Duration = Duration::from_millis(400);

struct Node {
    io: SocketIo,
    addr: std::net::SocketAddr,
}

/// A server named `name` on `adapter`: it answers server-side events with
/// its name and gives each socket `{"node": name}`.
async fn node<A>(adapter: A, name: &'static str) -> Node
where
    A: sio_adapter::AdapterFactory + 'static,
{
    let io = SocketIo::builder()
        .adapter(adapter)
        .ns("/", move |socket: SocketRef| async move {
            socket.set_data(serde_json::json!({ "node": name }));
        })
        .on_server_event(move |_args: Vec<Value>| async move { vec![Value::from(name)] })
        .build();
    let addr = common::serve(&io).await;
    Node { io, addr }
}

fn streams_config(key: &str, sharded: bool) -> RedisStreamsConfig {
    RedisStreamsConfig::default()
        .stream_name(format!("{key}-stream"))
        .channel_prefix(key)
        .session_key_prefix(format!("{key}:session:"))
        .block_time(Duration::from_millis(200))
        .use_sharded_pubsub(sharded)
        .requests_timeout(TIMEOUT)
}

async fn streams_node(key: &str, sharded: bool, name: &'static str) -> Node {
    let factory =
        RedisStreamsAdapterFactory::connect_with(&redis_url(), streams_config(key, sharded))
            .await
            .expect("Redis 7 at SIO_REDIS_URL or 127.0.0.1:6379");
    node(factory, name).await
}

async fn sharded_node(key: &str, name: &'static str) -> Node {
    let config = ShardedConfig::default()
        .channel_prefix(key)
        .requests_timeout(TIMEOUT);
    let factory = ShardedAdapterFactory::connect(&redis_url(), config)
        .await
        .expect("Redis 7 at SIO_REDIS_URL or 127.0.0.1:6379");
    node(factory, name).await
}

/// A frozen server: a raw connection that `command`s (`SUBSCRIBE` or
/// `SSUBSCRIBE`) the namespace's channel, then never reads nor answers.
async fn frozen(key: &str, command: &str) -> TcpStream {
    let url = redis_url();
    let host = url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    let mut conn = TcpStream::connect(host).await.unwrap();
    let channel = format!("{key}#/#");
    let request = format!(
        "*2\r\n${}\r\n{command}\r\n${}\r\n{channel}\r\n",
        command.len(),
        channel.len()
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut confirmation = [0u8; 64];
    let n = conn.read(&mut confirmation).await.unwrap();
    assert!(n > 0, "no confirmation of {command}");
    conn
}

/// Waits until `PUBSUB {which} {key}#/#` counts `n` subscribers (the
/// servers subscribe in the background once built).
async fn wait_count(key: &str, which: &str, n: i64) {
    let mut conn = common::redis().await;
    let deadline = Instant::now() + common::WAIT;
    loop {
        let (_, count): (String, i64) = redis::cmd("PUBSUB")
            .arg(which)
            .arg(format!("{key}#/#"))
            .query_async(&mut conn)
            .await
            .unwrap();
        if count == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{which} stays at {count}, not {n}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What every frozen-node test checks, from server `a` with `b` alive and
/// one frozen: each request ends at about `TIMEOUT` with b's answers.
async fn requests_end_at_their_timeout(a: &Node, b: &Node) {
    let (mut ca, ida) = RawClient::connect(a.addr, "/", None).await;
    let (mut cb, idb) = RawClient::connect(b.addr, "/", None).await;

    let start = Instant::now();
    let mut infos = a.io.fetch_sockets("/").await.unwrap();
    let took = start.elapsed();
    infos.sort_by(|x, y| x.data["node"].as_str().cmp(&y.data["node"].as_str()));
    let ids: Vec<&str> = infos.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, [ida.as_str(), idb.as_str()]);
    assert_timeout("fetch_sockets", took);

    let start = Instant::now();
    let answers =
        a.io.server_side_emit_with_ack(vec![Value::from("whoami")], TIMEOUT)
            .await
            .unwrap();
    assert_timeout("server_side_emit_with_ack", start.elapsed());
    assert!(!answers.complete);
    let names: Vec<&Vec<Value>> = answers.responses.iter().map(|r| &r.args).collect();
    assert_eq!(names, [&vec![Value::from("b")]]);

    let io = a.io.clone();
    let start = Instant::now();
    let asked = tokio::spawn(async move {
        io.timeout(TIMEOUT)
            .emit_with_ack::<_, Value>("q", &())
            .await
    });
    for (client, answer) in [(&mut ca, "from-a"), (&mut cb, "from-b")] {
        let packet = client.next_text().await;
        let id = packet
            .strip_prefix('2')
            .and_then(|p| p.split('[').next())
            .unwrap()
            .to_owned();
        client.send(&format!("3{id}[\"{answer}\"]")).await;
    }
    let acks = asked.await.unwrap().unwrap();
    assert_timeout("broadcast with ack", start.elapsed());
    assert!(!acks.complete);
    let mut all: Vec<Value> = acks.values();
    all.sort_by_key(|v| serde_json::to_string(v).unwrap());
    assert_eq!(all, [Value::from("from-a"), Value::from("from-b")]);
}

fn assert_timeout(what: &str, took: Duration) {
    assert!(
        took >= TIMEOUT - Duration::from_millis(50) && took < TIMEOUT * 3,
        "{what} took {took:?}, not about {TIMEOUT:?}"
    );
}

#[tokio::test]
async fn streams_sharded_pubsub_spans_two_servers() {
    let key = common::unique_key("st-sharded");
    let a = streams_node(&key, true, "a").await;
    let b = streams_node(&key, true, "b").await;
    let (_ca, ida) = RawClient::connect(a.addr, "/", None).await;
    let (_cb, idb) = RawClient::connect(b.addr, "/", None).await;

    // Both servers count in SHARDNUMSUB, none in NUMSUB.
    wait_count(&key, "SHARDNUMSUB", 2).await;
    wait_count(&key, "NUMSUB", 0).await;

    let start = Instant::now();
    let mut infos = a.io.fetch_sockets("/").await.unwrap();
    assert!(start.elapsed() < TIMEOUT, "answered before the timeout");
    infos.sort_by(|x, y| x.data["node"].as_str().cmp(&y.data["node"].as_str()));
    let ids: Vec<&str> = infos.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, [ida.as_str(), idb.as_str()]);
    assert_eq!(infos[1].data["node"], "b");

    let answers =
        b.io.server_side_emit_with_ack(vec![Value::from("whoami")], Duration::from_secs(2))
            .await
            .unwrap();
    assert!(answers.complete);
    let names: Vec<&Vec<Value>> = answers.responses.iter().map(|r| &r.args).collect();
    assert_eq!(names, [&vec![Value::from("a")]]);
}

#[tokio::test]
async fn streams_node_frozen() {
    let key = common::unique_key("st-frozen");
    let a = streams_node(&key, false, "a").await;
    let b = streams_node(&key, false, "b").await;
    let _frozen = frozen(&key, "SUBSCRIBE").await;
    wait_count(&key, "NUMSUB", 3).await;
    requests_end_at_their_timeout(&a, &b).await;
}

#[tokio::test]
async fn streams_sharded_node_frozen() {
    let key = common::unique_key("st-sh-frozen");
    let a = streams_node(&key, true, "a").await;
    let b = streams_node(&key, true, "b").await;
    let _frozen = frozen(&key, "SSUBSCRIBE").await;
    wait_count(&key, "SHARDNUMSUB", 3).await;
    requests_end_at_their_timeout(&a, &b).await;
}

#[tokio::test]
async fn sharded_node_frozen() {
    let key = common::unique_key("sh-frozen");
    let a = sharded_node(&key, "a").await;
    let b = sharded_node(&key, "b").await;
    let _frozen = frozen(&key, "SSUBSCRIBE").await;
    wait_count(&key, "SHARDNUMSUB", 3).await;
    requests_end_at_their_timeout(&a, &b).await;
}
