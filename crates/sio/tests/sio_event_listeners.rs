//! Several listeners of one event, as Node's `EventEmitter` keeps them:
//! all run in order, the first answer is the acknowledgement, `once`,
//! `prepend_listener`, `remove_listener` and `listener_count`; seen by a
//! raw protocol-5 client.

mod sio_common;

use std::sync::Arc;

use parking_lot::Mutex;
use sio::{AckSender, Data, ListenerId, SocketIo, SocketRef};
use sio_common::{RawClient, serve_io};

type Log = Arc<Mutex<Vec<String>>>;

/// Registers three listeners of `multi` (one prepended, one once) and
/// events to inspect and remove them.
fn server(log: Log) -> SocketIo {
    SocketIo::builder()
        .with_state(log)
        .ns(
            "/",
            |socket: SocketRef, sio::State(log): sio::State<Log>| async move {
                let (a, b, c) = (log.clone(), log.clone(), log.clone());
                let second =
                    socket.add_listener("multi", move |Data(n): Data<u32>, ack: AckSender| {
                        a.lock().push(format!("second:{n}"));
                        async move {
                            let _ = ack.send(&"second");
                        }
                    });
                socket.once("multi", move |Data(n): Data<u32>| {
                    b.lock().push(format!("once:{n}"));
                    async {}
                });
                socket.prepend_listener("multi", move |Data(n): Data<u32>, ack: AckSender| {
                    c.lock().push(format!("first:{n}"));
                    async move {
                        let _ = ack.send(&"first");
                    }
                });
                let removable: Arc<Mutex<Option<ListenerId>>> = Arc::new(Mutex::new(Some(second)));
                socket.on("count", |socket: SocketRef, ack: AckSender| async move {
                    let _ = ack.send(&socket.listener_count("multi"));
                });
                socket.on("remove-second", move |socket: SocketRef, ack: AckSender| {
                    let id = removable.lock().take();
                    async move {
                        let removed = id.is_some_and(|id| socket.remove_listener("multi", id));
                        let _ = ack.send(&removed);
                    }
                });
                socket.on(
                    "log",
                    |ack: AckSender, sio::State(log): sio::State<Log>| async move {
                        let _ = ack.send(&*log.lock());
                    },
                );
            },
        )
        .build()
}

#[tokio::test]
async fn every_listener_runs_in_order_and_the_first_answer_is_the_ack() {
    let log = Log::default();
    let addr = serve_io(&server(log)).await;
    let (mut client, _) = RawClient::connect(addr, "/", None).await;

    client.send(r#"21["count"]"#).await;
    assert_eq!(client.next_text().await, "31[3]");

    client.send(r#"22["multi",1]"#).await;
    assert_eq!(client.next_text().await, r#"32["first"]"#);
    // Exactly one answer: the next packet is the answer to the next request.
    client.send(r#"23["count"]"#).await;
    assert_eq!(
        client.next_text().await,
        "33[2]",
        "the once listener is gone"
    );

    client.send(r#"2["multi",2]"#).await;
    client.send(r#"24["remove-second"]"#).await;
    assert_eq!(client.next_text().await, "34[true]");
    client.send(r#"25["remove-second"]"#).await;
    assert_eq!(client.next_text().await, "35[false]");
    client.send(r#"26["multi",3]"#).await;
    assert_eq!(client.next_text().await, r#"36["first"]"#);
    client.send(r#"27["count"]"#).await;
    assert_eq!(client.next_text().await, "37[1]");

    client.send(r#"28["log"]"#).await;
    assert_eq!(
        client.next_text().await,
        r#"38[["first:1","second:1","once:1","first:2","second:2","first:3"]]"#
    );
}

#[tokio::test]
async fn a_refusing_listener_does_not_stop_the_others_and_answers_once() {
    let log = Log::default();
    let io = SocketIo::builder()
        .with_state(log.clone())
        .ns("/", |socket: SocketRef| async move {
            socket.on("typed", |Data(_): Data<u32>, ack: AckSender| async move {
                let _ = ack.send(&"typed");
            });
            socket.on(
                "typed",
                |ack: AckSender, sio::State(log): sio::State<Log>| {
                    log.lock().push("untyped ran".into());
                    async move {
                        let _ = ack.send(&"untyped");
                    }
                },
            );
        })
        .build();
    let addr = serve_io(&io).await;
    let (mut client, _) = RawClient::connect(addr, "/", None).await;

    client.send(r#"21["typed","not a number"]"#).await;
    let answer = client.next_text().await;
    assert!(answer.starts_with(r#"31[{"message":"#), "{answer}");
    client.send(r#"22["typed",5]"#).await;
    assert_eq!(client.next_text().await, r#"32["typed"]"#);
    assert_eq!(*log.lock(), vec!["untyped ran", "untyped ran"]);
}
