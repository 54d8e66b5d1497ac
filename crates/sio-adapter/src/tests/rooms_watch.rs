//! The room-change hook: while the namespace watches, every join and
//! leave (one socket's, by options, and a socket leaving everything) is
//! reported after the change; while it does not, nothing is.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use sio_parser::{Encoded, Value};

use crate::{
    AckSink, Adapter, BroadcastFlags, BroadcastOptions, DeliveryError, LocalNamespace,
    MemoryAdapter, Room, SocketId, SocketInfo,
};

#[derive(Default)]
struct Watcher {
    on: AtomicBool,
    seen: Mutex<Vec<String>>,
}

impl LocalNamespace for Watcher {
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
    fn watches_rooms(&self) -> bool {
        self.on.load(Ordering::Relaxed)
    }
    fn rooms_changed(&self, sid: &SocketId, rooms: &[Room], joined: bool) {
        let mut rooms: Vec<&str> = rooms.iter().map(Room::as_str).collect();
        rooms.sort_unstable();
        let sign = if joined { '+' } else { '-' };
        self.seen
            .lock()
            .push(format!("{sign}{sid}:{}", rooms.join(",")));
    }
}

#[tokio::test]
async fn joins_and_leaves_are_reported_while_watched() {
    let ns = Arc::new(Watcher::default());
    let local: Arc<dyn LocalNamespace> = ns.clone();
    let adapter = MemoryAdapter::new(Arc::downgrade(&local));
    let (a, b) = (SocketId::from("a"), SocketId::from("b"));
    adapter.add_all(&a, &[Room::from("a")]);
    assert!(ns.seen.lock().is_empty(), "not watched yet");

    ns.on.store(true, Ordering::Relaxed);
    adapter.add_all(&b, &[Room::from("b"), Room::from("lobby")]);
    adapter.del(&b, &Room::from("lobby"));
    let everyone = BroadcastOptions::all();
    adapter
        .add_sockets(everyone.clone(), vec![Room::from("red")])
        .await
        .unwrap();
    adapter
        .del_sockets(everyone, vec![Room::from("red")])
        .await
        .unwrap();
    adapter.del_all(&b);
    let mut seen = ns.seen.lock().clone();
    // The order between sockets of one operation is the index's.
    seen[2..4].sort();
    seen[4..6].sort();
    assert_eq!(
        seen,
        [
            "+b:b,lobby",
            "-b:lobby",
            "+a:red",
            "+b:red",
            "-a:red",
            "-b:red",
            "-b:b"
        ]
    );
}
