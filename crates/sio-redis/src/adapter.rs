//! [`RedisAdapter`]: the adapter of one namespace. Local work is done by a
//! [`MemoryAdapter`]; this file sends the cluster part to Redis (the
//! answers to other servers' requests are in `remote.rs`).

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

use crate::channels::Channels;
use crate::driver::Driver;
use crate::pending::Echoes;
use crate::wire::{self, JsonOpts, JsonRequest, JsonValue, kind};
use sio_cluster::pending::{Gather, Requests, Waiter};

/// The Redis adapter of one namespace (made by
/// [`RedisAdapterFactory`](crate::RedisAdapterFactory)); see the crate docs.
pub struct RedisAdapter {
    pub(crate) me: Weak<RedisAdapter>,
    pub(crate) nsp: String,
    pub(crate) uid: String,
    pub(crate) channels: Channels,
    pub(crate) local: Weak<dyn LocalNamespace>,
    pub(crate) inner: MemoryAdapter,
    pub(crate) driver: Arc<Driver>,
    pub(crate) pending: Mutex<Requests>,
    /// Own join/leave/disconnect requests waiting for their echo.
    pub(crate) echoes: Mutex<Echoes>,
    /// Answers to other servers' acked requests being relayed at once.
    pub(crate) relays: Arc<Semaphore>,
    /// `true` once closed: `init` and `close` take it in turn, so an `init`
    /// that comes after `close` subscribes to nothing.
    closed: tokio::sync::Mutex<bool>,
}

impl std::fmt::Debug for RedisAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisAdapter")
            .field("nsp", &self.nsp)
            .field("uid", &self.uid)
            .field("pending", &self.pending.lock().len())
            .finish_non_exhaustive()
    }
}

/// A random id as Node's `uid2(6)` makes them: 6 URL-safe characters.
pub(crate) fn new_id() -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut rng = rand::rng();
    (0..6)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// The event name and arguments of an EVENT packet this server encoded,
/// for the other servers; any other packet is not theirs to receive.
fn event_data(packet: &Encoded) -> Result<Vec<Value>, AdapterError> {
    decode_event(packet).ok_or(AdapterError::Unsupported(
        "only EVENT packets are broadcast to other servers",
    ))
}

