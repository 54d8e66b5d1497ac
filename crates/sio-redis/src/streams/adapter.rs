//! [`RedisStreamsAdapter`]: the adapter of one namespace on the Redis
//! Streams transport: sio-cluster's [`ClusterAdapter`] for everything but
//! broadcasts and sessions. Broadcasts are written to the stream in the
//! order they are made (one task per namespace, `XADD`s pipelined), and
//! each is delivered here once Redis gave its entry id, which becomes the
//! recovery offset of the event, here and on every server that reads it.

use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use sio_adapter::{
    AckSink, Adapter, AdapterError, BoxFuture, BroadcastOptions, BroadcastReport, LocalNamespace,
    RestoredSession, Room, Session, SessionStoreConfig, SocketId, SocketInfo,
};
use sio_cluster::message::data;
use sio_cluster::{ClusterAdapter, ClusterMessage, MessageType, event_data};
use sio_parser::{Encoded, Value};
use tokio::sync::{mpsc, oneshot};

use super::driver::StreamsDriver;
use super::session;
use super::transport::entry_data;

/// Most broadcasts of one namespace waiting for their `XADD`; past it a
/// broadcast is delivered here only and fails (Redis is down or far too
/// slow).
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
/// [`RedisStreamsAdapterFactory`](super::RedisStreamsAdapterFactory)):
/// sio-cluster's [`ClusterAdapter`] on the streams transport, plus what
/// Node's `ClusterAdapter` does for a store with offsets (broadcasts get
/// the entry id `XADD` returned as their offset here too, in the order
/// they were made) and the sessions in Redis.
pub struct RedisStreamsAdapter {
    me: Weak<RedisStreamsAdapter>,
    cluster: Arc<ClusterAdapter>,
    stream: String,
    local: Weak<dyn LocalNamespace>,
    driver: Arc<StreamsDriver>,
    store: OnceLock<SessionStoreConfig>,
    queue: mpsc::Sender<Job>,
    worker: Mutex<Option<mpsc::Receiver<Job>>>,
}

