//! Server-wide API: the global connection middleware, dynamic namespaces
//! by pattern and by a function of the handshake (with their caps and the
//! removal of empty children), server-side emit on a single node, and the
//! engine connection seen from a socket across a polling → WebSocket
//! upgrade.

mod sio_common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use parking_lot::Mutex;
use sio::{ConnectError, Data, Ns, SocketIo, SocketRef, TransportKind, Value};
use sio_common::{RawClient, WAIT, serve_io};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;

async fn hello(socket: SocketRef) {
    let _ = socket.emit("hello", socket.ns());
}

/// Sends CONNECT for `ns` and returns the raw reply.
async fn connect_reply(c: &mut RawClient, ns: &str, auth: &str) -> String {
    c.send(&format!("0{ns},{auth}")).await;
    c.next_text().await
}

#[tokio::test]
async fn the_global_middleware_runs_before_each_namespace_own() {
    let order: Arc<Mutex<Vec<String>>> = Arc::default();
    let (o1, o2) = (order.clone(), order.clone());
    let io = SocketIo::builder()
        .middleware(move |s: SocketRef, Data(auth): Data<serde_json::Value>| {
            let order = o1.clone();
            async move {
                order.lock().push(format!("global:{}", s.ns()));
                if auth["token"] == "ok" {
                    Ok(())
                } else {
                    Err(ConnectError::new("no token"))
                }
            }
        })
        .namespace(
            "/admin",
            Ns::new(hello).middleware(move |s: SocketRef| {
                let order = o2.clone();
                async move {
                    order.lock().push(format!("admin:{}", s.ns()));
                    Ok(())
                }
            }),
        )
        .build();
    let addr = serve_io(&io).await;
    let mut c = RawClient::open(addr).await;
    let refused = connect_reply(&mut c, "/admin", "{}").await;
    assert_eq!(refused, r#"4/admin,{"message":"no token"}"#);
    let ok = connect_reply(&mut c, "/admin", r#"{"token":"ok"}"#).await;
    assert!(ok.starts_with("0/admin,{\"sid\""), "{ok}");
    assert_eq!(c.next_text().await, r#"2/admin,["hello","/admin"]"#);
    // `/` (not declared) runs the global middleware too.
    c.send("0{}").await;
    assert_eq!(c.next_text().await, r#"4{"message":"no token"}"#);
    assert_eq!(
        *order.lock(),
        ["global:/admin", "global:/admin", "admin:/admin", "global:/"]
    );
}

fn dynamic_server() -> SocketIo {
    SocketIo::builder()
        .dyn_namespace_pattern(r"^/dyn-[a-z]+$", Ns::new(hello))
        .dyn_namespace_with(
            |name, handshake| name.starts_with("/team-") && handshake.auth["team"] == name[6..],
            Ns::new(hello),
        )
        .max_dynamic_children(1)
        .max_ns_name_len(12)
        .build()
}

#[tokio::test]
async fn dynamic_namespaces_by_pattern_and_by_handshake() {
    let io = dynamic_server();
    let addr = serve_io(&io).await;
    let mut c = RawClient::open(addr).await;
    let invalid = r#"{"message":"Invalid namespace"}"#;
    assert_eq!(
        connect_reply(&mut c, "/dyn-1", "").await,
        format!("4/dyn-1,{invalid}")
    );
    assert_eq!(
        connect_reply(&mut c, "/team-a", r#"{"team":"b"}"#).await,
        format!("4/team-a,{invalid}")
    );
    let ok = connect_reply(&mut c, "/team-a", r#"{"team":"a"}"#).await;
    assert!(ok.starts_with("0/team-a,"), "{ok}");
    assert_eq!(c.next_text().await, r#"2/team-a,["hello","/team-a"]"#);
    let ok = connect_reply(&mut c, "/dyn-abc", "").await;
    assert!(ok.starts_with("0/dyn-abc,"), "{ok}");
    assert_eq!(c.next_text().await, r#"2/dyn-abc,["hello","/dyn-abc"]"#);
    // Name length cap (12 bytes) even when the pattern matches.
    assert_eq!(
        connect_reply(&mut c, "/dyn-abcdefghij", "").await,
        format!("4/dyn-abcdefghij,{invalid}")
    );
}

#[tokio::test]
async fn the_children_cap_holds_and_an_empty_child_is_removed() {
    let io = dynamic_server();
    let addr = serve_io(&io).await;
    let mut c = RawClient::open(addr).await;
    let ok = connect_reply(&mut c, "/dyn-a", "").await;
    assert!(ok.starts_with("0/dyn-a,"), "{ok}");
    c.next_text().await;
    assert!(io.of("/dyn-a").is_some());
    // One child per family: a second name is refused while /dyn-a lives.
    let refused = connect_reply(&mut c, "/dyn-b", "").await;
    assert!(refused.starts_with("4/dyn-b,"), "{refused}");
    c.send("1/dyn-a,").await;
    tokio::time::timeout(WAIT, async {
        while io.of("/dyn-a").is_some() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the empty child is removed");
    let ok = connect_reply(&mut c, "/dyn-b", "").await;
    assert!(ok.starts_with("0/dyn-b,"), "{ok}");
}

#[tokio::test]
async fn server_side_emit_does_not_reach_this_node() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let io = SocketIo::builder()
        .on_server_event(move |_args| {
            seen.fetch_add(1, Ordering::SeqCst);
            async { Vec::new() }
        })
        .build();
    io.server_side_emit(vec![Value::from("hello"), Value::from(1)])
        .await
        .unwrap();
    let collected = tokio::time::timeout(
        WAIT,
        io.server_side_emit_with_ack(vec![Value::from("who")], Duration::from_millis(200)),
    )
    .await
    .expect("resolves without other nodes")
    .unwrap();
    assert!(collected.responses.is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

/// One `Connection: close` HTTP request: the body of the response.
async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> String {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tcp.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    text.split_once("\r\n\r\n").unwrap().1.to_owned()
}

#[tokio::test]
async fn a_socket_sees_its_connection_upgrade_to_websocket() {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let io = SocketIo::builder()
        .ns("/", move |socket: SocketRef| {
            let tx = tx.clone();
            async move {
                let engine = socket.engine();
                let _ = tx.send(format!("{:?} {:?}", engine.transport(), engine.protocol()));
                let _ = tx.send(engine.parts().uri.path().to_owned());
                socket.on_upgrade(move |s| {
                    let _ = tx.send(format!("upgraded {:?}", s.engine().transport()));
                });
            }
        })
        .build();
    let addr = serve_io(&io).await;
    let open = http(addr, "GET", "/socket.io/?EIO=4&transport=polling", "").await;
    let open: serde_json::Value = serde_json::from_str(open.strip_prefix('0').unwrap()).unwrap();
    let sid = open["sid"].as_str().unwrap().to_owned();
    let q = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(http(addr, "POST", &q, "40").await, "ok");
    assert!(http(addr, "GET", &q, "").await.starts_with("40{"));
    let first = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first, "Polling V4");
    assert_eq!(rx.recv().await.unwrap(), "/socket.io/");

    let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket&sid={sid}");
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(url, tcp).await.unwrap();
    ws.send(WsMessage::text("2probe")).await.unwrap();
    let probe = tokio::time::timeout(WAIT, ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(probe, WsMessage::text("3probe"));
    ws.send(WsMessage::text("5")).await.unwrap();
    let upgraded = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(upgraded, "upgraded WebSocket");
    assert_eq!(
        io.local_sockets("/")[0].engine().transport(),
        TransportKind::WebSocket
    );
}
