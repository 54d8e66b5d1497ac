//! Panics in user code other than an event handler's future: a namespace
//! middleware, the connection handler's call, a packet middleware, an
//! `on_any` listener, the error hook and `on_disconnecting`. None of them
//! may take the client's session down with its sockets left behind: the
//! client's other namespaces keep working, its sockets leave (their
//! `disconnect` handlers run) when it goes, and the server keeps serving.

mod sio_common;

use std::time::Duration;

use sio::{
    AckSender, ConnectError, Data, DisconnectReason, Ns, PacketError, SocketIo, SocketRef, State,
};
use sio_common::{RawClient, WAIT, serve_io};
use tokio::sync::mpsc;

type Left = mpsc::UnboundedSender<String>;

/// Every socket reports its namespace when its `disconnect` handler runs,
/// and answers `ping` with `pong`.
async fn tracked(socket: SocketRef, State(left): State<Left>) {
    socket.on("ping", |ack: AckSender| async move {
        let _ = ack.send(&"pong");
    });
    socket.on_disconnect(move |s: SocketRef, _: DisconnectReason| async move {
        let _ = left.send(s.ns().to_owned());
    });
}

async fn panicking(what: &'static str) -> Result<(), ConnectError> {
    panic!("{what}")
}

async fn panicking_packet(what: &'static str) -> Result<(), PacketError> {
    panic!("{what}")
}

fn server(left: Left) -> SocketIo {
    SocketIo::builder()
        .with_state(left)
        .on_handler_error(|_, _| panic!("error hook"))
        .ns("/", tracked)
        .namespace(
            "/mw",
            Ns::new(tracked).middleware(|| panicking("namespace middleware")),
        )
        .namespace(
            "/mw-sync",
            Ns::new(tracked).middleware(|| -> std::future::Ready<Result<(), ConnectError>> {
                panic!("namespace middleware, before its future")
            }),
        )
        .namespace(
            "/connect",
            Ns::new(|| -> std::future::Ready<()> { panic!("connection handler") }),
        )
        .namespace(
            "/use",
            Ns::new(|socket: SocketRef, state: State<Left>| async move {
                socket.use_middleware(|_, _| panicking_packet("packet middleware"));
                tracked(socket, state).await;
            }),
        )
        .namespace(
            "/any",
            Ns::new(|socket: SocketRef, state: State<Left>| async move {
                socket.on_any(|_, _| panic!("on_any listener"));
                tracked(socket, state).await;
            }),
        )
        .namespace(
            "/typed",
            Ns::new(|socket: SocketRef, state: State<Left>| async move {
                socket.on("n", |Data(_): Data<u32>| async {});
                tracked(socket, state).await;
            }),
        )
        .namespace(
            "/disconnecting",
            Ns::new(|socket: SocketRef, state: State<Left>| async move {
                socket.on_disconnecting(|_: SocketRef, _: DisconnectReason| -> () {
                    panic!("on_disconnecting")
                });
                tracked(socket, state).await;
            }),
        )
        .build()
}

const NAMESPACES: [&str; 8] = [
    "/",
    "/mw",
    "/mw-sync",
    "/connect",
    "/use",
    "/any",
    "/typed",
    "/disconnecting",
];

