//! The outbox of one session: the bounded queue of messages its sockets
//! send, the requests of the HTTP side (polls, posts, upgrades) and the
//! request to close it, all read by the session's task.
//!
//! It replaces a tokio channel for one reason: most messages are queued by
//! handlers running inside the session's own task (an ack, an emit back),
//! and a channel would wake that task although it is already running,
//! costing a whole extra poll per message. Here the task disarms its waker
//! while it runs ([`Outbox::disarm`]) and looks at the queue before it
//! parks ([`Outbox::poll_ready`], under the same lock as the senders), so
//! only a sender from elsewhere, while the task is parked, wakes it. An
//! idle outbox holds no buffer.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;
use sio_engine::{CloseReason, Message, SendError};

use super::driver::Command;

/// Capacity kept by a drained queue; a larger one (left by a burst) is
/// given back, so that an idle session stays small.
const KEEP_CAPACITY: usize = 64;

/// Most HTTP requests waiting for one session. A client has at most a poll,
/// a post and an upgrade in flight; more is refused.
const MAX_COMMANDS: usize = 16;

/// See the module docs.
#[derive(Debug)]
pub(crate) struct Outbox {
    capacity: usize,
    inner: Mutex<Inner>,
    /// Set with `close_requested` or `closed`: read for every incoming
    /// message, without the lock.
    closing: AtomicBool,
}

#[derive(Debug, Default)]
struct Inner {
    /// Messages, each with whether it may be compressed.
    queue: VecDeque<(Message, bool)>,
    commands: VecDeque<Command>,
    /// The parked task's waker; `None` while the task runs.
    waker: Option<Waker>,
    /// The first close request, until the task takes it.
    close: Option<CloseReason>,
    /// A close was requested (later requests change nothing).
    close_requested: bool,
    /// The task ended: nothing more is accepted.
    closed: bool,
}

