//! Acknowledgements both ways, typed: a client's ack answered by the
//! server, an answer asked from one socket, and typed answers from every
//! socket of a room, asked by an HTTP route.
//!
//! ```text
//! cargo run -p sio --example acks            # listens on 127.0.0.1:3000
//! curl -X POST localhost:3000/vote           # asks the room "jury"
//! ```
//!
//! A client (socket.io-client 4.x):
//!
//! ```js
//! const socket = io("http://localhost:3000", { auth: { name: "ann", jury: true } });
//! socket.on("vote?", (question, answer) => answer(true));
//! socket.on("name?", (question, answer) => answer("ann", "ignored"));
//! console.log(await socket.emitWithAck("add", [1, 2]));   // 3
//! console.log(await socket.emitWithAck("ask-me"));        // "you are ann"
//! ```

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;
use sio::{AckError, AckSender, Data, SocketIo, SocketRef};

#[derive(Debug, Deserialize)]
struct Auth {
    #[serde(default)]
    jury: bool,
}

async fn on_connect(socket: SocketRef, Data(auth): Data<Auth>) {
    if auth.jury {
        socket.join("jury");
    }
    // The client asks, the server answers its ack.
    socket.on(
        "add",
        |Data((a, b)): Data<(i64, i64)>, ack: AckSender| async move { ack.send(&(a + b)) },
    );
    // The server asks this one socket; its answer is the FIRST argument
    // of the client's callback, typed (as Node's `emitWithAck`).
    socket.on("ask-me", |socket: SocketRef, ack: AckSender| async move {
        let name: String = socket
            .timeout(Duration::from_secs(5))
            .emit_with_ack("name?", &"who are you?")
            .await?;
        ack.send(&format!("you are {name}"))?;
        Ok::<_, AckError>(())
    });
}

/// Asks every socket of the room "jury" and counts the typed answers.
async fn vote(State(io): State<SocketIo>) -> String {
    let asked = io
        .to("jury")
        .timeout(Duration::from_secs(5))
        .emit_with_ack::<_, bool>("vote?", &"ship it?")
        .await;
    match asked {
        Ok(votes) => {
            let complete = votes.complete;
            let answers = votes.values();
            let yes = answers.iter().filter(|v| **v).count();
            format!(
                "{yes} yes of {} answers (complete: {complete})\n",
                answers.len()
            )
        }
        Err(e) => format!("not asked: {e}\n"),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt::init();
    let io = SocketIo::builder()
        .on_error(|socket, err| tracing::warn!(id = %socket.id(), "{err}"))
        .ns("/", on_connect)
        .build();
    let app = Router::new()
        .route("/vote", post(vote))
        .layer(io.layer())
        .with_state(io);
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await
}
