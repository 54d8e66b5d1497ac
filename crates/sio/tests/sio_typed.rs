//! Typed events end to end with a raw client: typed handlers beside
//! untyped ones, typed emits and acks both ways, a payload that does not
//! fit its type (error hook with the serde path, error ack), spread
//! arguments, typed socket data, and a broadcast's typed ack stream.

mod sio_common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use sio::typed::{Event, Msg, Namespace, TypedAck, TypedSocket};
use sio::{AckSender, Data, SocketIo, SocketRef};
use sio_common::{RawClient, serve_io};

/// Client → server, acknowledged with the line's number.
#[derive(Debug, Event, Deserialize)]
#[event("chat message", ack = u32)]
struct Say {
    text: String,
    to: Option<Target>,
}

#[derive(Debug, Deserialize)]
struct Target {
    room: String,
}

/// Client → server: `socket.emit("move", x, y)`.
#[derive(Debug, Event, Deserialize)]
#[event("move", args)]
struct Move(i32, i32);

/// Client → server: log in, stored as the socket's data.
#[derive(Debug, Event, Deserialize)]
#[event("login")]
struct Login {
    name: String,
}

/// Client → server: ask the server to poll the room.
#[derive(Debug, Event, Deserialize)]
#[event("poll room")]
struct PollRoom {
    room: String,
    timeout_ms: u64,
}

/// Client → server: ask this client to vote.
#[derive(Debug, Event, Deserialize)]
#[event("ask me")]
struct AskMe;

/// Server → client.
#[derive(Debug, Event, Serialize)]
#[event("said")]
struct Said {
    from: String,
    text: String,
    line: u32,
}

/// Server → client, answered with a vote.
#[derive(Debug, Event, Serialize)]
#[event("vote?", ack = bool)]
struct Vote {
    question: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct User {
    name: String,
}

#[derive(Namespace)]
#[namespace(
    path = "/",
    client = [Say, Move, Login, PollRoom, AskMe],
    server = [Said, Vote],
    data = User
)]
struct Chat;

async fn on_connect(socket: TypedSocket<Chat>) {
    socket.on(async |Msg(login): Msg<Login>, socket: TypedSocket<Chat>| {
        socket.set_data(User { name: login.name });
        socket.join("lobby");
    });
    socket.on(
        async |Msg(say): Msg<Say>, socket: TypedSocket<Chat>, ack: TypedAck<Say>| {
            let from = socket.data().map_or_else(String::new, |u| u.name.clone());
            let said = Said {
                from,
                text: say.text,
                line: 7,
            };
            match say.to {
                Some(Target { room }) => drop(socket.within_ns().to(room).emit(&said).await),
                None => drop(socket.emit(&said)),
            }
            let _ = ack.send(&7);
        },
    );
    socket.on(
        async |Msg(Move(x, y)): Msg<Move>, socket: TypedSocket<Chat>| {
            let said = Said {
                from: "server".into(),
                text: format!("moved to {x},{y}"),
                line: 0,
            };
            let _ = socket.emit(&said);
        },
    );
    socket.on(
        async |Msg(poll): Msg<PollRoom>, socket: TypedSocket<Chat>| {
            let vote = Vote {
                question: "lunch?".into(),
            };
            let Ok(mut answers) = socket
                .within_ns()
                .to(poll.room)
                .timeout(Duration::from_millis(poll.timeout_ms))
                .emit_with_ack(&vote)
                .await
            else {
                return;
            };
            let mut yes = 0;
            while let Some(reply) = answers.next().await {
                yes += u32::from(reply.result.unwrap_or(false));
            }
            let said = Said {
                from: "poll".into(),
                text: format!("yes={yes} timed_out={}", answers.timed_out()),
                line: 0,
            };
            let _ = socket.emit(&said);
        },
    );
    socket.on(async |Msg(AskMe): Msg<AskMe>, socket: TypedSocket<Chat>| {
        let vote = Vote {
            question: "tea?".into(),
        };
        let answer = socket
            .timeout(Duration::from_secs(5))
            .emit_with_ack(&vote)
            .await;
        let said = Said {
            from: "ask".into(),
            text: format!("{answer:?}"),
            line: 0,
        };
        let _ = socket.emit(&said);
    });
    // An untyped handler on the same socket, side by side.
    socket.untyped().on(
        "echo",
        |Data(v): Data<serde_json::Value>, ack: AckSender| async move {
            let _ = ack.send(&v);
        },
    );
}

type Errors = Arc<Mutex<Vec<(String, String, String)>>>;

