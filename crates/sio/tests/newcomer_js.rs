//! The three newcomer programs of issue 13 (`examples/newcomer/`), each
//! served on 127.0.0.1:0 and driven by the real JavaScript client
//! (`tests/js/newcomer/client.mjs`, socket.io-client 4.x). Skipped with a
//! message when node or `tests/js/node_modules` is missing, unless `CI` or
//! `SIO_REQUIRE_NODE` is set: then a missing node fails the test.

mod sio_common;

use std::process::Stdio;
use std::time::Duration;

#[allow(dead_code)]
#[path = "../../../examples/newcomer/chat_rooms.rs"]
mod chat_rooms;

#[allow(dead_code)]
#[path = "../../../examples/newcomer/auth_state.rs"]
mod auth_state;

#[allow(dead_code)]
#[path = "../../../examples/newcomer/acks.rs"]
mod acks;

/// Serves `app` and runs the client's `scenario` against it; returns its
/// output once it succeeded.
async fn run(scenario: &str, app: axum::Router) -> String {
    let addr = sio_common::serve(app).await;
    let child = tokio::process::Command::new("node")
        .arg("newcomer/client.mjs")
        .arg(scenario)
        .arg(format!("http://{addr}"))
        .current_dir(sio_common::js_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("node script timed out")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "node failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

#[tokio::test]
async fn a_chat_with_rooms_and_an_http_route_that_emits() {
    if sio_common::node_ready("socket.io-client") {
        let out = run("chat", chat_rooms::app()).await;
        assert!(out.contains("newcomer chat: 3 checks passed"), "{out}");
    }
}

#[tokio::test]
async fn an_auth_middleware_on_state_keeps_the_user_in_socket_data() {
    if sio_common::node_ready("socket.io-client") {
        let out = run("auth", auth_state::app()).await;
        assert!(out.contains("newcomer auth: 2 checks passed"), "{out}");
    }
}

#[tokio::test]
async fn an_ack_from_one_socket_and_typed_acks_from_a_room() {
    if sio_common::node_ready("socket.io-client") {
        let out = run("acks", acks::app()).await;
        assert!(out.contains("newcomer acks: 2 checks passed"), "{out}");
    }
}
