//! Room index operations, socket operations by options, server-side emit.

use std::sync::Arc;
use std::time::Duration;

use sio_parser::Value;

use super::fake::{FakeNamespace, four, opts, packet, rooms_of, setup, sorted};
use crate::{
    AckStream, Adapter, AdapterFactory, BroadcastOptions, LocalNamespace, MemoryAdapter, Room,
    SocketId,
};

fn sid(id: &str) -> SocketId {
    SocketId::from(id)
}

fn rooms_of_socket(adapter: &MemoryAdapter, id: &str) -> Vec<String> {
    sorted(adapter.socket_rooms(&sid(id)))
}

async fn all_rooms(adapter: &MemoryAdapter) -> Vec<String> {
    sorted(adapter.rooms(BroadcastOptions::all()).await.unwrap())
}

#[tokio::test]
async fn rooms_are_indexed_both_ways_and_go_when_empty() {
    let (_ns, adapter) = four();
    assert_eq!(rooms_of_socket(&adapter, "a"), ["a", "lobby", "red"]);
    assert_eq!(
        all_rooms(&adapter).await,
        ["a", "b", "blue", "c", "d", "lobby", "red"]
    );
    adapter.del(&sid("a"), &Room::from("lobby"));
    assert_eq!(rooms_of_socket(&adapter, "a"), ["a", "red"]);
    adapter.del(&sid("b"), &Room::from("lobby"));
    assert!(!all_rooms(&adapter).await.contains(&"lobby".to_owned()));
    assert!(adapter.socket_rooms(&sid("nobody")).is_empty());
}

#[tokio::test]
async fn sockets_lists_the_targets() {
    let (_ns, adapter) = four();
    assert_eq!(
        sorted(adapter.sockets(BroadcastOptions::all()).await.unwrap()),
        ["a", "b", "c", "d"]
    );
    let red_not_blue = adapter.sockets(opts(&["red"], &["blue"])).await.unwrap();
    assert_eq!(sorted(red_not_blue), ["a"]);
}

#[tokio::test]
async fn fetch_sockets_describes_the_targets_still_there() {
    let (ns, adapter) = four();
    ns.closed.lock().insert(sid("b"));
    let infos = adapter
        .fetch_sockets(opts(&["lobby", "blue"], &[]))
        .await
        .unwrap();
    assert_eq!(sorted(infos.iter().map(|i| &i.id)), ["a", "c"]);
    let c = infos.iter().find(|i| i.id == sid("c")).unwrap();
    assert_eq!(sorted(&c.rooms), ["blue", "c", "red"]);
}

#[tokio::test]
async fn add_and_del_sockets_follow_the_options() {
    let (_ns, adapter) = four();
    adapter
        .add_sockets(opts(&["red"], &["c"]), rooms_of(&["vip", "x"]))
        .await
        .unwrap();
    assert_eq!(
        rooms_of_socket(&adapter, "a"),
        ["a", "lobby", "red", "vip", "x"]
    );
    assert_eq!(rooms_of_socket(&adapter, "c"), ["blue", "c", "red"]);
    adapter
        .add_sockets(BroadcastOptions::socket(&sid("d")), rooms_of(&["x"]))
        .await
        .unwrap();
    assert_eq!(
        sorted(adapter.sockets(opts(&["x"], &[])).await.unwrap()),
        ["a", "d"]
    );

    adapter
        .del_sockets(opts(&["x"], &[]), rooms_of(&["x", "lobby"]))
        .await
        .unwrap();
    assert_eq!(rooms_of_socket(&adapter, "a"), ["a", "red", "vip"]);
    assert_eq!(rooms_of_socket(&adapter, "d"), ["d"]);
    let rooms = all_rooms(&adapter).await;
    assert!(!rooms.contains(&"x".to_owned()));
    assert!(rooms.contains(&"lobby".to_owned()), "b is still in lobby");
}

#[tokio::test]
async fn disconnect_sockets_disconnects_each_target_once() {
    let (ns, adapter) = four();
    // The fake namespace calls back into the adapter (del_all) on each
    // disconnect, as the server does: no lock may be held meanwhile.
    adapter
        .disconnect_sockets(opts(&["red", "lobby"], &["b"]), true)
        .await
        .unwrap();
    let disconnected = ns.disconnected.lock().clone();
    assert_eq!(sorted(disconnected.iter().map(|(id, _)| id)), ["a", "c"]);
    assert!(disconnected.iter().all(|(_, close)| *close));
    assert_eq!(
        sorted(adapter.sockets(BroadcastOptions::all()).await.unwrap()),
        ["b", "d"]
    );
    assert_eq!(all_rooms(&adapter).await, ["b", "blue", "d", "lobby"]);
}

