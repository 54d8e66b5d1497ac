//! Two servers on the in-process bus: what users rely on across servers.

use std::sync::Arc;
use std::time::Duration;

use sio_adapter::{AckStream, Adapter, AdapterError, BroadcastOptions, Room, SocketId};
use sio_parser::{Encoder, Value};

use super::bus::{Bus, Server};
use crate::{ClusterConfig, Codec, Flavor, Format};

fn event(name: &str, args: &[Value]) -> sio_parser::Encoded {
    Encoder::default().event("/", name, args, None).unwrap()
}

async fn pair(config: ClusterConfig) -> (Arc<Bus>, Server, Server) {
    let bus = Arc::new(Bus::default());
    let a = Server::new(&bus, config.clone()).await;
    let b = Server::new(&bus, config).await;
    (bus, a, b)
}

#[tokio::test(start_paused = true)]
async fn broadcasts_reach_the_targeted_sockets_of_every_server_once() {
    let (_bus, a, b) = pair(ClusterConfig::default()).await;
    a.connect("a1", &["room1"]);
    b.connect("b1", &["room1"]);
    b.connect("b2", &["room2"]);

    a.adapter
        .broadcast(event("hello", &["world".into()]), BroadcastOptions::all())
        .await
        .unwrap();
    let hello = r#"2["hello","world"]"#.to_owned();
    assert_eq!(a.take_sent(), [("a1".into(), hello.clone())]);
    assert_eq!(
        b.take_sent(),
        [("b1".into(), hello.clone()), ("b2".into(), hello)]
    );

    let mut opts = BroadcastOptions::rooms(["room1"]);
    opts.except.push(Room::from("a1"));
    let bin = Value::Binary(vec![1u8, 2, 3].into());
    a.adapter
        .broadcast(event("bin", &[bin]), opts)
        .await
        .unwrap();
    assert!(a.take_sent().is_empty());
    let got = b.take_sent();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "b1");

    // local: never published.
    let mut opts = BroadcastOptions::all();
    opts.flags.local = true;
    a.adapter.broadcast(event("loc", &[]), opts).await.unwrap();
    assert!(b.take_sent().is_empty());
}

#[tokio::test(start_paused = true)]
async fn binary_goes_as_msgpack_and_plain_data_as_json() {
    let (bus, a, _b) = pair(ClusterConfig::default()).await;
    a.adapter
        .broadcast(event("t", &[1.into()]), BroadcastOptions::all())
        .await
        .unwrap();
    let bin = Value::Binary(vec![9u8].into());
    a.adapter
        .broadcast(event("b", &[bin]), BroadcastOptions::all())
        .await
        .unwrap();
    let published = bus.published.lock().clone();
    assert_eq!(published[0][0], b'{');
    assert_eq!(published[1][0], 0x84, "a msgpack map of 4 entries");
}

#[tokio::test(start_paused = true)]
async fn fetch_sockets_gathers_every_server_and_ends_at_the_timeout_with_what_came() {
    let (bus, a, b) = pair(ClusterConfig::default()).await;
    a.connect("a1", &["r"]);
    b.connect("b1", &["r"]);
    b.connect("b2", &[]);
    let mut ids: Vec<String> = a
        .adapter
        .fetch_sockets(BroadcastOptions::rooms(["r"]))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id.to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, ["a1", "b1"]);
    let b_info = b
        .adapter
        .fetch_sockets(BroadcastOptions::socket(&"a1".into()))
        .await
        .unwrap();
    assert_eq!(b_info[0].data, serde_json::json!({ "user": "a1" }));

    // B frozen: the call ends after its timeout with A's own sockets.
    bus.frozen.lock().insert(b.adapter.uid().to_owned());
    let started = tokio::time::Instant::now();
    let mut opts = BroadcastOptions::all();
    opts.flags.timeout = Some(Duration::from_millis(700));
    let got = a.adapter.fetch_sockets(opts).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(started.elapsed(), Duration::from_millis(700));
    assert_eq!(a.adapter.pending_requests(), 0);
}

#[tokio::test(start_paused = true)]
async fn server_side_emit_with_ack_collects_each_other_servers_answer() {
    let (_bus, a, b) = pair(ClusterConfig::default()).await;
    *b.ns.answer.lock() = Some(Value::from("pong"));
    a.adapter
        .server_side_emit(vec!["ping".into(), 1.into()])
        .await
        .unwrap();
    assert_eq!(b.ns.server_side.lock().len(), 1);
    assert!(a.ns.server_side.lock().is_empty(), "not to the sender");

    let (sink, stream) = AckStream::new(1);
    a.adapter
        .server_side_emit_with_ack(vec!["ping".into()], Duration::from_secs(5), sink)
        .await
        .unwrap();
    let collected = stream.collect(Duration::from_secs(5)).await;
    assert!(collected.complete);
    assert_eq!(collected.responses[0].args, [Value::from("pong")]);
}