/// Joins `/`, lets `provoke` make user code panic, checks that `/` still
/// answers, that another client is still served, and that once the client
/// goes every one of its sockets left (its `disconnect` handlers ran, no
/// namespace holds a socket).
async fn survives<F, Fut>(expected_left: &[&str], provoke: F)
where
    F: FnOnce(RawClient) -> Fut,
    Fut: std::future::Future<Output = RawClient>,
{
    let (tx, mut left) = mpsc::unbounded_channel();
    let io = server(tx);
    let addr = serve_io(&io).await;
    let (client, _) = RawClient::connect(addr, "/", None).await;
    let mut client = provoke(client).await;

    client.send(r#"27["ping"]"#).await;
    assert_eq!(client.next_text().await, r#"37["pong"]"#, "`/` still works");
    let (mut other, _) = RawClient::connect(addr, "/", None).await;
    other.send(r#"21["ping"]"#).await;
    assert_eq!(
        other.next_text().await,
        r#"31["pong"]"#,
        "others are served"
    );

    client.close().await;
    let mut gone = Vec::new();
    for _ in expected_left {
        let ns = tokio::time::timeout(WAIT, left.recv())
            .await
            .expect("a disconnect handler never ran: a socket was left behind")
            .expect("channel open");
        gone.push(ns);
    }
    gone.sort();
    let mut expected: Vec<String> = expected_left.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(gone, expected);
    assert_eq!(
        io.local_sockets("/").len(),
        1,
        "only the other client is left"
    );
    for ns in &NAMESPACES[1..] {
        assert!(io.local_sockets(ns).is_empty(), "a ghost socket in {ns}");
    }
    assert_eq!(io.fetch_sockets("/").await.unwrap().len(), 1);
    other.close().await;
    let ns = tokio::time::timeout(WAIT, left.recv()).await.unwrap();
    assert_eq!(ns.as_deref(), Some("/"));
}

const INTERNAL: &str = r#"{"message":"Internal server error"}"#;

#[tokio::test]
async fn a_panicking_namespace_middleware_refuses_the_connection() {
    survives(&["/"], |mut client| async move {
        client.send("0/mw,").await;
        assert_eq!(client.next_text().await, format!("4/mw,{INTERNAL}"));
        client
    })
    .await;
}

#[tokio::test]
async fn a_middleware_that_panics_before_its_future_refuses_the_connection() {
    survives(&["/"], |mut client| async move {
        client.send("0/mw-sync,").await;
        assert_eq!(client.next_text().await, format!("4/mw-sync,{INTERNAL}"));
        client
    })
    .await;
}

#[tokio::test]
async fn a_panicking_connection_handler_refuses_the_connection() {
    survives(&["/"], |mut client| async move {
        client.send("0/connect,").await;
        assert_eq!(client.next_text().await, format!("4/connect,{INTERNAL}"));
        client
    })
    .await;
}

#[tokio::test]
async fn a_panicking_packet_middleware_rejects_the_packet() {
    survives(&["/", "/use"], |mut client| async move {
        client.join("/use", None).await;
        client.send(r#"2/use,5["ping"]"#).await;
        assert_eq!(client.next_text().await, format!("3/use,5[{INTERNAL}]"));
        client
    })
    .await;
}

#[tokio::test]
async fn a_panicking_on_any_listener_does_not_stop_the_event() {
    survives(&["/", "/any"], |mut client| async move {
        client.join("/any", None).await;
        client.send(r#"2/any,5["ping"]"#).await;
        assert_eq!(client.next_text().await, r#"3/any,5["pong"]"#);
        client
    })
    .await;
}

#[tokio::test]
async fn a_panicking_error_hook_is_contained() {
    survives(&["/", "/typed"], |mut client| async move {
        client.join("/typed", None).await;
        client.send(r#"2/typed,5["n","not a number"]"#).await;
        let ack = client.next_text().await;
        assert!(ack.starts_with(r#"3/typed,5[{"message":"#), "{ack}");
        client
    })
    .await;
}

#[tokio::test]
async fn a_panicking_on_disconnecting_still_leaves_the_namespace() {
    survives(
        &["/", "/disconnecting", "/disconnecting"],
        |mut client| async move {
            client.join("/disconnecting", None).await;
            client.send("1/disconnecting,").await;
            // The socket left: it is no longer listed, and it can join again.
            tokio::time::timeout(Duration::from_secs(5), async {
                client.join("/disconnecting", None).await;
            })
            .await
            .expect("joined again");
            client
        },
    )
    .await;
}

/// A session task that ends without closing (here: its runtime is dropped)
/// still takes its sockets out of their namespaces.
#[test]
fn sockets_leave_when_their_session_task_is_dropped() {
    let io = SocketIo::builder().ns("/", |_: SocketRef| async {}).build();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = rt.block_on(async {
        let addr = serve_io(&io).await;
        RawClient::connect(addr, "/", None).await
    });
    assert_eq!(io.local_sockets("/").len(), 1);
    drop(rt);
    assert!(io.local_sockets("/").is_empty(), "a ghost socket");
    drop(client);
}
