//! `cluster`: two sio servers sharing their clients through one Redis (the
//! classic adapter of `sio-redis`, wire-compatible with Node's
//! `@socket.io/redis-adapter`).
//!
//! ```sh
//! cargo run -p sio --example cluster   # --redis redis://127.0.0.1:6379/ --port 3000
//! ```
//!
//! starts server `a` on port 3000 and server `b` on 3001, in one process
//! (each with its own adapter connections, as two processes would have:
//! `--name b --port 3001` runs one server alone). Open
//! <http://127.0.0.1:3000> and <http://127.0.0.1:3001>: each page says which
//! server it is on, and a message typed on either page reaches every page,
//! whichever server holds it. The page loads the client from
//! `/socket.io/socket.io.js` when `tests/js` or `examples/chat` has
//! `node_modules` (`npm ci`), else from the socket.io CDN.
//!
//! Events: on connecting, the server emits `welcome` `{ server }`; `shout` (text) is broadcast to the
//! whole cluster as `shout` `{ server, text }`, `server` being the one that
//! received it. `crates/sio/tests/examples_js.rs` runs it.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use serde_json::json;
use sio::{Data, SocketIo, SocketRef, State};
use sio_redis::{RedisAdapterConfig, RedisAdapterFactory};

/// This server's name, kept in the state for the handlers.
#[derive(Debug, Clone)]
pub(crate) struct ServerName(pub(crate) String);

/// The page: which server it is on, and the cluster's messages.
fn page(name: &str, client_src: &str) -> String {
    format!(
        r#"<!doctype html>
<meta charset="utf-8"><title>sio cluster: server {name}</title>
<h1>You are on server <b id="server">{name}</b></h1>
<p id="status">connecting…</p>
<form id="f"><input id="t" autocomplete="off" placeholder="a message for every server"><button>shout</button></form>
<ul id="log"></ul>
<script src="{client_src}"></script>
<script>
  const socket = io();
  const log = (text) => {{
    const li = document.createElement("li");
    li.textContent = text;
    document.getElementById("log").append(li);
  }};
  socket.on("welcome", ({{ server }}) => {{
    document.getElementById("status").textContent = `connected to server ${{server}} as ${{socket.id}}`;
  }});
  socket.on("shout", ({{ server, text }}) => log(`[via ${{server}}] ${{text}}`));
  document.getElementById("f").addEventListener("submit", (e) => {{
    e.preventDefault();
    const t = document.getElementById("t");
    if (t.value) socket.emit("shout", t.value);
    t.value = "";
  }});
</script>
"#
    )
}

/// The first `socket.io-client/dist` installed by `npm ci` in this
/// repository, if any.
fn client_dist() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    ["tests/js", "examples/chat"]
        .iter()
        .map(|dir| root.join(dir).join("node_modules/socket.io-client/dist"))
        .find(|dist| dist.join("socket.io.js").is_file())
}

async fn on_connect(socket: SocketRef, State(name): State<ServerName>) {
    let welcome = json!({ "server": name.0 });
    if let Err(e) = socket.emit("welcome", &welcome) {
        tracing::warn!(%e, "welcome not sent");
    }
    socket.on(
        "shout",
        |socket: SocketRef, State(name): State<ServerName>, Data(text): Data<String>| async move {
            let shout = json!({ "server": name.0, "text": text });
            // the whole namespace, sender included, on every server of the Redis
            if let Err(e) = socket.within_ns().emit("shout", &shout).await {
                tracing::warn!(%e, "shout not broadcast");
            }
        },
    );
}

/// One server of the cluster: its router and its handle. `key` is the
/// adapter's channel prefix (the same on every server of a cluster).
pub(crate) async fn server(
    name: &str,
    redis: &str,
    key: &str,
) -> Result<(Router, SocketIo), sio_adapter::AdapterError> {
    let adapter =
        RedisAdapterFactory::connect_with(redis, RedisAdapterConfig::new().key(key)).await?;
    let dist = client_dist();
    let client_src = if dist.is_some() {
        "/socket.io/socket.io.js"
    } else {
        "https://cdn.socket.io/4.8.1/socket.io.min.js"
    };
    let mut builder = SocketIo::builder()
        .adapter(adapter)
        .with_state(ServerName(name.to_owned()));
    if let Some(dist) = dist {
        builder = builder.serve_client(dist);
    }
    let io = builder.ns("/", on_connect).build();
    let html = page(name, client_src);
    let app = Router::new()
        .route("/", get(move || async move { Html(html) }))
        .layer(io.layer());
    Ok((app, io))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt::init();
    let mut args = std::env::args().skip(1);
    let (mut redis, mut port, mut name) = (
        "redis://127.0.0.1:6379/".to_owned(),
        3000u16,
        None::<String>,
    );
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--redis", Some(v)) => redis = v,
            ("--port", Some(v)) => port = v.parse()?,
            ("--name", Some(v)) => name = Some(v),
            _ => return Err("usage: cluster [--redis URL] [--port P] [--name N]".into()),
        }
    }
    let servers = match name {
        Some(name) => vec![(name, port)],
        None => vec![("a".to_owned(), port), ("b".to_owned(), port + 1)],
    };
    let mut tasks = Vec::new();
    for (name, port) in servers {
        let (app, _io) = server(&name, &redis, "socket.io").await?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("server {name} on http://{}", listener.local_addr()?);
        tasks.push(tokio::spawn(
            async move { axum::serve(listener, app).await },
        ));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}