pub(crate) fn decode_event(packet: &Encoded) -> Option<Vec<Value>> {
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

impl RedisAdapter {
    pub(crate) fn new(
        nsp: &str,
        local: Weak<dyn LocalNamespace>,
        driver: Arc<Driver>,
    ) -> Arc<Self> {
        let uid = new_id();
        let config = &driver.config;
        let pending = Requests::new(config.max_pending_requests, config.max_responses);
        let relays = Arc::new(Semaphore::new(config.max_pending_requests));
        let channels = Channels::new(&config.key, nsp, &uid);
        Arc::new_cyclic(|me| Self {
            me: me.clone(),
            nsp: nsp.to_owned(),
            channels,
            uid,
            inner: MemoryAdapter::new(local.clone()),
            local,
            driver,
            pending: Mutex::new(pending),
            echoes: Mutex::new(Echoes::default()),
            relays,
            closed: tokio::sync::Mutex::new(false),
        })
    }

    /// Publishes a JSON request on the request channel.
    async fn request(&self, request: &JsonRequest<'_>) -> Result<(), AdapterError> {
        self.driver
            .publish(&self.channels.request, wire::json(request))
            .await
    }

    /// Forgets request `id` after `after` (its answers come no more).
    fn expire(&self, id: String, after: Duration) {
        let me = self.me.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            if let Some(adapter) = me.upgrade() {
                adapter.pending.lock().remove(&id);
            }
        });
    }

    /// `local` (this server's answer) with the answers of the other
    /// servers to request `request_kind`, once they all answered; as it is
    /// when there is no other server. Fails after the requests timeout.
    async fn gather<T>(
        &self,
        request_kind: u64,
        opts: &BroadcastOptions,
        local: Vec<T>,
        waiter: fn(Gather<T>) -> Waiter,
    ) -> Result<Vec<T>, AdapterError> {
        let servers = self.driver.numsub(&self.channels.request).await?;
        if servers <= 1 {
            return Ok(local);
        }
        let id = new_id();
        let (done, result) = oneshot::channel();
        let waiter = waiter(Gather::new(servers, local, done));
        if !self.pending.lock().insert(id.clone(), waiter) {
            return Err(too_many());
        }
        let request = JsonRequest {
            uid: Some(&self.uid),
            request_id: Some(&id),
            kind: request_kind,
            opts: (request_kind == kind::REMOTE_FETCH).then(|| JsonOpts::from(opts)),
            ..JsonRequest::default()
        };
        if let Err(e) = self.request(&request).await {
            self.pending.lock().remove(&id);
            return Err(e);
        }
        let timeout = self.driver.config.requests_timeout;
        match tokio::time::timeout(timeout, result).await {
            Ok(Ok(value)) => Ok(value),
            _ => {
                self.pending.lock().remove(&id);
                Err(AdapterError::Timeout)
            }
        }
    }

    async fn fetch(&self, opts: BroadcastOptions) -> Result<Vec<SocketInfo>, AdapterError> {
        let local = self.inner.fetch_sockets_local(&opts);
        if opts.flags.local {
            return Ok(local);
        }
        self.gather(kind::REMOTE_FETCH, &opts, local, Waiter::Fetch)
            .await
    }

    /// Joins, leaves (`rooms`) or disconnects (`close`) the local sockets
    /// `opts` targets.
    pub(crate) fn apply(
        &self,
        request_kind: u64,
        opts: &BroadcastOptions,
        rooms: &[Room],
        close: bool,
    ) {
        match request_kind {
            kind::REMOTE_JOIN => self.inner.add_sockets_local(opts, rooms),
            kind::REMOTE_LEAVE => self.inner.del_sockets_local(opts, rooms),
            _ => self.inner.disconnect_sockets_local(opts, close),
        }
    }

    /// Join/leave (`rooms`) or disconnect (`close`) across the cluster, with
    /// Node's semantics: the request is published, and every server, this
    /// one included, acts when it comes out of Redis, so all of them apply
    /// such requests in the same order. Resolves once done here; if the
    /// echo does not come within the requests timeout (subscriber down), it
    /// is done here then. A failed publish is done here and reported.
    async fn operation(
        &self,
        request_kind: u64,
        opts: &BroadcastOptions,
        rooms: &[Room],
        close: bool,
    ) -> Result<(), AdapterError> {
        if opts.flags.local {
            self.apply(request_kind, opts, rooms, close);
            return Ok(());
        }
        // A disconnect carries `close`, a join or leave its rooms.
        let disconnect = request_kind == kind::REMOTE_DISCONNECT;
        let payload = wire::json(&JsonRequest {
            uid: Some(&self.uid),
            kind: request_kind,
            opts: Some(JsonOpts::from(opts)),
            rooms: (!disconnect).then_some(rooms),
            close: disconnect.then_some(close),
            ..JsonRequest::default()
        });
        let (done, echoed) = oneshot::channel();
        let max = self.driver.config.max_pending_requests;
        if !self.echoes.lock().insert(payload.clone(), done, max) {
            return Err(too_many());
        }
        if let Err(e) = self.driver.publish(&self.channels.request, payload).await {
            self.apply(request_kind, opts, rooms, close);
            return Err(e);
        }
        let timeout = self.driver.config.requests_timeout;
        if !matches!(tokio::time::timeout(timeout, echoed).await, Ok(Ok(()))) {
            tracing::warn!(ns = %self.nsp, "redis adapter: own request did not come back; done here");
            self.apply(request_kind, opts, rooms, close);
        }
        Ok(())
    }

    async fn publish_broadcast(
        &self,
        packet: &Encoded,
        opts: &BroadcastOptions,
    ) -> Result<(), AdapterError> {
        let data = event_data(packet)?;
        let channel = match opts.rooms.as_slice() {
            [room] => self.channels.room(room),
            _ => self.channels.broadcast.clone(),
        };
        let message = wire::broadcast(&self.uid, &self.nsp, data, opts);
        self.driver.publish(&channel, message).await
    }

    async fn publish_broadcast_with_ack(
        &self,
        packet: &Encoded,
        opts: &BroadcastOptions,
        sink: &AckSink,
    ) -> Result<(), AdapterError> {
        let data = event_data(packet)?;
        let id = new_id();
        let waiter = Waiter::broadcast_ack(sink.clone());
        if !self.pending.lock().insert(id.clone(), waiter) {
            return Err(too_many());
        }
        let timeout = opts
            .flags
            .timeout
            .unwrap_or(self.driver.config.requests_timeout);
        let message = wire::broadcast_with_ack(&self.uid, &id, &self.nsp, data, opts, timeout);
        let published = self.driver.publish(&self.channels.request, message).await;
        if published.is_err() {
            self.pending.lock().remove(&id);
        } else {
            self.expire(id, timeout);
        }
        published
    }
}

