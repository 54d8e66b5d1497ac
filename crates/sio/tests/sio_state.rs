//! Shared state: `build()` refuses a handler or middleware that extracts a
//! state never registered (naming it) and a type registered twice; axum's
//! `State` works like sio's; a state missing at run time (an event handler
//! registered by `socket.on`) gives the client a generic refusal, never a
//! Rust type name.

mod sio_common;

use std::sync::Arc;

use sio::{AckSender, BuildError, ConnectError, Data, Ns, SocketIo, SocketRef, State};
use sio_common::{RawClient, serve_io};

#[derive(Clone)]
struct Db(Arc<str>);

#[derive(Clone)]
struct Unregistered;

fn missing(builder: sio::SocketIoBuilder) -> (String, &'static str) {
    match builder.try_build() {
        Err(BuildError::MissingState { handler, state }) => (handler, state),
        other => panic!("expected MissingState, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn build_names_the_connection_handler_whose_state_is_missing() {
    let (handler, state) = missing(
        SocketIo::builder()
            .with_state(Db("x".into()))
            .ns("/", |_: SocketRef| async move {})
            .ns("/chat", |State(_): State<Unregistered>| async move {}),
    );
    assert_eq!(handler, "the connection handler of namespace `/chat`");
    assert!(state.ends_with("Unregistered"), "{state}");
}

#[test]
fn build_names_the_middleware_whose_state_is_missing() {
    let ok = |State(_): State<Db>| async move { Ok::<(), ConnectError>(()) };
    let bad = |State(_): State<Unregistered>| async move { Ok::<(), ConnectError>(()) };
    let (handler, _) = missing(
        SocketIo::builder().with_state(Db("x".into())).namespace(
            "/admin",
            Ns::new(|_: SocketRef| async move {})
                .middleware(ok)
                .middleware(bad),
        ),
    );
    assert_eq!(handler, "middleware #2 of namespace `/admin`");
    let (handler, _) = missing(
        SocketIo::builder()
            .middleware(bad)
            .ns("/", |_: SocketRef| async move {}),
    );
    assert_eq!(handler, "global middleware #1");
    let (handler, _) = missing(SocketIo::builder().dyn_namespace(
        |_| true,
        Ns::new(|State(_): State<Unregistered>| async move {}),
    ));
    assert_eq!(
        handler,
        "the connection handler of dynamic namespace family #1"
    );
}

#[test]
#[should_panic(expected = "the connection handler of namespace `/` extracts State<")]
fn build_panics_with_the_same_message() {
    let _ = SocketIo::builder()
        .ns("/", |State(_): State<Unregistered>| async move {})
        .build();
}

#[test]
fn a_second_value_of_one_type_is_refused() {
    let err = SocketIo::builder()
        .with_state(Db("a".into()))
        .with_state(Db("b".into()))
        .try_build()
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(err, BuildError::DuplicateState(name) if name.ends_with("Db")),
        "{err}"
    );
}

#[tokio::test]
async fn axum_state_is_accepted_like_sio_state() {
    let io = SocketIo::builder()
        .with_state(Db("from state".into()))
        .ns("/", |socket: SocketRef, axum::extract::State(db): axum::extract::State<Db>| async move {
            let _ = socket.emit("db", &*db.0);
            socket.on("db", |ack: AckSender, axum::extract::State(db): axum::extract::State<Db>| async move {
                let _ = ack.send(&*db.0);
            });
        })
        .build();
    let addr = serve_io(&io).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    assert_eq!(c.next_text().await, r#"2["db","from state"]"#);
    c.send(r#"21["db"]"#).await;
    assert_eq!(c.next_text().await, r#"31["from state"]"#);
}

#[tokio::test]
async fn a_state_missing_at_run_time_is_a_generic_refusal() {
    let io = SocketIo::builder()
        .ns("/", |socket: SocketRef| async move {
            socket.on(
                "x",
                |State(_): State<Unregistered>, Data(_): Data<()>| async move {},
            );
        })
        .build();
    let addr = serve_io(&io).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"27["x"]"#).await;
    let reply = c.next_text().await;
    assert_eq!(reply, r#"37[{"message":"internal server error"}]"#);
    assert!(!reply.contains("Unregistered"));
}
