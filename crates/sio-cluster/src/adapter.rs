//! [`ClusterAdapter`]: the adapter of one namespace over a [`Transport`].
//! Local work is done by a [`MemoryAdapter`]; this file sends the cluster
//! part (what arrives is handled in `remote.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use rand::Rng as _;
use sio_adapter::{
    AckSink, Adapter, AdapterError, BoxFuture, BroadcastOptions, BroadcastReport, LocalNamespace,
    MemoryAdapter, RestoredSession, Room, Session, SessionStoreConfig, SocketId, SocketInfo,
};
use sio_parser::{Decoder, DecoderConfig, Encoded, Parser, Value, Version};
use tokio::sync::{Semaphore, oneshot};

use crate::config::ClusterConfig;
use crate::message::{ClusterMessage, MessageType, data};
use crate::pending::{Gather, Requests, Waiter};
use crate::transport::Transport;

/// The adapter of one namespace speaking Node's `ClusterAdapter` protocol
/// over a [`Transport`]; see the crate docs.
pub struct ClusterAdapter {
    pub(crate) me: Weak<ClusterAdapter>,
    pub(crate) nsp: String,
    pub(crate) uid: String,
    pub(crate) local: Weak<dyn LocalNamespace>,
    pub(crate) inner: MemoryAdapter,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) config: ClusterConfig,
    pub(crate) requests: Mutex<Requests>,
    /// Answers to other servers' requests being relayed at once.
    pub(crate) relays: Arc<Semaphore>,
    /// Connection-state recovery is on (offsets go on received events).
    pub(crate) recovery: AtomicBool,
    closed: tokio::sync::Mutex<bool>,
}

impl std::fmt::Debug for ClusterAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterAdapter")
            .field("nsp", &self.nsp)
            .field("uid", &self.uid)
            .field("pending", &self.requests.lock().len())
            .finish_non_exhaustive()
    }
}

