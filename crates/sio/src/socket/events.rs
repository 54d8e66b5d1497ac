//! A socket's event listeners, as Node's `EventEmitter` keeps them: any
//! number per event, called in the order they were added (`on`,
//! `prepend_listener`), some only once (`once`), removable one by one
//! (`remove_listener`) or per event (`off`).

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use smallvec::SmallVec;

use super::{SocketRef, listeners::ListenerId};
use crate::handler::{ErasedMessage, MessageHandler, erase_message};
use crate::reason::DisconnectReason;

pub(super) type DisconnectFn =
    Box<dyn FnOnce(SocketRef, DisconnectReason) -> BoxFuture<'static, ()> + Send>;
pub(super) type DisconnectingFn = Box<dyn FnOnce(&SocketRef, DisconnectReason) + Send>;

/// The listeners of one event run for one packet: almost always one.
pub(crate) type EventListeners = SmallVec<[Arc<dyn ErasedMessage>; 1]>;

/// The listeners of one event, kept inline when there is one (the usual
/// case): no allocation per registered event.
type ListenerList = SmallVec<[Listener; 1]>;

/// One listener of one event.
struct Listener {
    id: ListenerId,
    handler: Arc<dyn ErasedMessage>,
    once: bool,
}

/// The handlers a socket registered.
#[derive(Default)]
pub(crate) struct Handlers {
    events: HashMap<String, ListenerList>,
    pub(super) disconnect: Option<DisconnectFn>,
    pub(super) disconnecting: Option<DisconnectingFn>,
}

impl Handlers {
    /// The listeners `event` runs now, in order; those added with `once`
    /// are removed.
    pub(crate) fn for_event(&mut self, event: &str) -> EventListeners {
        let Some(list) = self.events.get_mut(event) else {
            return EventListeners::new();
        };
        let out = list.iter().map(|l| l.handler.clone()).collect();
        if list.iter().any(|l| l.once) {
            list.retain(|l| !l.once);
            if list.is_empty() {
                self.events.remove(event);
            }
        }
        out
    }

    /// Forgets every event listener.
    pub(super) fn clear_events(&mut self) {
        self.events.clear();
    }

    fn add(&mut self, event: String, listener: Listener, front: bool) {
        let list = self.events.entry(event).or_default();
        if front {
            list.insert(0, listener);
        } else {
            list.push(listener);
        }
    }
}

impl SocketRef {
    fn add_event_listener<H, T>(
        &self,
        event: impl Into<String>,
        handler: H,
        once: bool,
        front: bool,
    ) -> ListenerId
    where
        H: MessageHandler<T>,
        T: Send + 'static,
    {
        let id = self.listeners.id();
        let listener = Listener {
            id,
            handler: erase_message(handler),
            once,
        };
        self.handlers.lock().add(event.into(), listener, front);
        id
    }

    /// Adds a listener of `event` (Node's `on`): every listener of an
    /// event runs, in the order they were added. When the client asked for
    /// an acknowledgement, each gets an [`AckSender`](crate::AckSender) and
    /// the first answer is the one sent.
    ///
    /// A handler is an async closure or function whose arguments are
    /// extractors ([`SocketRef`], [`Data<T>`](crate::Data),
    /// [`AckSender`](crate::AckSender), ...). Events of one socket start
    /// their handlers in the order they arrived. Register handlers before
    /// the connection handler's first `.await`, so that no early event
    /// finds none.
    pub fn on<H, T>(&self, event: impl Into<String>, handler: H)
    where
        H: MessageHandler<T>,
        T: Send + 'static,
    {
        self.add_event_listener(event, handler, false, false);
    }

    /// As [`SocketRef::on`], returning an id that
    /// [`SocketRef::remove_listener`] takes (Node's `addListener`).
    pub fn add_listener<H, T>(&self, event: impl Into<String>, handler: H) -> ListenerId
    where
        H: MessageHandler<T>,
        T: Send + 'static,
    {
        self.add_event_listener(event, handler, false, false)
    }

    /// As [`SocketRef::add_listener`], the listener running before those
    /// added so far (Node's `prependListener`).
    pub fn prepend_listener<H, T>(&self, event: impl Into<String>, handler: H) -> ListenerId
    where
        H: MessageHandler<T>,
        T: Send + 'static,
    {
        self.add_event_listener(event, handler, false, true)
    }

    /// Adds a listener of `event` for its next occurrence only (Node's
    /// `once`).
    pub fn once<H, T>(&self, event: impl Into<String>, handler: H) -> ListenerId
    where
        H: MessageHandler<T>,
        T: Send + 'static,
    {
        self.add_event_listener(event, handler, true, false)
    }

    /// Removes one listener of `event` (Node's `removeListener`); returns
    /// whether it was there.
    pub fn remove_listener(&self, event: &str, id: ListenerId) -> bool {
        let mut handlers = self.handlers.lock();
        let Some(list) = handlers.events.get_mut(event) else {
            return false;
        };
        let before = list.len();
        list.retain(|l| l.id != id);
        let removed = list.len() != before;
        if list.is_empty() {
            handlers.events.remove(event);
        }
        removed
    }

    /// Removes every listener of `event` (Node's `removeAllListeners(event)`);
    /// returns whether there was one.
    pub fn off(&self, event: &str) -> bool {
        self.handlers.lock().events.remove(event).is_some()
    }

    /// Removes every event listener (Node's `removeAllListeners()`); the
    /// disconnect handlers and catch-all listeners stay.
    pub fn off_all(&self) {
        self.handlers.lock().clear_events();
    }

    /// How many listeners `event` has (Node's `listenerCount`).
    pub fn listener_count(&self, event: &str) -> usize {
        self.handlers
            .lock()
            .events
            .get(event)
            .map_or(0, |list| list.len())
    }

    /// The events that have a listener, sorted (Node's `eventNames`).
    pub fn event_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.handlers.lock().events.keys().cloned().collect();
        names.sort_unstable();
        names
    }
}
