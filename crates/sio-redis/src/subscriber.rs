//! The subscriber task: it owns the pub/sub connection, hands every message
//! to the adapter of its channel, and keeps the connection's subscriptions
//! equal to the routes.
//!
//! - A change subscribes or unsubscribes only the names that changed, and
//!   runs while messages keep being dispatched (its commands go through a
//!   clone of the connection's sink, polled next to the message stream).
//! - Every command has a deadline (the requests timeout): a reply that does
//!   not come in time counts as a lost connection.
//! - After a failure it reconnects (100 ms, doubling up to 5 s) and
//!   subscribes to everything routed, once.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use redis::aio::PubSubSink;
use tokio::sync::oneshot;

use crate::driver::{Route, Routes, Shared};

/// Most names in one SUBSCRIBE (or UNSUBSCRIBE) command.
const CHUNK: usize = 1000;

/// Everything the subscriber task starts with.
pub(crate) struct Subscriber {
    pub(crate) client: redis::Client,
    pub(crate) shared: Arc<Shared>,
    /// Resolves (with an error) when the driver is dropped.
    pub(crate) stop: oneshot::Receiver<()>,
    pub(crate) max_message_size: usize,
    /// Deadline of each connection attempt and command.
    pub(crate) deadline: Duration,
    /// Told how the first connection went.
    pub(crate) ready: Option<oneshot::Sender<Result<(), String>>>,
}

/// The names this connection is subscribed to.
#[derive(Default)]
struct Subscribed {
    channels: HashSet<String>,
    patterns: HashSet<String>,
}

/// Commands to send for the changes up to `generation`.
#[derive(Default)]
struct Change {
    generation: u64,
    subscribe: Vec<String>,
    unsubscribe: Vec<String>,
    psubscribe: Vec<String>,
    punsubscribe: Vec<String>,
}

type Op = BoxFuture<'static, Result<u64, String>>;

