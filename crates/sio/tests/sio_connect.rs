//! Connections: the CONNECT reply and `auth`, refusals (unknown namespace,
//! middleware errors with data), dynamic namespaces, protocol errors and the
//! connect timeout.

mod sio_common;

use std::time::Duration;

use serde_json::json;
use sio::{ConnectError, Data, Ns, SocketIo, SocketRef};
use sio_common::{Frame, RawClient, serve_io};

async fn echo_auth(socket: SocketRef, Data(auth): Data<serde_json::Value>) {
    let _ = socket.emit("auth", &auth);
}

fn server() -> SocketIo {
    SocketIo::builder()
        .connect_timeout(Duration::from_millis(300))
        .ns("/", echo_auth)
        .namespace(
            "/admin",
            Ns::new(echo_auth).middleware(|Data(auth): Data<serde_json::Value>| async move {
                if auth["token"] == "secret" {
                    Ok(())
                } else {
                    Err(ConnectError::new("unauthorized").with_data(json!({ "code": 401 })))
                }
            }),
        )
        .dyn_namespace(|name| name.starts_with("/dyn-"), Ns::new(echo_auth))
        .max_dynamic_children(2)
        .build()
}

#[tokio::test]
async fn connect_replies_with_a_fresh_socket_id_and_runs_the_handler() {
    let io = server();
    let addr = serve_io(&io).await;
    let (mut client, id) = RawClient::connect(addr, "/", Some(r#"{"a":1}"#)).await;
    assert_ne!(id, client.sid, "the socket id is not the engine sid");
    assert_eq!(id.len(), 27);
    assert_eq!(client.next_text().await, r#"2["auth",{"a":1}]"#);
    assert_eq!(io.local_sockets("/").len(), 1);
    assert_eq!(io.local_sockets("/")[0].id().as_str(), id);
    assert_eq!(
        io.local_sockets("/")[0].rooms(),
        vec![sio::Room::from(id.as_str())]
    );
}

#[tokio::test]
async fn no_auth_gives_an_empty_object() {
    let io = server();
    let addr = serve_io(&io).await;
    let (mut client, _) = RawClient::connect(addr, "/", None).await;
    assert_eq!(client.next_text().await, r#"2["auth",{}]"#);
}

#[tokio::test]
async fn unknown_namespace_is_refused() {
    let addr = serve_io(&server()).await;
    let mut client = RawClient::open(addr).await;
    client.send("0/nope,").await;
    assert_eq!(
        client.next_text().await,
        r#"4/nope,{"message":"Invalid namespace"}"#
    );
}

#[tokio::test]
async fn middleware_error_reaches_the_client_with_its_data() {
    let io = server();
    let addr = serve_io(&io).await;
    let mut client = RawClient::open(addr).await;
    client.send(r#"0/admin,{"token":"nope"}"#).await;
    assert_eq!(
        client.next_text().await,
        r#"4/admin,{"message":"unauthorized","data":{"code":401}}"#
    );
    assert!(
        io.local_sockets("/admin").is_empty(),
        "no socket for a refused connection"
    );
    client.send(r#"0/admin,{"token":"secret"}"#).await;
    assert!(client.next_text().await.starts_with(r#"0/admin,{"sid":"#));
    assert_eq!(io.local_sockets("/admin").len(), 1);
}

#[tokio::test]
async fn dynamic_children_are_created_and_capped() {
    let io = server();
    let addr = serve_io(&io).await;
    let (a, _) = RawClient::connect(addr, "/dyn-a", None).await;
    let (_b, _) = RawClient::connect(addr, "/dyn-b", None).await;
    assert!(io.of("/dyn-a").is_some());
    let mut c = RawClient::open(addr).await;
    c.send("0/dyn-c,").await;
    assert_eq!(
        c.next_text().await,
        r#"4/dyn-c,{"message":"Invalid namespace"}"#
    );
    // an empty child is retired at once, which makes room
    a.close().await;
    while io.of("/dyn-a").is_some() {
        tokio::task::yield_now().await;
    }
    c.send("0/dyn-c,").await;
    assert!(c.next_text().await.starts_with(r#"0/dyn-c,{"sid":"#));
    assert_eq!(c.next_text().await, r#"2/dyn-c,["auth",{}]"#);
    let long = format!("0/dyn-{},", "x".repeat(300));
    c.send(&long).await;
    assert!(
        c.next_text().await.contains("Invalid namespace"),
        "names over the length cap are refused"
    );
}

#[tokio::test]
async fn second_connect_to_the_same_namespace_closes_the_connection() {
    let addr = serve_io(&server()).await;
    let (mut client, _) = RawClient::connect(addr, "/", None).await;
    client.next_text().await; // auth
    client.send("0").await;
    client.closed().await;
}

#[tokio::test]
async fn event_for_a_namespace_not_joined_closes_the_connection() {
    let addr = serve_io(&server()).await;
    let mut client = RawClient::open(addr).await;
    client.send(r#"2["hello"]"#).await;
    client.closed().await;
}

#[tokio::test]
async fn malformed_packet_closes_the_connection() {
    let addr = serve_io(&server()).await;
    let (mut client, _) = RawClient::connect(addr, "/", None).await;
    client.next_text().await;
    client.send("2[\"connect\"]").await; // reserved event name
    client.closed().await;
}

#[tokio::test]
async fn binary_before_connect_closes_the_connection() {
    let addr = serve_io(&server()).await;
    let mut client = RawClient::open(addr).await;
    client
        .send(r#"51-["x",{"_placeholder":true,"num":0}]"#)
        .await;
    assert_eq!(client.next().await, Frame::Closed);
}

#[tokio::test]
async fn a_session_that_joins_nothing_is_closed_at_the_connect_timeout() {
    let io = server();
    let addr = serve_io(&io).await;
    let started = tokio::time::Instant::now();
    let mut client = RawClient::open(addr).await;
    client.closed().await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(250),
        "closed after {elapsed:?}"
    );
}

#[tokio::test]
async fn several_namespaces_share_one_connection() {
    let io = server();
    let addr = serve_io(&io).await;
    let (mut client, main) = RawClient::connect(addr, "/", None).await;
    client.next_text().await;
    let admin = client.join("/admin", Some(r#"{"token":"secret"}"#)).await;
    assert_ne!(main, admin);
    assert_eq!(
        client.next_text().await,
        r#"2/admin,["auth",{"token":"secret"}]"#
    );
    assert_eq!(
        io.local_sockets("/").len() + io.local_sockets("/admin").len(),
        2
    );
}

#[tokio::test]
async fn protocol_4_clients_are_connected_to_the_main_namespace_at_once() {
    let io = SocketIo::builder()
        .allow_eio3(true)
        .ns("/", echo_auth)
        .namespace(
            "/admin",
            Ns::new(echo_auth).middleware(|| async {
                Err(ConnectError::new("unauthorized").with_data(json!({ "code": 401 })))
            }),
        )
        .build();
    let addr = serve_io(&io).await;
    let mut client = RawClient::open_eio(addr, 3).await;
    assert_eq!(client.next_text().await, "0", "CONNECT to / without data");
    assert_eq!(client.next_text().await, r#"2["auth",{}]"#);
    client.send("0/admin?token=x").await;
    assert_eq!(
        client.next_text().await,
        r#"4/admin,{"code":401}"#,
        "the data alone"
    );
    client.send("0/nope").await;
    assert_eq!(
        client.next_text().await,
        r#"4/nope,{"message":"Invalid namespace"}"#
    );
    assert_eq!(io.local_sockets("/").len(), 1);
}

#[tokio::test]
async fn protocol_4_is_refused_unless_allowed() {
    let addr = serve_io(&server()).await;
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let url = format!("ws://{addr}/socket.io/?EIO=3&transport=websocket");
    assert!(tokio_tungstenite::client_async(url, tcp).await.is_err());
}

#[derive(Clone)]
struct Greeting(&'static str);

#[tokio::test]
async fn connection_extractors_state_handshake_and_typed_auth() {
    #[derive(serde::Deserialize)]
    struct Auth {
        name: String,
    }
    let io = SocketIo::builder()
        .with_state(Greeting("hello"))
        .ns(
            "/",
            |socket: SocketRef,
             Data(auth): Data<Auth>,
             sio::State(Greeting(word)): sio::State<Greeting>,
             hs: sio::HandshakeRef| async move {
                let _ = socket.emit_args("hi", &(word, auth.name, hs.query_param("EIO")));
            },
        )
        .build();
    let addr = serve_io(&io).await;
    let (mut client, _) = RawClient::connect(addr, "/", Some(r#"{"name":"ann"}"#)).await;
    assert_eq!(client.next_text().await, r#"2["hi","hello","ann","4"]"#);
}

#[tokio::test]
async fn auth_that_does_not_deserialize_refuses_the_connection() {
    #[derive(Debug, serde::Deserialize)]
    struct Auth {
        #[allow(dead_code)]
        token: String,
    }
    let hooked = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = hooked.clone();
    let io = SocketIo::builder()
        .on_handler_error(move |_, err| {
            assert_eq!(err.event, "connect");
            seen.store(true, std::sync::atomic::Ordering::SeqCst);
        })
        .ns("/", |_: SocketRef, Data(_auth): Data<Auth>| async move {})
        .build();
    let addr = serve_io(&io).await;
    let mut client = RawClient::open(addr).await;
    client.send(r#"0{"token":1}"#).await;
    let reply = client.next_text().await;
    assert!(reply.starts_with(r#"4{"message":"#), "{reply}");
    assert!(hooked.load(std::sync::atomic::Ordering::SeqCst));
    assert!(io.local_sockets("/").is_empty());
}

#[tokio::test]
async fn rooms_list_the_socket_own_id_first_as_node_does() {
    let io = SocketIo::builder()
        .ns("/", |socket: SocketRef| async move {
            socket.join(["~z", "!b", "~a", "!a", "0", "Z"]);
            let rooms: Vec<String> = socket.rooms().iter().map(ToString::to_string).collect();
            let _ = socket.emit("rooms", &rooms);
        })
        .build();
    let addr = serve_io(&io).await;
    let (mut client, id) = RawClient::connect(addr, "/", None).await;
    let expected = json!(["rooms", [id, "!a", "!b", "0", "Z", "~a", "~z"]]);
    assert_eq!(client.next_text().await, format!("2{expected}"));
}
