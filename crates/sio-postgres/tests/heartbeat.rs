//! The heartbeat variant of the protocol: a server counts the others it
//! hears from, forgets one that closes or stops heartbeating, and requests
//! that wait on a silent server end at their timeout with the answers
//! that came. Skipped, with a printed reason, when PostgreSQL does not
//! answer.

mod common;

use std::time::Duration;

use common::{RawClient, cluster, notify, setup, wait_count};

#[tokio::test]
async fn a_silent_server_is_dropped_and_requests_end_with_what_came() {
    let Some(db) = common::database().await else {
        return;
    };
    let mut s = setup("heartbeat");
    s.config = s
        .config
        .heartbeat_interval(Duration::from_millis(200))
        .heartbeat_timeout(Duration::from_millis(2500))
        .requests_timeout(Duration::from_millis(800));
    let nodes = cluster(&s.config, &["a", "b"]).await;
    let (_cb, idb) = RawClient::connect(nodes[1].addr, "/", None).await;

    // A third server says hello, then falls silent.
    let ghost = r#"{"type":1,"uid":"0123456789abcdef","nsp":"/"}"#;
    notify(&db, &s.channel, ghost).await;
    wait_count(&nodes[0], 3).await;

    // fetchSockets waits for the ghost too: it ends at the requests
    // timeout with b's answer.
    let started = tokio::time::Instant::now();
    let infos = nodes[0].io.fetch_sockets("/").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].id.as_str(), idb);

    // A server-side event with acks: b answers, the ghost never does.
    let collected = nodes[0]
        .io
        .server_side_emit_with_ack(vec![sio::Value::from("whoami")], Duration::from_millis(500))
        .await
        .unwrap();
    assert!(!collected.complete);
    assert_eq!(collected.responses.len(), 1);

    // The ghost is forgotten after the heartbeat timeout; b, which
    // heartbeats, is not.
    wait_count(&nodes[0], 2).await;
    let started = tokio::time::Instant::now();
    let infos = nodes[0].io.fetch_sockets("/").await.unwrap();
    assert_eq!(infos.len(), 1);
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "complete without waiting"
    );

    // ADAPTER_CLOSE forgets its sender at once.
    notify(&db, &s.channel, ghost).await;
    wait_count(&nodes[0], 3).await;
    let close = r#"{"type":13,"uid":"0123456789abcdef","nsp":"/"}"#;
    notify(&db, &s.channel, close).await;
    wait_count(&nodes[0], 2).await;
    common::drop_table(&db, &s).await;
}
