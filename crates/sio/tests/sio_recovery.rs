//! Connection-state recovery seen by a raw client: the pid in the CONNECT
//! reply, offsets on events, and a reconnection that gets its id, rooms,
//! data and the packets it missed (binary included), skipping middlewares.

mod sio_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use sio::{ConnectionStateRecovery, DisconnectReason, Ns, SocketIo, SocketRef};
use sio_common::{Frame, RawClient, WAIT, serve_io};
use tokio::sync::mpsc;

/// Typed socket data: restored as a `User` after a recovery.
#[derive(serde::Serialize, serde::Deserialize)]
struct User {
    user: u32,
}

struct Server {
    io: SocketIo,
    middleware_runs: Arc<AtomicUsize>,
    gone: mpsc::UnboundedReceiver<String>,
}

fn server(recovery: bool) -> Server {
    let runs = Arc::new(AtomicUsize::new(0));
    let (tx, gone) = mpsc::unbounded_channel();
    let counter = runs.clone();
    let ns = Ns::new(move |socket: SocketRef| {
        let tx = tx.clone();
        async move {
            if !socket.recovered() {
                socket.set_data(User { user: 7 });
            }
            let typed = socket.data::<User>().map(|u| u.user);
            let _ = socket.emit_args("state", &(socket.recovered(), socket.data_json(), typed));
            socket.on_disconnect(move |s: SocketRef, reason: DisconnectReason| async move {
                let _ = tx.send(format!("{} {reason}", s.id()));
            });
        }
    })
    .middleware(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { Ok(()) }
    });
    let mut builder = SocketIo::builder();
    if recovery {
        builder = builder.connection_state_recovery(ConnectionStateRecovery::default());
    }
    Server {
        io: builder.namespace("/", ns).build(),
        middleware_runs: runs,
        gone,
    }
}

/// Sends CONNECT to `/` with `auth`; returns the reply's data.
async fn connect(client: &mut RawClient, auth: &str) -> serde_json::Value {
    client.send(&format!("0{auth}")).await;
    let reply = client.next_text().await;
    let body = reply.strip_prefix('0').expect("CONNECT reply");
    serde_json::from_str(body).unwrap()
}

/// The arguments of an EVENT text packet (after the `2`).
fn args(packet: &str) -> Vec<serde_json::Value> {
    let json = packet.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    serde_json::from_str(json).unwrap()
}

#[tokio::test]
async fn off_by_default_no_pid_and_no_offset() {
    let s = server(false);
    let addr = serve_io(&s.io).await;
    let mut client = RawClient::open(addr).await;
    let reply = connect(&mut client, "").await;
    assert!(reply.get("pid").is_none(), "{reply}");
    let state = args(&client.next_text().await);
    assert_eq!(
        state,
        [
            serde_json::json!("state"),
            false.into(),
            serde_json::json!({"user": 7}),
            7.into()
        ]
    );
}

