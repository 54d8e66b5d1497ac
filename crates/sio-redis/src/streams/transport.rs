//! [`StreamsTransport`]: the Redis Streams store under sio-cluster's
//! [`ClusterAdapter`], as Node's `RedisStreamsAdapter` uses it:
//!
//! - durable messages (broadcasts without acks, joins, leaves,
//!   disconnects) are stream entries (`entry.rs`), read back by every
//!   server with their entry id as offset;
//! - ephemeral ones (broadcasts with acks, fetchSockets, serverSideEmit)
//!   are `PUBLISH`ed on `{prefix}#{nsp}#`, answers on
//!   `{prefix}#{nsp}#{requesterUid}#`, always as @msgpack/msgpack of the
//!   whole envelope;
//! - the server count is `PUBSUB NUMSUB {prefix}#{nsp}#`;
//! - with `use_sharded_pubsub`, the same channels over `SPUBLISH` /
//!   `SSUBSCRIBE` and `PUBSUB SHARDNUMSUB`.

use std::sync::{Arc, Weak};

use sio_adapter::{AdapterError, BoxFuture};
use sio_cluster::{ClusterAdapter, ClusterMessage, MessageType, Transport, encode_msgpack};

use super::driver::{StreamsDriver, StreamsSink};
use super::entry::{self, Entry};
use super::session;

/// The Redis Streams transport of one server (every namespace).
#[derive(Debug)]
pub(crate) struct StreamsTransport {
    pub(crate) driver: Arc<StreamsDriver>,
}

impl StreamsTransport {
    /// `{prefix}#{nsp}#` and `{prefix}#{nsp}#{uid}#`.
    fn channels(&self, nsp: &str, uid: &str) -> [String; 2] {
        [self.main_channel(nsp), self.response_channel(nsp, uid)]
    }

    /// `{prefix}#{nsp}#`: requests to every server.
    fn main_channel(&self, nsp: &str) -> String {
        format!("{}#{nsp}#", self.driver.config.channel_prefix)
    }

    /// `{prefix}#{nsp}#{uid}#`: the answers for one server.
    fn response_channel(&self, nsp: &str, uid: &str) -> String {
        format!("{}#{nsp}#{uid}#", self.driver.config.channel_prefix)
    }
}

/// Whether Node sends `message` over pub/sub rather than the stream.
pub(crate) fn is_ephemeral(message: &ClusterMessage) -> bool {
    match message.kind {
        MessageType::Broadcast => message.field("requestId").is_some(),
        MessageType::ServerSideEmit | MessageType::FetchSockets => true,
        _ => false,
    }
}

/// The `data` field of the stream entry of `message`: JSON, or base64 of
/// msgpack when it may and does hold binary (unless `only_plaintext`).
pub(crate) fn entry_data(message: &ClusterMessage, only_plaintext: bool) -> Option<Vec<u8>> {
    let data = message.data.as_ref()?;
    let binary = !only_plaintext && message.kind.may_contain_binary() && data.has_binary();
    Some(entry::encode_data(data, binary))
}

impl Transport for StreamsTransport {
    fn subscribe(&self, adapter: &Arc<ClusterAdapter>) -> BoxFuture<'_, Result<(), AdapterError>> {
        let channels = self.channels(adapter.nsp(), adapter.uid());
        if self.driver.is_sharded() {
            let adapter = adapter.clone();
            return Box::pin(async move { self.driver.register_sharded(channels, &adapter).await });
        }
        let sink: Weak<dyn StreamsSink> = Arc::downgrade(adapter) as Weak<ClusterAdapter>;
        let nsp = adapter.nsp().to_owned();
        Box::pin(async move { self.driver.register(&nsp, &channels, sink).await })
    }

    fn unsubscribe(&self, adapter: &ClusterAdapter) -> BoxFuture<'_, ()> {
        let channels = self.channels(adapter.nsp(), adapter.uid());
        let owner: *const ClusterAdapter = adapter;
        self.driver
            .unregister(adapter.nsp(), &channels, owner.cast());
        self.driver.unregister_sharded(adapter);
        Box::pin(std::future::ready(()))
    }

    fn publish(
        &self,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<Option<String>, AdapterError>> {
        Box::pin(async move {
            if is_ephemeral(&message) {
                let channel = self.main_channel(&message.nsp);
                let payload = encode_msgpack(&message.to_value());
                return self.driver.publish(&channel, payload).await.map(|()| None);
            }
            let stream = self.driver.config.stream_for(&message.nsp);
            let data = entry_data(&message, self.driver.config.only_plaintext);
            let ids = self
                .driver
                .xadd(
                    &stream,
                    &message.uid,
                    &message.nsp,
                    &[(message.kind.code(), data)],
                )
                .await?;
            Ok(ids.into_iter().next())
        })
    }

    fn publish_response(
        &self,
        requester_uid: String,
        message: ClusterMessage,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let channel = self.response_channel(&message.nsp, &requester_uid);
            let payload = encode_msgpack(&message.to_value());
            self.driver.publish(&channel, payload).await
        })
    }

    fn server_count(&self, nsp: &str) -> BoxFuture<'_, Result<usize, AdapterError>> {
        let channel = self.main_channel(nsp);
        Box::pin(async move { self.driver.numsub(&channel).await.map(|n| n.max(1)) })
    }
}

impl StreamsSink for ClusterAdapter {
    fn stream_entry(&self, entry: Entry) {
        let Some(kind) = MessageType::from_code(u64::from(entry.kind)) else {
            return;
        };
        let data = match entry.data.as_deref() {
            Some(raw) => match entry::decode_data(raw) {
                Some(data) => Some(data),
                None => {
                    tracing::debug!(
                        id = entry.id,
                        "redis streams adapter: bad entry data skipped"
                    );
                    return;
                }
            },
            None => None,
        };
        // Rooms that are not rooms would widen a message to every socket.
        if matches!(kind.code(), 3..=7) && data.as_ref().and_then(session::read_opts).is_none() {
            tracing::debug!(
                id = entry.id,
                "redis streams adapter: bad entry opts skipped"
            );
            return;
        }
        let message = ClusterMessage::new(kind, data, &entry.uid, &entry.nsp);
        self.on_message(message, Some(&entry.id));
    }

    fn pubsub_message(&self, payload: &[u8]) {
        self.on_bytes(payload, false);
    }
}
