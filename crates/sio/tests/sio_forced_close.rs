//! A forced close (a parse error, a kick) stops the handling of what the
//! client sent with it: the rest of a polling POST, CONNECTs included,
//! creates no socket.

mod sio_common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sio::{SocketIo, SocketRef};
use sio_common::{http, serve_io};

/// A server counting the connections of every namespace; `kick` on `/`
/// closes the whole connection.
fn server(connects: Arc<AtomicUsize>) -> SocketIo {
    let handler = move |socket: SocketRef| {
        connects.fetch_add(1, Ordering::SeqCst);
        async move {
            socket.on("kick", |s: SocketRef| async move { s.disconnect(true) });
        }
    };
    SocketIo::builder()
        .ns("/", handler.clone())
        .ns("/a", handler.clone())
        .ns("/b", handler)
        .build()
}

async fn open(addr: SocketAddr) -> String {
    let (status, open) = http(addr, "GET", "/socket.io/?EIO=4&transport=polling", "").await;
    assert_eq!(status, 200);
    let open: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    format!(
        "/socket.io/?EIO=4&transport=polling&sid={}",
        open["sid"].as_str().unwrap()
    )
}

/// A polling client's last GET: it takes the CLOSE a closed session
/// keeps for it (or gets 400 once the session is gone), as a client does.
async fn last_get(addr: SocketAddr, path: &str) {
    let (status, body) = http(addr, "GET", path, "").await;
    assert!(
        status == 400 || (status == 200 && body.ends_with('1')),
        "{status} {body}"
    );
}

async fn gone(io: &SocketIo) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while io.connection_count() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the session closed");
}

#[tokio::test]
async fn connects_after_a_parse_error_in_the_same_post_create_no_socket() {
    let connects = Arc::new(AtomicUsize::new(0));
    let io = server(connects.clone());
    let addr = serve_io(&io).await;
    let path = open(addr).await;
    let body = ["4x", "40", "40/a,", "40/b,"].join("\x1e");
    http(addr, "POST", &path, &body).await;
    last_get(addr, &path).await;
    gone(&io).await;
    assert_eq!(connects.load(Ordering::SeqCst), 0, "a socket was created");
}

#[tokio::test]
async fn connects_after_a_kick_in_the_same_post_create_no_socket() {
    let connects = Arc::new(AtomicUsize::new(0));
    let io = server(connects.clone());
    let addr = serve_io(&io).await;
    let path = open(addr).await;
    assert_eq!(http(addr, "POST", &path, "40").await.0, 200);
    let (_, reply) = http(addr, "GET", &path, "").await;
    assert!(reply.starts_with(r#"40{"sid":"#), "{reply}");
    assert_eq!(connects.load(Ordering::SeqCst), 1);
    let body = [r#"42["kick"]"#, "40/a,", "40/b,"].join("\x1e");
    http(addr, "POST", &path, &body).await;
    last_get(addr, &path).await;
    gone(&io).await;
    assert_eq!(connects.load(Ordering::SeqCst), 1, "a socket was created");
}

#[tokio::test]
async fn connects_after_a_parse_error_on_a_websocket_create_no_socket() {
    let connects = Arc::new(AtomicUsize::new(0));
    let io = server(connects.clone());
    let addr = serve_io(&io).await;
    let mut client = sio_common::RawClient::open(addr).await;
    client.send("x").await;
    client.send("0").await;
    client.send("0/a,").await;
    client.closed().await;
    gone(&io).await;
    assert_eq!(connects.load(Ordering::SeqCst), 0, "a socket was created");
}
