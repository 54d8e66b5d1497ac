//! [`RedisStreamsAdapter`]: the adapter of one namespace on the Redis
//! Streams transport. Broadcasts are written to the stream in the order
//! they are made (one task per namespace, `XADD`s pipelined), and each is
//! delivered here once Redis gave its entry id, which becomes the recovery
//! offset of the event, here and on every server that reads it.

use std::sync::{Arc, OnceLock, Weak};

use parking_lot::Mutex;
use rand::RngCore as _;
use sio_adapter::{
    AckSink, Adapter, AdapterError, BoxFuture, BroadcastOptions, BroadcastReport, LocalNamespace,
    MemoryAdapter, RestoredSession, Room, Session, SessionStoreConfig, SocketId, SocketInfo,
};
use sio_parser::{Encoded, Value};
use tokio::sync::{mpsc, oneshot};

use super::driver::{StreamsDriver, StreamsSink};
use super::entry::{self, Entry};
use super::session;
use crate::adapter::decode_event;
use crate::wire;

/// Most broadcasts of one namespace waiting for their `XADD`; past it a
/// broadcast fails at once (Redis is down or far too slow).
const MAX_QUEUED: usize = 65_536;

/// Most broadcasts written in one pipeline.
const BATCH: usize = 128;

/// A broadcast waiting for its entry id.
struct Job {
    packet: Encoded,
    opts: BroadcastOptions,
    done: Option<oneshot::Sender<Result<BroadcastReport, AdapterError>>>,
}

/// The Redis Streams adapter of one namespace (made by
/// [`RedisStreamsAdapterFactory`](super::RedisStreamsAdapterFactory)).
pub struct RedisStreamsAdapter {
    me: Weak<RedisStreamsAdapter>,
    nsp: String,
    uid: String,
    stream: String,
    channels: [String; 2],
    local: Weak<dyn LocalNamespace>,
    inner: MemoryAdapter,
    driver: Arc<StreamsDriver>,
    store: OnceLock<SessionStoreConfig>,
    queue: mpsc::Sender<Job>,
    worker: Mutex<Option<mpsc::Receiver<Job>>>,
}

impl std::fmt::Debug for RedisStreamsAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStreamsAdapter")
            .field("nsp", &self.nsp)
            .field("uid", &self.uid)
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

/// A uid as `ClusterAdapter` makes them: 16 hex digits.
fn new_uid() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn rooms_value(rooms: &[Room]) -> Value {
    Value::Array(rooms.iter().map(|r| Value::from(r.as_str())).collect())
}

/// `opts` as Node's `encodeOptions` writes them: `flags` holds only what
/// was set (`volatile`, `compress: false`, `timeout`).
fn opts_value(opts: &BroadcastOptions) -> Value {
    let mut flags = Vec::new();
    if opts.flags.volatile {
        flags.push(("volatile".to_owned(), Value::Bool(true)));
    }
    if !opts.flags.compress {
        flags.push(("compress".to_owned(), Value::Bool(false)));
    }
    if let Some(t) = opts.flags.timeout {
        let ms = u64::try_from(t.as_millis()).unwrap_or(u64::MAX);
        flags.push(("timeout".to_owned(), Value::Number(ms.into())));
    }
    Value::Object(vec![
        ("rooms".into(), rooms_value(&opts.rooms)),
        ("except".into(), rooms_value(&opts.except)),
        ("flags".into(), Value::Object(flags)),
    ])
}

/// The `data` of a BROADCAST message (type 3) without ack.
fn broadcast_data(data: Vec<Value>, opts: &BroadcastOptions) -> Value {
    Value::Object(vec![
        (
            "packet".into(),
            Value::Object(vec![
                ("type".into(), Value::Number(2.into())),
                ("data".into(), Value::Array(data)),
            ]),
        ),
        ("opts".into(), opts_value(opts)),
    ])
}

