//! Dynamic namespaces under churn: what one connection may hold, and what
//! an emptied child leaves behind.

mod sio_common;

use std::time::Duration;

use sio::{ConnectionStateRecovery, Ns, SocketIo, SocketRef};
use sio_common::{RawClient, WAIT, serve_io};

#[tokio::test]
async fn one_connection_holds_at_most_max_ns_per_connection_namespaces() {
    let io = SocketIo::builder()
        .max_ns_per_connection(3)
        .dyn_namespace(
            |name| name.starts_with("/dyn-"),
            Ns::new(|_: SocketRef| async {}),
        )
        .build();
    let addr = serve_io(&io).await;
    let mut client = RawClient::open(addr).await;
    for i in 0..3 {
        client.join(&format!("/dyn-{i}"), None).await;
    }
    client.send("0/dyn-3,").await;
    assert_eq!(
        client.next_text().await,
        r#"4/dyn-3,{"message":"Too many namespaces"}"#
    );
    assert!(io.of("/dyn-3").is_none(), "nothing created past the cap");
    // Another connection has its own allowance.
    let (_other, _) = RawClient::connect(addr, "/dyn-3", None).await;
    // Leaving one makes room on the first connection, which stays open.
    client.send("1/dyn-0,").await;
    client.join("/dyn-4", None).await;
}

/// Tasks alive on this runtime.
fn tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

#[tokio::test]
async fn an_emptied_child_keeps_one_recovery_timer_however_often_it_empties() {
    let io = SocketIo::builder()
        .connection_state_recovery(ConnectionStateRecovery::default())
        .dyn_namespace(
            |name| name.starts_with("/dyn-"),
            Ns::new(|_: SocketRef| async {}),
        )
        .build();
    let addr = serve_io(&io).await;
    let cycle = || async {
        let (client, _) = RawClient::connect(addr, "/dyn-a", None).await;
        client.close().await;
        tokio::time::timeout(WAIT, async {
            while !io.local_sockets("/dyn-a").is_empty() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .unwrap();
    };
    cycle().await;
    let settled = |limit: usize| async move {
        let deadline = tokio::time::Instant::now() + WAIT;
        while tasks() > limit && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tasks()
    };
    // Once the first cycle's connection tasks are gone.
    let mut before = tasks();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if tasks() == before {
            break;
        }
        before = tasks();
    }
    for _ in 0..100 {
        cycle().await;
    }
    let after = settled(before).await;
    eprintln!("tasks alive: {before} after one cycle, {after} after 100 more");
    assert!(
        after <= before + 2,
        "{after} tasks alive after 100 cycles, {before} after one"
    );
    assert!(
        io.of("/dyn-a").is_some(),
        "the child lingers for the window"
    );
}
