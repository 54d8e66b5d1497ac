//! Server-side events (`server_side_emit`) between servers of one cluster:
//! the per-event handlers (`on_server_side`, on the builder, the handle
//! and a namespace), the catch-all, answers collected with a timeout, and
//! that a server never receives its own event. The cluster is a test
//! adapter linking servers in this process; everything else it does is the
//! in-memory adapter's.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use sio::{SocketIo, Value};
use sio_adapter::{
    AckSink, Adapter, AdapterError, AdapterFactory, BoxFuture, BroadcastOptions, BroadcastReport,
    LocalNamespace, MemoryAdapter, Room, SocketId, SocketInfo,
};
use sio_parser::Encoded;

/// The namespaces of the servers of the cluster, by name.
type Members = HashMap<String, Vec<Weak<dyn LocalNamespace>>>;

/// The servers of the cluster, as their adapters see them.
#[derive(Default, Clone)]
struct Cluster(Arc<Mutex<Members>>);

struct Linked {
    cluster: Cluster,
    ns: String,
    me: Weak<dyn LocalNamespace>,
    memory: MemoryAdapter,
}

impl Linked {
    fn others(&self) -> Vec<Arc<dyn LocalNamespace>> {
        let map = self.cluster.0.lock();
        map.get(&self.ns)
            .into_iter()
            .flatten()
            .filter(|w| !w.ptr_eq(&self.me))
            .filter_map(Weak::upgrade)
            .collect()
    }
}

impl AdapterFactory for Cluster {
    fn create(&self, ns: sio_engine::Str, local: Weak<dyn LocalNamespace>) -> Arc<dyn Adapter> {
        let name = ns.to_string();
        self.0
            .lock()
            .entry(name.clone())
            .or_default()
            .push(local.clone());
        Arc::new(Linked {
            cluster: self.clone(),
            ns: name,
            me: local.clone(),
            memory: MemoryAdapter::new(local),
        })
    }
}

impl Adapter for Linked {
    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        let n = self.others().len() + 1;
        Box::pin(async move { Ok(n) })
    }
    fn add_all(&self, sid: &SocketId, rooms: &[Room]) {
        self.memory.add_all(sid, rooms);
    }
    fn del(&self, sid: &SocketId, room: &Room) {
        self.memory.del(sid, room);
    }
    fn del_all(&self, sid: &SocketId) {
        self.memory.del_all(sid);
    }
    fn socket_rooms(&self, sid: &SocketId) -> Vec<Room> {
        self.memory.socket_rooms(sid)
    }
    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<BroadcastReport, AdapterError>> {
        self.memory.broadcast(packet, opts)
    }
    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
        sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.memory.broadcast_with_ack(packet, ack_id, opts, sink)
    }
    fn sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketId>, AdapterError>> {
        self.memory.sockets(opts)
    }
    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketInfo>, AdapterError>> {
        self.memory.fetch_sockets(opts)
    }
    fn rooms(&self, opts: BroadcastOptions) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>> {
        self.memory.rooms(opts)
    }
    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.memory.add_sockets(opts, rooms)
    }
    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.memory.del_sockets(opts, rooms)
    }
    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.memory.disconnect_sockets(opts, close)
    }
    fn server_side_emit(&self, args: Vec<Value>) -> BoxFuture<'_, Result<(), AdapterError>> {
        for other in self.others() {
            other.server_side_event(args.clone(), None);
        }
        Box::pin(async { Ok(()) })
    }
    fn server_side_emit_with_ack(
        &self,
        args: Vec<Value>,
        _timeout: Duration,
        sink: AckSink,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        for other in self.others() {
            sink.client_count(1);
            other.server_side_event(args.clone(), Some(sink.clone()));
        }
        Box::pin(async { Ok(()) })
    }
}

type Log = Arc<Mutex<Vec<String>>>;

/// A server of `cluster` named `name` whose handlers write to `log`.
fn node(cluster: &Cluster, name: &'static str, log: &Log) -> SocketIo {
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    SocketIo::builder()
        .adapter(cluster.clone())
        .ns("/", |_: sio::SocketRef| async {})
        .ns("/admin", |_: sio::SocketRef| async {})
        .on_server_side("whoami", move |args| {
            l1.lock().push(format!("{name}:whoami:{}", args.len()));
            async move { vec![Value::from(name)] }
        })
        .on_server_side("whoami", move |_| {
            l2.lock().push(format!("{name}:whoami-again"));
            async { vec![Value::from("ignored: not the first handler")] }
        })
        .on_server_event(move |args| {
            let event = args
                .first()
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned();
            l3.lock().push(format!("{name}:any:{event}"));
            async { Vec::new() }
        })
        .build()
}

fn sorted(log: &Log) -> Vec<String> {
    let mut v = log.lock().clone();
    v.sort();
    v
}

