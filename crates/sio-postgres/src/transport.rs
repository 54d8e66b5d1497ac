//! [`PgTransport`]: the [`Transport`] of sio-cluster's `ClusterAdapter`
//! over the bus, with the heartbeat layer (Node's
//! `ClusterAdapterWithHeartbeat`).
//!
//! What goes out, as Node's `PubSubClient.publish` writes it: the JSON of
//! the whole envelope with `pg_notify('{prefix}#{nsp}', json)`; a
//! broadcast, server-side event or one of their answers (3, 9, 10, 12)
//! holding binary, or any message whose JSON is at least the payload
//! threshold, goes into the attachments table as msgpack
//! (`@msgpack/msgpack`'s layout) and only a header
//! `{"uid","type","attachmentId"}` is notified. Answers go on the same
//! channel as everything else (Node does not route them by requester).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use sio_adapter::{AdapterError, BoxFuture};
use sio_cluster::{ClusterAdapter, ClusterMessage, Codec, Heartbeat, MessageType, Transport};
use sio_parser::Value;

use crate::PostgresAdapterConfig;
use crate::bus::{Bus, Incoming, Receiver};
use crate::notification;

/// The transport of one server's namespaces.
pub(crate) struct PgTransport {
    pub(crate) bus: Bus,
    pub(crate) heartbeat: Heartbeat,
    pub(crate) codec: Codec,
    /// The receiver of each subscribed namespace (the bus holds them weakly).
    receivers: Mutex<HashMap<String, Arc<NamespaceReceiver>>>,
}

impl std::fmt::Debug for PgTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTransport")
            .field("bus", &self.bus)
            .finish_non_exhaustive()
    }
}

impl PgTransport {
    pub(crate) fn new(bus: Bus, heartbeat: Heartbeat, codec: Codec) -> Self {
        Self {
            bus,
            heartbeat,
            codec,
            receivers: Mutex::default(),
        }
    }

    fn config(&self) -> &PostgresAdapterConfig {
        &self.bus.shared.config
    }

    async fn send(&self, message: ClusterMessage) -> Result<(), AdapterError> {
        self.heartbeat.published(&message.nsp);
        let channel = self.config().channel(&message.nsp);
        let binary = matches!(
            message.kind,
            MessageType::Broadcast
                | MessageType::BroadcastAck
                | MessageType::ServerSideEmit
                | MessageType::ServerSideEmitResponse
        ) && message.has_binary();
        let value = message.to_value();
        if !binary {
            let json = sio_cluster::encode_json(&value);
            if json.len() < self.config().payload_threshold {
                let json = String::from_utf8_lossy(&json);
                return self.bus.publisher().notify(&channel, &json).await;
            }
        }
        let bytes = sio_cluster::encode_msgpack(&value);
        let (uid, kind) = (message.uid.as_str(), message.kind.code());
        self.bus
            .publisher()
            .notify_with_attachment(&channel, &bytes, |id| notification::header(uid, kind, id))
            .await
    }
}

impl Transport for PgTransport {
    fn subscribe(&self, adapter: &Arc<ClusterAdapter>) -> BoxFuture<'_, Result<(), AdapterError>> {
        let adapter = adapter.clone();
        Box::pin(async move {
            let channel = self.config().channel(adapter.nsp());
            let receiver = Arc::new(NamespaceReceiver {
                adapter: Arc::downgrade(&adapter),
                uid: adapter.uid().to_owned(),
                nsp: adapter.nsp().to_owned(),
                heartbeat: self.heartbeat.clone(),
                codec: self.codec,
            });
            let weak = Arc::downgrade(&receiver) as Weak<dyn Receiver>;
            self.receivers
                .lock()
                .insert(adapter.nsp().to_owned(), receiver);
            self.bus.route(&channel, weak);
            // Node publishes its first heartbeat without waiting; waiting
            // for LISTEN here means the answers are not missed. When
            // PostgreSQL is down, the namespace works locally and the
            // listener keeps trying.
            let deadline = self.config().requests_timeout;
            if let Err(e) = self.bus.listening(&channel, deadline).await {
                tracing::warn!(
                    ns = %adapter.nsp(),
                    "postgres adapter: {e}; serving locally until PostgreSQL answers"
                );
            }
            self.heartbeat.start(&adapter);
            Ok(())
        })
    }

    fn unsubscribe(&self, adapter: &ClusterAdapter) -> BoxFuture<'_, ()> {
        let nsp = adapter.nsp().to_owned();
        let uid = adapter.uid().to_owned();
        let close = self.heartbeat.stop(adapter);
        Box::pin(async move {
            if let Some(close) = close
                && let Err(e) = self.send(close).await
            {
                tracing::debug!(ns = %nsp, "postgres adapter: ADAPTER_CLOSE not sent: {e}");
            }
            let receiver = {
                let mut receivers = self.receivers.lock();
                match receivers.get(&nsp) {
                    Some(r) if r.uid == uid => receivers.remove(&nsp),
                    _ => None,
                }
            };
            if let Some(receiver) = receiver {
                let weak = Arc::downgrade(&receiver) as Weak<dyn Receiver>;
                self.bus.unroute(&self.config().channel(&nsp), &weak);
            }
        })
    }

    fn publish(
        &self,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<Option<String>, AdapterError>> {
        // No connection-state recovery across servers: no offset, as Node.
        Box::pin(async move { self.send(message).await.map(|()| None) })
    }

    fn publish_response(
        &self,
        _requester_uid: String,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(self.send(message))
    }

    fn server_count(&self, nsp: &str) -> BoxFuture<'_, Result<usize, AdapterError>> {
        let count = self.heartbeat.server_count(nsp);
        Box::pin(std::future::ready(Ok(count)))
    }

    fn nodes(&self, nsp: &str) -> Option<HashSet<String>> {
        Some(self.heartbeat.nodes(nsp))
    }
}

/// Hands the messages of one namespace's channel to its adapter.
struct NamespaceReceiver {
    adapter: Weak<ClusterAdapter>,
    uid: String,
    nsp: String,
    heartbeat: Heartbeat,
    codec: Codec,
}

impl Receiver for NamespaceReceiver {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn receive(&self, message: Incoming) {
        let Some(adapter) = self.adapter.upgrade() else {
            return;
        };
        let bytes = match message {
            Incoming::Json(text) => text.into_bytes(),
            Incoming::Msgpack(bytes) => bytes,
        };
        let mut value = match self.codec.decode_value(&bytes) {
            Ok(value) => value,
            Err(e) => {
                tracing::debug!(ns = %self.nsp, "postgres adapter: message dropped: {e}");
                return;
            }
        };
        // The emitter writes no `nsp`: its channel says which namespace.
        if let Value::Object(entries) = &mut value
            && !entries.iter().any(|(k, _)| k == "nsp")
        {
            entries.push(("nsp".to_owned(), Value::from(self.nsp.as_str())));
        }
        let Some(message) = ClusterMessage::from_value(value) else {
            tracing::debug!(ns = %self.nsp, "postgres adapter: not a cluster message, dropped");
            return;
        };
        if self.heartbeat.on_message(&adapter, &message) {
            adapter.on_message(message, None);
        }
    }
}
