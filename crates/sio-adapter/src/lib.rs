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

#![forbid(unsafe_code)]

mod adapter;
mod ids;
mod options;

pub use adapter::{
    AckCollected, AckResponse, AckSink, AckStream, Adapter, AdapterError, AdapterFactory,
    BoxFuture, BroadcastReport, DeliveryError, LocalNamespace, SocketInfo,
};
pub use ids::{Room, SocketId};
pub use options::{BroadcastFlags, BroadcastOptions};