impl RedisStreamsAdapter {
    pub(crate) fn new(
        nsp: &str,
        local: Weak<dyn LocalNamespace>,
        driver: Arc<StreamsDriver>,
    ) -> Arc<Self> {
        let uid = new_uid();
        let prefix = &driver.config.channel_prefix;
        let channels = [format!("{prefix}#{nsp}#"), format!("{prefix}#{nsp}#{uid}#")];
        let stream = driver.config.stream_for(nsp);
        let (queue, worker) = mpsc::channel(MAX_QUEUED);
        Arc::new_cyclic(|me| Self {
            me: me.clone(),
            nsp: nsp.to_owned(),
            uid,
            stream,
            channels,
            inner: MemoryAdapter::new(local.clone()),
            local,
            driver,
            store: OnceLock::new(),
            queue,
            worker: Mutex::new(Some(worker)),
        })
    }

    /// This adapter's uid (16 hex digits).
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The stream this namespace writes to.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    fn sink(&self) -> Weak<dyn StreamsSink> {
        self.me.clone()
    }

    /// Whether events get their entry id as last argument.
    fn recovery(&self) -> bool {
        self.store.get().is_some()
    }

    fn enqueue(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
        done: Option<oneshot::Sender<Result<BroadcastReport, AdapterError>>>,
    ) {
        let job = Job { packet, opts, done };
        if let Err(e) = self.queue.try_send(job) {
            let job = match e {
                mpsc::error::TrySendError::Full(job) | mpsc::error::TrySendError::Closed(job) => {
                    job
                }
            };
            // Delivered here at least; the cluster part failed.
            self.inner.broadcast_local(&job.packet, &job.opts);
            if let Some(done) = job.done {
                let _ = done.send(Err(AdapterError::Transport(
                    "too many broadcasts waiting for Redis".into(),
                )));
            }
        }
    }

    /// Writes a batch of broadcasts to the stream and delivers each here
    /// with its entry id.
    async fn run_batch(&self, jobs: Vec<Job>) {
        let datas: Vec<Option<Vec<Value>>> = jobs.iter().map(|j| decode_event(&j.packet)).collect();
        let entries: Vec<(u8, Option<Vec<u8>>)> = jobs
            .iter()
            .zip(&datas)
            .filter_map(|(job, data)| {
                let data = broadcast_data(data.clone()?, &job.opts);
                Some((
                    3,
                    Some(entry::encode_data(&data, self.driver.config.only_plaintext)),
                ))
            })
            .collect();
        let written = if entries.is_empty() {
            Ok(Vec::new())
        } else {
            self.driver
                .xadd(&self.stream, &self.uid, &self.nsp, &entries)
                .await
        };
        let (mut ids, failure) = match written {
            Ok(ids) => (ids.into_iter(), None),
            Err(e) => (Vec::new().into_iter(), Some(e)),
        };
        let local = self.local.upgrade();
        for (job, data) in jobs.into_iter().zip(datas) {
            let id = if data.is_some() { ids.next() } else { None };
            let mut packet = job.packet;
            if let (Some(id), Some(mut data), Some(local)) = (&id, data, local.as_ref())
                && self.recovery()
                && !job.opts.flags.volatile
                && let Some(Value::String(name)) = data.first().cloned()
            {
                data.remove(0);
                data.push(Value::String(id.clone()));
                match local.encoder().event(&self.nsp, &name, &data, None) {
                    Ok(p) => packet = p,
                    Err(e) => tracing::debug!("redis streams adapter: not encodable: {e}"),
                }
            }
            // Delivered here whatever happened to the cluster part.
            let report = self.inner.broadcast_local(&packet, &job.opts);
            if let Some(done) = job.done {
                let result = match (id, &failure) {
                    (Some(_), _) => Ok(report),
                    (None, Some(e)) => Err(e.clone()),
                    (None, None) => Err(AdapterError::Unsupported(
                        "only EVENT packets are broadcast to other servers",
                    )),
                };
                let _ = done.send(result);
            }
        }
    }

