//! Namespaces: the table declared on the builder (exact names and dynamic
//! families) and [`Namespace`], one per live namespace, which is the
//! [`LocalNamespace`] its adapter delivers through.

mod config;
mod lifecycle;
mod server_side;
mod table;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{OnceLock, Weak};

use parking_lot::RwLock;
use sio_adapter::{
    AckSink, Adapter, AdapterFactory, BroadcastFlags, BroadcastReport, DeliveryError,
    LocalNamespace, SocketId, SocketInfo,
};
use sio_parser::{Encoded, Value};

use crate::builder::Config;
use crate::error::EmitError;
use crate::socket::{AckWaiter, SocketRef};

pub use config::Ns;
pub(crate) use config::NsHandlers;
pub(crate) use server_side::{ServerEventFn, erase as erase_server_event};
pub(crate) use table::{ConnectGuard, Dynamic, Matcher as NsMatcher, NsTable};

/// One live namespace of this server.
pub(crate) struct Namespace {
    pub(crate) name: String,
    pub(crate) handlers: Arc<NsHandlers>,
    pub(crate) adapter: Arc<dyn Adapter>,
    pub(crate) config: Arc<Config>,
    /// Looked up once per recipient of every broadcast: hashed with
    /// foldhash (randomly seeded), not SipHash; the ids are the server's own
    /// random strings.
    sockets: RwLock<HashMap<SocketId, SocketRef, foldhash::fast::RandomState>>,
    ack_ids: AtomicU64,
    /// Connections in progress (see [`ConnectGuard`]).
    pub(crate) pending_connects: AtomicUsize,
    /// The family of a dynamic child, to leave it when unused.
    family: OnceLock<Weak<table::Children>>,
    /// Handlers of server-side events sent to this namespace.
    pub(crate) server_events: server_side::ServerEvents,
    /// Whether its adapter is started, and its `init` task.
    lifecycle: lifecycle::LifecycleCell,
    /// The recovery linger of an emptied dynamic child.
    linger: lifecycle::LingerCell,
    /// Its sockets gauge (feature `metrics`).
    metrics: crate::metrics::NsMetrics,
}

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Namespace {
    /// A namespace and its adapter (which holds it weakly); the adapter is
    /// not started yet (see [`Namespace::start`]).
    pub(crate) fn new(
        name: String,
        handlers: Arc<NsHandlers>,
        config: Arc<Config>,
        factory: &dyn AdapterFactory,
    ) -> Arc<Self> {
        Arc::new_cyclic(|weak: &std::sync::Weak<Namespace>| {
            let local: std::sync::Weak<dyn LocalNamespace> = weak.clone();
            let adapter = factory.create(sio_engine::Str::from(name.clone()), local);
            if let Some(recovery) = &config.recovery {
                adapter.enable_session_store(recovery.store());
            }
            Namespace {
                metrics: crate::metrics::NsMetrics::new(&name),
                name,
                handlers,
                adapter,
                config,
                sockets: RwLock::new(HashMap::default()),
                ack_ids: AtomicU64::new(0),
                pending_connects: AtomicUsize::new(0),
                family: OnceLock::new(),
                server_events: server_side::ServerEvents::default(),
                lifecycle: lifecycle::LifecycleCell::default(),
                linger: lifecycle::LingerCell::default(),
            }
        })
    }

    /// The next ack id of this namespace (shared by sockets and broadcasts,
    /// so that the two never collide).
    pub(crate) fn next_ack_id(&self) -> u64 {
        self.ack_ids.fetch_add(1, Ordering::Relaxed) % sio_parser::MAX_ACK_ID
    }

    /// Adds a connected socket (and puts it in its own room).
    pub(crate) fn insert(&self, socket: SocketRef) {
        self.adapter.add_all(&socket.id, &[(&socket.id).into()]);
        if self
            .sockets
            .write()
            .insert(socket.id.clone(), socket)
            .is_none()
        {
            self.metrics.socket_joined();
        }
    }

    pub(crate) fn remove(&self, id: &SocketId) {
        let empty = {
            let mut sockets = self.sockets.write();
            if sockets.remove(id).is_some() {
                self.metrics.socket_left();
            }
            sockets.is_empty()
        };
        if empty {
            self.retire_if_unused(true);
        }
    }

    /// Marks this namespace as a child of a dynamic family.
    pub(crate) fn set_family(&self, family: Weak<table::Children>) {
        let _ = self.family.set(family);
    }

    /// A dynamic child with no socket and no connection in progress leaves
    /// its family (and its adapter closes); checked under the family's
    /// lock, which new connections also take. With connection-state
    /// recovery on and `keep_sessions` (its last socket just left), it is
    /// looked at again once the recovery window is over instead, so that
    /// the sessions its adapter keeps can still be restored.
    pub(crate) fn retire_if_unused(&self, keep_sessions: bool) {
        let Some(family) = self.family.get().and_then(Weak::upgrade) else {
            return;
        };
        let mut children = family.lock();
        let unused =
            self.pending_connects.load(Ordering::Acquire) == 0 && self.sockets.read().is_empty();
        let current = children
            .get(&self.name)
            .is_some_and(|ns| std::ptr::eq(Arc::as_ptr(ns), self));
        if !unused || !current {
            return;
        }
        if keep_sessions
            && let Some(window) = self.config.recovery.as_ref().map(|r| r.duration())
            && let Some(ns) = children.get(&self.name).cloned()
        {
            drop(children);
            ns.linger(window);
            return;
        }
        if let Some(ns) = children.remove(&self.name) {
            drop(children);
            tracing::debug!(ns = %ns.name, "empty dynamic namespace removed");
            ns.stop();
        }
    }

    pub(crate) fn get(&self, id: &SocketId) -> Option<SocketRef> {
        self.sockets.read().get(id).cloned()
    }

    /// How many local sockets it has.
    pub(crate) fn socket_count(&self) -> usize {
        self.sockets.read().len()
    }

    /// The local sockets.
    pub(crate) fn sockets(&self) -> Vec<SocketRef> {
        self.sockets.read().values().cloned().collect()
    }
}