/// A random id as Node's `ClusterAdapter` makes them: 8 random bytes as
/// 16 lowercase hex characters (uids and request ids).
pub fn random_id() -> String {
    let bytes: [u8; 8] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The event name and arguments of an EVENT packet this server encoded,
/// for the other servers.
///
/// # Errors
/// [`AdapterError::Unsupported`] for any other packet.
pub fn event_data(packet: &Encoded) -> Result<Vec<Value>, AdapterError> {
    decode_event(packet).ok_or(AdapterError::Unsupported(
        "only EVENT packets are broadcast to other servers",
    ))
}

fn decode_event(packet: &Encoded) -> Option<Vec<Value>> {
    let parser = match packet {
        Encoded::Text { .. } => Parser::Default,
        Encoded::Binary(_) => Parser::MsgPack,
        _ => return None,
    };
    // Our own packet: no limit is needed.
    let config = DecoderConfig::default()
        .max_attachments(usize::MAX)
        .max_attachment_bytes(usize::MAX);
    let mut decoder = Decoder::new(parser, Version::V5, config);
    let mut decoded = None;
    for message in packet.messages() {
        decoded = decoder.decode(message).ok()?;
    }
    let decoded = decoded?;
    let mut data = vec![Value::from(decoded.event_name()?)];
    data.extend(decoded.arg_values().ok()?);
    Some(data)
}

fn too_many() -> AdapterError {
    AdapterError::Transport("too many pending cluster requests".into())
}

impl ClusterAdapter {
    /// The adapter of namespace `nsp`, delivering locally through `local`
    /// and to the other servers through `transport`.
    pub fn new(
        nsp: &str,
        local: Weak<dyn LocalNamespace>,
        transport: Arc<dyn Transport>,
        config: ClusterConfig,
    ) -> Arc<Self> {
        let requests = Requests::new(config.max_pending_requests, config.max_responses);
        let relays = Arc::new(Semaphore::new(config.max_pending_requests));
        Arc::new_cyclic(|me| Self {
            me: me.clone(),
            nsp: nsp.to_owned(),
            uid: random_id(),
            inner: MemoryAdapter::new(local.clone()),
            local,
            transport,
            config,
            requests: Mutex::new(requests),
            relays,
            recovery: AtomicBool::new(false),
            closed: tokio::sync::Mutex::new(false),
        })
    }

    /// This adapter's uid (16 hex characters; one per namespace and server).
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// This adapter as an `Arc` (for a transport hook that keeps it);
    /// `None` while it is being dropped.
    pub fn arc(&self) -> Option<Arc<ClusterAdapter>> {
        self.me.upgrade()
    }

    /// The namespace's name.
    pub fn nsp(&self) -> &str {
        &self.nsp
    }

    /// The options in force.
    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// The local room index (to list the rooms a transport subscribes to).
    pub fn local_rooms(&self) -> Vec<Room> {
        self.inner.rooms_local()
    }

    /// Whether `room` is the own room of a local socket.
    pub fn is_socket_room(&self, room: &Room) -> bool {
        self.inner
            .socket_rooms(&SocketId::from(room.as_str()))
            .contains(room)
    }

    /// Server `uid` is gone (the heartbeat layer forgot it): requests that
    /// wait for its answer by uid stop waiting for it, and end if it was
    /// the last one they waited for.
    pub fn server_gone(&self, uid: &str) {
        self.requests.lock().server_gone(uid);
    }

    /// Requests of this namespace waiting for answers.
    pub fn pending_requests(&self) -> usize {
        self.requests.lock().len()
    }

    fn message(&self, kind: MessageType, data: Value) -> ClusterMessage {
        ClusterMessage::new(kind, Some(data), &self.uid, &self.nsp)
    }

    /// Publishes a message of this namespace.
    pub(crate) async fn publish(
        &self,
        kind: MessageType,
        data: Value,
    ) -> Result<Option<String>, AdapterError> {
        self.transport.publish(self.message(kind, data)).await
    }

    /// Forgets request `id` after `after` (its answers come no more).
    fn expire(&self, id: String, after: Duration) {
        let me = self.me.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            if let Some(adapter) = me.upgrade() {
                adapter.requests.lock().remove(&id);
            }
        });
    }

    async fn fetch(&self, opts: BroadcastOptions) -> Result<Vec<SocketInfo>, AdapterError> {
        let local = self.inner.fetch_sockets_local(&opts);
        if opts.flags.local {
            return Ok(local);
        }
        let id = random_id();
        let (done, result) = oneshot::channel();
        let gather = match self.transport.nodes(&self.nsp) {
            Some(nodes) if nodes.is_empty() => return Ok(local),
            Some(nodes) => Gather::with_missing(nodes, local, done),
            None => {
                let servers = self.transport.server_count(&self.nsp).await?;
                if servers <= 1 {
                    return Ok(local);
                }
                Gather::new(servers, local, done)
            }
        };
        let waiter = Waiter::Fetch(gather);
        if !self.requests.lock().insert(id.clone(), waiter) {
            return Err(too_many());
        }
        let request = data::fetch_sockets(&opts, &id);
        if let Err(e) = self.publish(MessageType::FetchSockets, request).await {
            self.requests.lock().remove(&id);
            return Err(e);
        }
        let timeout = opts.flags.timeout.unwrap_or(self.config.requests_timeout);
        match tokio::time::timeout(timeout, result).await {
            Ok(Ok(sockets)) => Ok(sockets),
            _ => {
                // A server that does not answer (frozen, gone): the call
                // ends with the answers that came.
                let waiter = self.requests.lock().remove(&id);
                match waiter {
                    Some(Waiter::Fetch(gather)) => {
                        let (got, expected) = gather.progress();
                        tracing::warn!(
                            ns = %self.nsp,
                            "cluster adapter: fetchSockets timed out with {got} of {expected} answers"
                        );
                        Ok(gather.into_partial())
                    }
                    _ => Err(AdapterError::Timeout),
                }
            }
        }
    }

    /// Joins (`rooms`), leaves or disconnects (`close`) the local sockets
    /// `opts` targets, telling the transport of rooms created or deleted.
    pub(crate) fn apply(
        &self,
        kind: MessageType,
        opts: &BroadcastOptions,
        rooms: &[Room],
        close: bool,
    ) {
        match kind {
            MessageType::SocketsJoin => {
                let before: Vec<bool> = rooms.iter().map(|r| self.inner.has_room(r)).collect();
                self.inner.add_sockets_local(opts, rooms);
                for (room, existed) in rooms.iter().zip(before) {
                    if !existed && self.inner.has_room(room) {
                        self.transport
                            .room_created(self, room, self.is_socket_room(room));
                    }
                }
            }
            MessageType::SocketsLeave => {
                let before: Vec<bool> = rooms.iter().map(|r| self.inner.has_room(r)).collect();
                self.inner.del_sockets_local(opts, rooms);
                for (room, existed) in rooms.iter().zip(before) {
                    if existed && !self.inner.has_room(room) {
                        self.transport.room_deleted(self, room, false);
                    }
                }
            }
            _ => self.inner.disconnect_sockets_local(opts, close),
        }
    }

    /// A join, leave or disconnect across the cluster, as Node does it:
    /// published first, then done here (the echo is ignored). A failed
    /// publish is done here and reported.
    async fn operation(
        &self,
        kind: MessageType,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
        close: bool,
    ) -> Result<(), AdapterError> {
        let published = if opts.flags.local {
            Ok(())
        } else {
            let message = if kind == MessageType::DisconnectSockets {
                data::disconnect_sockets(&opts, close)
            } else {
                data::sockets_join_leave(&opts, &rooms)
            };
            self.publish(kind, message).await.map(drop)
        };
        self.apply(kind, &opts, &rooms, close);
        published
    }
}