impl Outbox {
    /// An outbox holding at most `capacity` messages.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(Inner::default()),
            closing: AtomicBool::new(false),
        }
    }

    /// Queues every message of `msgs` or, when they do not all fit, none
    /// (a packet and its attachments are never split); `compress`: a
    /// WebSocket with per-message deflate may compress them.
    pub(crate) fn push<I>(&self, msgs: I, compress: bool) -> Result<(), SendError>
    where
        I: ExactSizeIterator<Item = Message>,
    {
        let waker = {
            let mut inner = self.inner.lock();
            if inner.closed {
                return Err(SendError::Closed);
            }
            if inner.queue.len().saturating_add(msgs.len()) > self.capacity {
                return Err(SendError::Full);
            }
            inner.queue.extend(msgs.map(|msg| (msg, compress)));
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Hands an HTTP request to the task. `force` admits it beyond the
    /// limit (the WebSocket of an upgrade the session accepted must
    /// arrive). Gives it back when the task is gone or too many wait.
    pub(crate) fn push_command(&self, cmd: Command, force: bool) -> Result<(), Command> {
        let waker = {
            let mut inner = self.inner.lock();
            if inner.closed || (!force && inner.commands.len() >= MAX_COMMANDS) {
                return Err(cmd);
            }
            inner.commands.push_back(cmd);
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// The next HTTP request.
    pub(crate) fn pop_command(&self) -> Option<Command> {
        self.inner.lock().commands.pop_front()
    }

    /// Asks the task to close the session with `reason`; the first
    /// request wins.
    pub(crate) fn request_close(&self, reason: CloseReason) {
        let waker = {
            let mut inner = self.inner.lock();
            if inner.closed || inner.close_requested {
                return;
            }
            inner.close_requested = true;
            inner.close = Some(reason);
            self.closing.store(true, Ordering::Release);
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// True once the session's task has ended.
    pub(crate) fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }

    /// True once a close was requested (or the task has ended): what the
    /// client sends from then on is not handled.
    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    /// The task is running: senders need not wake it, it will look at the
    /// queue before it parks.
    pub(crate) fn disarm(&self) {
        let waker = self.inner.lock().waker.take();
        drop(waker);
    }

    /// Ready when a request, a close request or (with `messages`) a
    /// message waits; otherwise registers the task's waker (to park).
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, messages: bool) -> Poll<()> {
        let mut inner = self.inner.lock();
        if (messages && !inner.queue.is_empty())
            || !inner.commands.is_empty()
            || inner.close.is_some()
        {
            return Poll::Ready(());
        }
        match &inner.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => inner.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// True when a message waits.
    pub(crate) fn has_messages(&self) -> bool {
        !self.inner.lock().queue.is_empty()
    }

    /// The next queued message.
    pub(crate) fn pop(&self) -> Option<(Message, bool)> {
        let mut inner = self.inner.lock();
        let msg = inner.queue.pop_front();
        if msg.is_none() && inner.queue.capacity() > KEEP_CAPACITY {
            inner.queue = VecDeque::new();
        }
        msg
    }

    /// Hands up to `max` queued messages to `each`, in order, under one
    /// lock (keep `each` short: senders wait); returns how many. Fewer
    /// than `max` means the queue is empty now.
    pub(crate) fn pop_into(&self, max: usize, mut each: impl FnMut(Message, bool)) -> usize {
        let mut inner = self.inner.lock();
        let n = max.min(inner.queue.len());
        for (msg, compress) in inner.queue.drain(..n) {
            each(msg, compress);
        }
        if inner.queue.is_empty() && inner.queue.capacity() > KEEP_CAPACITY {
            inner.queue = VecDeque::new();
        }
        n
    }

    /// Takes the close request, if any.
    pub(crate) fn take_close(&self) -> Option<CloseReason> {
        self.inner.lock().close.take()
    }

    /// The task ended: refuses every later message and request, and drops
    /// those queued (a dropped request's HTTP side hears the session is
    /// gone).
    pub(crate) fn shut(&self) {
        let queued = {
            let mut inner = self.inner.lock();
            inner.closed = true;
            self.closing.store(true, Ordering::Release);
            inner.waker = None;
            (
                std::mem::take(&mut inner.queue),
                std::mem::take(&mut inner.commands),
            )
        };
        drop(queued);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn text(s: &'static str) -> Message {
        Message::Text(sio_engine::Str::from(s))
    }

    #[test]
    fn wakes_a_parked_task_once_and_a_running_one_never() {
        let outbox = Outbox::new(4);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(outbox.poll_ready(&mut cx, true).is_pending());
        outbox.push([text("a")].into_iter(), true).unwrap();
        outbox.push([text("b")].into_iter(), true).unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "parked: woken once");
        assert!(outbox.poll_ready(&mut cx, true).is_ready());
        outbox.disarm();
        outbox.push([text("c")].into_iter(), false).unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "running: not woken");
        let drained: Vec<_> = std::iter::from_fn(|| outbox.pop()).collect();
        assert_eq!(
            drained,
            [(text("a"), true), (text("b"), true), (text("c"), false)]
        );
        assert!(outbox.poll_ready(&mut cx, true).is_pending());
    }

    #[test]
    fn all_or_nothing_within_capacity_then_closed() {
        let outbox = Outbox::new(3);
        outbox
            .push([text("a"), text("b")].into_iter(), true)
            .unwrap();
        assert_eq!(
            outbox.push([text("c"), text("d")].into_iter(), true),
            Err(SendError::Full)
        );
        outbox.push([text("c")].into_iter(), true).unwrap();
        outbox.request_close(CloseReason::ForcedClose);
        outbox.request_close(CloseReason::ServerShuttingDown);
        assert_eq!(outbox.take_close(), Some(CloseReason::ForcedClose));
        assert_eq!(outbox.take_close(), None);
        outbox.shut();
        assert!(outbox.is_closed());
        assert_eq!(outbox.pop(), None);
        assert_eq!(
            outbox.push([text("e")].into_iter(), true),
            Err(SendError::Closed)
        );
    }
}
