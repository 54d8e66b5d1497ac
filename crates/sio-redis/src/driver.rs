//! The two Redis connections a server's adapters share: one for PUBLISH and
//! PUBSUB NUMSUB (a `ConnectionManager`, which reconnects by itself), and
//! one for subscriptions, owned by a task that reads every message, hands
//! it to the adapter of its channel, and reconnects and subscribes again
//! after a failure.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt as _;
use parking_lot::Mutex;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSubSink};
use sio_adapter::AdapterError;
use tokio::sync::{mpsc, oneshot};

use crate::RedisAdapterConfig;
use crate::adapter::RedisAdapter;
use crate::channels::Channels;

/// What arrives on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// A broadcast (pattern subscription).
    Broadcast,
    /// A request from some server.
    Request,
    /// An answer to a request.
    Response,
}

#[derive(Default)]
struct Routes {
    channels: HashMap<String, (Weak<RedisAdapter>, Route)>,
    patterns: HashMap<String, Weak<RedisAdapter>>,
}

enum Command {
    /// Subscribe to what the routes hold now; the result goes to `done`.
    Sync(oneshot::Sender<Result<(), String>>),
    Unsubscribe {
        channels: Vec<String>,
        pattern: String,
        done: oneshot::Sender<()>,
    },
}

/// The connections and the routing table of one server.
pub(crate) struct Driver {
    publisher: ConnectionManager,
    routes: Arc<Mutex<Routes>>,
    commands: mpsc::UnboundedSender<Command>,
    pub(crate) config: RedisAdapterConfig,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn transport(e: impl std::fmt::Display) -> AdapterError {
    AdapterError::Transport(e.to_string())
}

impl Driver {
    /// Opens both connections (the first attempt must succeed).
    pub(crate) async fn connect(
        url: &str,
        config: RedisAdapterConfig,
    ) -> Result<Self, AdapterError> {
        let client = redis::Client::open(url).map_err(transport)?;
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.requests_timeout))
            .set_response_timeout(Some(config.requests_timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let publisher = client
            .get_connection_manager_with_config(manager)
            .await
            .map_err(transport)?;
        let routes = Arc::new(Mutex::new(Routes::default()));
        let (commands, rx) = mpsc::unbounded_channel();
        let (ready, started) = oneshot::channel();
        let max = config.max_message_size;
        tokio::spawn(subscriber(client, routes.clone(), rx, ready, max));
        started
            .await
            .map_err(|_| AdapterError::Closed)?
            .map_err(AdapterError::Transport)?;
        Ok(Self {
            publisher,
            routes,
            commands,
            config,
        })
    }

    /// PUBLISH.
    pub(crate) async fn publish(
        &self,
        channel: &str,
        payload: Vec<u8>,
    ) -> Result<(), AdapterError> {
        let mut conn = self.publisher.clone();
        redis::cmd("PUBLISH")
            .arg(channel)
            .arg(payload)
            .query_async::<i64>(&mut conn)
            .await
            .map(|_| ())
            .map_err(transport)
    }

    /// PUBSUB NUMSUB: how many connections listen on `channel`.
    pub(crate) async fn numsub(&self, channel: &str) -> Result<usize, AdapterError> {
        let mut conn = self.publisher.clone();
        let reply: Vec<redis::Value> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel)
            .query_async(&mut conn)
            .await
            .map_err(transport)?;
        match reply.get(1) {
            Some(redis::Value::Int(n)) => Ok(usize::try_from(*n).unwrap_or(0)),
            _ => Err(AdapterError::Transport(
                "unexpected PUBSUB NUMSUB reply".into(),
            )),
        }
    }

    /// Routes the channels of one namespace to `adapter` and subscribes.
    pub(crate) async fn subscribe(
        &self,
        adapter: Weak<RedisAdapter>,
        channels: &Channels,
    ) -> Result<(), AdapterError> {
        {
            let mut routes = self.routes.lock();
            routes
                .patterns
                .insert(channels.pattern.clone(), adapter.clone());
            for (name, route) in [
                (&channels.request, Route::Request),
                (&channels.response, Route::Response),
                (&channels.own_response, Route::Response),
            ] {
                routes
                    .channels
                    .insert(name.clone(), (adapter.clone(), route));
            }
        }
        let (done, result) = oneshot::channel();
        self.commands
            .send(Command::Sync(done))
            .map_err(|_| AdapterError::Closed)?;
        result
            .await
            .map_err(|_| AdapterError::Closed)?
            .map_err(AdapterError::Transport)
    }