fn delivery(e: EmitError) -> DeliveryError {
    match e {
        EmitError::BufferFull => DeliveryError::Full,
        _ => DeliveryError::Closed,
    }
}

impl LocalNamespace for Namespace {
    fn name(&self) -> &str {
        &self.name
    }

    fn send(
        &self,
        sid: &SocketId,
        packet: &Encoded,
        flags: &BroadcastFlags,
    ) -> Result<(), DeliveryError> {
        let socket = self.get(sid).ok_or(DeliveryError::Closed)?;
        socket
            .send_encoded_with(packet, false, flags.compress)
            .map_err(delivery)
    }

    fn send_many(
        &self,
        sids: &[SocketId],
        packet: &Encoded,
        flags: &BroadcastFlags,
    ) -> BroadcastReport {
        // Compressed once for every recipient that compresses it.
        let shared;
        let packet = match self.config.deflate_threshold {
            Some(threshold) if flags.compress && sids.len() > 1 && packet.len() >= threshold => {
                shared = packet.clone().with_shared_compression();
                &shared
            }
            _ => packet,
        };
        let mut report = BroadcastReport::default();
        // Queued under one read of the table (queueing never blocks); the
        // few sockets with outgoing listeners (user code) are shown the
        // packet after the lock is released.
        let mut listened = Vec::new();
        {
            let sockets = self.sockets.read();
            for sid in sids {
                match sockets
                    .get(sid)
                    .map(|s| s.queue_encoded(packet, false, flags.compress))
                {
                    Some(Ok(true)) => {
                        report.sent += 1;
                        listened.extend(sockets.get(sid).cloned());
                    }
                    Some(Ok(false)) => report.sent += 1,
                    _ => report.dropped += 1,
                }
            }
        }
        for socket in listened {
            socket.notify_outgoing(packet);
        }
        report
    }

    fn send_with_ack(
        &self,
        sid: &SocketId,
        packet: &Encoded,
        ack_id: u64,
        sink: &AckSink,
    ) -> Result<(), DeliveryError> {
        let socket = self.get(sid).ok_or(DeliveryError::Closed)?;
        if !socket
            .acks
            .lock()
            .insert(ack_id, AckWaiter::Broadcast(sink.clone()))
        {
            return Err(DeliveryError::Full);
        }
        socket.send_encoded(packet, false).map_err(|e| {
            socket.acks.lock().take(ack_id);
            delivery(e)
        })
    }

    fn socket_info(&self, sid: &SocketId) -> Option<SocketInfo> {
        let socket = self.get(sid)?;
        Some(SocketInfo {
            id: socket.id.clone(),
            handshake: socket.handshake.to_json(),
            rooms: socket.rooms(),
            data: match &self.config.admin {
                Some(admin) => admin.with_admin_data(&socket, socket.data_json()),
                None => socket.data_json(),
            },
        })
    }

    fn watches_rooms(&self) -> bool {
        self.config.admin.as_ref().is_some_and(|a| a.verbose())
    }

    fn rooms_changed(&self, sid: &SocketId, rooms: &[sio_adapter::Room], joined: bool) {
        if let Some(admin) = &self.config.admin {
            admin.rooms_changed(&self.name, sid, rooms, joined);
        }
    }

    fn disconnect(&self, sid: &SocketId, close: bool) {
        if let Some(socket) = self.get(sid) {
            socket.disconnect(close);
        }
    }

    fn server_side_event(&self, args: Vec<Value>, ack: Option<AckSink>) {
        server_side::dispatch(self, args, ack);
    }

    fn encoder(&self) -> sio_parser::Encoder {
        self.config.encoder.clone()
    }

    fn next_ack_id(&self) -> u64 {
        Namespace::next_ack_id(self)
    }
}
