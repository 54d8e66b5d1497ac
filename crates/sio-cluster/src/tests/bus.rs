//! An in-process [`Transport`] (every adapter of every "server" on one
//! bus, messages encoded and decoded by the codec as a store would carry
//! them) and a fake namespace that records what it is asked to do.

use std::collections::HashSet;
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use sio_adapter::{
    AckResponse, AckSink, Adapter, AdapterError, BoxFuture, BroadcastFlags, DeliveryError,
    LocalNamespace, Room, SocketId, SocketInfo,
};
use sio_parser::{Encoded, Value};

use crate::{ClusterAdapter, ClusterConfig, ClusterMessage, Codec, Transport};

/// The bus: the adapters subscribed, what was published, and the uids
/// that are "frozen" (receive nothing).
#[derive(Default)]
pub(crate) struct Bus {
    adapters: Mutex<Vec<Weak<ClusterAdapter>>>,
    pub(crate) published: Mutex<Vec<Vec<u8>>>,
    pub(crate) frozen: Mutex<HashSet<String>>,
    pub(crate) rooms: Mutex<Vec<String>>,
    pub(crate) down: Mutex<bool>,
}

impl Bus {
    fn live(&self) -> Vec<Arc<ClusterAdapter>> {
        self.adapters
            .lock()
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }
}

/// One server's view of the bus.
pub(crate) struct BusTransport {
    pub(crate) bus: Arc<Bus>,
    pub(crate) codec: Codec,
}

impl BusTransport {
    fn deliver(&self, bytes: &[u8], to: impl Fn(&ClusterAdapter) -> bool, response: bool) {
        let frozen = self.bus.frozen.lock().clone();
        for adapter in self.bus.live() {
            if to(&adapter) && !frozen.contains(adapter.uid()) {
                adapter.on_bytes(bytes, response);
            }
        }
    }

    fn check(&self) -> Result<(), AdapterError> {
        if *self.bus.down.lock() {
            return Err(AdapterError::Transport("bus down".into()));
        }
        Ok(())
    }
}

impl Transport for BusTransport {
    fn subscribe(&self, adapter: &Arc<ClusterAdapter>) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.bus.adapters.lock().push(Arc::downgrade(adapter));
        Box::pin(std::future::ready(Ok(())))
    }

    fn unsubscribe(&self, adapter: &ClusterAdapter) -> BoxFuture<'_, ()> {
        let uid = adapter.uid().to_owned();
        self.bus
            .adapters
            .lock()
            .retain(|a| a.upgrade().is_some_and(|a| a.uid() != uid));
        Box::pin(std::future::ready(()))
    }

    fn publish(
        &self,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<Option<String>, AdapterError>> {
        Box::pin(async move {
            self.check()?;
            let bytes = self.codec.encode(&message);
            self.bus.published.lock().push(bytes.clone());
            let nsp = message.nsp.clone();
            self.deliver(&bytes, |a| a.nsp() == nsp, false);
            Ok(None)
        })
    }

    fn publish_response(
        &self,
        requester_uid: String,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.check()?;
            let bytes = self.codec.encode(&message);
            self.bus.published.lock().push(bytes.clone());
            self.deliver(&bytes, |a| a.uid() == requester_uid, true);
            Ok(())
        })
    }

    fn server_count(&self, nsp: &str) -> BoxFuture<'_, Result<usize, AdapterError>> {
        let n = self.bus.live().iter().filter(|a| a.nsp() == nsp).count();
        Box::pin(std::future::ready(self.check().map(|()| n)))
    }

    fn room_created(&self, adapter: &ClusterAdapter, room: &Room, private: bool) {
        let kind = if private { "private" } else { "public" };
        let entry = format!("{} +{room} {kind}", &adapter.uid()[..4]);
        self.bus.rooms.lock().push(entry);
    }

    fn room_deleted(&self, adapter: &ClusterAdapter, room: &Room, private: bool) {
        let kind = if private { "private" } else { "public" };
        let entry = format!("{} -{room} {kind}", &adapter.uid()[..4]);
        self.bus.rooms.lock().push(entry);
    }
}

