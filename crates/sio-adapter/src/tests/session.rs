//! The session store of connection-state recovery: restore once, missed
//! packets by room and in order, expiry under paused time, caps.

use std::time::Duration;

use bytes::Bytes;
use sio_parser::{Encoded, Encoder};

use crate::{
    Adapter, BroadcastOptions, MemoryAdapter, Room, Session, SessionStore, SessionStoreConfig,
    SocketId,
};

fn packet(n: u32) -> Encoded {
    Encoder::default()
        .event("/", "n", &(n, n.to_string()), None)
        .unwrap()
}

fn session(pid: &str, rooms: &[&str]) -> Session {
    let sid = SocketId::from("s1");
    let mut all = vec![Room::from(&sid)];
    all.extend(rooms.iter().map(|r| Room::from(*r)));
    Session {
        sid,
        pid: pid.to_owned(),
        rooms: all,
        data: serde_json::json!({ "user": 7 }),
    }
}

fn store(config: SessionStoreConfig) -> SessionStore {
    SessionStore::new(config)
}

#[tokio::test(start_paused = true)]
async fn restores_rooms_data_and_the_packets_of_its_rooms_after_the_offset_once() {
    let mut s = store(SessionStoreConfig::default());
    s.persist_packet("o1".into(), packet(1), BroadcastOptions::all());
    s.persist_session(session("p1", &["lobby"]));
    s.persist_packet("o2".into(), packet(2), BroadcastOptions::rooms(["lobby"]));
    s.persist_packet("o3".into(), packet(3), BroadcastOptions::rooms(["other"]));
    s.persist_packet(
        "o4".into(),
        packet(4),
        BroadcastOptions::socket(&"s1".into()),
    );
    let mut except = BroadcastOptions::all();
    except.except.push(Room::from("s1"));
    s.persist_packet("o5".into(), packet(5), except);
    s.persist_packet("o6".into(), packet(6), BroadcastOptions::all());

    let restored = s.restore_session("p1", "o1").unwrap();
    assert_eq!(restored.session, session("p1", &["lobby"]));
    assert_eq!(restored.missed, [packet(2), packet(4), packet(6)]);
    // Once only: a second use of the same pid is a fresh session.
    assert_eq!(s.restore_session("p1", "o1"), None);
}

#[tokio::test(start_paused = true)]
async fn forged_pid_or_offset_gives_nothing() {
    let mut s = store(SessionStoreConfig::default());
    s.persist_packet("o1".into(), packet(1), BroadcastOptions::all());
    s.persist_session(session("p1", &[]));
    assert_eq!(s.restore_session("forged", "o1"), None);
    assert_eq!(s.restore_session("p1", "nope"), None);
}

#[tokio::test(start_paused = true)]
async fn sessions_and_packets_expire_after_the_window() {
    let window = Duration::from_secs(2);
    let mut s = store(SessionStoreConfig::with_duration(window));
    s.persist_packet("o1".into(), packet(1), BroadcastOptions::all());
    s.persist_session(session("p1", &[]));
    s.persist_session(session("p2", &[]));
    tokio::time::advance(Duration::from_millis(1900)).await;
    assert!(s.restore_session("p1", "o1").is_some());
    tokio::time::advance(Duration::from_millis(200)).await;
    assert_eq!(s.restore_session("p2", "o1"), None);
    // Everything went with the window.
    assert!(s.is_empty());
}

#[tokio::test(start_paused = true)]
async fn packet_and_session_counts_are_capped_oldest_first() {
    let config = SessionStoreConfig {
        max_packets: 3,
        max_sessions: 2,
        ..SessionStoreConfig::default()
    };
    let mut s = store(config);
    for n in 0..10 {
        s.persist_packet(format!("o{n}"), packet(n), BroadcastOptions::all());
    }
    for pid in ["a", "b", "c"] {
        s.persist_session(session(pid, &[]));
    }
    assert_eq!(s.len(), (2, 3));
    assert_eq!(s.restore_session("a", "o7"), None);
    assert_eq!(s.restore_session("b", "o6"), None, "offset o6 was dropped");
    assert_eq!(
        s.restore_session("c", "o7").unwrap().missed,
        [packet(8), packet(9)]
    );
}

#[tokio::test(start_paused = true)]
async fn bytes_are_capped() {
    let config = SessionStoreConfig {
        max_bytes: 1500,
        ..SessionStoreConfig::default()
    };
    let mut s = store(config);
    let big = |n: u8| {
        Encoder::default()
            .event("/", "bin", &(Bytes::from(vec![n; 1000]),), None)
            .unwrap()
    };
    s.persist_packet("o1".into(), big(1), BroadcastOptions::all());
    s.persist_packet("o2".into(), big(2), BroadcastOptions::all());
    assert_eq!(s.len(), (0, 1));
}

#[tokio::test(start_paused = true)]
async fn memory_adapter_keeps_nothing_until_enabled() {
    let adapter = MemoryAdapter::new(std::sync::Weak::<super::fake::FakeNamespace>::new());
    adapter.persist_packet("o1".into(), &packet(1), &BroadcastOptions::all());
    adapter.persist_session(session("p1", &[]));
    assert_eq!(adapter.restore_session("p1", "o1").await.unwrap(), None);

    adapter.enable_session_store(SessionStoreConfig::default());
    adapter.persist_packet("o1".into(), &packet(1), &BroadcastOptions::all());
    adapter.persist_session(session("p1", &[]));
    adapter.persist_packet("o2".into(), &packet(2), &BroadcastOptions::all());
    let restored = adapter.restore_session("p1", "o1").await.unwrap().unwrap();
    assert_eq!(restored.missed, [packet(2)]);
}