#[tokio::test(start_paused = true)]
async fn broadcast_with_ack_counts_every_server_even_with_no_client() {
    let (_bus, a, b) = pair(ClusterConfig::default()).await;
    a.connect("a1", &[]);
    b.connect("b1", &[]);
    b.connect("b2", &[]);
    let (sink, stream) = AckStream::new(2);
    let mut opts = BroadcastOptions::all();
    opts.flags.timeout = Some(Duration::from_secs(1));
    a.adapter
        .broadcast_with_ack(event("ask", &[7.into()]), 1, opts, sink)
        .await
        .unwrap();
    let collected = stream.collect(Duration::from_secs(1)).await;
    assert!(collected.complete);
    let mut acks: Vec<Value> = collected
        .responses
        .into_iter()
        .flat_map(|r| r.args)
        .collect();
    acks.sort_by_key(|v| v.as_str().map(str::to_owned));
    assert_eq!(
        acks,
        [
            Value::from("ack-from-a1"),
            "ack-from-b1".into(),
            "ack-from-b2".into()
        ]
    );

    // A server with no matching client still reports 0.
    let (sink, stream) = AckStream::new(2);
    let opts = BroadcastOptions::rooms(["nobody"]);
    a.adapter
        .broadcast_with_ack(event("ask", &[]), 2, opts, sink)
        .await
        .unwrap();
    let collected = stream.collect(Duration::from_secs(1)).await;
    assert!(collected.complete && collected.responses.is_empty());
}

#[tokio::test(start_paused = true)]
async fn joins_leaves_and_disconnects_reach_every_server() {
    let (bus, a, b) = pair(ClusterConfig::default()).await;
    a.connect("a1", &[]);
    let b1 = b.connect("b1", &[]);
    bus.rooms.lock().clear();

    a.adapter
        .add_sockets(BroadcastOptions::socket(&b1), vec!["room3".into()])
        .await
        .unwrap();
    assert!(b.adapter.socket_rooms(&b1).contains(&Room::from("room3")));
    let b_uid = &b.adapter.uid()[..4];
    assert_eq!(*bus.rooms.lock(), [format!("{b_uid} +room3 public")]);

    a.adapter
        .del_sockets(BroadcastOptions::rooms(["room3"]), vec!["room3".into()])
        .await
        .unwrap();
    assert!(!b.adapter.socket_rooms(&b1).contains(&Room::from("room3")));
    assert_eq!(bus.rooms.lock().len(), 2);

    a.adapter
        .disconnect_sockets(BroadcastOptions::all(), true)
        .await
        .unwrap();
    assert_eq!(*b.ns.disconnected.lock(), [(b1, true)]);
    assert_eq!(*a.ns.disconnected.lock(), [(SocketId::from("a1"), true)]);
}

#[tokio::test(start_paused = true)]
async fn rooms_created_and_deleted_are_told_to_the_transport() {
    let (bus, a, _b) = pair(ClusterConfig::default()).await;
    let a1 = a.connect("a1", &["lobby"]);
    a.connect("a2", &["lobby"]);
    a.adapter.del(&a1, &Room::from("lobby"));
    a.adapter.del_all(&SocketId::from("a2"));
    let uid = &a.adapter.uid()[..4];
    let mut log: Vec<String> = bus.rooms.lock().clone();
    // The rooms a disconnecting socket leaves come in no set order.
    log[3..].sort();
    assert_eq!(
        log,
        [
            format!("{uid} +a1 private"),
            format!("{uid} +lobby public"),
            format!("{uid} +a2 private"),
            format!("{uid} -a2 private"),
            format!("{uid} -lobby public"),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_store_that_is_down_keeps_local_delivery_and_reports_the_error() {
    let (bus, a, b) = pair(ClusterConfig::default()).await;
    a.connect("a1", &[]);
    b.connect("b1", &[]);
    *bus.down.lock() = true;
    let result = a
        .adapter
        .broadcast(event("x", &[]), BroadcastOptions::all())
        .await;
    assert!(matches!(result, Err(AdapterError::Transport(_))));
    assert_eq!(a.take_sent().len(), 1);
    assert!(b.take_sent().is_empty());
    assert!(
        a.adapter
            .fetch_sockets(BroadcastOptions::all())
            .await
            .is_err()
    );
}

#[tokio::test(start_paused = true)]
async fn the_msgpack_js_flavor_writes_an_undefined_answer_as_nil() {
    let codec = Codec {
        format: Format::Msgpack,
        flavor: Flavor::MsgpackJs,
        ..Codec::default()
    };
    let (bus, a, b) = pair(ClusterConfig::default().codec(codec)).await;
    // B's handler answers with no argument.
    *b.ns.answer.lock() = None;
    let _ = &a;
    let (sink, _stream) = AckStream::new(1);
    drop(sink);
    let msg = crate::message::data::answer("r1", None, codec.undefined());
    assert_eq!(msg.get("packet"), Some(&Value::Null));
    let omit = crate::message::data::answer("r1", None, Codec::default().undefined());
    assert_eq!(omit.get("packet"), None);
    assert!(bus.published.lock().is_empty());
}
