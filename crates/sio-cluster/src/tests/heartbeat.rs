//! The heartbeat layer under a paused clock: servers on an in-process wire
//! count each other from INITIAL_HEARTBEAT, send heartbeats when idle,
//! forget a server that falls silent (and stop waiting for it) or closes.

use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use sio_adapter::{
    AckSink, Adapter, AdapterError, BoxFuture, BroadcastFlags, BroadcastOptions, DeliveryError,
    LocalNamespace, SocketId, SocketInfo,
};
use sio_parser::{Encoded, Value};

use crate::{
    ClusterAdapter, ClusterConfig, ClusterMessage, Heartbeat, HeartbeatConfig, MessageType,
    Transport,
};

/// Every server's adapter and transport; `silent` servers' messages are
/// lost.
#[derive(Default)]
struct Wire {
    servers: Mutex<Vec<(Weak<ClusterAdapter>, Arc<HbTransport>)>>,
    published: Mutex<Vec<(String, MessageType)>>,
    silent: Mutex<HashSet<String>>,
}

struct HbTransport {
    wire: Weak<Wire>,
    heartbeat: Heartbeat,
}

impl Transport for HbTransport {
    fn subscribe(&self, adapter: &Arc<ClusterAdapter>) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.heartbeat.start(adapter);
        Box::pin(std::future::ready(Ok(())))
    }

    fn unsubscribe(&self, adapter: &ClusterAdapter) -> BoxFuture<'_, ()> {
        let close = self.heartbeat.stop(adapter);
        Box::pin(async move {
            if let Some(close) = close {
                let _ = self.publish(close).await;
            }
        })
    }

    fn publish(
        &self,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<Option<String>, AdapterError>> {
        self.heartbeat.published(&message.nsp);
        if let Some(wire) = self.wire.upgrade() {
            wire.published
                .lock()
                .push((message.uid.clone(), message.kind));
            if !wire.silent.lock().contains(&message.uid) {
                let servers = wire.servers.lock().clone();
                for (adapter, transport) in servers {
                    if let Some(adapter) = adapter.upgrade()
                        && transport.heartbeat.on_message(&adapter, &message)
                    {
                        adapter.on_message(message.clone(), None);
                    }
                }
            }
        }
        Box::pin(std::future::ready(Ok(None)))
    }

    fn publish_response(
        &self,
        _: String,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        let published = self.publish(message);
        Box::pin(async move { published.await.map(drop) })
    }

    fn server_count(&self, nsp: &str) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(std::future::ready(Ok(self.heartbeat.server_count(nsp))))
    }

    fn nodes(&self, nsp: &str) -> Option<HashSet<String>> {
        Some(self.heartbeat.nodes(nsp))
    }
}

/// A namespace with no sockets.
struct Empty;

impl LocalNamespace for Empty {
    fn name(&self) -> &str {
        "/"
    }
    fn send(&self, _: &SocketId, _: &Encoded, _: &BroadcastFlags) -> Result<(), DeliveryError> {
        Ok(())
    }
    fn send_with_ack(
        &self,
        _: &SocketId,
        _: &Encoded,
        _: u64,
        _: &AckSink,
    ) -> Result<(), DeliveryError> {
        Ok(())
    }
    fn socket_info(&self, _: &SocketId) -> Option<SocketInfo> {
        None
    }
    fn disconnect(&self, _: &SocketId, _: bool) {}
    fn server_side_event(&self, _: Vec<Value>, _: Option<AckSink>) {}
}

struct Server {
    adapter: Arc<ClusterAdapter>,
    transport: Arc<HbTransport>,
    _local: Arc<dyn LocalNamespace>,
}

async fn server(wire: &Arc<Wire>) -> Server {
    let config = HeartbeatConfig::new()
        .interval(Duration::from_secs(5))
        .timeout(Duration::from_secs(10));
    let transport = Arc::new(HbTransport {
        wire: Arc::downgrade(wire),
        heartbeat: Heartbeat::new(config),
    });
    let local: Arc<dyn LocalNamespace> = Arc::new(Empty);
    let adapter = ClusterAdapter::new(
        "/",
        Arc::downgrade(&local),
        transport.clone(),
        ClusterConfig::new().requests_timeout(Duration::from_secs(60)),
    );
    wire.servers
        .lock()
        .push((Arc::downgrade(&adapter), transport.clone()));
    adapter.init().await.unwrap();
    settle().await;
    Server {
        adapter,
        transport,
        _local: local,
    }
}

/// Lets the spawned publishes run.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

fn count(server: &Server) -> usize {
    server.transport.heartbeat.server_count("/")
}

#[tokio::test(start_paused = true)]
async fn servers_count_each_other_and_forget_the_silent_and_the_closed() {
    let wire = Arc::new(Wire::default());
    let a = server(&wire).await;
    let b = server(&wire).await;
    // b's INITIAL_HEARTBEAT made a count b, and a's answer made b count a.
    assert_eq!((count(&a), count(&b)), (2, 2));
    assert_eq!(
        wire.published
            .lock()
            .iter()
            .map(|(_, k)| *k)
            .collect::<Vec<_>>(),
        [
            MessageType::InitialHeartbeat,
            MessageType::InitialHeartbeat,
            MessageType::Heartbeat
        ]
    );

    // Idle servers heartbeat every interval, so they stay counted.
    tokio::time::sleep(Duration::from_secs(30)).await;
    settle().await;
    assert_eq!((count(&a), count(&b)), (2, 2));
    let heartbeats = wire
        .published
        .lock()
        .iter()
        .filter(|(uid, k)| uid == a.adapter.uid() && *k == MessageType::Heartbeat)
        .count();
    assert!(
        (5..=7).contains(&heartbeats),
        "{heartbeats} heartbeats from a"
    );

    // b falls silent while a waits for its answer: after the heartbeat
    // timeout a forgets b and the request ends with what came (a's own
    // sockets: none), long before its 60 s timeout.
    wire.silent.lock().insert(b.adapter.uid().to_owned());
    let adapter = a.adapter.clone();
    let fetch =
        tokio::spawn(async move { adapter.fetch_sockets(BroadcastOptions::default()).await });
    settle().await;
    assert!(!fetch.is_finished());
    tokio::time::sleep(Duration::from_secs(12)).await;
    settle().await;
    assert_eq!(count(&a), 1);
    assert!(fetch.is_finished());
    assert_eq!(fetch.await.unwrap().unwrap(), Vec::<SocketInfo>::new());

    // A server that closes is forgotten at once.
    let c = server(&wire).await;
    assert_eq!(count(&a), 2);
    c.adapter.close().await.unwrap();
    settle().await;
    assert_eq!(count(&a), 1);
}
