//! The Redis Streams adapter between sio servers on a redis-server of the
//! test's own: connection-state recovery on another server (same id,
//! rooms, data and every missed packet, binary included, in order), what
//! gives a fresh session (past the window, trimmed past `max_len`), a
//! Redis restart survived by the readers, and garbage in the stream.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{Frame, RawClient, RedisServer, WAIT, free_port, serve};
use sio::{ConnectionStateRecovery, DisconnectReason, SocketIo, SocketRef};
use sio_redis::streams::{RedisStreamsAdapterFactory, RedisStreamsConfig};
use tokio::sync::mpsc;

struct Node {
    io: SocketIo,
    addr: std::net::SocketAddr,
    gone: mpsc::UnboundedReceiver<String>,
}

/// A server on the streams adapter at `url` with recovery (`window`);
/// each new socket gets data `{"user": 7}` and is told its state.
async fn node(url: &str, config: RedisStreamsConfig, window: Duration) -> Node {
    let factory = RedisStreamsAdapterFactory::connect_with(url, config)
        .await
        .expect("redis-server of the test");
    let (tx, gone) = mpsc::unbounded_channel();
    let io = SocketIo::builder()
        .adapter(factory)
        .connection_state_recovery(
            ConnectionStateRecovery::default().max_disconnection_duration(window),
        )
        .ns("/", move |socket: SocketRef| {
            let tx = tx.clone();
            async move {
                if !socket.recovered() {
                    socket.set_data(serde_json::json!({"user": 7}));
                }
                let _ = socket.emit_args("state", &(socket.recovered(), socket.data_json()));
                socket.on_disconnect(move |s: SocketRef, reason: DisconnectReason| async move {
                    let _ = tx.send(format!("{} {reason}", s.id()));
                });
            }
        })
        .build();
    let addr = serve(&io).await;
    Node { io, addr, gone }
}

fn redis_server() -> Option<RedisServer> {
    let server = RedisServer::start(free_port());
    if server.is_none() {
        eprintln!("skipped: no redis-server binary");
    }
    server
}

/// Sends CONNECT to `/` with `auth`; returns the reply's data.
async fn connect(client: &mut RawClient, auth: &str) -> serde_json::Value {
    client.send(&format!("0{auth}")).await;
    let reply = client.next_text().await;
    let body = reply.strip_prefix('0').expect("CONNECT reply");
    serde_json::from_str(body).unwrap()
}

/// The arguments of an EVENT or BINARY_EVENT text packet.
fn args(packet: &str) -> Vec<serde_json::Value> {
    let json = packet.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    serde_json::from_str(json).unwrap()
}

