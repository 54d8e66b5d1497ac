//! Per-socket listeners (`once`, `off`, `off_all`, `event_names`),
//! catch-all listeners of incoming and outgoing events, packet
//! middlewares (`use_middleware`) and the `error` listener, seen by a raw
//! protocol-5 client.

mod sio_common;

use std::sync::Arc;

use parking_lot::Mutex;
use sio::{AckSender, PacketError, SocketIo, SocketRef, Value};
use sio_common::{RawClient, serve_io};

type Log = Arc<Mutex<Vec<String>>>;

fn server(log: Log) -> SocketIo {
    SocketIo::builder()
        .with_state(log)
        .ns(
            "/",
            |socket: SocketRef, sio::State(log): sio::State<Log>| async move {
                socket.once("once", |ack: AckSender| async move {
                    let _ = ack.send(&"first");
                });
                socket.on("b", |ack: AckSender| async move {
                    let _ = ack.send(&"b");
                });
                socket.on("names", |socket: SocketRef, ack: AckSender| async move {
                    let _ = ack.send(&socket.event_names());
                });
                socket.on("drop-b", |socket: SocketRef, ack: AckSender| async move {
                    let _ = ack.send(&socket.off("b"));
                });
                socket.on(
                    "probe",
                    |ack: AckSender, sio::State(log): sio::State<Log>| async move {
                        let _ = ack.send(&*log.lock());
                    },
                );
                socket.on("ping-me", |socket: SocketRef| async move {
                    let _ = socket.emit("pong", &1);
                    let _ = socket.within_ns().emit("all", &2).await;
                });
                let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
                socket.on_any(move |event, args| {
                    l1.lock().push(format!("any:{event}:{}", args.len()))
                });
                socket.prepend_any(move |event, _| l2.lock().push(format!("first:{event}")));
                socket.on_any_outgoing(move |event, args| {
                    l3.lock().push(format!(
                        "out:{event}:{}",
                        serde_json::to_string(args).unwrap()
                    ));
                });
                let l4 = log.clone();
                socket.on_error(move |err: PacketError| {
                    l4.lock().push(format!("error:{}", err.message()));
                });
                // A second error listener adds to the first (Node's `on`).
                let l5 = log.clone();
                socket.on_error(move |socket: SocketRef, err: PacketError| {
                    l5.lock()
                        .push(format!("error2:{}:{}", err.message(), socket.ns()));
                });
                socket.use_middleware(|event, args| async move {
                    tokio::task::yield_now().await;
                    if event == "secret" && args.first().and_then(Value::as_str) != Some("token") {
                        return Err(PacketError::new("unauthorized")
                            .with_data(serde_json::json!({ "event": event })));
                    }
                    Ok(())
                });
                socket.on("secret", |ack: AckSender| async move {
                    let _ = ack.send(&"granted");
                });
            },
        )
        .build()
}

#[tokio::test]
async fn once_off_and_event_names() {
    let io = server(Log::default());
    let addr = serve_io(&io).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"21["names"]"#).await;
    assert_eq!(
        c.next_text().await,
        r#"31[["b","drop-b","names","once","ping-me","probe","secret"]]"#
    );
    c.send(r#"22["once"]"#).await;
    assert_eq!(c.next_text().await, r#"32["first"]"#);
    // The second one finds no handler: the next answer is the next ack's.
    c.send(r#"23["once"]"#).await;
    c.send(r#"24["drop-b"]"#).await;
    assert_eq!(c.next_text().await, "34[true]");
    c.send(r#"25["b"]"#).await;
    c.send(r#"26["names"]"#).await;
    assert_eq!(
        c.next_text().await,
        r#"36[["drop-b","names","ping-me","probe","secret"]]"#
    );
}

#[tokio::test]
async fn catch_all_listeners_see_incoming_and_outgoing_events() {
    let log = Log::default();
    let io = server(log.clone());
    let addr = serve_io(&io).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"2["ping-me","x"]"#).await;
    assert_eq!(c.next_text().await, r#"2["pong",1]"#);
    assert_eq!(c.next_text().await, r#"2["all",2]"#);
    io.emit("from-io", &"hi").await.unwrap();
    assert_eq!(c.next_text().await, r#"2["from-io","hi"]"#);
    c.send(r#"21["probe"]"#).await;
    let answer = c.next_text().await;
    let expected = [
        "first:ping-me",
        "any:ping-me:1",
        "out:pong:[1]",
        "out:all:[2]",
        r#"out:from-io:["hi"]"#,
        "first:probe",
        "any:probe:0",
    ];
    let expected = serde_json::to_string(&expected).unwrap();
    assert_eq!(answer, format!("31[{expected}]"));
}

#[tokio::test]
async fn off_any_removes_one_listener_or_all() {
    let log = Log::default();
    let io = SocketIo::builder()
        .with_state(log.clone())
        .ns(
            "/",
            |socket: SocketRef, sio::State(log): sio::State<Log>| async move {
                let (a, b, c) = (log.clone(), log.clone(), log.clone());
                let first = socket.on_any(move |e, _| a.lock().push(format!("a:{e}")));
                socket.on_any(move |e, _| b.lock().push(format!("b:{e}")));
                let out = socket.on_any_outgoing(move |e, _| c.lock().push(format!("out:{e}")));
                socket.on("one", move |socket: SocketRef| async move {
                    socket.off_any(Some(first));
                    socket.off_any_outgoing(Some(out));
                    let _ = socket.emit("quiet", &());
                });
                socket.on(
                    "all",
                    |socket: SocketRef| async move { socket.off_any(None) },
                );
            },
        )
        .build();
    let addr = serve_io(&io).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"2["one"]"#).await;
    assert_eq!(c.next_text().await, r#"2["quiet",null]"#);
    c.send(r#"2["two"]"#).await;
    c.send(r#"2["all"]"#).await;
    c.send(r#"2["three"]"#).await;
    c.send(r#"2["one"]"#).await;
    assert_eq!(c.next_text().await, r#"2["quiet",null]"#);
    assert_eq!(*log.lock(), ["a:one", "b:one", "b:two", "b:all"]);
}

#[tokio::test]
async fn a_packet_middleware_rejects_with_an_error_ack_and_the_error_listener() {
    let log = Log::default();
    let io = server(log.clone());
    let addr = serve_io(&io).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"21["secret","nope"]"#).await;
    assert_eq!(
        c.next_text().await,
        r#"31[{"data":{"event":"secret"},"message":"unauthorized"}]"#
    );
    c.send(r#"22["secret","token"]"#).await;
    assert_eq!(c.next_text().await, r#"32["granted"]"#);
    // Rejected without an ack: the client hears nothing, the listener does.
    c.send(r#"2["secret"]"#).await;
    c.send(r#"23["probe"]"#).await;
    let answer: serde_json::Value =
        serde_json::from_str(c.next_text().await.strip_prefix("33").unwrap()).unwrap();
    let log: Vec<&str> = answer[0]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(serde_json::Value::as_str)
        .filter(|l| l.starts_with("error") || l.starts_with("any:secret"))
        .collect();
    assert_eq!(
        log,
        [
            "error:unauthorized",
            "error2:unauthorized:/",
            "any:secret:1",
            "error:unauthorized",
            "error2:unauthorized:/"
        ]
    );
}
