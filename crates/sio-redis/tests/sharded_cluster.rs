//! The sharded adapter on a three-master Redis Cluster of the test's own
//! (redis-server and redis-cli on free ports; skipped with a message when
//! they are missing), and on a single Redis that is down when the servers
//! start.

mod common;

use std::time::Duration;

use common::{RawClient, RedisServer, WAIT, free_port, socket};
use sio::{SocketIo, SocketRef, Value};
use sio_redis::{ShardedAdapterFactory, ShardedConfig};

fn tools() -> bool {
    let found = |bin: &str| {
        std::process::Command::new(bin)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if found("redis-server") && found("redis-cli") {
        return true;
    }
    eprintln!("skipped: redis-server and redis-cli are needed");
    false
}

/// Three masters joined into one cluster; dropped with their processes.
struct Cluster {
    nodes: Vec<RedisServer>,
    ports: Vec<u16>,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A free port whose cluster bus port (+10000) is free too.
fn cluster_port() -> u16 {
    loop {
        let port = free_port();
        if port < 55_000 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

async fn redis_cluster() -> Cluster {
    let dir = std::env::temp_dir().join(format!("sio-rc-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir = TempDir(dir);
    let ports: Vec<u16> = (0..3).map(|_| cluster_port()).collect();
    let mut nodes = Vec::new();
    for port in &ports {
        let node_dir = dir.0.join(port.to_string());
        std::fs::create_dir_all(&node_dir).unwrap();
        let extra = ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"];
        let node = RedisServer::start_with(*port, &extra, Some(&node_dir)).unwrap();
        node.ping().await;
        nodes.push(node);
    }
    let addrs: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let created = std::process::Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(&addrs)
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stdout)
    );
    let deadline = tokio::time::Instant::now() + WAIT * 3;
    for node in &nodes {
        loop {
            let mut conn = redis::Client::open(node.url())
                .unwrap()
                .get_multiplexed_async_connection()
                .await
                .unwrap();
            let info: String = redis::cmd("CLUSTER")
                .arg("INFO")
                .query_async(&mut conn)
                .await
                .unwrap();
            if info.contains("cluster_state:ok") {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "cluster not ok");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Cluster {
        nodes,
        ports,
        _dir: dir,
    }
}

async fn server(
    factory: ShardedAdapterFactory,
    name: &'static str,
) -> (SocketIo, std::net::SocketAddr) {
    let io = SocketIo::builder()
        .adapter(factory)
        .ns("/", |_socket: SocketRef| async {})
        .on_server_event(move |_args: Vec<Value>| async move { vec![Value::from(name)] })
        .build();
    let addr = common::serve(&io).await;
    (io, addr)
}

async fn eventually(what: &str, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    while !ok().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn rooms_on_every_shard_fetch_and_server_side_acks_on_a_redis_cluster() {
    if !tools() {
        return;
    }
    let rc = redis_cluster().await;
    let config = || ShardedConfig::default().requests_timeout(Duration::from_millis(1500));
    let url = |i: usize| format!("redis://127.0.0.1:{}/", rc.ports[i]);
    let fa = ShardedAdapterFactory::connect(&url(0), config())
        .await
        .unwrap();
    let fb = ShardedAdapterFactory::connect(&url(1), config())
        .await
        .unwrap();
    assert!(fa.is_cluster() && fb.is_cluster());
    let (a, addr_a) = server(fa, "a").await;
    let (b, addr_b) = server(fb, "b").await;
    let (mut cb, idb) = RawClient::connect(addr_b, "/", None).await;
    let (_ca, _ida) = RawClient::connect(addr_a, "/", None).await;
    // Rooms whose channels hash to different slots, so different masters.
    let rooms: Vec<String> = (0..6).map(|i| format!("room-{i}")).collect();
    socket(&b, &idb).join(rooms.clone());

    eventually("both servers counted", async || {
        let answers = a
            .server_side_emit_with_ack(vec![Value::from("whoami")], Duration::from_millis(500))
            .await
            .unwrap();
        answers.complete && answers.responses.len() == 1
    })
    .await;
    // Each room's channel is subscribed on its own shard: a broadcast to
    // one room reaches b's client.
    for room in &rooms {
        eventually("the room's broadcast", async || {
            a.to(room.as_str()).emit("r", room).await.unwrap();
            let got = tokio::time::timeout(Duration::from_millis(200), cb.next_text()).await;
            got.is_ok_and(|t| t == format!(r#"2["r","{room}"]"#))
        })
        .await;
    }
    let mut ids: Vec<String> = a
        .fetch_sockets("/")
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id.to_string())
        .collect();
    ids.sort();
    assert_eq!(ids.len(), 2);
    drop(rc.nodes);
}

#[tokio::test]
async fn a_single_redis_down_at_start_is_retried_and_local_delivery_works_meanwhile() {
    if !tools() {
        return;
    }
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}/");
    let config = || ShardedConfig::default().requests_timeout(Duration::from_millis(500));
    let err = ShardedAdapterFactory::connect(&url, config())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot reach"), "{err}");
    let (a, addr_a) = server(ShardedAdapterFactory::single(&url, config()).unwrap(), "a").await;
    let (b, addr_b) = server(ShardedAdapterFactory::single(&url, config()).unwrap(), "b").await;
    let (mut ca, _) = RawClient::connect(addr_a, "/", None).await;
    let (mut cb, _) = RawClient::connect(addr_b, "/", None).await;
    assert!(a.emit("local", &1).await.is_err(), "the store is down");
    assert_eq!(ca.next_text().await, r#"2["local",1]"#);

    let redis = RedisServer::start(port).unwrap();
    redis.ping().await;
    eventually("b reached through the store", async || {
        let _ = a.emit("x", &2).await;
        let got = tokio::time::timeout(Duration::from_millis(300), cb.next_text()).await;
        got.is_ok_and(|t| t == r#"2["x",2]"#)
    })
    .await;
    let _ = b;
}

#[tokio::test]
async fn a_single_redis_restarted_mid_traffic_is_subscribed_again() {
    if !tools() {
        return;
    }
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}/");
    let redis = RedisServer::start(port).unwrap();
    redis.ping().await;
    let config = || ShardedConfig::default().requests_timeout(Duration::from_millis(500));
    let (a, _) = server(
        ShardedAdapterFactory::connect(&url, config())
            .await
            .unwrap(),
        "a",
    )
    .await;
    let (b, addr_b) = server(
        ShardedAdapterFactory::connect(&url, config())
            .await
            .unwrap(),
        "b",
    )
    .await;
    let (mut cb, idb) = RawClient::connect(addr_b, "/", None).await;
    socket(&b, &idb).join("r");
    let heard = async |cb: &mut RawClient, n: i64| {
        let _ = a.to("r").emit("n", &n).await;
        let got = tokio::time::timeout(Duration::from_millis(300), cb.next_text()).await;
        got.is_ok_and(|t| t == format!(r#"2["n",{n}]"#))
    };
    eventually("before the restart", async || heard(&mut cb, 1).await).await;
    drop(redis);
    let redis = RedisServer::start(port).unwrap();
    redis.ping().await;
    // The room's channel and the namespace's are subscribed again.
    eventually("after the restart", async || heard(&mut cb, 2).await).await;
}
