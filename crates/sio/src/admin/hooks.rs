//! [`Hooks`]: what the rest of sio calls when the server is instrumented.
//! Every hook first reads one flag (is an admin UI watching?) and returns
//! at once when not; otherwise it counts (atomics) or queues a report for
//! the admin task ([`super::task`]), which broadcasts it to the admin
//! namespace. The queue is bounded ([`REPORT_QUEUE`]): past it, reports
//! are dropped (and counted in a `tracing` warning), never waited for.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use parking_lot::Mutex;
use serde_json::{Value as Json, json};
use sio_adapter::{Room, SocketId};
use sio_engine::{Message, TransportKind};
use sio_parser::{Encoded, Value};
use tokio::sync::{Semaphore, mpsc};

use super::{AdminUi, Mode, serialize};
use crate::engine::EngineSocket;
use crate::io::Server;
use crate::reason::DisconnectReason;
use crate::socket::{Socket, SocketRef};

/// Most reports waiting for the admin task: 4096.
pub(crate) const REPORT_QUEUE: usize = 4096;

/// Most logins waiting to be told their session id (entries of sockets
/// that never finished connecting are cleared past it): 1024.
pub(crate) const MAX_PENDING_SESSIONS: usize = 1024;

/// One event for the admin namespace: its name and arguments.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) event: &'static str,
    pub(crate) args: Vec<Json>,
}

/// Counters of the aggregated events, reset at each stats tick.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub(crate) connections: AtomicU64,
    pub(crate) packets_in: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) packets_out: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    /// Engine closes by reason (few distinct reasons).
    pub(crate) disconnections: Mutex<Vec<(&'static str, u64)>>,
}

/// The instrumented server's admin state.
pub(crate) struct Hooks {
    pub(crate) ui: AdminUi,
    /// True while an admin socket is connected on this server or (as
    /// last seen at a stats tick) elsewhere in the cluster.
    active: AtomicBool,
    pub(crate) local_admins: AtomicUsize,
    pub(crate) clients: AtomicI64,
    pub(crate) polling: AtomicI64,
    pub(crate) counts: Counts,
    pub(crate) dropped: AtomicU64,
    tx: mpsc::Sender<Report>,
    pub(crate) rx: Mutex<Option<mpsc::Receiver<Report>>>,
    server: OnceLock<Weak<Server>>,
    pub(crate) logins: Semaphore,
    pub(crate) pending_sessions: Mutex<HashMap<SocketId, String>>,
    pub(crate) started: std::time::Instant,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("ui", &self.ui)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// The current time as the UI reads it (a JavaScript `Date` in JSON).
pub(crate) fn now() -> Json {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Json::from(crate::socket::rfc3339(ms))
}

impl Hooks {
    pub(crate) fn new(ui: AdminUi) -> Arc<Self> {
        let (tx, rx) = mpsc::channel(REPORT_QUEUE);
        let logins = Semaphore::new(ui.max_logins);
        Arc::new(Self {
            ui,
            active: AtomicBool::new(false),
            local_admins: AtomicUsize::new(0),
            clients: AtomicI64::new(0),
            polling: AtomicI64::new(0),
            counts: Counts::default(),
            dropped: AtomicU64::new(0),
            tx,
            rx: Mutex::new(Some(rx)),
            server: OnceLock::new(),
            logins,
            pending_sessions: Mutex::default(),
            started: std::time::Instant::now(),
        })
    }

    /// Remembers the server (weakly: the server owns these hooks).
    pub(crate) fn attach(&self, server: &Arc<Server>) {
        let _ = self.server.set(Arc::downgrade(server));
    }

    pub(crate) fn server(&self) -> Option<Arc<Server>> {
        self.server.get()?.upgrade()
    }

    /// Whether an admin UI is watching (one atomic load).
    #[inline]
    pub(crate) fn active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    pub(crate) fn set_active(&self, active: bool) {
        self.active.store(active, Ordering::Relaxed);
    }

    /// Whether per-socket events are reported now.
    #[inline]
    pub(crate) fn verbose(&self) -> bool {
        self.active() && self.ui.mode == Mode::Development
    }

    fn report(&self, event: &'static str, args: Vec<Json>) {
        if self.tx.try_send(Report { event, args }).is_err() {
            let n = self.dropped.fetch_add(1, Ordering::Relaxed);
            if n.is_power_of_two() {
                tracing::warn!(
                    dropped = n + 1,
                    "admin UI: report queue full, reports dropped"
                );
            }
        }
    }

