//! A fake [`LocalNamespace`] recording deliveries, and helpers to build an
//! adapter on it.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock, Weak};

use parking_lot::Mutex;
use sio_parser::{Encoded, Encoder, Value};

use crate::{
    AckSink, Adapter, BroadcastFlags, DeliveryError, LocalNamespace, MemoryAdapter, Room, SocketId,
    SocketInfo,
};

/// One `send_with_ack` call.
pub(super) struct AckSend {
    pub(super) sid: SocketId,
    pub(super) packet: Encoded,
    pub(super) ack_id: u64,
    pub(super) sink: AckSink,
}

/// Records every call; sockets can be made full or closed.
#[derive(Default)]
pub(super) struct FakeNamespace {
    pub(super) full: Mutex<HashSet<SocketId>>,
    pub(super) closed: Mutex<HashSet<SocketId>>,
    pub(super) sent: Mutex<Vec<(SocketId, Encoded, BroadcastFlags)>>,
    pub(super) ack_sent: Mutex<Vec<AckSend>>,
    pub(super) disconnected: Mutex<Vec<(SocketId, bool)>>,
    pub(super) server_events: Mutex<usize>,
    /// Answer every ack broadcast at once, inside `send_with_ack`.
    pub(super) answer_at_once: Mutex<bool>,
    adapter: OnceLock<Weak<MemoryAdapter>>,
}

impl FakeNamespace {
    fn check(&self, sid: &SocketId) -> Result<(), DeliveryError> {
        if self.closed.lock().contains(sid) {
            return Err(DeliveryError::Closed);
        }
        if self.full.lock().contains(sid) {
            return Err(DeliveryError::Full);
        }
        Ok(())
    }

    /// The ids that got a plain send, sorted.
    pub(super) fn sent_to(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .sent
            .lock()
            .iter()
            .map(|(id, ..)| id.to_string())
            .collect();
        ids.sort();
        ids
    }
}

impl LocalNamespace for FakeNamespace {
    fn name(&self) -> &str {
        "/"
    }

    fn send(
        &self,
        sid: &SocketId,
        packet: &Encoded,
        flags: &BroadcastFlags,
    ) -> Result<(), DeliveryError> {
        self.check(sid)?;
        self.sent
            .lock()
            .push((sid.clone(), packet.clone(), flags.clone()));
        Ok(())
    }

    fn send_with_ack(
        &self,
        sid: &SocketId,
        packet: &Encoded,
        ack_id: u64,
        sink: &AckSink,
    ) -> Result<(), DeliveryError> {
        self.check(sid)?;
        if *self.answer_at_once.lock() {
            sink.ack(crate::AckResponse {
                socket: Some(sid.clone()),
                args: vec![Value::from(sid.as_str())],
            });
        }
        self.ack_sent.lock().push(AckSend {
            sid: sid.clone(),
            packet: packet.clone(),
            ack_id,
            sink: sink.clone(),
        });
        Ok(())
    }

    fn socket_info(&self, sid: &SocketId) -> Option<SocketInfo> {
        if self.closed.lock().contains(sid) {
            return None;
        }
        let adapter = self.adapter.get()?.upgrade()?;
        Some(SocketInfo {
            id: sid.clone(),
            handshake: serde_json::json!({ "auth": {} }),
            rooms: adapter.socket_rooms(sid),
            data: serde_json::Value::Null,
        })
    }

    /// As the server does: the socket leaves every room (calling back into
    /// the adapter while it is disconnecting sockets).
    fn disconnect(&self, sid: &SocketId, close: bool) {
        self.disconnected.lock().push((sid.clone(), close));
        if let Some(adapter) = self.adapter.get().and_then(Weak::upgrade) {
            adapter.del_all(sid);
        }
    }

    fn server_side_event(&self, _args: Vec<Value>, _ack: Option<AckSink>) {
        *self.server_events.lock() += 1;
    }
}

/// A fake namespace and its adapter, with `sockets` connected: each in its
/// own room and in the rooms listed with it.
pub(super) fn setup(sockets: &[(&str, &[&str])]) -> (Arc<FakeNamespace>, Arc<MemoryAdapter>) {
    let ns = Arc::new(FakeNamespace::default());
    let local: Arc<dyn LocalNamespace> = ns.clone();
    let adapter = Arc::new(MemoryAdapter::new(Arc::downgrade(&local)));
    let _ = ns.adapter.set(Arc::downgrade(&adapter));
    for (id, rooms) in sockets {
        let sid = SocketId::from(*id);
        adapter.add_all(&sid, &[Room::from(&sid)]);
        adapter.add_all(&sid, &rooms_of(rooms));
    }
    (ns, adapter)
}

/// a: {lobby, red}; b: {lobby, blue}; c: {red, blue}; d: {}.
pub(super) fn four() -> (Arc<FakeNamespace>, Arc<MemoryAdapter>) {
    setup(&[
        ("a", &["lobby", "red"]),
        ("b", &["lobby", "blue"]),
        ("c", &["red", "blue"]),
        ("d", &[]),
    ])
}

pub(super) fn rooms_of(names: &[&str]) -> Vec<Room> {
    names.iter().map(|n| Room::from(*n)).collect()
}

/// Targets `rooms` minus `except`.
pub(super) fn opts(rooms: &[&str], except: &[&str]) -> crate::BroadcastOptions {
    crate::BroadcastOptions {
        rooms: rooms_of(rooms),
        except: rooms_of(except),
        ..Default::default()
    }
}

/// A text EVENT packet.
pub(super) fn packet() -> Encoded {
    Encoder::default()
        .event("/", "news", &("hello", 1), None)
        .unwrap()
}

pub(super) fn sorted(ids: impl IntoIterator<Item = impl ToString>) -> Vec<String> {
    let mut ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    ids.sort();
    ids
}
