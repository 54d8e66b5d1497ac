//! The Socket.IO adapter: who receives a broadcast, across one server or a
//! cluster.
//!
//! An [`Adapter`] exists per namespace. It keeps the room index of the
//! namespace's local sockets and carries broadcasts and operations (join,
//! leave, disconnect, fetch) to the sockets they target: locally through the
//! [`LocalNamespace`] the server gives it, and, for cluster adapters, to the
//! other servers. It is a trait object (`Arc<dyn Adapter>`, boxed futures),
//! so no adapter type ever appears in user code.
//!
//! [`MemoryAdapter`] is the default, single-server adapter.
//!
//! # Who is targeted
//!
//! [`BroadcastOptions`] name the target as Node's adapter does: the sockets
//! in any of `rooms` (every socket of the namespace when `rooms` is empty),
//! each once, minus every socket in any of the `except` rooms. Every socket
//! is in the room named after its id, so one socket is targeted with
//! [`BroadcastOptions::socket`].
//!
//! # Encoded once
//!
//! A broadcast carries an [`Encoded`](sio_parser::Encoded) packet, encoded
//! once by the server; the adapter hands the same buffers to every
//! recipient's queue. A full queue only costs that recipient the packet
//! ([`BroadcastReport::dropped`]).
//!
//! # Example
//!
//! The server implements [`LocalNamespace`]; here a toy one that records
//! what it is asked to queue:
//!
//! ```
//! use std::sync::{Arc, Mutex};
//!
//! use sio_adapter::{
//!     AckSink, AdapterFactory, BroadcastFlags, BroadcastOptions, DeliveryError, LocalNamespace,
//!     MemoryAdapter, Room, SocketId, SocketInfo,
//! };
//! use sio_parser::{Encoded, Encoder, Value};
//!
//! #[derive(Default)]
//! struct Recorder(Mutex<Vec<SocketId>>);
//!
//! impl LocalNamespace for Recorder {
//!     fn name(&self) -> &str {
//!         "/"
//!     }
//!     fn send(&self, sid: &SocketId, _: &Encoded, _: &BroadcastFlags) -> Result<(), DeliveryError> {
//!         self.0.lock().unwrap().push(sid.clone());
//!         Ok(())
//!     }
//!     fn send_with_ack(&self, sid: &SocketId, p: &Encoded, _: u64, _: &AckSink) -> Result<(), DeliveryError> {
//!         self.send(sid, p, &BroadcastFlags::default())
//!     }
//!     fn socket_info(&self, _: &SocketId) -> Option<SocketInfo> {
//!         None
//!     }
//!     fn disconnect(&self, _: &SocketId, _: bool) {}
//!     fn server_side_event(&self, _: Vec<Value>, _: Option<AckSink>) {}
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let ns = Arc::new(Recorder::default());
//! let local: Arc<dyn LocalNamespace> = ns.clone();
//! let adapter = MemoryAdapter::factory().create("/".into(), Arc::downgrade(&local));
//!
//! // The server puts each socket in its own room, then the rooms it joins.
//! for (id, rooms) in [("ann", &["lobby"][..]), ("bob", &["lobby", "ops"]), ("cy", &[])] {
//!     let sid = SocketId::from(id);
//!     adapter.add_all(&sid, &[Room::from(&sid)]);
//!     adapter.add_all(&sid, &rooms.iter().map(|r| Room::from(*r)).collect::<Vec<_>>());
//! }
//!
//! // `io.to("lobby").except("ops").emit("hi")`: encoded once, queued for ann.
//! let packet = Encoder::default().event("/", "hi", &(), None).unwrap();
//! assert_eq!(packet.text(), Some(r#"2["hi"]"#));
//! let mut opts = BroadcastOptions::rooms(["lobby"]);
//! opts.except.push(Room::from("ops"));
//! let report = adapter.broadcast(packet, opts).await.unwrap();
//! assert_eq!((report.sent, report.dropped), (1, 0));
//! assert_eq!(*ns.0.lock().unwrap(), [SocketId::from("ann")]);
//!
//! // A disconnected socket leaves every room; empty rooms go.
//! adapter.del_all(&SocketId::from("bob"));
//! let mut rooms = adapter.rooms(BroadcastOptions::all()).await.unwrap();
//! rooms.sort();
//! assert_eq!(rooms, [Room::from("ann"), Room::from("cy"), Room::from("lobby")]);
//! # }
//! ```
//!
//! # Limits
//!
//! The in-memory adapter bounds neither the rooms per socket nor the rooms
//! per namespace (Node does not either): rooms are named by the
//! application, and the server may cap them. Its memory follows its
//! contents and returns to nothing once every socket has left.

#![forbid(unsafe_code)]

mod ack;
mod adapter;
mod admin_sessions;
mod ids;
mod memory;
mod options;
mod room_index;
mod session;
#[cfg(test)]
mod tests;

pub use ack::{AckCollected, AckEvent, AckResponse, AckSink, AckStream};
pub use adapter::{
    Adapter, AdapterError, AdapterFactory, BoxFuture, BroadcastReport, DeliveryError,
    LocalNamespace, SocketInfo,
};
pub use admin_sessions::AdminSessionStore;
pub use ids::{Room, SocketId};
pub use memory::{MemoryAdapter, MemoryAdapterFactory};
pub use options::{BroadcastFlags, BroadcastOptions};
pub use session::{RestoredSession, Session, SessionStore, SessionStoreConfig};
