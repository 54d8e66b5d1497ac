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
use serde::Deserialize;
use sio::{AckSender, SocketIo, SocketRef};

async fn on_connect(socket: SocketRef) {
    socket.on("join", |socket: SocketRef, ack: AckSender| async move {
        socket.join("voters");
        if let Err(e) = ack.send(&true) {
            tracing::warn!(%e, "join: the answer was not sent");
        }
    });
    // An ack from one socket: ask the sender, answer its own ack with it.
    socket.on("quiz", |socket: SocketRef, ack: AckSender| async move {
        let asked = socket
            .timeout(Duration::from_secs(2))
            .emit_with_ack::<_, (String,)>("question", "2 + 2?");
        let reply = match asked.await {
            Ok((answer,)) => format!("you said {answer}"),
            Err(e) => format!("no answer: {e}"),
        };
        if let Err(e) = ack.send(&reply) {
            tracing::warn!(%e, "quiz: the answer was not sent");
        }
    });
    // Typed acks from a room: every member's first answer as a `u32`.
    socket.on("poll", |socket: SocketRef, ack: AckSender| async move {
        let asked = socket
            .within_ns()
            .to("voters")
            .timeout(Duration::from_secs(2))
            .emit_with_ack("vote", "pick a number")
            .await;
        let mut votes: Vec<u32> = match asked {
            Ok(collected) => collected
                .responses
                .iter()
                .filter_map(|r| r.args.first())
                .filter_map(|v| u32::deserialize(v).ok())
                .collect(),
            Err(e) => {
                tracing::warn!(%e, "poll failed");
                Vec::new()
            }
        };
        votes.sort_unstable();
        if let Err(e) = ack.send(&votes) {
            tracing::warn!(%e, "poll: the answer was not sent");
        }
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