#[tokio::test]
async fn the_other_servers_handle_a_server_side_event_and_answer_it() {
    let cluster = Cluster::default();
    let log = Log::default();
    let a = node(&cluster, "a", &log);
    let _b = node(&cluster, "b", &log);
    let _c = node(&cluster, "c", &log);

    let collected = a
        .server_side_emit_with_ack(
            vec![Value::from("whoami"), Value::from(1)],
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert!(collected.complete);
    let mut names: Vec<&str> = collected
        .responses
        .iter()
        .filter_map(|r| r.args.first().and_then(Value::as_str))
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["b", "c"],
        "one answer per other server, the first handler's"
    );
    assert_eq!(
        sorted(&log),
        [
            "b:whoami-again",
            "b:whoami:1",
            "c:whoami-again",
            "c:whoami:1"
        ],
        "the emitting server's own handlers do not run"
    );

    log.lock().clear();
    a.server_side_emit(vec![Value::from("other"), Value::from(2)])
        .await
        .unwrap();
    tokio::task::yield_now().await;
    assert_eq!(sorted(&log), ["b:any:other", "c:any:other"]);
}

#[tokio::test]
async fn handlers_added_at_run_time_belong_to_their_namespace() {
    let cluster = Cluster::default();
    let log = Log::default();
    let a = node(&cluster, "a", &log);
    let b = node(&cluster, "b", &log);
    let seen = log.clone();
    b.of("/admin")
        .unwrap()
        .on_server_side("stats", move |args: Vec<Value>| {
            seen.lock().push(format!("b:/admin:stats:{}", args.len()));
            async { vec![Value::from(42)] }
        });
    let seen = log.clone();
    b.on_server_side("stats", move |_| {
        seen.lock().push("b:/:stats".into());
        async { vec![Value::from(1)] }
    });

    let admin = a.of("/admin").unwrap();
    let collected = admin
        .server_side_emit_with_ack(
            vec![Value::from("stats"), Value::from("x")],
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(collected.responses.len(), 1);
    assert_eq!(collected.responses[0].args, vec![Value::from(42)]);
    assert_eq!(sorted(&log), ["b:/admin:stats:1"]);
}

#[tokio::test(start_paused = true)]
async fn answers_are_collected_until_the_timeout() {
    let cluster = Cluster::default();
    let log = Log::default();
    let a = node(&cluster, "a", &log);
    let b = node(&cluster, "b", &log);
    let _c = node(&cluster, "c", &log);
    b.on_server_side("slow", |_| async {
        tokio::time::sleep(Duration::from_secs(60)).await;
        vec![Value::from("late")]
    });
    // c has no "slow" handler: its catch-all answers with no arguments.
    let collected = a
        .server_side_emit_with_ack(vec![Value::from("slow")], Duration::from_secs(1))
        .await
        .unwrap();
    assert!(!collected.complete, "b did not answer within the timeout");
    assert_eq!(collected.responses.len(), 1);
    assert!(collected.responses[0].args.is_empty());
}

mod typed {
    //! The same through `sio::typed`: server-side events declared in a
    //! namespace's `server_side = [..]` map, emitted and handled as types.

    use serde::{Deserialize, Serialize};
    use sio::typed::{Event, Namespace};

    use super::*;

    /// Asks the other servers how many sockets they hold.
    #[derive(Debug, Event, Serialize, Deserialize)]
    #[event("count?", ack = u32)]
    struct Count {
        room: String,
    }

    /// Tells the other servers something happened.
    #[derive(Debug, Event, Serialize, Deserialize)]
    #[event("flush", args)]
    struct Flush(String, u8);

    #[derive(Namespace)]
    #[namespace(path = "/admin", server_side = [Count, Flush])]
    struct Admin;

    #[tokio::test]
    async fn typed_server_side_events_are_handled_and_answered_by_the_other_servers() {
        let cluster = Cluster::default();
        let log = Log::default();
        let a = node(&cluster, "a", &log);
        let b = node(&cluster, "b", &log);
        let seen = log.clone();
        b.typed(Admin)
            .unwrap()
            .on_server_side_with_ack(move |count: Count| {
                seen.lock().push(format!("b:count:{}", count.room));
                async { 7 }
            });
        let seen = log.clone();
        b.typed(Admin)
            .unwrap()
            .on_server_side(move |Flush(what, n)| {
                seen.lock().push(format!("b:flush:{what}:{n}"));
                async {}
            });

        let admin = a.typed(Admin).unwrap();
        let answers = admin
            .server_side_emit_with_ack(&Count { room: "r".into() }, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(
            answers.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
            [7]
        );
        admin
            .server_side_emit(&Flush("cache".into(), 2))
            .await
            .unwrap();
        tokio::task::yield_now().await;
        assert_eq!(sorted(&log), ["b:count:r", "b:flush:cache:2"]);
    }
}
