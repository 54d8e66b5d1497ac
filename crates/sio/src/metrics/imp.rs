//! The hooks with the feature `metrics` on: handles resolved once from the
//! global recorder, then one atomic increment per event.

use std::sync::OnceLock;

use ::metrics::{Counter, Gauge, Unit, counter, describe_counter, describe_gauge, gauge};
use sio_adapter::AdapterError;
use sio_engine::TransportKind;

use super::AdapterRequest;

/// Every handle without a per-namespace label.
struct Handles {
    /// Open connections, by current transport (polling, websocket).
    connections: [Gauge; 2],
    /// Connections opened, by the transport of their handshake.
    opened: [Counter; 2],
    packets_in: Counter,
    bytes_in: Counter,
    packets_out: Counter,
    bytes_out: Counter,
    broadcasts: Counter,
    recipients: Counter,
    dropped: Counter,
    acks_sent: Counter,
    acks_timed_out: Counter,
    adapter_requests: [Counter; AdapterRequest::ALL.len()],
    adapter_timeouts: [Counter; AdapterRequest::ALL.len()],
}

static HANDLES: OnceLock<Handles> = OnceLock::new();

fn index(transport: TransportKind) -> usize {
    match transport {
        TransportKind::Polling => 0,
        TransportKind::WebSocket => 1,
    }
}

fn describe() {
    describe_gauge!(
        "sio_connections",
        "Open Engine.IO connections, by current transport"
    );
    describe_counter!(
        "sio_connections_opened_total",
        "Engine.IO connections opened, by handshake transport"
    );
    describe_gauge!("sio_sockets", "Connected sockets, by namespace");
    describe_counter!(
        "sio_sockets_connected_total",
        "Sockets that joined, by namespace"
    );
    describe_counter!("sio_packets_received_total", "Engine.IO messages received");
    describe_counter!(
        "sio_bytes_received_total",
        Unit::Bytes,
        "Payload bytes of the messages received"
    );
    describe_counter!(
        "sio_packets_sent_total",
        "Engine.IO messages handed to a transport"
    );
    describe_counter!(
        "sio_bytes_sent_total",
        Unit::Bytes,
        "Payload bytes of the messages sent"
    );
    describe_counter!("sio_broadcasts_total", "Broadcasts started on this server");
    describe_counter!(
        "sio_broadcast_recipients_total",
        "Local sockets the broadcasts were queued for"
    );
    describe_counter!(
        "sio_deliveries_dropped_total",
        "Packets not queued for a socket whose buffer was full"
    );
    describe_counter!(
        "sio_acks_sent_total",
        "Acknowledgements answered to clients"
    );
    describe_counter!(
        "sio_acks_timed_out_total",
        "Acknowledgements not received in time"
    );
    describe_counter!(
        "sio_adapter_requests_total",
        "Requests to the adapter, by kind"
    );
    describe_counter!(
        "sio_adapter_timeouts_total",
        "Adapter requests that timed out, by kind"
    );
}

fn handles() -> &'static Handles {
    HANDLES.get_or_init(|| {
        describe();
        let transports = [TransportKind::Polling, TransportKind::WebSocket];
        let kinds = AdapterRequest::ALL;
        Handles {
            connections: transports.map(|t| gauge!("sio_connections", "transport" => t.as_str())),
            opened: transports
                .map(|t| counter!("sio_connections_opened_total", "transport" => t.as_str())),
            packets_in: counter!("sio_packets_received_total"),
            bytes_in: counter!("sio_bytes_received_total"),
            packets_out: counter!("sio_packets_sent_total"),
            bytes_out: counter!("sio_bytes_sent_total"),
            broadcasts: counter!("sio_broadcasts_total"),
            recipients: counter!("sio_broadcast_recipients_total"),
            dropped: counter!("sio_deliveries_dropped_total"),
            acks_sent: counter!("sio_acks_sent_total"),
            acks_timed_out: counter!("sio_acks_timed_out_total"),
            adapter_requests: kinds
                .map(|k| counter!("sio_adapter_requests_total", "kind" => k.label())),
            adapter_timeouts: kinds
                .map(|k| counter!("sio_adapter_timeouts_total", "kind" => k.label())),
        }
    })
}

/// A connection opened over `transport`.
pub(crate) fn connection_opened(transport: TransportKind) {
    let h = handles();
    h.opened[index(transport)].increment(1);
    h.connections[index(transport)].increment(1.0);
}

/// A connection moved from polling to WebSocket.
pub(crate) fn connection_upgraded() {
    let h = handles();
    h.connections[index(TransportKind::Polling)].decrement(1.0);
    h.connections[index(TransportKind::WebSocket)].increment(1.0);
}

/// A connection on `transport` (its current one) closed.
pub(crate) fn connection_closed(transport: TransportKind) {
    handles().connections[index(transport)].decrement(1.0);
}

/// A message of `len` bytes came from a client.
pub(crate) fn packet_received(len: usize) {
    let h = handles();
    h.packets_in.increment(1);
    h.bytes_in.increment(len as u64);
}

/// A message of `len` bytes went to a transport.
pub(crate) fn packet_sent(len: usize) {
    let h = handles();
    h.packets_out.increment(1);
    h.bytes_out.increment(len as u64);
}

/// A broadcast was queued for `recipients` local sockets.
pub(crate) fn broadcast(recipients: usize) {
    let h = handles();
    h.broadcasts.increment(1);
    h.recipients.increment(recipients as u64);
}

/// A packet was not queued: the socket's buffer was full.
pub(crate) fn delivery_dropped() {
    handles().dropped.increment(1);
}

/// An ack went to a client.
pub(crate) fn ack_sent() {
    handles().acks_sent.increment(1);
}

/// An ack the server waited for did not come in time.
pub(crate) fn ack_timed_out() {
    handles().acks_timed_out.increment(1);
}

/// Counts an adapter request of `kind` and, when it timed out, the
/// timeout; passes its result through.
pub(crate) fn adapter_request<T>(
    kind: AdapterRequest,
    result: Result<T, AdapterError>,
) -> Result<T, AdapterError> {
    if let Some(c) = handles().adapter_requests.get(kind as usize) {
        c.increment(1);
    }
    if matches!(result, Err(AdapterError::Timeout)) {
        adapter_timed_out(kind);
    }
    result
}

/// A request of `kind` did not get every answer in time.
pub(crate) fn adapter_timed_out(kind: AdapterRequest) {
    if let Some(c) = handles().adapter_timeouts.get(kind as usize) {
        c.increment(1);
    }
}

/// The socket handles of one namespace, resolved when it is created.
pub(crate) struct NsMetrics {
    sockets: Gauge,
    connected: Counter,
}

impl std::fmt::Debug for NsMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NsMetrics").finish_non_exhaustive()
    }
}

impl NsMetrics {
    /// The handles of namespace `name`.
    pub(crate) fn new(name: &str) -> Self {
        // the global handles (and descriptions) first
        let _ = handles();
        let name = name.to_owned();
        Self {
            sockets: gauge!("sio_sockets", "namespace" => name.clone()),
            connected: counter!("sio_sockets_connected_total", "namespace" => name),
        }
    }

    /// A socket joined the namespace.
    pub(crate) fn socket_joined(&self) {
        self.sockets.increment(1.0);
        self.connected.increment(1);
    }

    /// A socket left the namespace.
    pub(crate) fn socket_left(&self) {
        self.sockets.decrement(1.0);
    }
}