    /// An engine session opened.
    pub(crate) fn opened(&self, engine: &EngineSocket) {
        self.clients.fetch_add(1, Ordering::Relaxed);
        if engine.transport() == TransportKind::Polling {
            self.polling.fetch_add(1, Ordering::Relaxed);
        }
        if self.active() {
            self.counts.connections.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// An engine session moved from polling to WebSocket.
    pub(crate) fn upgraded(&self, sockets: &[SocketRef]) {
        self.polling.fetch_sub(1, Ordering::Relaxed);
        if self.verbose() {
            for socket in sockets {
                let update =
                    json!({ "id": socket.id(), "nsp": socket.ns(), "transport": "websocket" });
                self.report("socket_updated", vec![update]);
            }
        }
    }

    /// An engine session closed.
    pub(crate) fn closed(&self, engine: &EngineSocket, reason: DisconnectReason) {
        self.clients.fetch_sub(1, Ordering::Relaxed);
        if engine.transport() == TransportKind::Polling {
            self.polling.fetch_sub(1, Ordering::Relaxed);
        }
        if self.active() {
            let reason = reason.as_str();
            let mut list = self.counts.disconnections.lock();
            match list.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, n)) => *n += 1,
                None => list.push((reason, 1)),
            }
        }
    }

    /// A message arrived from a client.
    #[inline]
    pub(crate) fn message_in(&self, msg: &Message) {
        if self.active() {
            self.counts.packets_in.fetch_add(1, Ordering::Relaxed);
            let len = msg.len() as u64;
            self.counts.bytes_in.fetch_add(len, Ordering::Relaxed);
        }
    }

    /// A packet was queued for a client.
    #[inline]
    pub(crate) fn packet_out(&self, packet: &Encoded) {
        if self.active() {
            let (mut n, mut bytes) = (0, 0);
            for msg in packet.messages() {
                n += 1;
                bytes += msg.len() as u64;
            }
            self.counts.packets_out.fetch_add(n, Ordering::Relaxed);
            self.counts.bytes_out.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// A socket joined its namespace.
    pub(crate) fn connected(&self, socket: &SocketRef) {
        if self.verbose() {
            self.report("socket_connected", vec![serialize::local(socket), now()]);
        }
    }

    /// A socket left its namespace.
    pub(crate) fn disconnected(&self, socket: &Socket, reason: DisconnectReason) {
        if self.verbose() {
            let args = vec![
                socket.ns().into(),
                socket.id().as_str().into(),
                reason.as_str().into(),
                now(),
            ];
            self.report("socket_disconnected", args);
        }
    }

    /// A socket's data was replaced.
    pub(crate) fn data_changed(&self, socket: &Socket) {
        if self.verbose() {
            let update =
                json!({ "id": socket.id(), "nsp": socket.ns(), "data": socket.data_json() });
            self.report("socket_updated", vec![update]);
        }
    }

    /// A socket joined or left rooms.
    pub(crate) fn rooms_changed(&self, ns: &str, sid: &SocketId, rooms: &[Room], joined: bool) {
        let event = if joined { "room_joined" } else { "room_left" };
        for room in rooms {
            let args = vec![ns.into(), room.as_str().into(), sid.as_str().into(), now()];
            self.report(event, args);
        }
    }

    /// Whether the events of namespace `ns` are reported now.
    #[inline]
    pub(crate) fn watches_events(&self, ns: &str) -> bool {
        self.verbose() && ns != self.ui.namespace
    }

    /// An event from a client (its ack callback is not shown, as in Node).
    pub(crate) fn event_in(&self, socket: &Socket, event: &str, args: &[Value]) {
        self.event(socket, "event_received", event, args);
    }

    /// An event to a client.
    pub(crate) fn event_out(&self, socket: &Socket, event: &str, args: &[Value]) {
        self.event(socket, "event_sent", event, args);
    }

    fn event(&self, socket: &Socket, kind: &'static str, event: &str, args: &[Value]) {
        let mut list = Vec::with_capacity(args.len() + 1);
        list.push(Json::from(event));
        list.extend(
            args.iter()
                .map(|a| serde_json::to_value(a).unwrap_or_default()),
        );
        let args = vec![
            socket.ns().into(),
            socket.id().as_str().into(),
            Json::Array(list),
            now(),
        ];
        self.report(kind, args);
    }

    /// `data` as the admin UI's Node servers keep it: with
    /// `_admin: {clientId, transport}` (what a Node-served UI of the
    /// cluster reads from `fetchSockets`).
    pub(crate) fn with_admin_data(&self, socket: &Socket, data: Json) -> Json {
        if self.ui.mode != Mode::Development {
            return data;
        }
        let mut map = match data {
            Json::Object(map) => map,
            Json::Null => serde_json::Map::new(),
            other => return other,
        };
        map.insert("_admin".to_owned(), serialize::admin_fields(socket));
        Json::Object(map)
    }
}
