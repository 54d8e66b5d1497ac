//! Handlers of server-side events, the events other servers of a cluster
//! send with `server_side_emit` (Node's `io.on(event, ..)` and
//! `io.of(name).on(event, ..)` for `serverSideEmit`).
//!
//! Each namespace keeps its own handlers by event name; the builder's
//! [`on_server_side`](crate::SocketIoBuilder::on_server_side) handlers
//! belong to the main namespace `/`, and the builder's catch-all
//! [`on_server_event`](crate::SocketIoBuilder::on_server_event) answers
//! what no per-event handler takes, in every namespace.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use parking_lot::RwLock;
use sio_adapter::{AckResponse, AckSink};
use sio_parser::Value;

use super::Namespace;

/// A server-side event handler: the arguments after the event name in,
/// the answer's arguments out.
pub(crate) type ServerEventFn =
    Arc<dyn Fn(Vec<Value>) -> BoxFuture<'static, Vec<Value>> + Send + Sync>;

/// Wraps a user's handler.
pub(crate) fn erase<F, Fut>(handler: F) -> ServerEventFn
where
    F: Fn(Vec<Value>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<Value>> + Send + 'static,
{
    Arc::new(move |args| Box::pin(handler(args)))
}

/// The per-event handlers of one namespace.
#[derive(Default)]
pub(crate) struct ServerEvents {
    map: RwLock<HashMap<String, Vec<ServerEventFn>>>,
}

impl ServerEvents {
    /// Adds a handler of `event` after those already there.
    pub(crate) fn add(&self, event: String, handler: ServerEventFn) {
        self.map.write().entry(event).or_default().push(handler);
    }

    fn get(&self, event: &str) -> Vec<ServerEventFn> {
        self.map.read().get(event).cloned().unwrap_or_default()
    }
}

/// Hands a server-side event (`[event, ...args]`) to namespace `ns`'s
/// handlers of that event, in the order they were added, each in its own
/// task; the first handler's answer goes to `ack`. An event no per-event
/// handler takes goes to the builder's catch-all, if any.
pub(crate) fn dispatch(ns: &Namespace, args: Vec<Value>, ack: Option<AckSink>) {
    let event = args.first().and_then(Value::as_str).map(str::to_owned);
    let mut handlers = Vec::new();
    if let Some(event) = &event {
        if ns.name == "/" {
            handlers.extend(
                ns.config
                    .server_events
                    .iter()
                    .filter(|(name, _)| name == event)
                    .map(|(_, f)| f.clone()),
            );
        }
        handlers.extend(ns.server_events.get(event));
    }
    if handlers.is_empty() {
        match &ns.config.server_side {
            Some(catch_all) => crate::socket::spawn(catch_all(args, ack)),
            None => tracing::debug!(ns = %ns.name, ?event, "server-side event with no handler"),
        }
        return;
    }
    let rest: Vec<Value> = args.into_iter().skip(1).collect();
    let mut ack = ack;
    for handler in handlers {
        let fut = handler(rest.clone());
        let sink = ack.take();
        crate::socket::spawn(Box::pin(async move {
            let answer = fut.await;
            if let Some(sink) = sink {
                sink.ack(AckResponse {
                    socket: None,
                    args: answer,
                });
            }
        }));
    }
}