impl Adapter for ClusterAdapter {
    /// Subscribes this namespace (a no-op once closed).
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let closed = self.closed.lock().await;
            if *closed {
                return Ok(());
            }
            let Some(me) = self.me.upgrade() else {
                return Err(AdapterError::Closed);
            };
            self.transport.subscribe(&me).await
        })
    }

    /// Unsubscribes (after an `init` in progress has finished).
    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let mut closed = self.closed.lock().await;
            *closed = true;
            self.transport.unsubscribe(self).await;
            drop(closed);
            self.requests.lock().clear();
            self.inner.close().await
        })
    }

    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(self.transport.server_count(&self.nsp))
    }

    fn enable_session_store(&self, config: SessionStoreConfig) {
        self.recovery.store(true, Ordering::Relaxed);
        self.inner.enable_session_store(config);
    }

    fn persist_packet(&self, offset: String, packet: &Encoded, opts: &BroadcastOptions) {
        self.inner.persist_packet(offset, packet, opts);
    }

    fn persist_session(&self, session: Session) {
        if !self.transport.persist_session(self, &session) {
            self.inner.persist_session(session);
        }
    }

    fn restore_session(
        &self,
        pid: &str,
        offset: &str,
    ) -> BoxFuture<'_, Result<Option<RestoredSession>, AdapterError>> {
        match self
            .transport
            .restore_session(self, pid.to_owned(), offset.to_owned())
        {
            Some(restored) => restored,
            None => self.inner.restore_session(pid, offset),
        }
    }

    fn add_all(&self, sid: &SocketId, rooms: &[Room]) {
        let created: Vec<&Room> = rooms.iter().filter(|r| !self.inner.has_room(r)).collect();
        self.inner.add_all(sid, rooms);
        for room in created {
            self.transport
                .room_created(self, room, room.as_str() == sid.as_str());
        }
    }

    fn del(&self, sid: &SocketId, room: &Room) {
        let existed = self.inner.has_room(room);
        self.inner.del(sid, room);
        if existed && !self.inner.has_room(room) {
            self.transport
                .room_deleted(self, room, room.as_str() == sid.as_str());
        }
    }

    fn del_all(&self, sid: &SocketId) {
        let rooms = self.inner.socket_rooms(sid);
        self.inner.del_all(sid);
        for room in rooms.iter().filter(|r| !self.inner.has_room(r)) {
            self.transport
                .room_deleted(self, room, room.as_str() == sid.as_str());
        }
    }

    fn socket_rooms(&self, sid: &SocketId) -> Vec<Room> {
        self.inner.socket_rooms(sid)
    }

    /// Publishes first, then delivers here (as Node); a failed publish is
    /// reported after the local delivery.
    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<BroadcastReport, AdapterError>> {
        Box::pin(async move {
            let published = if opts.flags.local {
                Ok(())
            } else {
                match event_data(&packet) {
                    Ok(event) => self
                        .publish(MessageType::Broadcast, data::broadcast(event, &opts, None))
                        .await
                        .map(drop),
                    Err(e) => Err(e),
                }
            };
            let report = self.inner.broadcast_local(&packet, &opts);
            published.map(|()| report)
        })
    }

    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
        sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let published = if opts.flags.local {
                Ok(())
            } else {
                self.publish_broadcast_with_ack(&packet, &opts, &sink).await
            };
            self.inner
                .broadcast_with_ack_local(&packet, ack_id, &opts, &sink);
            published
        })
    }

    fn sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketId>, AdapterError>> {
        Box::pin(async move {
            if opts.flags.local {
                return Ok(self.inner.sockets_local(&opts));
            }
            let mut ids: Vec<SocketId> =
                self.fetch(opts).await?.into_iter().map(|s| s.id).collect();
            ids.sort();
            ids.dedup();
            Ok(ids)
        })
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketInfo>, AdapterError>> {
        Box::pin(self.fetch(opts))
    }

    /// This server's rooms only: the `ClusterAdapter` protocol has no
    /// message to list other servers' rooms (as in Node).
    fn rooms(&self, _opts: BroadcastOptions) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>> {
        Box::pin(std::future::ready(Ok(self.inner.rooms_local())))
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(self.operation(MessageType::SocketsJoin, opts, rooms, false))
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(self.operation(MessageType::SocketsLeave, opts, rooms, false))
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(self.operation(MessageType::DisconnectSockets, opts, Vec::new(), close))
    }

    fn server_side_emit(&self, args: Vec<Value>) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.publish(
                MessageType::ServerSideEmit,
                data::server_side_emit(args, None),
            )
            .await
            .map(drop)
        })
    }

    fn server_side_emit_with_ack(
        &self,
        args: Vec<Value>,
        timeout: Duration,
        sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let id = random_id();
            if !self
                .requests
                .lock()
                .insert(id.clone(), Waiter::server_side(sink))
            {
                return Err(too_many());
            }
            let request = data::server_side_emit(args, Some(&id));
            match self.publish(MessageType::ServerSideEmit, request).await {
                Ok(_) => {
                    self.expire(id, timeout);
                    Ok(())
                }
                Err(e) => {
                    self.requests.lock().remove(&id);
                    Err(e)
                }
            }
        })
    }
}

impl ClusterAdapter {
    async fn publish_broadcast_with_ack(
        &self,
        packet: &Encoded,
        opts: &BroadcastOptions,
        sink: &AckSink,
    ) -> Result<(), AdapterError> {
        let event = event_data(packet)?;
        let id = random_id();
        if !self
            .requests
            .lock()
            .insert(id.clone(), Waiter::broadcast_ack(sink.clone()))
        {
            return Err(too_many());
        }
        let timeout = opts.flags.timeout.unwrap_or(self.config.requests_timeout);
        let mut opts = opts.clone();
        opts.flags.timeout = Some(timeout);
        let request = data::broadcast(event, &opts, Some(&id));
        match self.publish(MessageType::Broadcast, request).await {
            Ok(_) => {
                self.expire(id, timeout);
                Ok(())
            }
            Err(e) => {
                self.requests.lock().remove(&id);
                Err(e)
            }
        }
    }
}