/// Runs until the driver is dropped.
pub(crate) async fn run(mut sub: Subscriber) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let failure = match connect(&sub).await {
            Ok((sink, stream)) => {
                backoff = Duration::from_millis(100);
                match serve(&mut sub, sink, stream).await {
                    Ok(()) => return,
                    Err(e) => e,
                }
            }
            Err(e) => e,
        };
        if let Some(ready) = sub.ready.take() {
            let _ = ready.send(Err(failure));
            return;
        }
        tracing::warn!("redis adapter: subscriber connection: {failure}; reconnecting");
        let failure = format!("redis unavailable: {failure}");
        sub.shared.fail_all(&failure);
        let pause = tokio::time::sleep(backoff);
        tokio::pin!(pause);
        loop {
            tokio::select! {
                () = &mut pause => break,
                _ = &mut sub.stop => return,
                () = sub.shared.wake.notified() => sub.shared.fail_all(&failure),
            }
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn connect(sub: &Subscriber) -> Result<(PubSubSink, redis::aio::PubSubStream), String> {
    match tokio::time::timeout(sub.deadline, sub.client.get_async_pubsub()).await {
        Ok(Ok(pubsub)) => Ok(pubsub.split()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("connection timed out".to_owned()),
    }
}

/// Subscribes to everything routed, then dispatches messages and applies
/// changes until the connection fails (`Err`) or the driver is dropped.
async fn serve(
    sub: &mut Subscriber,
    sink: PubSubSink,
    mut stream: redis::aio::PubSubStream,
) -> Result<(), String> {
    let mut subscribed = Subscribed::default();
    let everything = {
        let mut routes = sub.shared.routes.lock();
        routes.dirty_channels.clear();
        routes.dirty_patterns.clear();
        subscribed.channels = routes.channels.keys().cloned().collect();
        subscribed.patterns = routes.patterns.keys().cloned().collect();
        Change {
            generation: routes.generation,
            subscribe: subscribed.channels.iter().cloned().collect(),
            psubscribe: subscribed.patterns.iter().cloned().collect(),
            ..Change::default()
        }
    };
    let mut taken = everything.generation;
    let generation = apply(sink.clone(), everything, sub.deadline).await?;
    applied(&sub.shared, generation);
    if let Some(ready) = sub.ready.take() {
        let _ = ready.send(Ok(()));
    }
    let mut op: Option<Op> = None;
    loop {
        if op.is_none() {
            let change = take_change(&mut sub.shared.routes.lock(), &mut subscribed, taken);
            if let Some(change) = change {
                taken = change.generation;
                op = Some(Box::pin(apply(sink.clone(), change, sub.deadline)));
            }
        }
        tokio::select! {
            _ = &mut sub.stop => return Ok(()),
            () = sub.shared.wake.notified(), if op.is_none() => {}
            done = running(&mut op) => {
                op = None;
                applied(&sub.shared, done?);
            }
            message = stream.next() => match message {
                Some(message) => dispatch(&sub.shared, &message, sub.max_message_size),
                None => return Err("connection lost".to_owned()),
            },
        }
    }
}

/// The operation in progress, or never.
async fn running(op: &mut Option<Op>) -> Result<u64, String> {
    match op {
        Some(op) => op.await,
        None => std::future::pending().await,
    }
}

fn applied(shared: &Shared, generation: u64) {
    shared
        .progress
        .send_modify(|p| p.applied = p.applied.max(generation));
}

/// The commands that make the subscriptions equal to the routes, for the
/// changes made after generation `taken` (`None`: there are none).
fn take_change(routes: &mut Routes, subscribed: &mut Subscribed, taken: u64) -> Option<Change> {
    if routes.generation <= taken {
        return None;
    }
    let mut change = Change {
        generation: routes.generation,
        ..Change::default()
    };
    for name in std::mem::take(&mut routes.dirty_channels) {
        let wanted = routes.channels.contains_key(&name);
        if wanted && !subscribed.channels.contains(&name) {
            subscribed.channels.insert(name.clone());
            change.subscribe.push(name);
        } else if !wanted && subscribed.channels.remove(&name) {
            change.unsubscribe.push(name);
        }
    }
    for name in std::mem::take(&mut routes.dirty_patterns) {
        let wanted = routes.patterns.contains_key(&name);
        if wanted && !subscribed.patterns.contains(&name) {
            subscribed.patterns.insert(name.clone());
            change.psubscribe.push(name);
        } else if !wanted && subscribed.patterns.remove(&name) {
            change.punsubscribe.push(name);
        }
    }
    Some(change)
}

/// Sends the commands of `change`, each within `deadline`.
async fn apply(mut sink: PubSubSink, change: Change, deadline: Duration) -> Result<u64, String> {
    let within = |what: &'static str| {
        move |result: Result<redis::RedisResult<()>, tokio::time::error::Elapsed>| match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("{what} failed: {e}")),
            Err(_) => Err(format!("{what}: no reply within {deadline:?}")),
        }
    };
    for names in change.punsubscribe.chunks(CHUNK) {
        within("PUNSUBSCRIBE")(tokio::time::timeout(deadline, sink.punsubscribe(names)).await)?;
    }
    for names in change.unsubscribe.chunks(CHUNK) {
        within("UNSUBSCRIBE")(tokio::time::timeout(deadline, sink.unsubscribe(names)).await)?;
    }
    for names in change.psubscribe.chunks(CHUNK) {
        within("PSUBSCRIBE")(tokio::time::timeout(deadline, sink.psubscribe(names)).await)?;
    }
    for names in change.subscribe.chunks(CHUNK) {
        within("SUBSCRIBE")(tokio::time::timeout(deadline, sink.subscribe(names)).await)?;
    }
    Ok(change.generation)
}

/// Hands one message to the adapter of its channel (or pattern).
fn dispatch(shared: &Shared, message: &redis::Msg, max_message_size: usize) {
    let channel = message.get_channel_name();
    let payload = message.get_payload_bytes();
    if payload.len() > max_message_size {
        tracing::debug!(
            channel,
            len = payload.len(),
            "redis adapter: message too large, dropped"
        );
        return;
    }
    let target = {
        let routes = shared.routes.lock();
        match message.get_pattern::<Option<String>>() {
            Ok(Some(pattern)) => routes
                .patterns
                .get(&pattern)
                .map(|a| (a.clone(), Route::Broadcast)),
            _ => routes.channels.get(channel).cloned(),
        }
    };
    if let Some((adapter, route)) = target
        && let Some(adapter) = adapter.upgrade()
    {
        adapter.on_message(route, channel, payload);
    }
}
