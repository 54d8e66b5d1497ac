//! A small server watched by the Socket.IO Admin UI: it is instrumented
//! ([`instrument`](sio::SocketIoBuilder::instrument), username `admin`,
//! password `secret`) and serves the real UI from the npm package
//! `@socket.io/admin-ui` at `/admin-ui/` ([`sio::admin::ui_files`]), plus a
//! page at `/` whose client shows up in the UI. Both packages are
//! installed by `npm ci` in `examples/admin` on first start.
//!
//! ```text
//! cargo run --example admin -- [--port 3000] [--host 127.0.0.1]
//! ```
//! then open <http://127.0.0.1:3000/> (a client) and
//! <http://127.0.0.1:3000/admin-ui/> (the UI: server URL
//! `http://127.0.0.1:3000`, admin / secret).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use sio::admin::AdminUi;
use sio::{Data, SocketIo, SocketRef};

/// The bcrypt hash (cost 10) of the demo password `secret`. Make your
/// own with `htpasswd -bnBC 10 "" PASSWORD | tr -d ':\n'` or the `bcrypt`
/// crate: the server never holds the password itself.
const PASSWORD_HASH: &str = "$2a$10$GvIvhoSVVcjwaJjc2rrotOaBT8/2Ci.k6hoqaUz1ITw1XXDbE6wga";

/// What the UI shows as the socket's data.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Visitor {
    visits: u32,
}

async fn on_connect(socket: SocketRef) {
    socket.join("lobby");
    socket.set_data(Visitor { visits: 1 });
    // Each `ping` counts one more visit: `set_data` is what tells the UI
    // (`socket_updated`), as Rust has no proxy to watch the data.
    socket.on(
        "ping",
        |socket: SocketRef, Data(text): Data<String>| async move {
            let visits = socket.data::<Visitor>().map_or(0, |v| v.visits);
            socket.set_data(Visitor { visits: visits + 1 });
            let _ = socket.emit("pong", &text);
        },
    );
}

/// `node_modules` of `examples/admin`, after a one-time `npm ci` if needed.
fn node_modules(dir: &Path) -> Result<PathBuf, String> {
    let modules = dir.join("node_modules");
    let ready = |m: &Path| {
        m.join("@socket.io/admin-ui/ui/dist/index.html").is_file()
            && m.join("socket.io-client/dist").is_dir()
    };
    if !ready(&modules) {
        println!("admin: installing @socket.io/admin-ui and socket.io-client (npm ci, once)...");
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .status()
            .map_err(|e| format!("cannot run npm ({e}); install Node.js and npm"))?;
        if !status.success() || !ready(&modules) {
            return Err(format!("npm ci failed in {}", dir.display()));
        }
    }
    Ok(modules)
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
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .init();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/admin");
    let setup = parse_args().and_then(|args| Ok((args, node_modules(&dir)?)));
    let ((host, port), modules) = match setup {
        Ok(ok) => ok,
        Err(e) => {
            eprintln!("admin: {e}");
            return ExitCode::FAILURE;
        }
    };
    let admin = match AdminUi::basic_auth("admin", PASSWORD_HASH) {
        Ok(admin) => admin.server_id("admin-example"),
        Err(e) => {
            eprintln!("admin: {e}");
            return ExitCode::FAILURE;
        }
    };

    let io = SocketIo::builder()
        .instrument(admin)
        .serve_client(modules.join("socket.io-client/dist"))
        .ns("/", on_connect)
        .build();
    let app = Router::new()
        .route(
            "/",
            get(|| async { Html(include_str!("static/index.html")) }),
        )
        .nest_service(
            "/admin-ui",
            sio::admin::ui_files(modules.join("@socket.io/admin-ui/ui/dist")),
        )
        .layer(io.layer());

    let listener = match tokio::net::TcpListener::bind((host.as_str(), port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("admin: cannot listen on {host}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "admin: open http://{host}:{port}/ (a client) and http://{host}:{port}/admin-ui/ (admin / secret)"
    );
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("admin: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
