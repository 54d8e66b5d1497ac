//! The admin namespace: its auth middleware (a session id, or the
//! username and a password checked against the bcrypt hash), what an
//! admin socket is sent when it connects (`session`, `config`,
//! `all_sockets`) and the UI's commands (`emit`, `join`, `leave`,
//! `_disconnect`), each done through the adapter, so cluster-wide.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rand::RngCore as _;
use serde_json::{Value as Json, json};
use sio_adapter::BroadcastOptions;

use super::{Hooks, serialize};
use crate::error::ConnectError;
use crate::extract::Args;
use crate::ns::Ns;
use crate::operators::BroadcastOperators;
use crate::socket::SocketRef;

/// Longest username or password the middleware looks at: 1024 bytes
/// (bcrypt reads 72).
const MAX_CREDENTIAL: usize = 1024;

/// The admin namespace's handlers.
pub(crate) fn namespace(hooks: &Arc<Hooks>) -> Ns {
    let on_connect = hooks.clone();
    let auth = hooks.clone();
    Ns::new(move |socket: SocketRef| {
        let hooks = on_connect.clone();
        async move { connected(hooks, socket).await }
    })
    .middleware(move |socket: SocketRef| {
        let hooks = auth.clone();
        async move { authenticate(&hooks, &socket).await }
    })
}

fn text<'a>(auth: &'a Json, key: &str) -> Option<&'a str> {
    auth.get(key)
        .and_then(Json::as_str)
        .filter(|s| s.len() <= MAX_CREDENTIAL)
}

async fn authenticate(hooks: &Hooks, socket: &SocketRef) -> Result<(), ConnectError> {
    let Some(basic) = &hooks.ui.auth else {
        return Ok(());
    };
    let auth = &socket.handshake().auth;
    if let Some(id) = text(auth, "sessionId")
        && hooks.ui.store.exists(id).await
    {
        return Ok(());
    }
    if let (Some(user), Some(password)) = (text(auth, "username"), text(auth, "password"))
        && user == basic.username
    {
        let password = password.to_owned();
        let hash = basic.hash.clone();
        let matches = match hooks.logins.acquire().await {
            Ok(_permit) => tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or(false),
            Err(_) => false,
        };
        if matches {
            let mut bytes = [0u8; 8];
            rand::rng().fill_bytes(&mut bytes);
            let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            hooks.ui.store.save(id.clone()).await;
            let mut pending = hooks.pending_sessions.lock();
            if pending.len() >= super::hooks::MAX_PENDING_SESSIONS {
                pending.clear();
            }
            pending.insert(socket.id().clone(), id);
            return Ok(());
        }
    }
    Err(ConnectError::new("invalid credentials"))
}

async fn connected(hooks: Arc<Hooks>, socket: SocketRef) {
    hooks.local_admins.fetch_add(1, Ordering::AcqRel);
    hooks.set_active(true);
    let counter = hooks.clone();
    socket.on_disconnect(move || {
        counter.local_admins.fetch_sub(1, Ordering::AcqRel);
        async {}
    });
    let session = hooks.pending_sessions.lock().remove(socket.id());
    if let Some(id) = session {
        let _ = socket.emit("session", &id);
    }
    let _ = socket.emit(
        "config",
        &json!({ "supportedFeatures": hooks.ui.features() }),
    );
    if !hooks.ui.readonly {
        commands(&hooks, &socket);
    }
    if hooks.ui.mode == super::Mode::Development {
        let sockets = all_sockets(&hooks).await;
        let _ = socket.emit("all_sockets", &sockets);
    }
}

/// Every socket of every namespace, cluster-wide.
async fn all_sockets(hooks: &Hooks) -> Vec<Json> {
    let Some(server) = hooks.server() else {
        return Vec::new();
    };
    let mut all = Vec::new();
    for ns in server.table.all() {
        let name = ns.name.clone();
        let ops = BroadcastOperators::new(ns, BroadcastOptions::default());
        match ops.fetch_sockets().await {
            Ok(infos) => all.extend(infos.into_iter().map(|i| serialize::from_info(i, &name))),
            Err(e) => tracing::debug!(ns = %name, "admin UI: fetch_sockets failed: {e}"),
        }
    }
    all
}

/// The operators of namespace `nsp` (the UI's first argument), restricted
/// to room `filter` when it is a string.
fn target(hooks: &Hooks, nsp: Option<&Json>, filter: Option<&Json>) -> Option<BroadcastOperators> {
    let server = hooks.server()?;
    let ns = server.table.get(nsp?.as_str()?)?;
    let ops = BroadcastOperators::new(ns, BroadcastOptions::default());
    Some(match filter.and_then(Json::as_str) {
        Some(room) if !room.is_empty() => ops.to(room.to_owned()),
        _ => ops,
    })
}

/// Registers the UI's commands on an admin socket; each is fire and
/// forget (no ack), as in Node. Malformed arguments are ignored.
fn commands(hooks: &Arc<Hooks>, socket: &SocketRef) {
    let h = hooks.clone();
    socket.on("emit", move |Args(args): Args<Vec<Json>>| {
        let ops = target(&h, args.first(), args.get(1));
        async move {
            let (Some(ops), Some(event)) = (ops, args.get(2).and_then(Json::as_str)) else {
                return;
            };
            let rest = args.get(3..).unwrap_or_default();
            if let Err(e) = ops.emit_args(event, rest).await {
                tracing::debug!("admin UI: emit failed: {e}");
            }
        }
    });
    for (name, join) in [("join", true), ("leave", false)] {
        let h = hooks.clone();
        socket.on(name, move |Args(args): Args<Vec<Json>>| {
            let ops = target(&h, args.first(), args.get(2));
            let room = args.get(1).and_then(Json::as_str).map(str::to_owned);
            async move {
                let (Some(ops), Some(room)) = (ops, room) else {
                    return;
                };
                let done = if join {
                    ops.join(room).await
                } else {
                    ops.leave(room).await
                };
                if let Err(e) = done {
                    tracing::debug!("admin UI: {name} failed: {e}");
                }
            }
        });
    }
    let h = hooks.clone();
    socket.on("_disconnect", move |Args(args): Args<Vec<Json>>| {
        let ops = target(&h, args.first(), args.get(2));
        let close = args.get(1).and_then(Json::as_bool).unwrap_or(false);
        async move {
            if let Some(ops) = ops
                && let Err(e) = ops.disconnect(close).await
            {
                tracing::debug!("admin UI: _disconnect failed: {e}");
            }
        }
    });
}
