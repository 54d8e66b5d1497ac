//! A newcomer's third program (issue 13): the server asks one socket and
//! waits for its answer, then asks a whole room and reads the typed
//! answers. Written from docs/guide.md alone.
//!
//! `cargo run -p sio --example newcomer_acks`; a client that emits `join`
//! then answers `question` and `vote`; one that emits `quiz` (with an ack)
//! gets back what it answered to `question`, and one that emits `poll`
//! (with an ack) gets the votes of the room `voters`.
//! `crates/sio/tests/newcomer_js.rs` runs it against the real client.

use std::time::Duration;

use axum::Router;
use sio::{AckSender, SocketIo, SocketRef};

async fn on_connect(socket: SocketRef) {
    socket.on("join", |socket: SocketRef, ack: AckSender| async move {
        socket.join("voters");
        ack.send(&true)
    });
    // An ack from one socket: ask the sender, answer its own ack with it.
    socket.on("quiz", |socket: SocketRef, ack: AckSender| async move {
        let asked = socket
            .timeout(Duration::from_secs(2))
            .emit_with_ack::<_, String>("question", "2 + 2?");
        let reply = match asked.await {
            Ok(answer) => format!("you said {answer}"),
            Err(e) => format!("no answer: {e}"),
        };
        ack.send(&reply)
    });
    // Typed acks from a room: every member's answer as a `u32`.
    socket.on("poll", |socket: SocketRef, ack: AckSender| async move {
        let answers = socket
            .within_ns()
            .to("voters")
            .timeout(Duration::from_secs(2))
            .emit_with_ack::<_, u32>("vote", "pick a number")
            .await?;
        let mut votes: Vec<u32> = answers.values();
        votes.sort_unstable();
        ack.send(&votes)?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    });
}

/// The router.
pub(crate) fn app() -> Router {
    let io = SocketIo::builder().ns("/", on_connect).build();
    Router::new().layer(io.layer())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt::init(); // sio reports refusals through `tracing`
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app()).await
}
