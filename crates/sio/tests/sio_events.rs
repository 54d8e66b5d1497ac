//! Events and acks: both directions, binary, typed data and its errors,
//! the order of events on a multi-threaded runtime, disconnect reasons.

mod sio_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;
use sio::{AckSender, Args, Data, DisconnectReason, SocketIo, SocketRef, TryData, Value};
use sio_common::{Frame, RawClient, serve_io};
use tokio::sync::mpsc;

#[derive(Debug, serde::Deserialize)]
struct Add {
    a: i64,
    b: i64,
}

#[derive(Clone)]
struct Reasons(mpsc::UnboundedSender<(String, Vec<String>)>);

async fn on_connect(socket: SocketRef) {
    socket.on("add", |Data(add): Data<Add>, ack: AckSender| async move {
        let _ = ack.send(&(add.a + add.b));
    });
    socket.on(
        "echo",
        |socket: SocketRef, Args(args): Args<Vec<Value>>| async move {
            let _ = socket.emit_args("echo", &args);
        },
    );
    socket.on(
        "try",
        |TryData(data): TryData<u8>, ack: AckSender| async move {
            let _ = ack.send(&data.is_ok());
        },
    );
    socket.on("ask", |socket: SocketRef, ack: AckSender| async move {
        let reply = socket
            .timeout(Duration::from_millis(300))
            .emit_with_ack::<_, Args<(String, Bytes)>>("question", &1);
        let _ = match reply.await {
            Ok(Args((text, bytes))) => ack.send_args(&(text, bytes.len())),
            Err(e) => ack.send(&e.to_string()),
        };
    });
    socket.on(
        "join",
        |socket: SocketRef, Data(room): Data<String>| async move { socket.join(room) },
    );
    socket.on("bye", |socket: SocketRef| async move {
        socket.disconnect(false)
    });
    socket.on_disconnecting(|socket: SocketRef, reason: DisconnectReason| {
        let rooms: Vec<String> = socket.rooms().iter().map(ToString::to_string).collect();
        socket.set_data((reason.as_str().to_owned(), rooms));
    });
    socket.on_disconnect(|socket: SocketRef, reason: DisconnectReason| async move {
        let (_, rooms) = socket
            .data::<(String, Vec<String>)>()
            .map(|d| (*d).clone())
            .unwrap_or_default();
        if let Some(Reasons(tx)) = socket_state(&socket) {
            let _ = tx.send((reason.as_str().to_owned(), rooms));
        }
    });
}

static STATE: Mutex<Option<Reasons>> = Mutex::new(None);

fn socket_state(_socket: &SocketRef) -> Option<Reasons> {
    STATE.lock().clone()
}

fn server(errors: Arc<AtomicUsize>) -> SocketIo {
    SocketIo::builder()
        .on_handler_error(move |_, err| {
            assert_eq!(err.event, "add");
            errors.fetch_add(1, Ordering::SeqCst);
        })
        .ns("/", on_connect)
        .build()
}

