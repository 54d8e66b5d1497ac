//! The subscriber task: keeps the pub/sub connection subscribed to the
//! channels of the registered namespaces (requests and answers) and hands
//! each message to its namespace; reconnects (100 ms, doubling to 5 s) and
//! subscribes again after a failure.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::{oneshot, watch};

use super::driver::{FIRST_BACKOFF, MAX_BACKOFF, Shared};

/// Runs until the driver is dropped.
pub(crate) async fn subscribe(
    client: redis::Client,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<()>,
    deadline: Duration,
    mut ready: Option<oneshot::Sender<Result<(), String>>>,
) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let failure = tokio::select! {
            failure = serve(&client, &shared, deadline, &mut ready, &mut backoff) => failure,
            _ = stop.changed() => return,
        };
        if let Some(ready) = ready.take() {
            let _ = ready.send(Err(failure));
            return;
        }
        tracing::warn!("redis streams adapter: subscriber: {failure}; reconnecting in {backoff:?}");
        let generation = shared.channels.lock().generation;
        shared.progress.send_modify(|p| p.1 = p.1.max(generation));
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => return,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn serve(
    client: &redis::Client,
    shared: &Shared,
    deadline: Duration,
    ready: &mut Option<oneshot::Sender<Result<(), String>>>,
    backoff: &mut Duration,
) -> String {
    let pubsub = match tokio::time::timeout(deadline, client.get_async_pubsub()).await {
        Ok(Ok(pubsub)) => pubsub,
        Ok(Err(e)) => return e.to_string(),
        Err(_) => return "connection timed out".to_owned(),
    };
    let (mut sink, mut stream) = pubsub.split();
    let mut subscribed: HashSet<String> = HashSet::new();
    if let Some(ready) = ready.take() {
        let _ = ready.send(Ok(()));
    }
    *backoff = FIRST_BACKOFF;
    loop {
        // Make the subscriptions equal to the routes.
        let (generation, wanted): (u64, HashSet<String>) = {
            let ch = shared.channels.lock();
            (ch.generation, ch.routes.keys().cloned().collect())
        };
        let add: Vec<&String> = wanted.difference(&subscribed).collect();
        let remove: Vec<&String> = subscribed.difference(&wanted).collect();
        if !add.is_empty() {
            match tokio::time::timeout(deadline, sink.subscribe(&add)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return format!("SUBSCRIBE failed: {e}"),
                Err(_) => return "SUBSCRIBE: no reply in time".to_owned(),
            }
        }
        if !remove.is_empty() {
            match tokio::time::timeout(deadline, sink.unsubscribe(&remove)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return format!("UNSUBSCRIBE failed: {e}"),
                Err(_) => return "UNSUBSCRIBE: no reply in time".to_owned(),
            }
        }
        subscribed = wanted;
        shared.progress.send_modify(|p| p.0 = p.0.max(generation));
        loop {
            tokio::select! {
                () = shared.wake.notified() => break,
                message = stream.next() => match message {
                    Some(message) => dispatch(shared, &message),
                    None => return "connection lost".to_owned(),
                },
            }
        }
    }
}

fn dispatch(shared: &Shared, message: &redis::Msg) {
    let payload = message.get_payload_bytes();
    if payload.len() > shared.max_message_size {
        tracing::debug!(
            len = payload.len(),
            "redis streams adapter: message too large, dropped"
        );
        return;
    }
    let sink = shared
        .channels
        .lock()
        .routes
        .get(message.get_channel_name())
        .cloned();
    if let Some(sink) = sink.and_then(|s| s.upgrade()) {
        sink.pubsub_message(payload);
    }
}
