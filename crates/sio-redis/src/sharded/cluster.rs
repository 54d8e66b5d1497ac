//! The subscriber of a Redis Cluster: the `redis` crate's cluster
//! connection (RESP3, MOVED/ASK followed, sharded subscriptions sent to the
//! node owning each channel's slot and restored by the client after a
//! reconnect or a slot move), kept equal to the routes one channel at a
//! time; its pushes (`smessage`) are dispatched from a task.

use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

use redis::cluster_async::ClusterConnection;
use redis::{PushInfo, PushKind};
use tokio::sync::mpsc;

use super::routes::Shared;

/// Dispatches pushes until the connection is dropped.
pub(crate) async fn dispatch(mut pushes: mpsc::UnboundedReceiver<PushInfo>, shared: Weak<Shared>) {
    while let Some(push) = pushes.recv().await {
        if push.kind != PushKind::SMessage {
            continue;
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if let [
            redis::Value::BulkString(channel),
            redis::Value::BulkString(payload),
            ..,
        ] = push.data.as_slice()
        {
            shared.dispatch(channel, payload);
        }
    }
}

/// Keeps the connection's sharded subscriptions equal to the routes until
/// the routes are dropped. A failed (un)subscribe is retried after a
/// backoff (100 ms, doubling to 5 s).
pub(crate) async fn reconcile(mut conn: ClusterConnection, shared: Weak<Shared>) {
    let mut subscribed: HashSet<String> = HashSet::new();
    let mut backoff = Duration::from_millis(100);
    loop {
        let Some(s) = shared.upgrade() else { return };
        let (wanted, generation) = s.wanted();
        let mut failed = false;
        for channel in wanted.difference(&subscribed).cloned().collect::<Vec<_>>() {
            match conn.ssubscribe(&channel).await {
                Ok(()) => {
                    subscribed.insert(channel);
                }
                Err(e) => {
                    tracing::warn!("sharded redis adapter: SSUBSCRIBE {channel} failed: {e}");
                    failed = true;
                }
            }
        }
        for channel in subscribed.difference(&wanted).cloned().collect::<Vec<_>>() {
            match conn.sunsubscribe(&channel).await {
                Ok(()) => {
                    subscribed.remove(&channel);
                }
                Err(e) => {
                    tracing::warn!("sharded redis adapter: SUNSUBSCRIBE {channel} failed: {e}");
                    failed = true;
                }
            }
        }
        if failed {
            drop(s);
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
            continue;
        }
        backoff = Duration::from_millis(100);
        s.applied.send_replace(generation);
        if Arc::strong_count(&s) == 1 {
            return;
        }
        let wake = async { s.wake.notified().await };
        wake.await;
    }
}
