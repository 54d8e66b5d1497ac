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
//!
//! It also keeps the connection's byte count: the bytes of the messages
//! queued here plus those the task still holds (in the session, staged
//! for a poll, in the WebSocket's write buffer), which the task publishes
//! ([`Outbox::set_task_bytes`]). A push that would take the total past
//! `max_bytes` is refused as full, so that a client that does not read
//! costs at most that much.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

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
    max_bytes: usize,
    /// Bytes of messages the task took from here and has not handed to a
    /// transport yet (see the module docs).
    task_bytes: AtomicUsize,
    inner: Mutex<Inner>,
    /// Set with `close_requested` or `closed`: read for every incoming
    /// message, without the lock.
    closing: AtomicBool,
}

#[derive(Debug, Default)]
struct Inner {
    /// Messages, each with whether it may be compressed.
    queue: VecDeque<(Message, bool)>,
    /// Bytes of the messages in `queue`.
    bytes: usize,
    /// Requests, each with the time it was handed over.
    commands: VecDeque<(Instant, Command)>,
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
    /// An outbox holding at most `capacity` messages, and taking no more
    /// while the connection buffers `max_bytes` bytes or more.
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        Self {
            capacity,
            max_bytes,
            task_bytes: AtomicUsize::new(0),
            inner: Mutex::new(Inner::default()),
            closing: AtomicBool::new(false),
        }
    }

    /// Queues every message of `msgs` or, when they do not all fit, none
    /// (a packet and its attachments are never split); `compress`: a
    /// WebSocket with per-message deflate may compress them.
    ///
    /// They fit when the queue has room for as many messages and the
    /// connection's bytes stay within `max_bytes` with them; when nothing
    /// at all is buffered they are taken whatever their size, so that a
    /// packet larger than the bound can still be sent.
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
            // Queued first (the iterator is read once), taken back when
            // over the byte bound.
            let before = inner.queue.len();
            let mut added = 0usize;
            for msg in msgs {
                added = added.saturating_add(msg.len());
                inner.queue.push_back((msg, compress));
            }
            let buffered = inner
                .bytes
                .saturating_add(self.task_bytes.load(Ordering::Relaxed));
            if buffered > 0 && buffered.saturating_add(added) > self.max_bytes {
                inner.queue.truncate(before);
                return Err(SendError::Full);
            }
            inner.bytes = inner.bytes.saturating_add(added);
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Hands an HTTP request to the task, stamped with the current time
    /// (tokio's clock), at which the task handles it. `force` admits it
    /// beyond the limit (the WebSocket of an upgrade the session accepted
    /// must arrive). Gives it back when the task is gone or too many wait.
    pub(crate) fn push_command(&self, cmd: Command, force: bool) -> Result<(), Command> {
        let waker = {
            let mut inner = self.inner.lock();
            if inner.closed || (!force && inner.commands.len() >= MAX_COMMANDS) {
                return Err(cmd);
            }
            // Stamped under the lock, so that stamps follow queue order.
            let at = tokio::time::Instant::now().into_std();
            inner.commands.push_back((at, cmd));
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// The next HTTP request, with the time it was handed over.
    pub(crate) fn pop_command(&self) -> Option<(Instant, Command)> {
        self.inner.lock().commands.pop_front()
    }

    /// The next HTTP request if it was handed over before `deadline`.
    pub(crate) fn pop_command_before(&self, deadline: Instant) -> Option<(Instant, Command)> {
        let mut inner = self.inner.lock();
        match inner.commands.front() {
            Some((at, _)) if *at < deadline => inner.commands.pop_front(),
            _ => None,
        }
    }

    /// Asks the task to close the session with `reason`; the first
    /// request wins, but a later [`CloseReason::ServerShuttingDown`] is
    /// still handed to the task (see `Session::close`).
    pub(crate) fn request_close(&self, reason: CloseReason) {
        let waker = {
            let mut inner = self.inner.lock();
            // A shutdown still reaches a session whose task took an earlier
            // request: a closed session must not wait for its client any
            // longer.
            let late_shutdown = reason == CloseReason::ServerShuttingDown && inner.close.is_none();
            if inner.closed || (inner.close_requested && !late_shutdown) {
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

    /// True when `msgs` messages of `bytes` bytes in all would be taken
    /// now by [`Outbox::push`].
    pub(crate) fn has_room(&self, msgs: usize, bytes: usize) -> bool {
        let inner = self.inner.lock();
        let buffered = inner
            .bytes
            .saturating_add(self.task_bytes.load(Ordering::Relaxed));
        !inner.closed
            && inner.queue.len().saturating_add(msgs) <= self.capacity
            && (buffered == 0 || buffered.saturating_add(bytes) <= self.max_bytes)
    }

    /// Bytes this connection buffers: queued here and held by the task.
    pub(crate) fn buffered_bytes(&self) -> usize {
        let queued = self.inner.lock().bytes;
        queued.saturating_add(self.task_bytes.load(Ordering::Relaxed))
    }

    /// The task publishes how many bytes it holds (after it moved or
    /// sent messages, before it parks).
    pub(crate) fn set_task_bytes(&self, bytes: usize) {
        self.task_bytes.store(bytes, Ordering::Relaxed);
    }

    /// A GET took `bytes` of the messages the task staged for it.
    pub(crate) fn release_task_bytes(&self, bytes: usize) {
        // Only while the task is parked (it staged them), so nothing
        // races with its own stores.
        let _ = self
            .task_bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_sub(bytes))
            });
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
        if let Some((msg, _)) = &msg {
            inner.bytes = inner.bytes.saturating_sub(msg.len());
            // The task holds it now (until it publishes its exact count).
            self.task_bytes.fetch_add(msg.len(), Ordering::Relaxed);
        }
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
        let mut taken = 0usize;
        for (msg, compress) in inner.queue.drain(..n) {
            taken = taken.saturating_add(msg.len());
            each(msg, compress);
        }
        inner.bytes = inner.bytes.saturating_sub(taken);
        self.task_bytes.fetch_add(taken, Ordering::Relaxed);
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
            inner.bytes = 0;
            self.task_bytes.store(0, Ordering::Relaxed);
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
        let outbox = Outbox::new(4, usize::MAX);
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
        let outbox = Outbox::new(3, usize::MAX);
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
        outbox.request_close(CloseReason::ForcedClose);
        assert_eq!(outbox.take_close(), None);
        outbox.request_close(CloseReason::ServerShuttingDown);
        assert_eq!(outbox.take_close(), Some(CloseReason::ServerShuttingDown));
        outbox.shut();
        assert!(outbox.is_closed());
        assert_eq!(outbox.pop(), None);
        assert_eq!(
            outbox.push([text("e")].into_iter(), true),
            Err(SendError::Closed)
        );
    }

    #[test]
    fn bounded_in_bytes_with_what_the_task_holds() {
        let outbox = Outbox::new(100, 10);
        outbox
            .push([text("aaaaaaaaaaaa")].into_iter(), true)
            .unwrap();
        assert_eq!(outbox.buffered_bytes(), 12, "alone, larger than the bound");
        assert_eq!(
            outbox.push([text("b")].into_iter(), true),
            Err(SendError::Full)
        );
        assert!(outbox.pop().is_some());
        assert_eq!(outbox.buffered_bytes(), 12, "moved to the task");
        outbox.set_task_bytes(0);
        outbox
            .push([text("aaaa"), text("bbbb")].into_iter(), true)
            .unwrap();
        assert_eq!(
            outbox.push([text("cc"), text("d")].into_iter(), true),
            Err(SendError::Full),
            "all or nothing"
        );
        assert_eq!(outbox.pop_into(10, |_, _| {}), 2);
        assert_eq!(outbox.buffered_bytes(), 8, "the task holds them now");
        outbox.set_task_bytes(8);
        assert_eq!(
            outbox.push([text("ccc")].into_iter(), true),
            Err(SendError::Full)
        );
        outbox.push([text("cc")].into_iter(), true).unwrap();
        outbox.release_task_bytes(8);
        assert_eq!(outbox.buffered_bytes(), 2);
        outbox.shut();
        assert_eq!(outbox.buffered_bytes(), 0, "given back at the end");
    }
}
