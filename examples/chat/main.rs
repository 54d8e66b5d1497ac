//! A small chat to try sio in a browser: nicknames, rooms, a typing
//! indicator and image sharing (binary). The page loads the official
//! JavaScript client from `/socket.io/socket.io.js`, served by
//! [`serve_client`](sio::SocketIoBuilder::serve_client) from the
//! npm-installed `socket.io-client` (installed on first start).
//!
//! ```text
//! cargo run --release --example chat -- [--port 3000] [--host 127.0.0.1]
//! ```
//! then open <http://127.0.0.1:3000> in two browser tabs.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sio::{AckSender, Data, PerMessageDeflate, SocketIo, SocketRef};

/// Everyone starts in this room.
const LOBBY: &str = "lobby";

/// Who a socket is and which room it is in (kept in the socket's data).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct User {
    nick: String,
    room: String,
}

/// An image someone shares: its bytes travel as a binary attachment.
#[derive(Debug, Deserialize)]
struct Image {
    name: String,
    data: Bytes,
}

fn user(socket: &SocketRef) -> User {
    socket.data::<User>().map_or_else(
        || User {
            nick: "anonymous".into(),
            room: LOBBY.into(),
        },
        |u| (*u).clone(),
    )
}

/// What the handlers return: `?` works on every sio error, and an `Err`
/// reaches the builder's error hook (a `tracing` warning by default).
type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Tells the room of `user` (but not the socket itself) that something happened.
async fn notify(socket: &SocketRef, user: &User, text: String) -> HandlerResult {
    socket.to(user.room.clone()).emit("notice", &text).await?;
    Ok(())
}

async fn on_connect(socket: SocketRef) {
    socket.join(LOBBY);
    socket.set_data(User {
        nick: "anonymous".into(),
        room: LOBBY.into(),
    });

    socket.on(
        "nick",
        |socket: SocketRef, Data(nick): Data<String>, ack: AckSender| async move {
            let nick: String = nick.trim().chars().take(24).collect();
            let old = user(&socket);
            let me = User {
                nick: if nick.is_empty() {
                    old.nick.clone()
                } else {
                    nick
                },
                ..old.clone()
            };
            socket.set_data(me.clone());
            notify(
                &socket,
                &me,
                format!("{} is now known as {}", old.nick, me.nick),
            )
            .await?;
            ack.send(&me)?;
            HandlerResult::Ok(())
        },
    );

    socket.on(
        "join",
        |socket: SocketRef, Data(room): Data<String>, ack: AckSender| async move {
            let room: String = room.trim().chars().take(32).collect();
            let old = user(&socket);
            if room.is_empty() || room == old.room {
                ack.send(&old)?;
                return HandlerResult::Ok(());
            }
            notify(&socket, &old, format!("{} left #{}", old.nick, old.room)).await?;
            socket.leave(old.room.clone());
            socket.join(room.clone());
            let me = User { room, ..old };
            socket.set_data(me.clone());
            notify(&socket, &me, format!("{} joined #{}", me.nick, me.room)).await?;
            ack.send(&me)?;
            Ok(())
        },
    );

    socket.on(
        "chat",
        |socket: SocketRef, Data(text): Data<String>| async move {
            let me = user(&socket);
            let msg = json!({ "nick": me.nick, "room": me.room, "text": text });
            socket.to(me.room).emit("chat", &msg).await?;
            HandlerResult::Ok(())
        },
    );

    socket.on(
        "typing",
        |socket: SocketRef, Data(typing): Data<bool>| async move {
            let me = user(&socket);
            let msg = json!({ "nick": me.nick, "typing": typing });
            socket.to(me.room).volatile().emit("typing", &msg).await?;
            HandlerResult::Ok(())
        },
    );

    socket.on(
        "image",
        |socket: SocketRef, Data(image): Data<Image>| async move {
            let me = user(&socket);
            let msg = (me.nick, image.name, image.data);
            socket.to(me.room).emit_args("image", &msg).await?;
            HandlerResult::Ok(())
        },
    );

    socket.on_disconnect(|socket: SocketRef| async move {
        let me = user(&socket);
        notify(&socket, &me, format!("{} left", me.nick)).await
    });
}

/// The client bundle's directory, after a one-time `npm ci` if needed.
fn client_dist(chat_dir: &Path) -> Result<PathBuf, String> {
    let dist = chat_dir.join("node_modules/socket.io-client/dist");
    if !dist.is_dir() {
        println!("chat: installing socket.io-client (npm ci, once)...");
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(chat_dir)
            .status()
            .map_err(|e| format!("cannot run npm ({e}); install Node.js and npm"))?;
        if !status.success() || !dist.is_dir() {
            return Err(format!("npm ci failed in {}", chat_dir.display()));
        }
    }
    Ok(dist)
}

fn parse_args() -> Result<(String, u16), String> {
    let (mut host, mut port) = ("127.0.0.1".to_owned(), 3000);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--host" => host = value,
            "--port" => port = value.parse().map_err(|_| "invalid --port")?,
            other => return Err(format!("unknown argument {other} (use --port, --host)")),
        }
    }
    Ok((host, port))
}

#[tokio::main]
async fn main() -> ExitCode {
    let chat_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/chat");
    let setup = parse_args().and_then(|args| Ok((args, client_dist(&chat_dir)?)));
    let ((host, port), dist) = match setup {
        Ok(ok) => ok,
        Err(e) => {
            eprintln!("chat: {e}");
            return ExitCode::FAILURE;
        }
    };

    let io = SocketIo::builder()
        .serve_client(dist)
        // WebSocket frames of 1 KB and more (images, long messages) travel
        // compressed: browsers offer permessage-deflate.
        .per_message_deflate(Some(PerMessageDeflate::default()))
        .ns("/", on_connect)
        .build();
    let app = Router::new()
        .route(
            "/",
            get(|| async { Html(include_str!("static/index.html")) }),
        )
        .layer(io.layer());

    let listener = match tokio::net::TcpListener::bind((host.as_str(), port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("chat: cannot listen on {host}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("chat: open http://{host}:{port} in two browser tabs");
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("chat: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
