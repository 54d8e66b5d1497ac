//! The handler API of issue 13: handlers returning `Result` (an `Err`
//! reaches the builder's error hook with the event and the socket),
//! `emit_with_ack` reading the FIRST argument of the answer (`Args` for
//! all of them), and several disconnect / disconnecting listeners taking
//! extractors.

mod sio_common;

use std::time::Duration;

use sio::{
    AckSender, Args, Data, DisconnectReason, EmitError, HandlerFailure, SocketIo, SocketRef, State,
};
use sio_common::{RawClient, serve_io};
use tokio::sync::mpsc;

/// What the test hears: error hook reports and listener calls.
type Log = mpsc::UnboundedSender<String>;

#[derive(Debug, thiserror::Error)]
#[error("no such room: {0}")]
struct NoRoom(String);

async fn fails(Data(room): Data<String>) -> Result<(), NoRoom> {
    Err(NoRoom(room))
}

fn server(log: Log) -> SocketIo {
    let hook = log.clone();
    SocketIo::builder()
        .with_state(log)
        .on_handler_error(move |socket, err| {
            let kind = match &err.error {
                HandlerFailure::Returned(_) => "returned",
                HandlerFailure::Extract(_) => "extract",
                _ => "other",
            };
            let same = socket.ns() == err.ns;
            let _ = hook.send(format!("hook {} {kind} {} {same}", err.event, err.error));
        })
        .ns(
            "/",
            |socket: SocketRef, Data(auth): Data<serde_json::Value>| async move {
                socket.on("join", fails);
                socket.on(
                    "echo",
                    |socket: SocketRef, Data(s): Data<String>| async move {
                        socket.emit("echo", &s)?;
                        Ok::<_, EmitError>(())
                    },
                );
                socket.on("ask", |socket: SocketRef, ack: AckSender| async move {
                    let t = Duration::from_secs(5);
                    let first: String = socket.timeout(t).emit_with_ack("q1", &()).await?;
                    let Args((a, b)): Args<(String, u8)> =
                        socket.timeout(t).emit_with_ack("q2", &()).await?;
                    ack.send(&format!("{first} {a} {b}"))?;
                    Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
                });
                socket.on_disconnecting(|State(log): State<Log>, socket: SocketRef| {
                    let _ = log.send(format!("disconnecting1 {}", socket.rooms().len()));
                });
                socket.on_disconnecting(|State(log): State<Log>| {
                    let _ = log.send("disconnecting2".to_owned());
                });
                socket.on_disconnect(
                    |State(log): State<Log>, reason: DisconnectReason| async move {
                        let _ = log.send(format!("disconnect1 {reason}"));
                    },
                );
                socket.on_disconnect(|State(log): State<Log>| async move {
                    let _ = log.send("disconnect2".to_owned());
                    Err::<(), _>("late failure")
                });
                if auth.get("fail").is_some() {
                    return Err("refused by the handler");
                }
                Ok(())
            },
        )
        .build()
}

async fn next(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a report")
        .expect("open channel")
}

#[tokio::test]
async fn a_returned_error_reaches_the_error_hook_with_the_event() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let addr = serve_io(&server(tx)).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"2["join","lobby"]"#).await;
    assert_eq!(
        next(&mut rx).await,
        "hook join returned no such room: lobby true"
    );
    c.send(r#"2["echo","hi"]"#).await;
    assert_eq!(c.next_text().await, r#"2["echo","hi"]"#);
    c.send(r#"2["echo",3]"#).await;
    assert!(next(&mut rx).await.starts_with("hook echo extract "));
}

#[tokio::test]
async fn a_connection_handler_error_is_reported_as_connect() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let addr = serve_io(&server(tx)).await;
    let (_c, _) = RawClient::connect(addr, "/", Some(r#"{"fail":1}"#)).await;
    assert_eq!(
        next(&mut rx).await,
        "hook connect returned refused by the handler true"
    );
}

#[tokio::test]
async fn emit_with_ack_reads_the_first_argument_and_args_all_of_them() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let addr = serve_io(&server(tx)).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"21["ask"]"#).await;
    for (q, answer) in [("q1", r#"["first","ignored"]"#), ("q2", r#"["x",7]"#)] {
        let question = c.next_text().await;
        let id = question
            .strip_prefix('2')
            .and_then(|p| p.strip_suffix(&format!(r#"["{q}",null]"#)))
            .unwrap_or_else(|| panic!("{question}"))
            .to_owned();
        c.send(&format!("3{id}{answer}")).await;
    }
    assert_eq!(c.next_text().await, r#"31["first x 7"]"#);
}

#[tokio::test]
async fn every_disconnect_listener_runs_in_order_with_extractors() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let addr = serve_io(&server(tx)).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send("1").await;
    assert_eq!(
        next(&mut rx).await,
        "disconnecting1 1",
        "own room still listed"
    );
    assert_eq!(next(&mut rx).await, "disconnecting2");
    assert_eq!(
        next(&mut rx).await,
        "disconnect1 client namespace disconnect"
    );
    assert_eq!(next(&mut rx).await, "disconnect2");
    assert_eq!(
        next(&mut rx).await,
        "hook disconnect returned late failure true"
    );
}
