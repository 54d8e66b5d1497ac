//! A newcomer's second program (issue 13): an auth middleware reading
//! shared state, and the user kept in the socket's data. Written from
//! docs/guide.md alone.
//!
//! `cargo run -p sio --example newcomer_auth`, then connect
//! socket.io-client with `auth: { token: "t-ann" }` and emit `whoami` with
//! an ack. Without a known token the CONNECT is refused with
//! `connect_error` "unauthorized". `crates/sio/tests/newcomer_js.rs` runs
//! it against the real client.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use serde::{Deserialize, Serialize};
use sio::{AckSender, ConnectError, Data, Ns, SocketIo, SocketRef, State};

/// Who is connected: kept in the socket's data by the middleware.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct User {
    /// The user's name.
    name: String,
}

/// The users by token: the shared state the middleware reads.
#[derive(Debug, Clone)]
struct Users(Arc<HashMap<String, User>>);

/// The CONNECT's auth payload.
#[derive(Debug, Deserialize)]
struct Auth {
    #[serde(default)]
    token: String,
}

async fn authenticate(
    socket: SocketRef,
    State(users): State<Users>,
    Data(auth): Data<Auth>,
) -> Result<(), ConnectError> {
    let user = users
        .0
        .get(&auth.token)
        .ok_or_else(|| ConnectError::new("unauthorized"))?;
    socket.set_data(user.clone());
    Ok(())
}

async fn on_connect(socket: SocketRef) {
    socket.on("whoami", |socket: SocketRef, ack: AckSender| async move {
        let name = socket.data::<User>().map(|user| user.name.clone());
        if let Err(e) = ack.send(&name) {
            tracing::warn!(%e, "whoami: the answer was not sent");
        }
    });
}

/// The router. `/` is declared with the middleware: an undeclared `/`
/// would accept anyone (see the guide's *Middlewares*).
pub(crate) fn app() -> Router {
    let users = [("t-ann", "ann"), ("t-bob", "bob")]
        .into_iter()
        .map(|(token, name)| {
            (
                token.to_owned(),
                User {
                    name: name.to_owned(),
                },
            )
        })
        .collect();
    let io = SocketIo::builder()
        .with_state(Users(Arc::new(users)))
        .namespace("/", Ns::new(on_connect).middleware(authenticate))
        .build();
    Router::new().layer(io.layer())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt::init(); // sio reports refusals through `tracing`
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app()).await
}