/// A namespace whose sockets record what they get; acks are answered at
/// once with the socket id, server-side events with `answer`.
#[derive(Default)]
pub(crate) struct FakeNamespace {
    pub(crate) sent: Mutex<Vec<(SocketId, String)>>,
    pub(crate) disconnected: Mutex<Vec<(SocketId, bool)>>,
    pub(crate) server_side: Mutex<Vec<Vec<Value>>>,
    pub(crate) answer: Mutex<Option<Value>>,
}

fn text(packet: &Encoded) -> String {
    packet.text().unwrap_or("<binary>").to_owned()
}

impl LocalNamespace for FakeNamespace {
    fn name(&self) -> &str {
        "/"
    }

    fn send(
        &self,
        sid: &SocketId,
        packet: &Encoded,
        _: &BroadcastFlags,
    ) -> Result<(), DeliveryError> {
        self.sent.lock().push((sid.clone(), text(packet)));
        Ok(())
    }

    fn send_with_ack(
        &self,
        sid: &SocketId,
        packet: &Encoded,
        _ack_id: u64,
        sink: &AckSink,
    ) -> Result<(), DeliveryError> {
        self.sent.lock().push((sid.clone(), text(packet)));
        sink.ack(AckResponse {
            socket: Some(sid.clone()),
            args: vec![Value::from(format!("ack-from-{sid}"))],
        });
        Ok(())
    }

    fn socket_info(&self, sid: &SocketId) -> Option<SocketInfo> {
        Some(SocketInfo {
            id: sid.clone(),
            handshake: serde_json::json!({ "url": "/socket.io/" }),
            rooms: vec![Room::from(sid)],
            data: serde_json::json!({ "user": sid.as_str() }),
        })
    }

    fn disconnect(&self, sid: &SocketId, close: bool) {
        self.disconnected.lock().push((sid.clone(), close));
    }

    fn server_side_event(&self, args: Vec<Value>, ack: Option<AckSink>) {
        self.server_side.lock().push(args);
        if let (Some(ack), Some(answer)) = (ack, self.answer.lock().clone()) {
            ack.ack(AckResponse {
                socket: None,
                args: vec![answer],
            });
        }
    }
}

/// One server: its namespace `/` and adapter on the bus.
pub(crate) struct Server {
    pub(crate) ns: Arc<FakeNamespace>,
    pub(crate) adapter: Arc<ClusterAdapter>,
    _local: Arc<dyn LocalNamespace>,
}

impl Server {
    pub(crate) async fn new(bus: &Arc<Bus>, config: ClusterConfig) -> Self {
        let ns = Arc::new(FakeNamespace::default());
        let local: Arc<dyn LocalNamespace> = ns.clone();
        let transport = Arc::new(BusTransport {
            bus: bus.clone(),
            codec: config.codec,
        });
        let adapter = ClusterAdapter::new("/", Arc::downgrade(&local), transport, config);
        adapter.init().await.unwrap();
        Self {
            ns,
            adapter,
            _local: local,
        }
    }

    /// Connects socket `id` in `rooms`.
    pub(crate) fn connect(&self, id: &str, rooms: &[&str]) -> SocketId {
        let sid = SocketId::from(id);
        self.adapter.add_all(&sid, &[Room::from(&sid)]);
        let rooms: Vec<Room> = rooms.iter().map(|r| Room::from(*r)).collect();
        self.adapter.add_all(&sid, &rooms);
        sid
    }

    /// The ids that got a packet, sorted, and forgets them.
    pub(crate) fn take_sent(&self) -> Vec<(String, String)> {
        let mut sent: Vec<(String, String)> = std::mem::take(&mut *self.ns.sent.lock())
            .into_iter()
            .map(|(sid, p)| (sid.to_string(), p))
            .collect();
        sent.sort();
        sent
    }
}
