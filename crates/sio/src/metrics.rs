//! Metrics through the [`metrics`](https://docs.rs/metrics) facade, with
//! the optional feature `metrics` (off by default). Install any recorder
//! (for Prometheus: `metrics-exporter-prometheus`, see
//! `examples/metrics`) **before the server takes its first connection**:
//! the handles are resolved once, at the first event, and a recorder
//! installed later is not seen. Without the feature every hook here is an
//! empty inline function.
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `sio_connections` | gauge | `transport` | open Engine.IO connections, by current transport (`polling`, `websocket`; an upgrade moves one) |
//! | `sio_connections_opened_total` | counter | `transport` | connections opened, by the transport of their handshake |
//! | `sio_sockets` | gauge | `namespace` | connected sockets of each namespace (a dynamic child is its own namespace) |
//! | `sio_sockets_connected_total` | counter | `namespace` | sockets that joined each namespace |
//! | `sio_packets_received_total` | counter | | Engine.IO messages received (one Socket.IO packet, or one binary attachment) |
//! | `sio_bytes_received_total` | counter | | their payload bytes |
//! | `sio_packets_sent_total` | counter | | Engine.IO messages handed to a transport |
//! | `sio_bytes_sent_total` | counter | | their payload bytes |
//! | `sio_broadcasts_total` | counter | | broadcasts started on this server (`io.emit`, `to(..).emit`, with or without acks) |
//! | `sio_broadcast_recipients_total` | counter | | local sockets those broadcasts were queued for (for a broadcast with acks: the sockets of the cluster that answered) |
//! | `sio_deliveries_dropped_total` | counter | | packets not queued for a socket because its buffer was full (volatile emits included) |
//! | `sio_acks_sent_total` | counter | | acknowledgements answered to clients ([`AckSender`](crate::AckSender)) |
//! | `sio_acks_timed_out_total` | counter | | acks the server waited for and did not get in time (per socket; a broadcast with acks counts once) |
//! | `sio_adapter_requests_total` | counter | `kind` | requests to the adapter: `sockets`, `fetch_sockets`, `join`, `leave`, `disconnect`, `broadcast_with_ack`, `server_side_emit` |
//! | `sio_adapter_timeouts_total` | counter | `kind` | those that failed with `AdapterError::Timeout` |
//!
//! The cost: each event is one atomic increment on a handle resolved once
//! (per process, or per namespace for the `namespace` label); no lock and no
//! lookup on the message path. With the feature on and no recorder, the
//! handles are no-ops.

#[cfg(feature = "metrics")]
mod imp;
#[cfg(feature = "metrics")]
pub(crate) use imp::*;

#[cfg(not(feature = "metrics"))]
mod off {
    //! The hooks as empty functions, when the feature is off.
    use sio_adapter::AdapterError;
    use sio_engine::TransportKind;

    #[inline(always)]
    pub(crate) fn connection_opened(_: TransportKind) {}
    #[inline(always)]
    pub(crate) fn connection_upgraded() {}
    #[inline(always)]
    pub(crate) fn connection_closed(_: TransportKind) {}
    #[inline(always)]
    pub(crate) fn packet_received(_: usize) {}
    #[inline(always)]
    pub(crate) fn packet_sent(_: usize) {}
    #[inline(always)]
    pub(crate) fn broadcast(_: usize) {}
    #[inline(always)]
    pub(crate) fn delivery_dropped() {}
    #[inline(always)]
    pub(crate) fn ack_sent() {}
    #[inline(always)]
    pub(crate) fn ack_timed_out() {}
    #[inline(always)]
    pub(crate) fn adapter_timed_out(_: super::AdapterRequest) {}
    #[inline(always)]
    pub(crate) fn adapter_request<T>(
        _: super::AdapterRequest,
        result: Result<T, AdapterError>,
    ) -> Result<T, AdapterError> {
        result
    }

    /// The sockets gauge of one namespace: nothing without the feature.
    #[derive(Debug, Default)]
    pub(crate) struct NsMetrics;

    impl NsMetrics {
        #[inline(always)]
        pub(crate) fn new(_: &str) -> Self {
            Self
        }
        #[inline(always)]
        pub(crate) fn socket_joined(&self) {}
        #[inline(always)]
        pub(crate) fn socket_left(&self) {}
    }
}
#[cfg(not(feature = "metrics"))]
pub(crate) use off::*;

/// The kinds of adapter request (the `kind` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) enum AdapterRequest {
    Sockets,
    FetchSockets,
    Join,
    Leave,
    Disconnect,
    BroadcastWithAck,
    ServerSideEmit,
}

impl AdapterRequest {
    /// Every kind, in label order.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) const ALL: [Self; 7] = [
        Self::Sockets,
        Self::FetchSockets,
        Self::Join,
        Self::Leave,
        Self::Disconnect,
        Self::BroadcastWithAck,
        Self::ServerSideEmit,
    ];

    /// The `kind` label.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Sockets => "sockets",
            Self::FetchSockets => "fetch_sockets",
            Self::Join => "join",
            Self::Leave => "leave",
            Self::Disconnect => "disconnect",
            Self::BroadcastWithAck => "broadcast_with_ack",
            Self::ServerSideEmit => "server_side_emit",
        }
    }
}
