//! What arrives from Redis is untrusted: garbage on every channel is dropped
//! without disturbing delivery; the emitter's messages (captured from Node)
//! are applied; a server that never answers makes requests time out; and
//! `server_count` / `rooms` through the adapter itself.

mod common;

use std::sync::{Arc, Weak};
use std::time::Duration;

use common::{Answer, RawClient, cluster, publish, redis, socket};
use sio_adapter::{
    AckSink, AdapterError, AdapterFactory, BroadcastFlags, BroadcastOptions, DeliveryError,
    LocalNamespace, Room, SocketId, SocketInfo,
};
use sio_parser::{Encoded, Value};
use sio_redis::RedisAdapterFactory;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test]
async fn malformed_messages_are_dropped_and_delivery_goes_on() {
    let key = common::unique_key("garbage");
    let nodes = cluster(&key, &[("a", Answer::Name("a")), ("b", Answer::Name("b"))]).await;
    let (mut cb, idb) = RawClient::connect(nodes[1].addr, "/", None).await;
    socket(&nodes[1].io, &idb).join("room");
    let mut conn = redis().await;
    let deep = [vec![0x91u8; 100_000], vec![0xc0]].concat();
    let garbage: Vec<Vec<u8>> = vec![
        vec![],
        b"\xff\xfe\x00garbage".to_vec(),
        b"{not json".to_vec(),
        br#"{"type":"x"}"#.to_vec(),
        br#"{"type":5}"#.to_vec(),
        br#"{"type":5,"requestId":7,"opts":3}"#.to_vec(),
        br#"{"type":7,"requestId":"a","packet":5}"#.to_vec(),
        br#"{"type":7,"requestId":"b","packet":{"data":[]}}"#.to_vec(),
        br#"{"type":2,"opts":{"rooms":5},"rooms":{"a":1}}"#.to_vec(),
        br#"{"type":6,"uid":"x","data":"no array"}"#.to_vec(),
        br#"{"type":8,"requestId":"zz","clientCount":-4}"#.to_vec(),
        br#"[1,2,3]"#.to_vec(),
        vec![0xdd, 0xff, 0xff, 0xff, 0xff],
        vec![
            0x93, 0xa1, b'x', 0x81, 0xa4, b'd', b'a', b't', b'a', 0x90, 0xc0,
        ],
        // A broadcast whose event is reserved, and one with a nul event.
        hex("93a1788283a474797065a464617461"),
        deep,
    ];
    let channels = [
        format!("{key}#/#"),
        format!("{key}#/#room#"),
        format!("{key}-request#/#"),
        format!("{key}-response#/#"),
    ];
    for channel in &channels {
        for payload in &garbage {
            publish(&mut conn, channel, payload).await;
        }
    }
    nodes[0].io.to("room").emit("still", &1).await.unwrap();
    assert_eq!(cb.next_text().await, r#"2["still",1]"#);
    assert_eq!(nodes[0].io.fetch_sockets("/").await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_emitter_broadcasts_and_joins_on_every_server() {
    // classic:16 and classic:19 of the captures (key `socket.io` replaced).
    let key = common::unique_key("emitter");
    let nodes = cluster(&key, &[("a", Answer::Name("a")), ("b", Answer::Name("b"))]).await;
    let (mut ca, ida) = RawClient::connect(nodes[0].addr, "/", None).await;
    let (mut cb, _) = RawClient::connect(nodes[1].addr, "/", None).await;
    socket(&nodes[0].io, &ida).join("room1");
    let mut conn = redis().await;
    let emit = hex(
        "93a7656d697474657283a47479706502a46461746192ac66726f6d2d656d6974746572a165a36e7370a12f83a5726f6f6d7390a5666c61677380a665786365707490",
    );
    publish(&mut conn, &format!("{key}#/#"), &emit).await;
    assert_eq!(ca.next_text().await, r#"2["from-emitter","e"]"#);
    assert_eq!(cb.next_text().await, r#"2["from-emitter","e"]"#);

    let join = br#"{"type":2,"opts":{"rooms":["room1"],"except":[]},"rooms":["room4"]}"#;
    publish(&mut conn, &format!("{key}-request#/#"), join).await;
    // The next request from b is read by a after the join.
    let infos = nodes[1].io.fetch_sockets("/").await.unwrap();
    let a_info = infos.iter().find(|i| i.id.as_str() == ida).unwrap();
    assert!(a_info.rooms.contains(&Room::from("room4")));
}

#[tokio::test]
async fn a_server_that_never_answers_makes_fetch_time_out() {
    let key = common::unique_key("silent");
    let nodes = cluster(&key, &[("a", Answer::Name("a"))]).await;
    // A subscriber that is counted but never answers.
    let client = redis::Client::open(common::redis_url()).unwrap();
    let mut silent = client.get_async_pubsub().await.unwrap();
    silent.subscribe(format!("{key}-request#/#")).await.unwrap();
    let started = tokio::time::Instant::now();
    let result = nodes[0].io.fetch_sockets("/").await;
    assert!(result.is_err(), "{result:?}");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1500) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn an_unreachable_redis_is_a_transport_error() {
    let err = RedisAdapterFactory::connect("redis://127.0.0.1:1/")
        .await
        .unwrap_err();
    assert!(matches!(err, AdapterError::Transport(_)), "{err:?}");
    let err = RedisAdapterFactory::connect("not a url").await.unwrap_err();
    assert!(matches!(err, AdapterError::Transport(_)), "{err:?}");
}

/// A namespace with no socket, for the adapter used directly.
struct Empty;

impl LocalNamespace for Empty {
    fn name(&self) -> &str {
        "/"
    }
    fn send(&self, _: &SocketId, _: &Encoded, _: &BroadcastFlags) -> Result<(), DeliveryError> {
        Ok(())
    }
    fn send_with_ack(
        &self,
        _: &SocketId,
        _: &Encoded,
        _: u64,
        _: &AckSink,
    ) -> Result<(), DeliveryError> {
        Ok(())
    }
    fn socket_info(&self, _: &SocketId) -> Option<SocketInfo> {
        None
    }
    fn disconnect(&self, _: &SocketId, _: bool) {}
    fn server_side_event(&self, _: Vec<Value>, _: Option<AckSink>) {}
}

#[tokio::test]
async fn server_count_and_rooms_span_the_cluster() {
    let key = common::unique_key("count");
    let local: Arc<dyn LocalNamespace> = Arc::new(Empty);
    let mut adapters = Vec::new();
    for _ in 0..3 {
        let factory = RedisAdapterFactory::connect_with(&common::redis_url(), common::config(&key))
            .await
            .unwrap();
        let weak: Weak<dyn LocalNamespace> = Arc::downgrade(&local);
        let adapter = factory.create("/".into(), weak);
        adapter.init().await.unwrap();
        adapters.push(adapter);
    }
    for adapter in &adapters {
        assert_eq!(adapter.server_count().await.unwrap(), 3);
    }
    adapters[1].add_all(
        &SocketId::from("s1"),
        &[Room::from("s1"), Room::from("blue")],
    );
    adapters[2].add_all(
        &SocketId::from("s2"),
        &[Room::from("s2"), Room::from("blue")],
    );
    let rooms = adapters[0].rooms(BroadcastOptions::all()).await.unwrap();
    assert_eq!(rooms, ["blue", "s1", "s2"].map(Room::from));
    adapters[2].close().await.unwrap();
    assert_eq!(adapters[0].server_count().await.unwrap(), 2);
}