#[tokio::test]
async fn a_client_back_with_its_pid_and_offset_gets_its_session_and_missed_packets() {
    let mut s = server(true);
    let addr = serve_io(&s.io).await;
    let mut client = RawClient::open(addr).await;
    let reply = connect(&mut client, "").await;
    let sid = reply["sid"].as_str().unwrap().to_owned();
    let pid = reply["pid"]
        .as_str()
        .expect("pid in the CONNECT reply")
        .to_owned();
    let state = args(&client.next_text().await);
    assert_eq!(state[1], false);
    let offset = state.last().unwrap().as_str().expect("offset").to_owned();
    s.io.local_sockets("/")[0].join("r");

    client.close().await;
    let gone = tokio::time::timeout(WAIT, s.gone.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gone, format!("{sid} transport close"));

    // Sent while it is away: kept, except the volatile one.
    s.io.to("r").emit("m1", &1).await.unwrap();
    s.io.to("r").volatile().emit("volatile", &0).await.unwrap();
    s.io.to("elsewhere").emit("not-for-it", &0).await.unwrap();
    s.io.to("r")
        .emit("m2", &Bytes::from_static(b"\x01\x02\x03"))
        .await
        .unwrap();

    let mut back = RawClient::open(addr).await;
    let reply = connect(
        &mut back,
        &format!(r#"{{"pid":"{pid}","offset":"{offset}"}}"#),
    )
    .await;
    assert_eq!(reply["sid"], sid.as_str());
    assert_eq!(reply["pid"], pid.as_str());
    let m1 = args(&back.next_text().await);
    assert_eq!((&m1[0], &m1[1]), (&"m1".into(), &1.into()));
    let m2 = back.next_text().await;
    assert!(m2.starts_with("51-"), "{m2}");
    assert_eq!(args(&m2)[0], "m2");
    assert_eq!(back.next().await, Frame::Binary(vec![1, 2, 3]));
    let state = args(&back.next_text().await);
    assert_eq!(state[0], "state");
    assert_eq!(state[1], true, "recovered");
    assert_eq!(state[2], serde_json::json!({"user": 7}), "data restored");
    assert_eq!(state[3], 7, "data::<User>() restored");
    assert_eq!(
        s.middleware_runs.load(Ordering::SeqCst),
        1,
        "middlewares skipped"
    );
    let socket = s.io.local_sockets("/").pop().unwrap();
    assert!(socket.recovered());
    let mut rooms: Vec<String> = socket.rooms().iter().map(|r| r.to_string()).collect();
    rooms.sort();
    let mut expected = vec![sid.clone(), "r".to_owned()];
    expected.sort();
    assert_eq!(rooms, expected);

    // The same pid again, while its socket is live: a fresh session.
    let mut thief = RawClient::open(addr).await;
    let reply = connect(
        &mut thief,
        &format!(r#"{{"pid":"{pid}","offset":"{offset}"}}"#),
    )
    .await;
    assert_ne!(reply["sid"], sid.as_str());
    assert_ne!(reply["pid"], pid.as_str());
    assert_eq!(args(&thief.next_text().await)[1], false);
}

#[tokio::test]
async fn a_forged_pid_or_a_namespace_disconnect_gives_a_fresh_session() {
    let mut s = server(true);
    let addr = serve_io(&s.io).await;
    let mut client = RawClient::open(addr).await;
    let reply = connect(&mut client, r#"{"pid":"forged","offset":"0"}"#).await;
    let sid = reply["sid"].as_str().unwrap().to_owned();
    let pid = reply["pid"].as_str().unwrap().to_owned();
    assert_ne!(pid, "forged");
    let offset = args(&client.next_text().await).pop().unwrap();
    assert_eq!(s.middleware_runs.load(Ordering::SeqCst), 1);

    // Leaving on purpose is not recoverable.
    client.send("1").await;
    tokio::time::timeout(WAIT, s.gone.recv())
        .await
        .unwrap()
        .unwrap();
    let auth = serde_json::json!({ "pid": pid, "offset": offset }).to_string();
    let reply = connect(&mut client, &auth).await;
    assert_ne!(reply["sid"], sid.as_str());
    assert_eq!(s.middleware_runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn volatile_emits_and_emits_asking_an_ack_carry_no_offset() {
    let s = server(true);
    let addr = serve_io(&s.io).await;
    let mut client = RawClient::open(addr).await;
    connect(&mut client, "").await;
    client.next_text().await; // state
    let socket = s.io.local_sockets("/").pop().unwrap();
    socket.volatile().emit("v", &1).unwrap();
    let ack = socket.emit_with_ack::<_, serde_json::Value>("a", &2);
    socket.emit("plain", &3).unwrap();
    assert_eq!(client.next_text().await, r#"2["v",1]"#);
    assert_eq!(client.next_text().await, r#"20["a",2]"#);
    let plain = args(&client.next_text().await);
    assert_eq!(plain.len(), 3, "{plain:?}");
    assert!(plain[2].is_string(), "offset last");
    drop(ack);
}

/// The arguments of an EVENT text packet of a namespace other than `/`.
fn ns_args(packet: &str) -> Vec<serde_json::Value> {
    let json = packet.find('[').map_or("", |i| &packet[i..]);
    serde_json::from_str(json).unwrap()
}

/// Sends CONNECT to `ns` with `auth`; returns the reply's data.
async fn connect_to(client: &mut RawClient, ns: &str, auth: &str) -> serde_json::Value {
    client.send(&format!("0{ns},{auth}")).await;
    let reply = client.next_text().await;
    let body = reply
        .strip_prefix(&format!("0{ns},"))
        .expect("CONNECT reply");
    serde_json::from_str(body).unwrap()
}

#[tokio::test]
async fn a_dynamic_child_left_empty_keeps_its_sessions_for_the_window() {
    let io = SocketIo::builder()
        .connection_state_recovery(ConnectionStateRecovery::default())
        .dyn_namespace_pattern(
            r"^/room-\d+$",
            Ns::new(|socket: SocketRef| async move {
                let _ = socket.emit("state", &socket.recovered());
            }),
        )
        .build();
    let addr = serve_io(&io).await;
    let mut client = RawClient::open(addr).await;
    let reply = connect_to(&mut client, "/room-1", "").await;
    let (sid, pid) = (reply["sid"].clone(), reply["pid"].clone());
    let state = ns_args(&client.next_text().await);
    let offset = state.last().unwrap().clone();
    client.close().await;
    // Its only socket gone, the child stays while the session may come back.
    tokio::time::timeout(WAIT, async {
        while !io.local_sockets("/room-1").is_empty() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap();

    let mut back = RawClient::open(addr).await;
    let auth = serde_json::json!({ "pid": pid, "offset": offset }).to_string();
    let reply = connect_to(&mut back, "/room-1", &auth).await;
    assert_eq!(reply["sid"], sid, "same socket id");
    assert_eq!(ns_args(&back.next_text().await)[1], true, "recovered");
}
