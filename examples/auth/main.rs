//! `auth`: a token in the handshake's `auth` payload, checked by a connect
//! middleware against a user table kept in the server's state.
//!
//! ```sh
//! cargo run -p sio --example auth          # --port 3000 --host 127.0.0.1
//! ```
//!
//! A client connects with `io(url, { auth: { token: "t-ann" } })`. The
//! middleware looks the token up in [`Users`], refuses an unknown or
//! missing one with a `connect_error` whose `data` is `{ code, message }`
//! (the client reads `err.message` and `err.data.code`), and keeps the
//! [`User`] in the socket's data, where every handler finds it:
//!
//! - `whoami` (with an ack) answers the user;
//! - `say` (text) reaches every other client as `said` `{ from, text }`;
//! - `kick` (a socket id, with an ack) disconnects that socket, for
//!   admins only: others get `{ error: "forbidden" }`.
//!
//! `crates/sio/tests/examples_js.rs` runs it against socket.io-client.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sio::{AckSender, ConnectError, Data, Ns, SocketIo, SocketRef, State};

/// A user, as the table stores it and as the socket's data keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct User {
    /// The user's name.
    pub(crate) name: String,
    /// Whether the user may kick others.
    pub(crate) admin: bool,
}

/// The user table, by token: the state the middleware reads. A real server
/// would ask its session store or verify a signed token here.
#[derive(Debug, Clone)]
pub(crate) struct Users(Arc<HashMap<String, User>>);

impl Users {
    /// The demo table: `t-ann` (an admin) and `t-bob`.
    pub(crate) fn demo() -> Self {
        let users = [("t-ann", "ann", true), ("t-bob", "bob", false)]
            .into_iter()
            .map(|(token, name, admin)| {
                let user = User {
                    name: name.to_owned(),
                    admin,
                };
                (token.to_owned(), user)
            })
            .collect();
        Self(Arc::new(users))
    }
}

/// The CONNECT's auth payload (a missing payload reads as no token).
#[derive(Debug, Default, Deserialize)]
struct Auth {
    #[serde(default)]
    token: Option<String>,
}

/// A refusal the client can act on: `err.message`, and `err.data` as
/// `{ code, message }`.
fn refuse(code: &str, message: &str) -> ConnectError {
    ConnectError::new(message).with_data(json!({ "code": code, "message": message }))
}

/// The connect middleware: no handler of the namespace runs before it
/// accepted the token.
async fn authenticate(
    socket: SocketRef,
    State(users): State<Users>,
    Data(auth): Data<Auth>,
) -> Result<(), ConnectError> {
    let token = auth
        .token
        .ok_or_else(|| refuse("NO_TOKEN", "a token is required"))?;
    let user = users
        .0
        .get(&token)
        .ok_or_else(|| refuse("BAD_TOKEN", "unknown token"))?;
    socket.set_data(user.clone());
    Ok(())
}

/// The connection handler: every event reads the user from the socket.
async fn on_connect(socket: SocketRef) {
    socket.on("whoami", |socket: SocketRef, ack: AckSender| async move {
        let user = socket.data::<User>().map(|user| User::clone(&user));
        if let Err(e) = ack.send(&user) {
            tracing::warn!(%e, "whoami: the answer was not sent");
        }
    });
    socket.on(
        "say",
        |socket: SocketRef, Data(text): Data<String>| async move {
            let Some(from) = socket.data::<User>().map(|user| user.name.clone()) else {
                return;
            };
            let said = json!({ "from": from, "text": text });
            if let Err(e) = socket.broadcast().emit("said", &said).await {
                tracing::warn!(%e, "say: not broadcast");
            }
        },
    );
    socket.on(
        "kick",
        |socket: SocketRef, Data(id): Data<String>, ack: AckSender| async move {
            let admin = socket.data::<User>().is_some_and(|user| user.admin);
            let answer = if !admin {
                json!({ "error": "forbidden" })
            } else {
                // a socket's id is also a room holding only that socket
                match socket.to(id.as_str()).disconnect(false).await {
                    Ok(()) => json!({ "kicked": id }),
                    Err(e) => json!({ "error": e.to_string() }),
                }
            };
            if let Err(e) = ack.send(&answer) {
                tracing::warn!(%e, "kick: the answer was not sent");
            }
        },
    );
}

/// The router: `/` is declared with the middleware (an undeclared `/` would
/// accept anyone, see the guide's *Middlewares*).
pub(crate) fn app(users: Users) -> Router {
    let io = SocketIo::builder()
        .with_state(users)
        .namespace("/", Ns::new(on_connect).middleware(authenticate))
        .build();
    Router::new().layer(io.layer())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt::init(); // sio reports refusals through `tracing`
    let mut args = std::env::args().skip(1);
    let (mut host, mut port) = ("127.0.0.1".to_owned(), 3000u16);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--host", Some(v)) => host = v,
            ("--port", Some(v)) => port = v.parse().map_err(std::io::Error::other)?,
            _ => return Err(std::io::Error::other("usage: auth [--host H] [--port P]")),
        }
    }
    let listener = tokio::net::TcpListener::bind((host.as_str(), port)).await?;
    println!("auth example on http://{}", listener.local_addr()?);
    axum::serve(listener, app(Users::demo())).await
}
