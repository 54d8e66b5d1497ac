//! The sharded adapter (SPUBLISH/SSUBSCRIBE) on the Redis of the tests
//! (each test with its own channel prefix): two servers in one process
//! with raw clients; room channels follow the rooms; garbage is ignored.

mod common;

use std::time::Duration;

use common::{Frame, RawClient, WAIT, redis, redis_url, socket};
use sio::{SocketIo, SocketRef, Value};
use sio_redis::{ShardedAdapterFactory, ShardedConfig, SubscriptionMode};

struct Node {
    io: SocketIo,
    addr: std::net::SocketAddr,
    factory: ShardedAdapterFactory,
}

async fn node(prefix: &str, name: &'static str, mode: SubscriptionMode) -> Node {
    let config = ShardedConfig::default()
        .channel_prefix(prefix)
        .subscription_mode(mode)
        .requests_timeout(Duration::from_millis(1500));
    let factory = ShardedAdapterFactory::connect(&redis_url(), config)
        .await
        .expect("Redis 7 at SIO_REDIS_URL or 127.0.0.1:6379");
    let io = SocketIo::builder()
        .adapter(factory.clone())
        .ns("/", move |socket: SocketRef| async move {
            socket.set_data(serde_json::json!({ "node": name }));
        })
        .on_server_event(move |_args: Vec<Value>| async move { vec![Value::from(name)] })
        .build();
    let addr = common::serve(&io).await;
    Node { io, addr, factory }
}

/// The shard channels of `prefix` that have subscribers.
async fn channels(prefix: &str) -> Vec<String> {
    let mut conn = redis().await;
    let mut names: Vec<String> = redis::cmd("PUBSUB")
        .arg("SHARDCHANNELS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    names.sort();
    names
}

async fn wait_for(what: &str, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !ok().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn pair(test: &str, mode: SubscriptionMode) -> (String, Node, Node) {
    let prefix = common::unique_key(test);
    let a = node(&prefix, "a", mode).await;
    let b = node(&prefix, "b", mode).await;
    let main = format!("{prefix}#/#");
    wait_for("both servers counted", async || {
        let mut conn = redis().await;
        let reply: Vec<redis::Value> = redis::cmd("PUBSUB")
            .arg("SHARDNUMSUB")
            .arg(&main)
            .query_async(&mut conn)
            .await
            .unwrap();
        matches!(reply.get(1), Some(redis::Value::Int(2)))
    })
    .await;
    (prefix, a, b)
}

#[tokio::test]
async fn broadcasts_rooms_and_binary_cross_servers() {
    let (prefix, a, b) = pair("sh-broadcast", SubscriptionMode::Dynamic).await;
    let (mut ca, _) = RawClient::connect(a.addr, "/", None).await;
    let (mut cb1, id1) = RawClient::connect(b.addr, "/", None).await;
    let (mut cb2, id2) = RawClient::connect(b.addr, "/", None).await;
    socket(&b.io, &id1).join("room1");
    socket(&b.io, &id2).join("room2");
    let room1 = format!("{prefix}#/#room1#");
    wait_for("room1's channel", async || {
        channels(&prefix).await.contains(&room1)
    })
    .await;

    a.io.main_ns()
        .emit_args("hello", &("world", 1))
        .await
        .unwrap();
    a.io.to("room1")
        .emit("msg", &serde_json::json!({"a": 1}))
        .await
        .unwrap();
    a.io.except("room1").emit("exc", &true).await.unwrap();
    a.io.to(id2.as_str()).emit("direct", &2).await.unwrap();
    a.io.emit("bin", &bytes::Bytes::from_static(&[1, 2, 3]))
        .await
        .unwrap();

    assert_eq!(ca.next_text().await, r#"2["hello","world",1]"#);
    assert_eq!(ca.next_text().await, r#"2["exc",true]"#);
    assert_eq!(cb1.next_text().await, r#"2["hello","world",1]"#);
    assert_eq!(cb1.next_text().await, r#"2["msg",{"a":1}]"#);
    assert_eq!(cb2.next_text().await, r#"2["hello","world",1]"#);
    assert_eq!(cb2.next_text().await, r#"2["exc",true]"#);
    assert_eq!(cb2.next_text().await, r#"2["direct",2]"#);
    for client in [&mut ca, &mut cb1, &mut cb2] {
        assert_eq!(
            client.next_text().await,
            r#"51-["bin",{"_placeholder":true,"num":0}]"#
        );
        assert_eq!(client.next().await, Frame::Binary(vec![1, 2, 3]));
    }

    // The room's channel goes with the room.
    socket(&b.io, &id1).leave("room1");
    wait_for("room1's channel gone", async || {
        !channels(&prefix).await.contains(&room1)
    })
    .await;
    assert!(b.factory.subscriptions() >= 3);
}

#[tokio::test]
async fn fetch_sockets_joins_server_side_events_and_acks_span_both_servers() {
    let (_prefix, a, b) = pair("sh-ops", SubscriptionMode::Dynamic).await;
    let (mut ca, ida) = RawClient::connect(a.addr, "/", None).await;
    let (mut cb, idb) = RawClient::connect(b.addr, "/", None).await;

    let mut infos = a.io.fetch_sockets("/").await.unwrap();
    infos.sort_by(|x, y| x.data["node"].as_str().cmp(&y.data["node"].as_str()));
    let ids: Vec<&str> = infos.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, [ida.as_str(), idb.as_str()]);
    assert_eq!(infos[1].data["node"], "b");

    let main = a.io.of("/").unwrap();
    main.clone().to(idb.as_str()).join("vip").await.unwrap();
    assert!(
        socket(&b.io, &idb)
            .rooms()
            .iter()
            .any(|r| r.as_str() == "vip")
    );
    a.io.to("vip").emit("vip", &1).await.unwrap();
    assert_eq!(cb.next_text().await, r#"2["vip",1]"#);

    let answers =
        a.io.server_side_emit_with_ack(vec![Value::from("whoami")], Duration::from_secs(2))
            .await
            .unwrap();
    assert!(answers.complete);
    assert_eq!(answers.responses[0].args, [Value::from("b")]);

    let io = a.io.clone();
    let asked = tokio::spawn(async move {
        io.timeout(Duration::from_secs(2))
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
    assert!(acks.complete);
    let mut all: Vec<Value> = acks.all().unwrap();
    all.sort_by_key(|v| serde_json::to_string(v).unwrap());
    assert_eq!(all, [Value::from("from-a"), Value::from("from-b")]);

    main.to(idb.as_str()).disconnect(false).await.unwrap();
    assert_eq!(cb.next_text().await, "1");
}

#[tokio::test]
async fn garbage_on_every_channel_is_ignored() {
    let (prefix, a, b) = pair("sh-garbage", SubscriptionMode::Dynamic).await;
    let (mut cb, idb) = RawClient::connect(b.addr, "/", None).await;
    socket(&b.io, &idb).join("r");
    let room = format!("{prefix}#/#r#");
    wait_for("r's channel", async || {
        channels(&prefix).await.contains(&room)
    })
    .await;
    let mut conn = redis().await;
    for channel in channels(&prefix).await {
        for payload in [
            &b"{not json"[..],
            b"\xc1",
            b"[1,2]",
            b"{\"type\":3}",
            b"",
            &[0x84; 64],
        ] {
            let _: i64 = redis::cmd("SPUBLISH")
                .arg(&channel)
                .arg(payload)
                .query_async(&mut conn)
                .await
                .unwrap();
        }
    }
    a.io.emit("still", &"fine").await.unwrap();
    assert_eq!(cb.next_text().await, r#"2["still","fine"]"#);
}