impl Adapter for RedisAdapter {
    /// Subscribes to this namespace's channels (a no-op once closed).
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let closed = self.closed.lock().await;
            if *closed {
                return Ok(());
            }
            self.driver.subscribe(&self.me, &self.channels).await
        })
    }

    /// Unsubscribes (after an `init` in progress has finished).
    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let mut closed = self.closed.lock().await;
            *closed = true;
            self.driver.unsubscribe(&self.me, &self.channels).await;
            drop(closed);
            self.pending.lock().clear();
            self.inner.close().await
        })
    }

    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(self.driver.numsub(&self.channels.request))
    }

    fn enable_session_store(&self, config: SessionStoreConfig) {
        self.inner.enable_session_store(config);
    }

    fn persist_packet(&self, offset: String, packet: &Encoded, opts: &BroadcastOptions) {
        self.inner.persist_packet(offset, packet, opts);
    }

    fn persist_session(&self, session: Session) {
        self.inner.persist_session(session);
    }

    fn restore_session(
        &self,
        pid: &str,
        offset: &str,
    ) -> BoxFuture<'_, Result<Option<RestoredSession>, AdapterError>> {
        self.inner.restore_session(pid, offset)
    }

    fn add_all(&self, sid: &SocketId, rooms: &[Room]) {
        self.inner.add_all(sid, rooms);
    }

    fn del(&self, sid: &SocketId, room: &Room) {
        self.inner.del(sid, room);
    }

    fn del_all(&self, sid: &SocketId) {
        self.inner.del_all(sid);
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
                self.publish_broadcast(&packet, &opts).await
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

    fn rooms(&self, opts: BroadcastOptions) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>> {
        Box::pin(async move {
            let local = self.inner.rooms_local();
            if opts.flags.local {
                return Ok(local);
            }
            let mut rooms = self
                .gather(kind::ALL_ROOMS, &opts, local, Waiter::Rooms)
                .await?;
            rooms.sort();
            rooms.dedup();
            Ok(rooms)
        })
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.operation(kind::REMOTE_JOIN, &opts, &rooms, false)
                .await
        })
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.operation(kind::REMOTE_LEAVE, &opts, &rooms, false)
                .await
        })
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.operation(kind::REMOTE_DISCONNECT, &opts, &[], close)
                .await
        })
    }

    fn server_side_emit(&self, args: Vec<Value>) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let data = args.iter().map(JsonValue).collect();
            self.request(&JsonRequest {
                uid: Some(&self.uid),
                kind: kind::SERVER_SIDE_EMIT,
                data: Some(data),
                ..JsonRequest::default()
            })
            .await
        })
    }

    fn server_side_emit_with_ack(
        &self,
        args: Vec<Value>,
        timeout: Duration,
        sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let id = new_id();
            let waiter = Waiter::server_side(sink);
            if !self.pending.lock().insert(id.clone(), waiter) {
                return Err(too_many());
            }
            let data = args.iter().map(JsonValue).collect();
            let published = self
                .request(&JsonRequest {
                    uid: Some(&self.uid),
                    request_id: Some(&id),
                    kind: kind::SERVER_SIDE_EMIT,
                    data: Some(data),
                    ..JsonRequest::default()
                })
                .await;
            if published.is_err() {
                self.pending.lock().remove(&id);
            } else {
                self.expire(id, timeout);
            }
            published
        })
    }
}
