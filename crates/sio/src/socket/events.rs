//! A socket's event listeners, as Node's `EventEmitter` keeps them: any
//! number per event, called in the order they were added (`on`,
//! `prepend_listener`), some only once (`once`), removable one by one
//! (`remove_listener`) or per event (`off`).

use std::sync::Arc;

use smallvec::SmallVec;

use super::{SocketRef, listeners::ListenerId};
use crate::handler::{
    ErasedDisconnect, ErasedDisconnecting, ErasedMessage, MessageHandler, erase_message,
};

/// The listeners of one event run for one packet: almost always one.
pub(crate) type EventListeners = SmallVec<[Arc<dyn ErasedMessage>; 1]>;

/// Longest event name kept inline in an [`EventName`].
const INLINE: usize = 22;

/// An event name: inline when it is short (nearly every name is), so a
/// registered listener costs no allocation for its name.
enum EventName {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl EventName {
    fn new(name: &str) -> Self {
        let mut bytes = [0u8; INLINE];
        match (bytes.get_mut(..name.len()), u8::try_from(name.len())) {
            (Some(dst), Ok(len)) => {
                dst.copy_from_slice(name.as_bytes());
                Self::Inline { len, bytes }
            }
            _ => Self::Heap(Box::from(name)),
        }
    }

    /// The name's UTF-8 bytes (byte order is the order of the names).
    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Self::Heap(name) => name.as_bytes(),
        }
    }

    fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(self.as_bytes()).into_owned()
    }
}

/// One listener of one event.
struct Listener {
    name: EventName,
    handler: Arc<dyn ErasedMessage>,
    id: ListenerId,
    once: bool,
}

/// The handlers a socket registered.
#[derive(Default)]
pub(crate) struct Handlers {
    /// Every event listener, sorted by event name; the listeners of one
    /// event are adjacent, in the order they run. A sorted vector, not a
    /// map: a socket has a few dozen listeners at most, a binary search
    /// finds one as fast as a hash, and the table is a third of a map's
    /// size (a socket of the e2e server registers about 20).
    events: Vec<Listener>,
    /// The disconnect listeners, in the order they run.
    pub(super) disconnect: Vec<Box<dyn ErasedDisconnect>>,
    /// The disconnecting listeners, in the order they run.
    pub(super) disconnecting: Vec<Box<dyn ErasedDisconnecting>>,
}

impl Handlers {
    /// The index range of `event`'s listeners (empty when it has none).
    fn range(&self, event: &str) -> std::ops::Range<usize> {
        let key = event.as_bytes();
        let start = self.events.partition_point(|l| l.name.as_bytes() < key);
        let len = self
            .events
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|l| l.name.as_bytes() == key)
            .count();
        start..start + len
    }

    fn listeners(&self, event: &str) -> &[Listener] {
        self.events.get(self.range(event)).unwrap_or_default()
    }

    /// The listeners `event` runs now, in order; those added with `once`
    /// are removed.
    pub(crate) fn for_event(&mut self, event: &str) -> EventListeners {
        let range = self.range(event);
        let list = self.events.get(range.clone()).unwrap_or_default();
        let out = list.iter().map(|l| l.handler.clone()).collect();
        if list.iter().any(|l| l.once) {
            let mut i = 0;
            self.events.retain(|l| {
                let keep = !(range.contains(&i) && l.once);
                i += 1;
                keep
            });
        }
        out
    }

    /// Forgets every event listener.
    pub(super) fn clear_events(&mut self) {
        self.events = Vec::new();
    }

    fn add(
        &mut self,
        event: &str,
        handler: Arc<dyn ErasedMessage>,
        id: ListenerId,
        once: bool,
        front: bool,
    ) {
        let range = self.range(event);
        let at = if front { range.start } else { range.end };
        // Grows by 4 entries up to 32, then by a quarter, not twice over:
        // tables are small and built once, and a doubled one would leave
        // up to half of it unused.
        let len = self.events.len();
        if len == self.events.capacity() {
            self.events
                .reserve_exact(if len < 32 { 4 } else { len / 4 });
        }
        let listener = Listener {
            name: EventName::new(event),
            handler,
            id,
            once,
        };
        self.events.insert(at, listener);
    }

    /// Removes `event`'s listeners for which `remove` says so; returns
    /// how many were removed.
    fn remove(&mut self, event: &str, remove: impl Fn(&Listener) -> bool) -> usize {
        let range = self.range(event);
        let before = self.events.len();
        let mut i = 0;
        self.events.retain(|l| {
            let keep = !(range.contains(&i) && remove(l));
            i += 1;
            keep
        });
        before - self.events.len()
    }
}

