//! The adapter survives a Redis restart: the subscriber reconnects and
//! subscribes again, the publisher reconnects, and broadcasts flow again.
//! Runs its own `redis-server` on a free port (skipped, with a note, when
//! there is no `redis-server` binary).

mod common;

use std::time::Duration;

use common::{RawClient, RedisServer, WAIT, free_port, socket};
use sio::{SocketIo, SocketRef};
use sio_redis::{RedisAdapterConfig, RedisAdapterFactory};

/// Waits until Redis answers PING and `n` connections listen on the request
/// channel of `/`.
async fn ready(url: &str, n: i64) {
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    loop {
        if let Ok(client) = redis::Client::open(url)
            && let Ok(mut conn) = client.get_multiplexed_async_connection().await
        {
            let reply: redis::RedisResult<Vec<redis::Value>> = redis::cmd("PUBSUB")
                .arg("NUMSUB")
                .arg("socket.io-request#/#")
                .query_async(&mut conn)
                .await;
            if matches!(reply.as_deref(), Ok([_, redis::Value::Int(c)]) if *c >= n) {
                return;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "not ready in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn server(url: &str) -> SocketIo {
    let config = RedisAdapterConfig::default().requests_timeout(Duration::from_millis(500));
    let factory = RedisAdapterFactory::connect_with(url, config)
        .await
        .unwrap();
    SocketIo::builder()
        .adapter(factory)
        .ns("/", |_: SocketRef| async move {})
        .build()
}

#[tokio::test]
async fn broadcasts_flow_again_after_redis_restarts() {
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}/");
    let Some(first) = RedisServer::start(port) else {
        eprintln!("no redis-server binary: skipped");
        return;
    };
    ready(&url, 0).await;
    let (a, b) = (server(&url).await, server(&url).await);
    ready(&url, 2).await;
    let addr = common::serve(&b).await;
    let (mut client, id) = RawClient::connect(addr, "/", None).await;
    socket(&b, &id).join("r");
    a.to("r").emit("before", &1).await.unwrap();
    assert_eq!(client.next_text().await, r#"2["before",1]"#);

    drop(first);
    // While Redis is down the cluster part fails, without a panic.
    let down = a.to("r").emit("lost", &2).await;
    assert!(down.is_err(), "{down:?}");
    // A join is still done on this server, and the failure reported.
    let joined = b.sockets_join("while-down").await;
    assert!(joined.is_err(), "{joined:?}");
    assert!(
        socket(&b, &id)
            .rooms()
            .iter()
            .any(|r| r.as_str() == "while-down")
    );

    let _second = RedisServer::start(port).unwrap();
    ready(&url, 2).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while a.to("r").emit("after", &3).await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "publisher did not reconnect"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(client.next_text().await, r#"2["after",3]"#);
}