#[tokio::test]
async fn typed_data_and_acks() {
    let addr = serve_io(&server(Arc::default())).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"27["add",{"a":2,"b":40}]"#).await;
    assert_eq!(c.next_text().await, "37[42]");
    c.send(r#"28["try","not a number"]"#).await;
    assert_eq!(c.next_text().await, "38[false]");
}

#[tokio::test]
async fn bad_data_is_reported_and_answered_with_an_error_ack() {
    let errors = Arc::new(AtomicUsize::new(0));
    let addr = serve_io(&server(errors.clone())).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"25["add",{"a":"x"}]"#).await;
    let reply = c.next_text().await;
    assert!(reply.starts_with(r#"35[{"message":"#), "{reply}");
    c.send(r#"2["add",[]]"#).await; // no ack asked: only the hook hears of it
    c.send(r#"26["add",{"a":1,"b":1}]"#).await;
    assert_eq!(c.next_text().await, "36[2]");
    assert_eq!(errors.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn binary_arguments_round_trip_at_any_depth() {
    let addr = serve_io(&server(Arc::default())).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"52-["echo",{"a":[1,{"_placeholder":true,"num":0}]},{"_placeholder":true,"num":1}]"#)
        .await;
    c.send_binary(&[1, 2, 3]).await;
    c.send_binary(&[]).await;
    assert_eq!(
        c.next_text().await,
        r#"52-["echo",{"a":[1,{"_placeholder":true,"num":0}]},{"_placeholder":true,"num":1}]"#
    );
    assert_eq!(c.next().await, Frame::Binary(vec![1, 2, 3]));
    assert_eq!(c.next().await, Frame::Binary(vec![]));
}

#[tokio::test]
async fn server_emit_with_ack_gets_the_answer_or_times_out() {
    let addr = serve_io(&server(Arc::default())).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"21["ask"]"#).await;
    let question = c.next_text().await;
    let id = question
        .strip_prefix('2')
        .and_then(|q| q.strip_suffix(r#"["question",1]"#))
        .unwrap()
        .to_owned();
    c.send(&format!(
        r#"61-{id}["yes",{{"_placeholder":true,"num":0}}]"#
    ))
    .await;
    c.send_binary(b"four").await;
    assert_eq!(c.next_text().await, r#"31["yes",4]"#);
    // unanswered: the ack future fails with a timeout
    c.send(r#"22["ask"]"#).await;
    assert!(c.next_text().await.contains("question"));
    assert_eq!(
        c.next_text().await,
        r#"32["no acknowledgement within the timeout"]"#
    );
    // an ack for an unknown id is ignored
    c.send("3999[1]").await;
    c.send(r#"23["add",{"a":1,"b":2}]"#).await;
    assert_eq!(c.next_text().await, "33[3]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_of_one_socket_are_handled_in_order() {
    let addr = serve_io(&server(Arc::default())).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    for i in 0..1000 {
        c.send(&format!(r#"2["echo",{i}]"#)).await;
    }
    for i in 0..1000 {
        assert_eq!(c.next_text().await, format!(r#"2["echo",{i}]"#));
    }
}

/// The next disconnect reported for socket `id`. The report channel is
/// global to this test binary, so sockets of servers of other tests running
/// at the same time may report on it too: they are skipped.
async fn reason_of(
    rx: &mut mpsc::UnboundedReceiver<(String, Vec<String>)>,
    id: &str,
) -> (String, Vec<String>) {
    loop {
        let (reason, rooms) = rx.recv().await.unwrap();
        if rooms.iter().any(|room| room == id) {
            return (reason, rooms);
        }
    }
}

#[tokio::test]
async fn disconnect_reasons_and_rooms_while_disconnecting() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    *STATE.lock() = Some(Reasons(tx));
    let io = server(Arc::default());
    let addr = serve_io(&io).await;

    let (mut c, id) = RawClient::connect(addr, "/", None).await;
    c.send(r#"2["join","r1"]"#).await;
    c.send("1").await;
    let (reason, mut rooms) = reason_of(&mut rx, &id).await;
    rooms.sort();
    assert_eq!(reason, "client namespace disconnect");
    assert_eq!(rooms, {
        let mut v = vec![id.clone(), "r1".to_owned()];
        v.sort();
        v
    });

    let (mut c, id) = RawClient::connect(addr, "/", None).await;
    c.send(r#"2["bye"]"#).await;
    assert_eq!(c.next().await, Frame::Text("1".to_owned()));
    assert_eq!(
        reason_of(&mut rx, &id).await.0,
        "server namespace disconnect"
    );

    let (c, id) = RawClient::connect(addr, "/", None).await;
    c.close().await;
    assert_eq!(reason_of(&mut rx, &id).await.0, "transport close");

    // A connection dropped without a close frame is a close too, as Node
    // reports it.
    let (c, id) = RawClient::connect(addr, "/", None).await;
    drop(c);
    assert_eq!(reason_of(&mut rx, &id).await.0, "transport close");

    let (_c, id) = RawClient::connect(addr, "/", None).await;
    tokio::time::timeout(Duration::from_secs(5), io.close())
        .await
        .unwrap();
    assert_eq!(reason_of(&mut rx, &id).await.0, "server shutting down");
    assert_eq!(io.connection_count(), 0);
}
