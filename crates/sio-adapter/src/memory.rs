//! [`MemoryAdapter`]: the default adapter, for a single server, and its
//! factory.

use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use sio_engine::Str;
use sio_parser::{Encoded, Value};

use crate::room_index::RoomIndex;
use crate::{
    AckSink, Adapter, AdapterError, AdapterFactory, BoxFuture, BroadcastOptions, BroadcastReport,
    LocalNamespace, RestoredSession, Room, Session, SessionStore, SessionStoreConfig, SocketId,
    SocketInfo,
};

/// The in-memory adapter of one namespace: a room index of this server's
/// sockets, and delivery through the server's [`LocalNamespace`].
///
/// A socket is known from its first [`Adapter::add_all`] (the server puts
/// it in its own room when it connects) until [`Adapter::del_all`]; a
/// broadcast to every socket reaches the known sockets, even one that has
/// left every room, as in Node.
///
/// Every operation returning a future runs when that future is first
/// polled, and completes then. The index sits behind one lock that is never held while calling into the
/// [`LocalNamespace`]: targets are resolved under the lock, then served
/// without it, so the namespace may call back into the adapter (a
/// disconnect leaves every room).
///
/// The `*_local` methods do the local part of each operation; a cluster
/// adapter can wrap a `MemoryAdapter` and call them for requests from the
/// other servers.
///
/// # Limits
///
/// The adapter bounds neither the rooms of a socket nor the rooms of a
/// namespace, as in Node: rooms are chosen by the application, not by
/// clients, and the server may cap them. Memory follows what is in the
/// index: a room goes with its last socket, a socket with
/// [`Adapter::del_all`], and the tables shrink as they empty.
pub struct MemoryAdapter {
    local: Weak<dyn LocalNamespace>,
    index: RwLock<RoomIndex>,
    sessions: OnceLock<Mutex<SessionStore>>,
}

impl std::fmt::Debug for MemoryAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let index = self.index.read();
        f.debug_struct("MemoryAdapter")
            .field("rooms", &index.room_count())
            .field("sockets", &index.socket_count())
            .finish_non_exhaustive()
    }
}

impl MemoryAdapter {
    /// An adapter delivering through `local`; once `local` is dropped,
    /// deliveries and socket operations do nothing.
    pub fn new(local: Weak<dyn LocalNamespace>) -> Self {
        Self {
            local,
            index: RwLock::new(RoomIndex::default()),
            sessions: OnceLock::new(),
        }
    }

    /// The factory making a `MemoryAdapter` per namespace (the server's
    /// default).
    pub fn factory() -> MemoryAdapterFactory {
        MemoryAdapterFactory
    }

    /// How many rooms exist (sockets' own rooms included).
    pub fn room_count(&self) -> usize {
        self.index.read().room_count()
    }

    /// True when local room `room` exists (has a socket). Cheaper than
    /// [`MemoryAdapter::sockets_local`] to ask whether a room-filtered
    /// message concerns this server: nothing is allocated.
    pub fn has_room(&self, room: &str) -> bool {
        self.index.read().has_room(room)
    }

    /// How many sockets the index knows.
    pub fn socket_count(&self) -> usize {
        self.index.read().socket_count()
    }

    fn targets(&self, opts: &BroadcastOptions) -> Vec<SocketId> {
        self.index.read().targets(&opts.rooms, &opts.except)
    }

    /// The local sockets `opts` targets.
    pub fn sockets_local(&self, opts: &BroadcastOptions) -> Vec<SocketId> {
        self.targets(opts)
    }

    /// Every local room.
    pub fn rooms_local(&self) -> Vec<Room> {
        self.index.read().rooms()
    }

    /// Queues `packet` for every local socket `opts` targets. A socket whose
    /// queue is full, or that is closing, is skipped and counted as
    /// dropped; the others still get the packet.
    pub fn broadcast_local(&self, packet: &Encoded, opts: &BroadcastOptions) -> BroadcastReport {
        let Some(local) = self.local.upgrade() else {
            return BroadcastReport::default();
        };
        let report = local.send_many(&self.targets(opts), packet, &opts.flags);
        tracing::trace!(
            ns = local.name(),
            sent = report.sent,
            dropped = report.dropped,
            "broadcast"
        );
        report
    }

    /// Queues `packet` (carrying ack id `ack_id`) for every local socket
    /// `opts` targets, registering `sink` for their answers, then reports to
    /// `sink` how many sockets it was queued for (always, even 0). Returns
    /// that count.
    pub fn broadcast_with_ack_local(
        &self,
        packet: &Encoded,
        ack_id: u64,
        opts: &BroadcastOptions,
        sink: &AckSink,
    ) -> usize {
        let sent = match self.local.upgrade() {
            Some(local) => self
                .targets(opts)
                .iter()
                .filter(|sid| local.send_with_ack(sid, packet, ack_id, sink).is_ok())
                .count(),
            None => 0,
        };
        sink.client_count(sent);
        sent
    }

    /// Descriptions of the local sockets `opts` targets (sockets gone in the
    /// meantime are left out).
    pub fn fetch_sockets_local(&self, opts: &BroadcastOptions) -> Vec<SocketInfo> {
        let Some(local) = self.local.upgrade() else {
            return Vec::new();
        };
        self.targets(opts)
            .iter()
            .filter_map(|sid| local.socket_info(sid))
            .collect()
    }