    /// A broadcast read from the stream (not with acks: those come over
    /// pub/sub).
    fn on_broadcast(&self, entry: &Entry) {
        let Some((mut data, opts)) = session::read_broadcast(entry) else {
            tracing::debug!(
                id = entry.id,
                "redis streams adapter: malformed broadcast skipped"
            );
            return;
        };
        let Some(local) = self.local.upgrade() else {
            return;
        };
        if self.recovery() && !opts.flags.volatile {
            data.push(Value::String(entry.id.clone()));
        }
        let Some(Value::String(name)) = data.first().cloned() else {
            return;
        };
        match local.encoder().event(&self.nsp, &name, &data[1..], None) {
            Ok(packet) => {
                self.inner.broadcast_local(&packet, &opts);
            }
            Err(e) => tracing::debug!("redis streams adapter: broadcast not encodable: {e}"),
        }
    }
}

impl StreamsSink for RedisStreamsAdapter {
    fn on_entry(&self, entry: Entry) {
        if entry.uid == self.uid || entry.nsp != self.nsp {
            return;
        }
        match entry.kind {
            3 => self.on_broadcast(&entry),
            4..=6 => {
                let Some(mut data) = entry.data.as_deref().and_then(entry::decode_data) else {
                    return;
                };
                let Some(opts) = session::read_opts(&data) else {
                    tracing::debug!(
                        id = entry.id,
                        "redis streams adapter: malformed entry skipped"
                    );
                    return;
                };
                let rooms = match data.get("rooms") {
                    Some(Value::Array(items)) => {
                        let rooms = wire::read_rooms(data.get("rooms"));
                        (rooms.len() == items.len()).then_some(rooms)
                    }
                    _ => None,
                };
                match entry.kind {
                    4 => self
                        .inner
                        .add_sockets_local(&opts, &rooms.unwrap_or_default()),
                    5 => self
                        .inner
                        .del_sockets_local(&opts, &rooms.unwrap_or_default()),
                    _ => {
                        let close =
                            matches!(wire::take(&mut data, "close"), Some(Value::Bool(true)));
                        self.inner.disconnect_sockets_local(&opts, close);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_message(&self, payload: &[u8]) {
        let _ = payload;
    }
}

/// Takes the broadcasts of the queue in order, a batch at a time, until the
/// adapter is gone.
async fn work(adapter: Weak<RedisStreamsAdapter>, mut queue: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut jobs, BATCH).await > 0 {
        let Some(adapter) = adapter.upgrade() else {
            return;
        };
        adapter.run_batch(std::mem::take(&mut jobs)).await;
    }
}

impl RedisStreamsAdapter {
    /// Publishes a durable message (join, leave, disconnect) to the stream.
    async fn publish_durable(&self, kind: u8, data: Value) -> Result<(), AdapterError> {
        let data = entry::encode_data(&data, self.driver.config.only_plaintext);
        self.driver
            .xadd(&self.stream, &self.uid, &self.nsp, &[(kind, Some(data))])
            .await
            .map(|_| ())
    }
}

impl Adapter for RedisStreamsAdapter {
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            if let Some(queue) = self.worker.lock().take() {
                tokio::spawn(work(self.me.clone(), queue));
            }
            self.driver
                .register(&self.nsp, &self.channels, self.sink())
                .await
        })
    }

    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.driver
            .unregister(&self.nsp, &self.channels, &self.sink());
        Box::pin(std::future::ready(Ok(())))
    }

    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(async move {
            self.driver
                .numsub(&self.channels[0])
                .await
                .map(|n| n.max(1))
        })
    }

    fn enable_session_store(&self, config: SessionStoreConfig) {
        let _ = self.store.set(config);
    }

    fn assigns_offsets(&self) -> bool {
        true
    }

    fn broadcast_detached(&self, packet: Encoded, opts: BroadcastOptions) {
        if opts.flags.local {
            self.inner.broadcast_local(&packet, &opts);
        } else {
            self.enqueue(packet, opts, None);
        }
    }

    fn persist_session(&self, session: Session) {
        let Some(store) = self.store.get() else {
            return;
        };
        let key = format!("{}{}", self.driver.config.session_key_prefix, session.pid);
        let value = session::encode(&session);
        let driver = self.driver.clone();
        let ttl = store.max_disconnection_duration;
        tokio::spawn(async move {
            if let Err(e) = driver.set_px(&key, value, ttl).await {
                tracing::debug!("redis streams adapter: session not persisted: {e}");
            }
        });
    }

    fn restore_session(
        &self,
        pid: &str,
        offset: &str,
    ) -> BoxFuture<'_, Result<Option<RestoredSession>, AdapterError>> {
        let (pid, offset) = (pid.to_owned(), offset.to_owned());
        Box::pin(async move {
            if self.store.get().is_none() {
                return Ok(None);
            }
            let Some(local) = self.local.upgrade() else {
                return Ok(None);
            };
            let found =
                session::restore(&self.driver, &self.stream, &self.nsp, &pid, &offset).await?;
            let Some((session, missed)) = found else {
                return Ok(None);
            };
            let encoder = local.encoder();
            let mut packets = Vec::with_capacity(missed.len());
            for data in missed {
                let Some(Value::String(name)) = data.first() else {
                    continue;
                };
                match encoder.event(&self.nsp, name, &data[1..], None) {
                    Ok(packet) => packets.push(packet),
                    // A packet left out is no recovery: a fresh session.
                    Err(_) => return Ok(None),
                }
            }
            Ok(Some(RestoredSession {
                session,
                missed: packets,
            }))
        })
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

    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<BroadcastReport, AdapterError>> {
        if opts.flags.local {
            let report = self.inner.broadcast_local(&packet, &opts);
            return Box::pin(std::future::ready(Ok(report)));
        }
        // Queued now, so that broadcasts keep the order of the calls.
        let (done, result) = oneshot::channel();
        self.enqueue(packet, opts, Some(done));
        Box::pin(async move { result.await.map_err(|_| AdapterError::Closed)? })
    }

    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
        sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.inner.broadcast_with_ack(packet, ack_id, opts, sink)
    }

    fn sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketId>, AdapterError>> {
        self.inner.sockets(opts)
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketInfo>, AdapterError>> {
        self.inner.fetch_sockets(opts)
    }

    fn rooms(&self, opts: BroadcastOptions) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>> {
        self.inner.rooms(opts)
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let published = if opts.flags.local {
                Ok(())
            } else {
                let data = Value::Object(vec![
                    ("opts".into(), opts_value(&opts)),
                    ("rooms".into(), rooms_value(&rooms)),
                ]);
                self.publish_durable(4, data).await
            };
            self.inner.add_sockets_local(&opts, &rooms);
            published
        })
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let published = if opts.flags.local {
                Ok(())
            } else {
                let data = Value::Object(vec![
                    ("opts".into(), opts_value(&opts)),
                    ("rooms".into(), rooms_value(&rooms)),
                ]);
                self.publish_durable(5, data).await
            };
            self.inner.del_sockets_local(&opts, &rooms);
            published
        })
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let published = if opts.flags.local {
                Ok(())
            } else {
                let data = Value::Object(vec![
                    ("opts".into(), opts_value(&opts)),
                    ("close".into(), Value::Bool(close)),
                ]);
                self.publish_durable(6, data).await
            };
            self.inner.disconnect_sockets_local(&opts, close);
            published
        })
    }

    fn server_side_emit(&self, args: Vec<Value>) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.inner.server_side_emit(args)
    }

    fn server_side_emit_with_ack(
        &self,
        args: Vec<Value>,
        timeout: std::time::Duration,
        sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.inner.server_side_emit_with_ack(args, timeout, sink)
    }
}