    /// Forgets the channels of one namespace and unsubscribes (resolves once
    /// Redis confirmed, or at once when the connection is down).
    pub(crate) async fn unsubscribe(&self, channels: &Channels) {
        let names = vec![
            channels.request.clone(),
            channels.response.clone(),
            channels.own_response.clone(),
        ];
        {
            let mut routes = self.routes.lock();
            routes.patterns.remove(&channels.pattern);
            for name in &names {
                routes.channels.remove(name);
            }
        }
        let (done, finished) = oneshot::channel();
        let command = Command::Unsubscribe {
            channels: names,
            pattern: channels.pattern.clone(),
            done,
        };
        if self.commands.send(command).is_ok() {
            let _ = finished.await;
        }
    }
}

/// Subscribes the pub/sub connection to everything in `routes`.
async fn sync(sink: &mut PubSubSink, routes: &Mutex<Routes>) -> redis::RedisResult<()> {
    let (channels, patterns): (Vec<String>, Vec<String>) = {
        let routes = routes.lock();
        (
            routes.channels.keys().cloned().collect(),
            routes.patterns.keys().cloned().collect(),
        )
    };
    if !patterns.is_empty() {
        sink.psubscribe(patterns).await?;
    }
    if !channels.is_empty() {
        sink.subscribe(channels).await?;
    }
    Ok(())
}

/// The subscriber task: connects, subscribes, reads, and starts again after
/// a failure (waiting 100 ms, doubling up to 5 s). Ends when the driver is
/// dropped.
async fn subscriber(
    client: redis::Client,
    routes: Arc<Mutex<Routes>>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    ready: oneshot::Sender<Result<(), String>>,
    max_message_size: usize,
) {
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(100);
    loop {
        let (mut sink, mut stream) = match client.get_async_pubsub().await {
            Ok(pubsub) => pubsub.split(),
            Err(e) => {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Err(e.to_string()));
                    return;
                }
                tracing::warn!("redis adapter: subscriber connection failed: {e}");
                let pause = tokio::time::sleep(backoff);
                tokio::pin!(pause);
                loop {
                    tokio::select! {
                        () = &mut pause => break,
                        command = commands.recv() => match command {
                            None => return,
                            Some(Command::Sync(done)) => {
                                let _ = done.send(Err(format!("redis unavailable: {e}")));
                            }
                            Some(Command::Unsubscribe { .. }) => {}
                        },
                    }
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if let Err(e) = sync(&mut sink, &routes).await {
            tracing::warn!("redis adapter: subscribing failed: {e}");
            continue;
        }
        if let Some(ready) = ready.take() {
            let _ = ready.send(Ok(()));
        }
        backoff = Duration::from_millis(100);
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    None => return,
                    Some(Command::Sync(done)) => {
                        let result = sync(&mut sink, &routes).await.map_err(|e| e.to_string());
                        let failed = result.is_err();
                        let _ = done.send(result);
                        if failed {
                            break;
                        }
                    }
                    Some(Command::Unsubscribe { channels, pattern, done }) => {
                        let _ = sink.punsubscribe(pattern).await;
                        let _ = sink.unsubscribe(channels).await;
                        let _ = done.send(());
                    }
                },
                message = stream.next() => match message {
                    Some(message) => dispatch(&routes, &message, max_message_size),
                    None => break,
                },
            }
        }
        tracing::warn!("redis adapter: subscriber connection lost, reconnecting");
    }
}

/// Hands one message to the adapter of its channel (or pattern).
fn dispatch(routes: &Mutex<Routes>, message: &redis::Msg, max_message_size: usize) {
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
        let routes = routes.lock();
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
