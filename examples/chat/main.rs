//! A small chat to try sio in a browser: nicknames, rooms, a typing
//! indicator and image sharing (binary). The page loads the official
//! JavaScript client from `/socket.io/socket.io.js`, served by
//! [`serve_client`](sio::SocketIoBuilder::serve_client) from the
//! npm-installed `socket.io-client` (installed on first start).
//!
//! Its events are typed end to end: declared once in `events.rs`,
//! checked by rustc here, and exported as TypeScript (`static/events.ts`,
//! by the `chat_ts` example) for the page's script `static/chat.js`,
//! which `tsc` checks.
//!
//! ```text
//! cargo run --release --example chat -- [--port 3000] [--host 127.0.0.1]
//! ```
//! then open <http://127.0.0.1:3000> in two browser tabs.

mod events;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use axum::Router;
use axum::http::header;
use axum::response::Html;
use axum::routing::get;
use events::{
    Chat, ChatLine, JoinRoom, Notice, Say, SetNick, ShareImage, SharedImage, Typing, TypingNotice,
    User,
};
use sio::typed::{Msg, TypedAck, TypedSocket};
use sio::{PerMessageDeflate, SocketIo};

/// Everyone starts in this room.
const LOBBY: &str = "lobby";

/// The events are typed (`events.rs`): handlers, emits and acks take the
/// event types, checked by rustc against the `Chat` namespace's maps.
type Socket = TypedSocket<Chat>;

fn user(socket: &Socket) -> User {
    socket.data().map_or_else(
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

/// Tells `room` (but not the socket itself) that something happened.
async fn notify(socket: &Socket, room: &str, notice: Notice) -> HandlerResult {
    socket.to(room.to_owned()).emit(&notice).await?;
    Ok(())
}

async fn on_connect(socket: Socket) {
    socket.join(LOBBY);
    socket.set_data(User {
        nick: "anonymous".into(),
        room: LOBBY.into(),
    });

    socket.on(
        async |Msg(SetNick(nick)): Msg<SetNick>, socket: Socket, ack: TypedAck<SetNick>| {
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
            let renamed = Notice::Renamed {
                from: old.nick,
                to: me.nick.clone(),
            };
            notify(&socket, &me.room, renamed).await?;
            ack.send(&me)?;
            HandlerResult::Ok(())
        },
    );

    socket.on(
        async |Msg(JoinRoom(room)): Msg<JoinRoom>, socket: Socket, ack: TypedAck<JoinRoom>| {
            let room: String = room.trim().chars().take(32).collect();
            let old = user(&socket);
            if room.is_empty() || room == old.room {
                ack.send(&old)?;
                return HandlerResult::Ok(());
            }
            let left = Notice::Left {
                nick: old.nick.clone(),
                room: Some(old.room.clone()),
            };
            notify(&socket, &old.room, left).await?;
            socket.leave(old.room.clone());
            socket.join(room.clone());
            let me = User { room, ..old };
            socket.set_data(me.clone());
            let joined = Notice::Joined {
                nick: me.nick.clone(),
                room: me.room.clone(),
            };
            notify(&socket, &me.room, joined).await?;
            ack.send(&me)?;
            Ok(())
        },
    );

    socket.on(async |Msg(Say(text)): Msg<Say>, socket: Socket| {
        let from = user(&socket);
        let room = from.room.clone();
        socket.to(room).emit(&ChatLine { from, text }).await?;
        HandlerResult::Ok(())
    });

    socket.on(async |Msg(Typing(typing)): Msg<Typing>, socket: Socket| {
        let me = user(&socket);
        let notice = TypingNotice {
            nick: me.nick,
            typing,
        };
        socket.to(me.room).volatile().emit(&notice).await?;
        HandlerResult::Ok(())
    });

    socket.on(async |Msg(image): Msg<ShareImage>, socket: Socket| {
        let me = user(&socket);
        let shared = SharedImage(me.nick, image.name, image.data);
        socket.to(me.room).emit(&shared).await?;
        HandlerResult::Ok(())
    });

    socket.on_disconnect(async |socket: Socket| {
        let me = user(&socket);
        let left = Notice::Left {
            nick: me.nick,
            room: None,
        };
        notify(&socket, &me.room, left).await
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
        .typed_ns(Chat, on_connect)
        .build();
    let app = Router::new()
        .route(
            "/",
            get(|| async { Html(include_str!("static/index.html")) }),
        )
        // The page's script: JavaScript typed with JSDoc against the
        // generated `static/events.ts` and checked by `tsc` in CI.
        .route(
            "/chat.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    include_str!("static/chat.js"),
                )
            }),
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