fn server(errors: Errors) -> SocketIo {
    SocketIo::builder()
        .on_handler_error(move |socket: &SocketRef, err| {
            errors.lock().unwrap().push((
                err.event.clone(),
                socket.id().to_string(),
                err.error.to_string(),
            ));
        })
        .typed_ns(Chat, on_connect)
        .build()
}

#[tokio::test]
async fn typed_and_untyped_handlers_side_by_side() {
    let addr = serve_io(&server(Errors::default())).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"2["login",{"name":"ann"}]"#).await;
    c.send(r#"21["chat message",{"text":"hi"}]"#).await;
    assert_eq!(
        c.next_text().await,
        r#"2["said",{"from":"ann","text":"hi","line":7}]"#
    );
    assert_eq!(c.next_text().await, "31[7]");
    c.send(r#"2["move",3,-4]"#).await;
    assert_eq!(
        c.next_text().await,
        r#"2["said",{"from":"server","text":"moved to 3,-4","line":0}]"#
    );
    c.send(r#"22["echo",{"any":[1]}]"#).await;
    assert_eq!(c.next_text().await, r#"32[{"any":[1]}]"#);
    // A typed emit with ack to this client, answered with a typed value.
    c.send(r#"2["ask me"]"#).await;
    let ask = c.next_text().await;
    let id = ask
        .strip_prefix("2")
        .and_then(|s| s.strip_suffix(r#"["vote?",{"question":"tea?"}]"#))
        .unwrap_or_else(|| panic!("{ask}"));
    c.send(&format!("3{id}[false]")).await;
    assert_eq!(
        c.next_text().await,
        r#"2["said",{"from":"ask","text":"Ok(false)","line":0}]"#
    );
}

#[tokio::test]
async fn a_payload_that_does_not_fit_reaches_the_error_hook_with_its_path() {
    let errors = Errors::default();
    let addr = serve_io(&server(errors.clone())).await;
    let (mut c, id) = RawClient::connect(addr, "/", None).await;
    c.send(r#"25["chat message",{"text":"hi","to":{"room":3}}]"#)
        .await;
    let reply = c.next_text().await;
    let body = reply.strip_prefix("35").expect("an error ack");
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    let message = body[0]["message"].as_str().unwrap();
    assert!(message.contains("at `to.room`"), "{message}");
    assert!(message.contains("expected a string"), "{message}");
    // No ack asked: only the hook hears of it.
    c.send(r#"2["move","a",1]"#).await;
    c.send(r#"26["echo",1]"#).await;
    assert_eq!(c.next_text().await, "36[1]");
    let errors = errors.lock().unwrap().clone();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(
        (errors[0].0.as_str(), errors[0].1.as_str()),
        ("chat message", id.as_str())
    );
    assert!(
        errors[0].2.ends_with(
            "invalid \"chat message\" payload at `to.room`: invalid type: integer `3`, expected a string"
        ),
        "{errors:?}"
    );
    assert_eq!(errors[1].0, "move");
    assert!(
        errors[1]
            .2
            .contains("at `[0]`: invalid type: string \"a\", expected i32"),
        "{errors:?}"
    );
}

#[tokio::test]
async fn a_broadcast_with_acks_streams_each_answer_and_its_timeout() {
    let addr = serve_io(&server(Errors::default())).await;
    let (mut a, _) = RawClient::connect(addr, "/", None).await;
    let (mut b, _) = RawClient::connect(addr, "/", None).await;
    for c in [&mut a, &mut b] {
        c.send(r#"2["login",{"name":"x"}]"#).await;
    }
    // Both answer.
    a.send(r#"2["poll room",{"room":"lobby","timeout_ms":5000}]"#)
        .await;
    for c in [&mut a, &mut b] {
        let ask = c.next_text().await;
        let id = ask
            .strip_prefix("2")
            .and_then(|s| s.strip_suffix(r#"["vote?",{"question":"lunch?"}]"#))
            .unwrap_or_else(|| panic!("{ask}"));
        c.send(&format!("3{id}[true]")).await;
    }
    assert_eq!(
        a.next_text().await,
        r#"2["said",{"from":"poll","text":"yes=2 timed_out=false","line":0}]"#
    );
    // One answers, the other stays silent: the stream ends at the timeout.
    a.send(r#"2["poll room",{"room":"lobby","timeout_ms":300}]"#)
        .await;
    let ask = a.next_text().await;
    let id = ask
        .strip_prefix("2")
        .and_then(|s| s.split_once('['))
        .unwrap()
        .0
        .to_owned();
    a.send(&format!("3{id}[true]")).await;
    let _ignored = b.next_text().await;
    assert_eq!(
        a.next_text().await,
        r#"2["said",{"from":"poll","text":"yes=1 timed_out=true","line":0}]"#
    );
}