    /// Makes the local sockets `opts` targets join `rooms`.
    pub fn add_sockets_local(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        let watcher = self.room_watcher();
        let targets = {
            let mut index = self.index.write();
            let targets = index.targets(&opts.rooms, &opts.except);
            for sid in &targets {
                index.add_all(sid, rooms);
            }
            targets
        };
        if let Some(local) = watcher {
            for sid in &targets {
                local.rooms_changed(sid, rooms, true);
            }
        }
    }

    /// Makes the local sockets `opts` targets leave `rooms`.
    pub fn del_sockets_local(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        let watcher = self.room_watcher();
        let targets = {
            let mut index = self.index.write();
            let targets = index.targets(&opts.rooms, &opts.except);
            for sid in &targets {
                for room in rooms {
                    index.del(sid, room);
                }
            }
            targets
        };
        if let Some(local) = watcher {
            for sid in &targets {
                local.rooms_changed(sid, rooms, false);
            }
        }
    }

    /// The namespace, when it wants to hear of room changes now.
    fn room_watcher(&self) -> Option<Arc<dyn LocalNamespace>> {
        self.local.upgrade().filter(|local| local.watches_rooms())
    }

    /// Disconnects the local sockets `opts` targets (their whole engine
    /// connections with `close`). The targets are collected first: each
    /// disconnect changes the index.
    pub fn disconnect_sockets_local(&self, opts: &BroadcastOptions, close: bool) {
        let Some(local) = self.local.upgrade() else {
            return;
        };
        for sid in self.targets(opts) {
            local.disconnect(&sid, close);
        }
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl Adapter for MemoryAdapter {
    /// Keeps a [`SessionStore`] from now on (the first call's limits hold).
    fn enable_session_store(&self, config: SessionStoreConfig) {
        let _ = self.sessions.set(Mutex::new(SessionStore::new(config)));
    }

    fn persist_packet(&self, offset: String, packet: &Encoded, opts: &BroadcastOptions) {
        if let Some(store) = self.sessions.get() {
            store
                .lock()
                .persist_packet(offset, packet.clone(), opts.clone());
        }
    }

    fn persist_session(&self, session: Session) {
        if let Some(store) = self.sessions.get() {
            store.lock().persist_session(session);
        }
    }

    fn restore_session(
        &self,
        pid: &str,
        offset: &str,
    ) -> BoxFuture<'_, Result<Option<RestoredSession>, AdapterError>> {
        let restored = self
            .sessions
            .get()
            .and_then(|store| store.lock().restore_session(pid, offset));
        ready(Ok(restored))
    }

    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            *self.index.write() = RoomIndex::default();
            Ok(())
        })
    }

    fn add_all(&self, sid: &SocketId, rooms: &[Room]) {
        self.index.write().add_all(sid, rooms);
        if let Some(local) = self.room_watcher() {
            local.rooms_changed(sid, rooms, true);
        }
    }

    fn del(&self, sid: &SocketId, room: &Room) {
        self.index.write().del(sid, room);
        if let Some(local) = self.room_watcher() {
            local.rooms_changed(sid, std::slice::from_ref(room), false);
        }
    }

    fn del_all(&self, sid: &SocketId) {
        match self.room_watcher() {
            None => self.index.write().del_all(sid),
            Some(local) => {
                let rooms = {
                    let mut index = self.index.write();
                    let rooms = index.socket_rooms(sid);
                    index.del_all(sid);
                    rooms
                };
                local.rooms_changed(sid, &rooms, false);
            }
        }
    }

    fn socket_rooms(&self, sid: &SocketId) -> Vec<Room> {
        self.index.read().socket_rooms(sid)
    }

    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<BroadcastReport, AdapterError>> {
        Box::pin(async move { Ok(self.broadcast_local(&packet, &opts)) })
    }

    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
        sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.broadcast_with_ack_local(&packet, ack_id, &opts, &sink);
            Ok(())
        })
    }

    fn sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketId>, AdapterError>> {
        Box::pin(async move { Ok(self.sockets_local(&opts)) })
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketInfo>, AdapterError>> {
        Box::pin(async move { Ok(self.fetch_sockets_local(&opts)) })
    }

    fn rooms(&self, _opts: BroadcastOptions) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>> {
        Box::pin(async move { Ok(self.rooms_local()) })
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.add_sockets_local(&opts, &rooms);
            Ok(())
        })
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.del_sockets_local(&opts, &rooms);
            Ok(())
        })
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.disconnect_sockets_local(&opts, close);
            Ok(())
        })
    }

    /// No other server: succeeds, and nobody receives the event.
    fn server_side_emit(&self, _args: Vec<Value>) -> BoxFuture<'_, Result<(), AdapterError>> {
        ready(Ok(()))
    }

    /// No other server: succeeds at once, with no answer. The emitter's
    /// [`AckStream`](crate::AckStream) expects `server_count() - 1 = 0`
    /// servers, so it completes immediately.
    fn server_side_emit_with_ack(
        &self,
        _args: Vec<Value>,
        _timeout: Duration,
        _sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        ready(Ok(()))
    }
}

/// Makes a [`MemoryAdapter`] per namespace; the server's default
/// [`AdapterFactory`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryAdapterFactory;

impl AdapterFactory for MemoryAdapterFactory {
    fn create(&self, _ns: Str, local: Weak<dyn LocalNamespace>) -> Arc<dyn Adapter> {
        Arc::new(MemoryAdapter::new(local))
    }
}