impl SocketRef {
    fn add_event_listener<H, T>(
        &self,
        event: impl AsRef<str>,
        handler: H,
        once: bool,
        front: bool,
    ) -> ListenerId
    where
        H: MessageHandler<T>,
        T: Send + 'static,
    {
        let id = self.listeners.id();
        let handler = erase_message(handler);
        let state = &self.ns.config.state;
        for ty in handler.state_types().iter().filter(|ty| !state.has(ty)) {
            tracing::error!(
                ns = %self.ns.name,
                event = event.as_ref(),
                state = ty.name(),
                "this event handler extracts a State that was never given to SocketIoBuilder::with_state"
            );
        }
        self.handlers
            .lock()
            .add(event.as_ref(), handler, id, once, front);
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
    pub fn on<H, T>(&self, event: impl AsRef<str>, handler: H)
    where
        H: MessageHandler<T>,
        T: Send + 'static,
    {
        self.add_event_listener(event, handler, false, false);
    }

    /// As [`SocketRef::on`], returning an id that
    /// [`SocketRef::remove_listener`] takes (Node's `addListener`).
    pub fn add_listener<H, T>(&self, event: impl AsRef<str>, handler: H) -> ListenerId
    where
        H: MessageHandler<T>,
        T: Send + 'static,
    {
        self.add_event_listener(event, handler, false, false)
    }

    /// As [`SocketRef::add_listener`], the listener running before those
    /// added so far (Node's `prependListener`).
    pub fn prepend_listener<H, T>(&self, event: impl AsRef<str>, handler: H) -> ListenerId
    where
        H: MessageHandler<T>,
        T: Send + 'static,
    {
        self.add_event_listener(event, handler, false, true)
    }

    /// Adds a listener of `event` for its next occurrence only (Node's
    /// `once`).
    pub fn once<H, T>(&self, event: impl AsRef<str>, handler: H) -> ListenerId
    where
        H: MessageHandler<T>,
        T: Send + 'static,
    {
        self.add_event_listener(event, handler, true, false)
    }

    /// Removes one listener of `event` (Node's `removeListener`); returns
    /// whether it was there.
    pub fn remove_listener(&self, event: &str, id: ListenerId) -> bool {
        self.handlers.lock().remove(event, |l| l.id == id) > 0
    }

    /// Removes every listener of `event` (Node's `removeAllListeners(event)`);
    /// returns whether there was one.
    pub fn off(&self, event: &str) -> bool {
        self.handlers.lock().remove(event, |_| true) > 0
    }

    /// Removes every event listener (Node's `removeAllListeners()`); the
    /// disconnect handlers and catch-all listeners stay.
    pub fn off_all(&self) {
        self.handlers.lock().clear_events();
    }

    /// How many listeners `event` has (Node's `listenerCount`).
    pub fn listener_count(&self, event: &str) -> usize {
        self.handlers.lock().listeners(event).len()
    }

    /// The events that have a listener, sorted (Node's `eventNames`).
    pub fn event_names(&self) -> Vec<String> {
        let handlers = self.handlers.lock();
        let mut names: Vec<String> = Vec::new();
        for l in &handlers.events {
            if names.last().map(String::as_bytes) != Some(l.name.as_bytes()) {
                names.push(l.name.to_string_lossy());
            }
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_inline_long_ones_on_the_heap() {
        let short = EventName::new("disconnect-sockets");
        assert!(matches!(short, EventName::Inline { .. }));
        assert_eq!(short.as_bytes(), b"disconnect-sockets");
        let edge = EventName::new(&"x".repeat(INLINE));
        assert!(matches!(edge, EventName::Inline { .. }));
        assert_eq!(edge.as_bytes().len(), INLINE);
        let long = EventName::new(&"y".repeat(INLINE + 1));
        assert!(matches!(long, EventName::Heap(_)));
        assert_eq!(long.to_string_lossy(), "y".repeat(INLINE + 1));
        let empty = EventName::new("");
        assert_eq!(empty.as_bytes(), b"");
    }

    fn noop() -> Arc<dyn ErasedMessage> {
        erase_message(|| std::future::ready(()))
    }

    #[test]
    fn listeners_of_one_event_stay_in_order_among_others() {
        let mut h = Handlers::default();
        let ids: Vec<ListenerId> = (0..5).map(ListenerId::for_test).collect();
        h.add("b", noop(), ids[0], false, false);
        h.add("a", noop(), ids[1], false, false);
        h.add("b", noop(), ids[2], true, false);
        h.add("c", noop(), ids[3], false, false);
        h.add("b", noop(), ids[4], false, true);
        let order: Vec<ListenerId> = h.listeners("b").iter().map(|l| l.id).collect();
        assert_eq!(order, [ids[4], ids[0], ids[2]]);
        assert_eq!(h.for_event("b").len(), 3);
        assert_eq!(h.listeners("b").len(), 2, "the once listener is gone");
        assert_eq!(h.for_event("zz").len(), 0);
        assert_eq!(h.remove("b", |l| l.id == ids[0]), 1);
        assert_eq!(h.remove("b", |l| l.id == ids[0]), 0);
        assert_eq!(h.listeners("a").len(), 1);
        assert_eq!(h.listeners("c").len(), 1);
        assert_eq!(h.remove("c", |_| true), 1);
        assert_eq!(h.events.len(), 2);
    }
}