async fn conn(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Waits until the session of `pid` is in Redis.
async fn persisted(url: &str, pid: &str) {
    let mut c = conn(url).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let n: i64 = redis::cmd("EXISTS")
            .arg(format!("sio:session:{pid}"))
            .query_async(&mut c)
            .await
            .unwrap();
        if n == 1 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "session not persisted"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A client connected to `node`, in room `r`, that got its state event:
/// (client, sid, pid, offset).
async fn joined(node: &Node) -> (RawClient, String, String, String) {
    let mut client = RawClient::open(node.addr).await;
    let reply = connect(&mut client, "").await;
    let sid = reply["sid"].as_str().unwrap().to_owned();
    let pid = reply["pid"].as_str().expect("pid").to_owned();
    let state = args(&client.next_text().await);
    assert_eq!(state[0], "state");
    let offset = state.last().unwrap().as_str().expect("offset").to_owned();
    assert!(
        offset.contains('-') && offset.bytes().next().unwrap().is_ascii_digit(),
        "{offset}"
    );
    node.io
        .local_sockets("/")
        .into_iter()
        .find(|s| s.id().as_str() == sid)
        .unwrap()
        .join("r");
    (client, sid, pid, offset)
}

async fn leave(client: RawClient, node: &mut Node, url: &str, sid: &str, pid: &str) {
    client.close().await;
    let gone = tokio::time::timeout(WAIT, node.gone.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gone, format!("{sid} transport close"));
    persisted(url, pid).await;
}

#[tokio::test]
async fn a_client_recovers_its_session_on_another_server() {
    let Some(redis) = redis_server() else { return };
    redis.ping().await;
    let url = redis.url();
    let window = Duration::from_secs(30);
    let mut a = node(&url, RedisStreamsConfig::default(), window).await;
    let b = node(&url, RedisStreamsConfig::default(), window).await;
    let (client, sid, pid, offset) = joined(&a).await;
    leave(client, &mut a, &url, &sid, &pid).await;

    // Sent while it is away, from both servers.
    a.io.to("r").emit("m1", &1).await.unwrap();
    a.io.to("r").volatile().emit("volatile", &0).await.unwrap();
    a.io.to("elsewhere").emit("not-for-it", &0).await.unwrap();
    a.io.except("r").emit("not-for-it", &0).await.unwrap();
    a.io.to("r")
        .emit("m2", &Bytes::from_static(b"\x01\x02\x03"))
        .await
        .unwrap();
    b.io.emit("m3", &"from-b").await.unwrap();

    let mut back = RawClient::open(b.addr).await;
    let auth = serde_json::json!({"pid": pid, "offset": offset}).to_string();
    let reply = connect(&mut back, &auth).await;
    assert_eq!(reply["sid"], sid.as_str(), "same id");
    assert_eq!(reply["pid"], pid.as_str());
    let m1 = args(&back.next_text().await);
    assert_eq!((&m1[0], &m1[1]), (&"m1".into(), &1.into()));
    let m2 = back.next_text().await;
    assert!(m2.starts_with("51-"), "{m2}");
    assert_eq!(args(&m2)[0], "m2");
    assert_eq!(back.next().await, Frame::Binary(vec![1, 2, 3]));
    let m3 = args(&back.next_text().await);
    assert_eq!((&m3[0], &m3[1]), (&"m3".into(), &"from-b".into()));
    // Every replayed event carries its entry id, in increasing order.
    let ids: Vec<String> = [&m1, &args(&m2), &m3]
        .iter()
        .map(|a| a.last().unwrap().as_str().unwrap().to_owned())
        .collect();
    assert!(ids.iter().all(|id| id.contains('-')), "{ids:?}");
    let state = args(&back.next_text().await);
    assert_eq!(state[0], "state");
    assert_eq!(state[1], true, "recovered");
    assert_eq!(state[2], serde_json::json!({"user": 7}), "data restored");
    let socket = b.io.local_sockets("/").pop().unwrap();
    let mut rooms: Vec<String> = socket.rooms().iter().map(|r| r.to_string()).collect();
    rooms.sort();
    let mut expected = vec![sid.clone(), "r".to_owned()];
    expected.sort();
    assert_eq!(rooms, expected, "rooms restored");

    // A broadcast from A now reaches it on B, with its offset.
    a.io.to("r").emit("live", &2).await.unwrap();
    let live = args(&back.next_text().await);
    assert_eq!((&live[0], &live[1]), (&"live".into(), &2.into()));
    assert!(live[2].as_str().unwrap() > ids[2].as_str());

    // A session is restored once.
    let mut again = RawClient::open(a.addr).await;
    let reply = connect(&mut again, &auth).await;
    assert_ne!(reply["sid"], sid.as_str());
}

/// Waits until the session of `pid` is gone from Redis (expired).
async fn expired(url: &str, pid: &str) {
    let mut c = conn(url).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let n: i64 = redis::cmd("EXISTS")
            .arg(format!("sio:session:{pid}"))
            .query_async(&mut c)
            .await
            .unwrap();
        if n == 0 {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "session kept");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Reconnects to `node` with `pid` and `offset`; asserts a fresh session.
async fn fresh(node: &Node, sid: &str, pid: &str, offset: &str) {
    let mut back = RawClient::open(node.addr).await;
    let auth = serde_json::json!({"pid": pid, "offset": offset}).to_string();
    let reply = connect(&mut back, &auth).await;
    assert_ne!(reply["sid"], sid, "fresh id");
    assert_ne!(reply["pid"], pid, "fresh pid");
    let state = args(&back.next_text().await);
    assert_eq!((&state[0], &state[1]), (&"state".into(), &false.into()));
}

#[tokio::test]
async fn past_the_window_trimmed_or_forged_a_session_starts_fresh() {
    let Some(redis) = redis_server() else { return };
    redis.ping().await;
    let url = redis.url();
    let config = || RedisStreamsConfig::default().max_len(10);
    let mut a = node(&url, config(), Duration::from_millis(300)).await;
    let b = node(&url, config(), Duration::from_millis(300)).await;

    // Past the window: the key expired.
    let (client, sid, pid, offset) = joined(&a).await;
    leave(client, &mut a, &url, &sid, &pid).await;
    expired(&url, &pid).await;
    fresh(&b, &sid, &pid, &offset).await;

    // Trimmed: the offset is no longer in the stream (MAXLEN ~ trims
    // whole nodes of 100 entries).
    let mut b = node(&url, config(), Duration::from_secs(30)).await;
    let (client, sid, pid, offset) = joined(&b).await;
    leave(client, &mut b, &url, &sid, &pid).await;
    for i in 0..300 {
        a.io.emit("filler", &i).await.unwrap();
    }
    let first: Vec<redis::Value> = redis::cmd("XRANGE")
        .arg("socket.io")
        .arg("-")
        .arg(&offset)
        .query_async(&mut conn(&url).await)
        .await
        .unwrap();
    assert!(first.is_empty(), "the offset was trimmed");
    fresh(&a, &sid, &pid, &offset).await;

    // An offset that is not an entry id, or a pid never seen.
    let (client, sid, pid, _) = joined(&b).await;
    leave(client, &mut b, &url, &sid, &pid).await;
    fresh(&a, &sid, &pid, "abc-1f").await;
    fresh(&a, "none", "forged", "1-0").await;
}

#[tokio::test]
async fn readers_resume_from_their_last_entry_after_redis_restarts() {
    let port = free_port();
    let Some(first) = RedisServer::start(port) else {
        eprintln!("skipped: no redis-server binary");
        return;
    };
    first.ping().await;
    let url = first.url();
    let config = || RedisStreamsConfig::default().block_time(Duration::from_millis(200));
    let window = Duration::from_secs(30);
    let a = node(&url, config(), window).await;
    let b = node(&url, config(), window).await;
    let (mut client, _, _, _) = joined(&b).await;

    // Connections dropped: entries written while B's reader is away are
    // read when it comes back, in order.
    let mut raw = conn(&url).await;
    let _: () = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .arg("SKIPME")
        .arg("yes")
        .query_async(&mut raw)
        .await
        .unwrap();
    for i in 0..5 {
        let data = format!(
            r#"{{"packet":{{"type":2,"data":["gap",{i}]}},"opts":{{"rooms":[],"except":[],"flags":{{}}}}}}"#
        );
        let _: String = redis::cmd("XADD")
            .arg("socket.io")
            .arg("*")
            .arg("uid")
            .arg("0123456789abcdef")
            .arg("nsp")
            .arg("/")
            .arg("type")
            .arg("3")
            .arg("data")
            .arg(data)
            .query_async(&mut raw)
            .await
            .unwrap();
    }
    for i in 0..5 {
        let gap = args(&client.next_text().await);
        assert_eq!((&gap[0], &gap[1]), (&"gap".into(), &i.into()));
    }

    // Redis restarted (its data gone): broadcasts flow again.
    drop(first);
    let second = RedisServer::start(port).expect("redis-server");
    second.ping().await;
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    let mut n = 0;
    let got = loop {
        n += 1;
        let _ = a.io.emit("after", &n).await;
        if let Ok(frame) = tokio::time::timeout(Duration::from_millis(300), client.next()).await {
            break frame;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no broadcast after the restart"
        );
    };
    let Frame::Text(got) = got else {
        panic!("{got:?}")
    };
    assert_eq!(args(&got)[0], "after");
}

#[tokio::test]
async fn garbage_in_the_stream_and_on_the_channels_is_skipped() {
    let Some(redis) = redis_server() else { return };
    redis.ping().await;
    let url = redis.url();
    let a = node(
        &url,
        RedisStreamsConfig::default().max_message_size(4096),
        Duration::from_secs(30),
    )
    .await;
    let (mut client, _, _, _) = joined(&a).await;
    let mut raw = conn(&url).await;
    let big = "x".repeat(10_000);
    let entries: Vec<Vec<&str>> = vec![
        vec!["uid", "u"],
        vec!["nsp", "/", "type", "x"],
        vec!["nsp", "/", "type", "3"],
        vec!["nsp", "/", "type", "3", "data", "{not json"],
        vec!["nsp", "/", "type", "3", "data", "!!!"],
        vec!["nsp", "/", "type", "3", "data", "{}"],
        vec![
            "nsp",
            "/",
            "type",
            "3",
            "data",
            r#"{"packet":{"type":2,"data":[]}}"#,
        ],
        vec![
            "nsp",
            "/",
            "type",
            "3",
            "data",
            r#"{"packet":{"type":2,"data":[1,2]}}"#,
        ],
        vec![
            "nsp",
            "/",
            "type",
            "3",
            "data",
            r#"{"packet":{"type":3,"data":["x"]}}"#,
        ],
        vec!["nsp", "/", "type", "4", "data", r#"{"opts":7,"rooms":"r"}"#],
        vec![
            "nsp",
            "/",
            "type",
            "6",
            "data",
            r#"{"opts":{"rooms":[[]]}}"#,
        ],
        vec!["nsp", "/", "type", "99", "data", "{}"],
        vec!["nsp", "/", "type", "3", "data", &big],
    ];
    for fields in entries {
        let mut cmd = redis::cmd("XADD");
        cmd.arg("socket.io").arg("*");
        for f in fields {
            cmd.arg(f);
        }
        let _: String = cmd.query_async(&mut raw).await.unwrap();
    }
    for payload in [&b"\xc1"[..], b"", b"\x84\xa4type\x03", big.as_bytes()] {
        let _: i64 = redis::cmd("PUBLISH")
            .arg("socket.io#/#")
            .arg(payload)
            .query_async(&mut raw)
            .await
            .unwrap();
    }
    // Still delivering, and the client saw none of the garbage.
    a.io.emit("fine", &1).await.unwrap();
    let fine = args(&client.next_text().await);
    assert_eq!((&fine[0], &fine[1]), (&"fine".into(), &1.into()));
}

/// `ms-seq` as a pair, for ordering entry ids.
fn id_of(value: &serde_json::Value) -> (u64, u64) {
    let (ms, seq) = value.as_str().unwrap().split_once('-').unwrap();
    (ms.parse().unwrap(), seq.parse().unwrap())
}

#[tokio::test]
async fn emits_to_one_socket_keep_their_order_and_get_increasing_offsets() {
    let Some(redis) = redis_server() else { return };
    redis.ping().await;
    let url = redis.url();
    let a = node(&url, RedisStreamsConfig::default(), Duration::from_secs(30)).await;
    let (mut client, sid, _, first) = joined(&a).await;
    let socket =
        a.io.local_sockets("/")
            .into_iter()
            .find(|s| s.id().as_str() == sid)
            .unwrap();
    // Queued synchronously, delivered once Redis numbered them, in order.
    for i in 0..300 {
        socket.emit("seq", &i).unwrap();
    }
    let mut last = id_of(&serde_json::Value::from(first));
    for i in 0..300 {
        let got = args(&client.next_text().await);
        assert_eq!((&got[0], &got[1]), (&"seq".into(), &i.into()));
        let id = id_of(&got[2]);
        assert!(id > last, "{id:?} after {last:?}");
        last = id;
    }
}

#[tokio::test]
async fn more_missed_packets_than_the_restore_takes_give_a_fresh_session() {
    let Some(redis) = redis_server() else { return };
    redis.ping().await;
    let url = redis.url();
    let config = || RedisStreamsConfig::default().max_restore_packets(2);
    let window = Duration::from_secs(30);
    let mut a = node(&url, config(), window).await;
    let b = node(&url, config(), window).await;
    let (client, sid, pid, offset) = joined(&a).await;
    leave(client, &mut a, &url, &sid, &pid).await;
    for i in 0..3 {
        a.io.to("r").emit("m", &i).await.unwrap();
    }
    fresh(&b, &sid, &pid, &offset).await;
}

#[tokio::test]
async fn a_server_started_while_redis_is_down_delivers_locally_then_joins() {
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}/");
    let factory = RedisStreamsAdapterFactory::connect_lazy(
        &url,
        RedisStreamsConfig::default().requests_timeout(Duration::from_millis(300)),
    )
    .expect("a valid URL");
    let a = SocketIo::builder()
        .adapter(factory)
        .ns("/", |_: SocketRef| async {})
        .build();
    let addr = serve(&a).await;
    let (mut client, _) = RawClient::connect(addr, "/", None).await;
    // Redis down: delivered here, the cluster part fails.
    let sent = a.emit("local", &1).await;
    assert!(sent.is_err(), "{sent:?}");
    let got = args(&client.next_text().await);
    assert_eq!((&got[0], &got[1]), (&"local".into(), &1.into()));

    // Redis up: the readers and the subscriber connect by themselves.
    let Some(redis) = RedisServer::start(port) else {
        eprintln!("skipped: no redis-server binary");
        return;
    };
    redis.ping().await;
    let b = node(&url, RedisStreamsConfig::default(), Duration::from_secs(30)).await;
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    let mut n = 0;
    loop {
        n += 1;
        let _ = b.io.emit("from-b", &n).await;
        if let Ok(Frame::Text(t)) =
            tokio::time::timeout(Duration::from_millis(300), client.next()).await
        {
            assert_eq!(args(&t)[0], "from-b");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "A never joined");
    }
    // And A's broadcasts reach B's clients.
    let (mut on_b, _, _, _) = joined(&b).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if a.emit("from-a", &0).await.is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "A cannot publish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    loop {
        let got = args(&on_b.next_text().await);
        if got[0] == "from-a" {
            break;
        }
    }
}
