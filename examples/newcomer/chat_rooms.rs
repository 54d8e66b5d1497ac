//! A newcomer's first program (issue 13): a chat with rooms, and an HTTP
//! route that emits to every client. Written from docs/guide.md alone.
//!
//! `cargo run -p sio --example newcomer_chat`, then connect
//! socket.io-client to `http://127.0.0.1:3000`, emit `join` with a room
//! name and `chat` with `{room, text}`; `curl -d hi 127.0.0.1:3000/announce`
//! reaches everyone. `crates/sio/tests/newcomer_js.rs` runs it against the
//! real client.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use sio::{AckSender, Data, SocketIo, SocketRef};

/// A chat message, as the client sends it and as the room receives it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChatMessage {
    /// The room it is for.
    room: String,
    /// What was said.
    text: String,
}

/// The router: socket.io on `/socket.io/`, and `POST /announce`.
pub(crate) fn app() -> Router {
    let io = SocketIo::builder().ns("/", on_connect).build();
    Router::new()
        .route("/announce", post(announce))
        .layer(io.layer())
        .with_state(io)
}

async fn on_connect(socket: SocketRef) {
    socket.on(
        "join",
        |socket: SocketRef, Data(room): Data<String>, ack: AckSender| async move {
            socket.join(room);
            let rooms: Vec<String> = socket.rooms().iter().map(ToString::to_string).collect();
            if let Err(e) = ack.send(&rooms) {
                tracing::warn!(%e, "join: the answer was not sent");
            }
        },
    );
    socket.on(
        "chat",
        |socket: SocketRef, Data(msg): Data<ChatMessage>| async move {
            // Everyone in the room but the sender, as in Node.
            if let Err(e) = socket.to(msg.room.clone()).emit("chat", &msg).await {
                tracing::warn!(%e, "chat: broadcast failed");
            }
        },
    );
}

/// `POST /announce` with a text body: emitted to every client.
async fn announce(State(io): State<SocketIo>, text: String) -> StatusCode {
    match io.emit("announce", &text).await {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(e) => {
            tracing::warn!(%e, "announce failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt::init(); // sio reports refusals through `tracing`
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app()).await
}
