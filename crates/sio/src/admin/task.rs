//! The admin task: broadcasts the hooks' reports to the admin namespace,
//! in order, and every 2 s `server_stats` (Node's interval), at which tick
//! it also looks whether an admin socket is connected anywhere in the
//! cluster. It ends when the server is dropped.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value as Json, json};
use sio_adapter::BroadcastOptions;

use super::Hooks;
use super::hooks::Report;
use crate::io::Server;
use crate::operators::BroadcastOperators;

/// Node's stats interval.
const STATS_INTERVAL: Duration = Duration::from_secs(2);

/// Starts the task (inside a tokio runtime; without one, nothing is
/// reported and a warning says so).
pub(crate) fn start(hooks: &Arc<Hooks>, server: &Arc<Server>) {
    hooks.attach(server);
    let Some(rx) = hooks.rx.lock().take() else {
        return;
    };
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("admin UI: build() ran outside a tokio runtime, nothing is reported");
        return;
    };
    handle.spawn(run(hooks.clone(), rx));
}

async fn run(hooks: Arc<Hooks>, mut rx: tokio::sync::mpsc::Receiver<Report>) {
    let mut tick = tokio::time::interval(STATS_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            report = rx.recv() => {
                let (Some(report), Some(server)) = (report, hooks.server()) else { return };
                emit(&hooks, &server, report).await;
            }
            _ = tick.tick() => {
                let Some(server) = hooks.server() else { return };
                refresh_active(&hooks, &server).await;
                let stats = stats(&hooks, &server);
                emit(&hooks, &server, Report { event: "server_stats", args: vec![stats] }).await;
            }
        }
    }
}

fn admin_ns(hooks: &Hooks, server: &Server) -> Option<BroadcastOperators> {
    let ns = server.table.get(&hooks.ui.namespace)?;
    Some(BroadcastOperators::new(ns, BroadcastOptions::default()))
}

async fn emit(hooks: &Hooks, server: &Server, report: Report) {
    if let Some(ops) = admin_ns(hooks, server)
        && let Err(e) = ops.emit_args(report.event, &report.args).await
    {
        tracing::debug!(event = report.event, "admin UI: report not sent: {e}");
    }
}

/// Active while this server has an admin socket, or the cluster has one.
async fn refresh_active(hooks: &Hooks, server: &Server) {
    if hooks.local_admins.load(Ordering::Acquire) > 0 {
        hooks.set_active(true);
        return;
    }
    let remote = match admin_ns(hooks, server) {
        Some(ops) => ops.socket_ids().await.map(|ids| !ids.is_empty()),
        None => Ok(false),
    };
    hooks.set_active(remote.unwrap_or(false));
}

/// Node's `ServerStats`; the counters are taken and reset.
fn stats(hooks: &Hooks, server: &Server) -> Json {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let second = now_ms - now_ms % 1000;
    let counts = &hooks.counts;
    let mut events = Vec::new();
    let mut push = |kind: &str, sub: Option<&str>, count: u64| {
        if count > 0 {
            let mut e = json!({ "timestamp": second, "type": kind, "count": count });
            if let (Some(sub), Json::Object(map)) = (sub, &mut e) {
                map.insert("subType".to_owned(), sub.into());
            }
            events.push(e);
        }
    };
    push(
        "rawConnection",
        None,
        counts.connections.swap(0, Ordering::Relaxed),
    );
    for (reason, n) in std::mem::take(&mut *counts.disconnections.lock()) {
        push("rawDisconnection", Some(reason), n);
    }
    push(
        "packetsIn",
        None,
        counts.packets_in.swap(0, Ordering::Relaxed),
    );
    push("bytesIn", None, counts.bytes_in.swap(0, Ordering::Relaxed));
    push(
        "packetsOut",
        None,
        counts.packets_out.swap(0, Ordering::Relaxed),
    );
    push(
        "bytesOut",
        None,
        counts.bytes_out.swap(0, Ordering::Relaxed),
    );
    let mut namespaces: Vec<Json> = server
        .table
        .all()
        .iter()
        .map(|ns| json!({ "name": ns.name, "socketsCount": ns.socket_count() }))
        .collect();
    namespaces.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let hostname = gethostname::gethostname().to_string_lossy().into_owned();
    json!({
        "serverId": hooks.ui.server_id.clone().unwrap_or_else(|| hostname.clone()),
        "hostname": hostname,
        "pid": std::process::id(),
        "uptime": hooks.started.elapsed().as_secs_f64(),
        "clientsCount": hooks.clients.load(Ordering::Relaxed).max(0),
        "pollingClientsCount": hooks.polling.load(Ordering::Relaxed).max(0),
        "aggregatedEvents": events,
        "namespaces": namespaces,
    })
}