#[tokio::test]
async fn the_index_is_empty_once_every_socket_left() {
    let (ns, adapter) = four();
    for id in ["a", "b", "c", "d"] {
        adapter.del_all(&sid(id));
    }
    assert_eq!((adapter.room_count(), adapter.socket_count()), (0, 0));
    adapter
        .broadcast(packet(), BroadcastOptions::all())
        .await
        .unwrap();
    assert!(ns.sent.lock().is_empty());
    // Forgetting an unknown socket is harmless.
    adapter.del_all(&sid("a"));
    assert_eq!(adapter.socket_count(), 0);
}

#[tokio::test]
async fn close_empties_the_index() {
    let (_ns, adapter) = four();
    adapter.close().await.unwrap();
    assert_eq!((adapter.room_count(), adapter.socket_count()), (0, 0));
}

#[tokio::test(start_paused = true)]
async fn one_server_and_nobody_else_to_emit_to() {
    let (ns, adapter) = four();
    assert_eq!(adapter.server_count().await.unwrap(), 1);
    adapter
        .server_side_emit(vec![Value::from("ping")])
        .await
        .unwrap();
    // The server expects server_count() - 1 = 0 other servers.
    let (sink, stream) = AckStream::new(0);
    let timeout = Duration::from_secs(5);
    adapter
        .server_side_emit_with_ack(vec![Value::from("ping")], timeout, sink)
        .await
        .unwrap();
    let start = tokio::time::Instant::now();
    let collected = stream.collect(timeout).await;
    assert!(collected.complete);
    assert!(collected.responses.is_empty());
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(
        *ns.server_events.lock(),
        0,
        "this server's handlers get nothing"
    );
}

#[tokio::test(start_paused = true)]
async fn once_the_namespace_is_gone_operations_do_nothing() {
    let (ns, adapter) = setup(&[("a", &["lobby"])]);
    drop(ns);
    assert!(
        adapter
            .fetch_sockets(BroadcastOptions::all())
            .await
            .unwrap()
            .is_empty()
    );
    adapter
        .disconnect_sockets(BroadcastOptions::all(), false)
        .await
        .unwrap();
    // An ack broadcast still reports its (zero) count, so nobody waits.
    let (sink, stream) = AckStream::new(1);
    adapter
        .broadcast_with_ack(packet(), 1, BroadcastOptions::all(), sink)
        .await
        .unwrap();
    assert!(stream.collect(Duration::from_secs(5)).await.complete);
}

#[tokio::test]
async fn the_factory_makes_a_working_adapter() {
    let ns = Arc::new(FakeNamespace::default());
    let local: Arc<dyn LocalNamespace> = ns.clone();
    let adapter = MemoryAdapter::factory().create("/".into(), Arc::downgrade(&local));
    adapter.add_all(&sid("a"), &rooms_of(&["a"]));
    let report = adapter
        .broadcast(packet(), BroadcastOptions::all())
        .await
        .unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(ns.sent_to(), ["a"]);
}

#[test]
fn concurrent_joins_broadcasts_and_disconnects_keep_the_index_consistent() {
    let (ns, adapter) = setup(&[]);
    std::thread::scope(|scope| {
        for t in 0..4 {
            let adapter = &adapter;
            scope.spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                for i in 0..200 {
                    let id = sid(&format!("t{t}-{i}"));
                    adapter.add_all(&id, &[Room::from(&id), Room::from("shared")]);
                    let opts = BroadcastOptions::rooms(["shared"]);
                    runtime.block_on(adapter.broadcast(packet(), opts)).unwrap();
                    // Disconnecting calls back into the adapter (del_all).
                    let one = BroadcastOptions::socket(&id);
                    runtime
                        .block_on(adapter.disconnect_sockets(one, false))
                        .unwrap();
                }
            });
        }
    });
    assert_eq!(ns.disconnected.lock().len(), 800);
    assert!(
        ns.sent.lock().len() >= 800,
        "each broadcast reached at least its own socket"
    );
    assert_eq!((adapter.room_count(), adapter.socket_count()), (0, 0));
}