impl std::fmt::Debug for RedisStreamsAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStreamsAdapter")
            .field("nsp", &self.cluster.nsp())
            .field("uid", &self.cluster.uid())
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl RedisStreamsAdapter {
    pub(crate) fn new(
        cluster: Arc<ClusterAdapter>,
        local: Weak<dyn LocalNamespace>,
        driver: Arc<StreamsDriver>,
    ) -> Arc<Self> {
        let stream = driver.config.stream_for(cluster.nsp());
        let (queue, worker) = mpsc::channel(MAX_QUEUED);
        Arc::new_cyclic(|me| Self {
            me: me.clone(),
            cluster,
            stream,
            local,
            driver,
            store: OnceLock::new(),
            queue,
            worker: Mutex::new(Some(worker)),
        })
    }

    /// This adapter's uid (16 hex digits).
    pub fn uid(&self) -> &str {
        self.cluster.uid()
    }

    /// The stream this namespace writes to.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// Whether events get their entry id as last argument.
    fn recovery(&self) -> bool {
        self.store.get().is_some()
    }

    /// Delivers to this server's sockets only.
    fn deliver_local(&self, packet: Encoded, mut opts: BroadcastOptions) -> BroadcastReport {
        opts.flags.local = true;
        // A local broadcast of the cluster adapter is done at once.
        let report = self.cluster.broadcast(packet, opts);
        futures_util::FutureExt::now_or_never(report)
            .and_then(Result::ok)
            .unwrap_or_default()
    }

    /// Starts the task that writes the queue to the stream (once, inside a
    /// runtime): at `init`, or at the first broadcast if that comes first.
    fn start_worker(&self) {
        let mut worker = self.worker.lock();
        if worker.is_some()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
            && let Some(queue) = worker.take()
        {
            runtime.spawn(work(self.me.clone(), queue));
        }
    }

    fn enqueue(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
        done: Option<oneshot::Sender<Result<BroadcastReport, AdapterError>>>,
    ) {
        self.start_worker();
        let job = Job { packet, opts, done };
        if let Err(e) = self.queue.try_send(job) {
            let job = match e {
                mpsc::error::TrySendError::Full(job) | mpsc::error::TrySendError::Closed(job) => {
                    job
                }
            };
            // Delivered here at least; the cluster part failed.
            self.deliver_local(job.packet, job.opts);
            if let Some(done) = job.done {
                let _ = done.send(Err(AdapterError::Transport(
                    "too many broadcasts waiting for Redis".into(),
                )));
            }
        }
    }

    /// Writes a batch of broadcasts to the stream (one pipeline) and
    /// delivers each here, with its entry id when recovery is on.
    async fn run_batch(&self, jobs: Vec<Job>) {
        let events: Vec<Option<Vec<Value>>> =
            jobs.iter().map(|j| event_data(&j.packet).ok()).collect();
        let only_plaintext = self.driver.config.only_plaintext;
        let entries: Vec<(u8, Option<Vec<u8>>)> = jobs
            .iter()
            .zip(&events)
            .filter_map(|(job, event)| {
                let message = ClusterMessage::new(
                    MessageType::Broadcast,
                    Some(data::broadcast(event.clone()?, &job.opts, None)),
                    self.cluster.uid(),
                    self.cluster.nsp(),
                );
                Some((
                    MessageType::Broadcast.code(),
                    entry_data(&message, only_plaintext),
                ))
            })
            .collect();
        let written = if entries.is_empty() {
            Ok(Vec::new())
        } else {
            let (uid, nsp) = (self.cluster.uid(), self.cluster.nsp());
            self.driver.xadd(&self.stream, uid, nsp, &entries).await
        };
        let (mut ids, failure) = match written {
            Ok(ids) => (ids.into_iter(), None),
            Err(e) => (Vec::new().into_iter(), Some(e)),
        };
        let local = self.local.upgrade();
        for (job, event) in jobs.into_iter().zip(events) {
            let id = if event.is_some() { ids.next() } else { None };
            let mut packet = job.packet;
            if let (Some(id), Some(mut event), Some(local)) = (&id, event, local.as_ref())
                && self.recovery()
                && !job.opts.flags.volatile
                && let Some(Value::String(name)) = event.first().cloned()
            {
                event.remove(0);
                event.push(Value::String(id.clone()));
                match local
                    .encoder()
                    .event(self.cluster.nsp(), &name, &event, None)
                {
                    Ok(p) => packet = p,
                    Err(e) => tracing::debug!("redis streams adapter: not encodable: {e}"),
                }
            }
            // Delivered here whatever happened to the cluster part.
            let report = self.deliver_local(packet, job.opts);
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

impl Adapter for RedisStreamsAdapter {
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.start_worker();
        self.cluster.init()
    }

    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.cluster.close()
    }

    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        self.cluster.server_count()
    }

    fn enable_session_store(&self, config: SessionStoreConfig) {
        let _ = self.store.set(config);
        // Received events get their entry id.
        self.cluster.enable_session_store(config);
    }

    fn assigns_offsets(&self) -> bool {
        true
    }

    fn broadcast_detached(&self, packet: Encoded, opts: BroadcastOptions) {
        if opts.flags.local {
            self.deliver_local(packet, opts);
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
            let nsp = self.cluster.nsp();
            let found = session::restore(&self.driver, &self.stream, nsp, &pid, &offset).await?;
            let Some((session, missed)) = found else {
                return Ok(None);
            };
            let encoder = local.encoder();
            let mut packets = Vec::with_capacity(missed.len());
            for event in missed {
                let Some(Value::String(name)) = event.first() else {
                    continue;
                };
                match encoder.event(nsp, name, &event[1..], None) {
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
        self.cluster.add_all(sid, rooms);
    }

    fn del(&self, sid: &SocketId, room: &Room) {
        self.cluster.del(sid, room);
    }

    fn del_all(&self, sid: &SocketId) {
        self.cluster.del_all(sid);
    }

    fn socket_rooms(&self, sid: &SocketId) -> Vec<Room> {
        self.cluster.socket_rooms(sid)
    }

    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<BroadcastReport, AdapterError>> {
        if opts.flags.local {
            return self.cluster.broadcast(packet, opts);
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
        self.cluster.broadcast_with_ack(packet, ack_id, opts, sink)
    }

    fn sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketId>, AdapterError>> {
        self.cluster.sockets(opts)
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketInfo>, AdapterError>> {
        self.cluster.fetch_sockets(opts)
    }

    fn rooms(&self, opts: BroadcastOptions) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>> {
        self.cluster.rooms(opts)
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.cluster.add_sockets(opts, rooms)
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.cluster.del_sockets(opts, rooms)
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.cluster.disconnect_sockets(opts, close)
    }

    fn server_side_emit(&self, args: Vec<Value>) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.cluster.server_side_emit(args)
    }

    fn server_side_emit_with_ack(
        &self,
        args: Vec<Value>,
        timeout: Duration,
        sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.cluster.server_side_emit_with_ack(args, timeout, sink)
    }
}
