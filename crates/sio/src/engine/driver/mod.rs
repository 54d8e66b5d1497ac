//! The connection task: one tokio task per session owns the sans-IO
//! [`Session`] by value and is the only place with timers. It selects over
//! the requests handed over by the HTTP side, the WebSocket (if any), the
//! session's next deadline, a cancelled pending poll and the handler's own
//! futures, then drains what the session wants sent and heard.

use std::future::{pending, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::{Duration, Instant};

use sio_engine::{
    Event, Message, Packet, PollReply, RequestError, Session, Transmit, TransportKind,
};
use tokio::sync::{OwnedSemaphorePermit, oneshot};

use super::handler::{ConnHandler, SocketShared};
use super::registry::Registry;

mod ws;

use super::wsconn::{WsConn, WsRead};
use ws::ws_next;

/// Most messages taken from the outbox in one go, so that a busy
/// sender cannot starve the other inputs.
const MSG_BATCH: usize = 64;

/// Most rounds of moving messages and draining the session per step.
const SETTLE_ROUNDS: usize = 16;

/// Most rounds in a row that send what the handlers queued without going
/// through the select.
const QUICK_ROUNDS: usize = 4;

/// A request handed to a session's task by the HTTP side.
#[derive(Debug)]
pub(crate) enum Command {
    /// A polling GET, answered when the session has something to send.
    Poll(oneshot::Sender<Result<PollReply, RequestError>>),
    /// The packets of a polling POST body, decoded by the request's task
    /// (which has answered it already), with the permit that keeps the
    /// next POST waiting until the task took these.
    Post(Vec<Packet>, OwnedSemaphorePermit),
    /// A WebSocket request for this session: may it upgrade?
    Upgrade(oneshot::Sender<Result<(), RequestError>>),
    /// The WebSocket of an accepted upgrade.
    Ws(Box<WsConn>),
    /// The accepted upgrade never became a WebSocket.
    WsFailed,
}

/// The current time, from tokio's clock so that paused-time tests work.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// One session's task state.
pub(crate) struct Driver<C> {
    pub(crate) session: Session,
    pub(crate) conn: C,
    pub(crate) shared: Arc<SocketShared>,
    pub(crate) registry: Arc<Registry>,
    pub(crate) pending_get: Option<oneshot::Sender<Result<PollReply, RequestError>>>,
    pub(crate) ws: Option<Box<WsConn>>,
    /// A message the session refused as full, retried before any other:
    /// while it waits the outbox fills up and
    /// [`EngineSocket::send`](super::EngineSocket::send) reports `Full`.
    pub(crate) held: Option<(Message, bool)>,
    /// Longest wait for the WebSocket to take a frame (the ping timeout):
    /// a client that stops reading cannot stall its task for longer.
    pub(crate) write_timeout: Duration,
    /// The session's next deadline.
    pub(crate) timer: Timer,
    /// Packets were set out in `shared.ready` for the next GET.
    pub(crate) staged: bool,
    /// Counts the WebSockets handed to the task, to tell a frame of a
    /// replaced one.
    pub(crate) ws_generation: u32,
    /// The session's place in its client address's count
    /// ([`ConnectionLimit`](crate::ConnectionLimit)), given back when the
    /// task ends.
    pub(crate) _permit: Option<crate::limit::AddrPermit>,
}

/// One timer per session, re-armed only when the session's deadline
/// changes: building a fresh `Sleep` on every step would register and
/// cancel a timer entry per message.
#[derive(Debug)]
pub(crate) struct Timer {
    sleep: Pin<Box<tokio::time::Sleep>>,
    at: Option<std::time::Instant>,
}

/// How long a protocol-3 WebSocket session waits after its 101 before its
/// OPEN packet (see [`Driver::run`]). 1 ms was not enough on a loaded
/// 2-core machine: the client's process was not scheduled between the two
/// writes, read both at once and missed the OPEN. The cost is a 20 ms later
/// OPEN for protocol-3 clients that open directly on WebSocket (socket.io
/// 2.x clients start on polling by default).
const V3_OPEN_DELAY: std::time::Duration = std::time::Duration::from_millis(20);

impl Default for Timer {
    fn default() -> Self {
        // Unarmed until the first deadline; the instant is never waited on.
        Self {
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
            at: None,
        }
    }
}

impl Timer {
    /// Arms the timer for `deadline` (if it changed); false when there is none.
    fn arm(&mut self, deadline: Option<std::time::Instant>) -> bool {
        if deadline != self.at {
            if let Some(at) = deadline {
                self.sleep
                    .as_mut()
                    .reset(tokio::time::Instant::from_std(at));
            }
            self.at = deadline;
        }
        self.at.is_some()
    }
}

enum Step {
    Ws(WsRead),
    /// Messages or a close request wait in the outbox.
    Outbox,
    PollCancelled,
    Timeout,
    ConnIdle,
}

impl<C: ConnHandler> Driver<C> {
    /// Runs the session to its end, then forgets it in the registry.
    pub(crate) async fn run(mut self) {
        // Forgets the session even if a handler callback panics.
        let _deregister = Deregister(self.registry.clone(), self.shared.clone());
        crate::metrics::connection_opened(self.shared.initial);
        if self.ws.is_some() && self.session.protocol() == sio_engine::Protocol::V3 {
            // Protocol 3 over a direct WebSocket: the OPEN packet waits a
            // moment after the 101. Clients of that era (and the official
            // v3 suite) may start listening for messages only once 'open'
            // has fired, and miss an OPEN that arrived in the same read as
            // the 101 (Node's own server loses that race about half the
            // time on a 2-core machine). Protocol 4 clients listen first.
            tokio::time::sleep(V3_OPEN_DELAY).await;
        }
        let mut conn_active = true;
        let mut quick = 0;
        loop {
            // Running: what the handlers queue from here on is taken before
            // the task parks again, without waking it.
            self.shared.outbox.disarm();
            self.settle().await;
            if self.session.is_finished() {
                break;
            }
            // Give the handler's own futures a turn after every step, so that
            // steady traffic (which the biased select serves first) cannot
            // starve them.
            if conn_active {
                let conn = &mut self.conn;
                conn_active = poll_fn(|cx| Poll::Ready(conn.poll(cx).is_pending())).await;
            }
            // What the handlers just sent (an ack, an answer) goes out at
            // once rather than after a trip through the select; a few rounds
            // in a row at most, so that a handler that keeps sending cannot
            // starve the transport, the HTTP requests and the timers.
            if quick < QUICK_ROUNDS && self.held.is_none() && self.shared.outbox.has_messages() {
                quick += 1;
                conn_active = true;
                continue;
            }
            quick = 0;
            self.stage();
            let step = self.next_step(conn_active).await;
            self.unstage();
            conn_active = !matches!(step, Step::ConnIdle);
            self.apply(step).await;
        }
        self.close_ws();
        tracing::debug!(sid = %self.shared.sid, "session task ended");
    }

    async fn next_step(&mut self, conn_active: bool) -> Step {
        let armed = self.timer.arm(self.session.poll_timeout());
        let conn = &mut self.conn;
        let timer = &mut self.timer.sleep;
        let outbox = &self.shared.outbox;
        // A message the session refused waits: take no more until it fits.
        let messages = self.held.is_none();
        tokio::select! {
            biased;
            frame = ws_next(&mut self.ws) => Step::Ws(frame),
            () = poll_fn(|cx| outbox.poll_ready(cx, messages)) => Step::Outbox,
            () = get_closed(&mut self.pending_get) => Step::PollCancelled,
            () = timer.as_mut(), if armed => Step::Timeout,
            () = poll_fn(|cx| conn.poll(cx)), if conn_active => Step::ConnIdle,
        }
    }

    async fn apply(&mut self, step: Step) {
        let now = now();
        // A deadline that passed while the task was busy (or woke late) is
        // honoured before any later input.
        if self.session.poll_timeout().is_some_and(|at| at <= now) {
            self.catch_up(now).await;
            self.settle().await;
            if self.session.is_finished() {
                while let Some((_, cmd)) = self.shared.outbox.pop_command() {
                    refuse(cmd);
                }
                return;
            }
        }
        match step {
            Step::Ws(frame) => {
                // A POST answered before the client sent this frame (its
                // upgrade, say) may still wait in the outbox: its packets
                // come first.
                if self.session.transport() == TransportKind::Polling {
                    let ws = self.ws_generation;
                    self.run_commands().await;
                    if ws != self.ws_generation {
                        // Those commands replaced the WebSocket the frame
                        // came from (and closed it): the frame is void.
                        return;
                    }
                }
                self.on_ws(frame).await;
            }
            Step::Outbox => {
                self.run_commands().await;
                // Messages queued before a close request go out first (a
                // waiting poll gets them), as they did before it.
                self.settle().await;
                if let Some(reason) = self.shared.outbox.take_close() {
                    // A sender queues its last messages before it asks for
                    // the close, possibly from another thread while the
                    // settle above ran: move them in before the session
                    // closes (a closed session refuses messages).
                    self.settle().await;
                    self.session.close(now, reason);
                }
            }
            Step::PollCancelled => {
                self.pending_get = None;
                self.session.handle_poll_cancelled(now);
            }
            // Handled above.
            Step::Timeout | Step::ConnIdle => {}
        }
    }

    /// Runs the session's timers that are due at `now`, but first the HTTP
    /// requests handed over before the deadline, each at the time it was
    /// handed over: a pong whose POST was answered `ok` before the ping
    /// deadline counts, and a poll that came after the ping timeout finds
    /// the session closed.
    async fn catch_up(&mut self, now: Instant) {
        while let Some(deadline) = self.session.poll_timeout().filter(|at| *at <= now) {
            match self.shared.outbox.pop_command_before(deadline) {
                Some((at, cmd)) => self.on_command(cmd, at).await,
                None => {
                    self.session.handle_timeout(now);
                    return;
                }
            }
        }
    }

    /// Handles every HTTP request waiting in the outbox. A closed session
    /// still takes the GET that collects its last words.
    async fn run_commands(&mut self) {
        while let Some((at, cmd)) = self.shared.outbox.pop_command() {
            let poll = matches!(cmd, Command::Poll(_));
            if self.session.is_finished() || (self.session.is_closed() && !poll) {
                refuse(cmd);
            } else {
                self.on_command(cmd, at).await;
            }
        }
    }

    /// Before the task parks: sets out what the session has buffered for
    /// the next GET, which then takes it from its own task. Not while a
    /// message waits for room in the session: that GET must wake the task
    /// to make room.
    fn stage(&mut self) {
        if self.held.is_some() {
            return;
        }
        if let Some(packets) = self.session.take_for_poll() {
            let mut ready = self.shared.ready.lock();
            debug_assert!(ready.packets.is_empty(), "unstaged before staging again");
            ready.packets.extend(packets);
            ready.until = self.session.poll_timeout();
            self.staged = true;
        }
    }

    /// After the task woke: takes back what no GET took, before the
    /// session handles anything.
    fn unstage(&mut self) {
        if std::mem::take(&mut self.staged) {
            let packets = std::mem::take(&mut self.shared.ready.lock().packets);
            if !packets.is_empty() {
                self.session.restore_polled(packets);
            }
        }
    }

    fn send(&mut self, msg: Message, compress: bool) {
        if self.session.is_full() {
            self.held = Some((msg, compress));
        } else {
            let len = msg.len();
            match self.session.send_with(msg, compress) {
                Ok(()) => crate::metrics::packet_sent(len),
                Err(e) => tracing::debug!(sid = %self.shared.sid, "message dropped: {e}"),
            }
        }
    }

    /// Handles one HTTP request, handed over at `now`.
    async fn on_command(&mut self, cmd: Command, now: Instant) {
        match cmd {
            Command::Poll(reply) => match self.session.handle_poll(now) {
                Ok(()) => self.pending_get = Some(reply),
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            },
            Command::Post(packets, _permit) => {
                if let Err(e) = self.session.handle_post_packets(now, packets) {
                    tracing::debug!(sid = %self.shared.sid, "POST body dropped: {e}");
                }
            }
            Command::Upgrade(reply) => {
                let _ = reply.send(self.session.handle_upgrade_request(now));
            }
            Command::Ws(ws) => {
                // The session accepts one upgrade at a time; should an older
                // WebSocket linger, it is closed.
                self.close_ws();
                self.ws = Some(ws);
                self.ws_generation = self.ws_generation.wrapping_add(1);
            }
            Command::WsFailed => self.session.handle_ws_closed(now, true),
        }
    }

    /// Takes queued messages, then drains transmits and events until the
    /// session has nothing more to say; then tells the outbox how many
    /// bytes the task holds.
    async fn settle(&mut self) {
        self.settle_rounds().await;
        self.publish_bytes();
    }

    /// Tells the outbox how many bytes of messages the task holds (the
    /// held one, the session's, the WebSocket's write buffer), which count
    /// towards the connection's byte bound. Not while packets are staged:
    /// they are counted already and a GET may take them.
    pub(super) fn publish_bytes(&self) {
        if self.staged {
            return;
        }
        let held = self.held.as_ref().map_or(0, |(msg, _)| msg.len());
        let ws = self.ws.as_ref().map_or(0, |ws| ws.buffered());
        let bytes = held
            .saturating_add(self.session.buffered_bytes())
            .saturating_add(ws);
        self.shared.outbox.set_task_bytes(bytes);
    }

    async fn settle_rounds(&mut self) {
        // Bounded, so that a producer faster than the transport cannot keep
        // the task here: what is left is picked up by the select.
        for _ in 0..SETTLE_ROUNDS {
            let mut moved = self.take_messages();
            self.drain_transmits().await;
            // Draining may have made room for a message the session refused.
            if self.held.is_some() {
                moved |= self.take_messages();
            }
            let mut heard = false;
            while let Some(event) = self.session.poll_event() {
                heard = true;
                match event {
                    // A forced close (a parse error, a kick) stops the
                    // handling of what came with it, as in Node: the rest
                    // of a POST, or frames read in the same go.
                    Event::Message(_) if self.shared.outbox.is_closing() => {}
                    Event::Message(msg) => {
                        crate::metrics::packet_received(msg.len());
                        self.conn.on_message(msg);
                    }
                    Event::Upgraded => {
                        crate::metrics::connection_upgraded();
                        crate::spans::upgraded();
                        self.shared.upgraded.store(true, Ordering::Release);
                        self.conn.on_upgrade();
                    }
                    Event::Closed(reason) => self.conn.on_close(reason),
                }
            }
            if !heard && !moved {
                return;
            }
        }
    }

    /// Moves the held message, then up to [`MSG_BATCH`] queued ones, into
    /// the session, no more than it has room for; when it has none, the
    /// next message is held (and no more taken until it fits). True when
    /// at least one message moved.
    fn take_messages(&mut self) -> bool {
        let mut moved = false;
        if let Some((msg, compress)) = self.held.take() {
            self.send(msg, compress);
            if self.held.is_some() {
                return false;
            }
            moved = true;
        }
        let room = self.session.room();
        if room == 0 {
            self.held = self.shared.outbox.pop();
            return moved;
        }
        let session = &mut self.session;
        let sid = &self.shared.sid;
        let taken = self
            .shared
            .outbox
            .pop_into(room.min(MSG_BATCH), |msg, compress| {
                // There is room: only a closed session refuses it.
                let len = msg.len();
                match session.send_with(msg, compress) {
                    Ok(()) => crate::metrics::packet_sent(len),
                    Err(e) => tracing::debug!(sid = %sid, "message dropped: {e}"),
                }
            });
        moved || taken > 0
    }

    async fn drain_transmits(&mut self) {
        let mut dirty = false;
        while let Some(transmit) = self.session.poll_transmit() {
            match transmit {
                Transmit::Poll(reply) => {
                    if let Some(tx) = self.pending_get.take() {
                        let _ = tx.send(Ok(reply));
                    }
                }
                Transmit::Ws(frame, compression) => {
                    dirty = self.feed_ws(frame, compression).await || dirty;
                }
                Transmit::CloseWs => {
                    // What was queued goes out first.
                    self.close_ws();
                    dirty = false;
                }
            }
        }
        if dirty {
            self.flush_ws().await;
        }
    }
}

/// Answers a request that arrived after the session closed.
fn refuse(cmd: Command) {
    match cmd {
        Command::Poll(reply) => {
            let _ = reply.send(Err(RequestError::UnknownSid));
        }
        Command::Upgrade(reply) => {
            let _ = reply.send(Err(RequestError::UnknownSid));
        }
        Command::Post(..) | Command::Ws(_) | Command::WsFailed => {}
    }
}

/// Removes a session from the registry and shuts its outbox when its task
/// ends, however it ends.
struct Deregister(Arc<Registry>, Arc<SocketShared>);

impl Drop for Deregister {
    fn drop(&mut self) {
        self.1.outbox.shut();
        let transport = if self.1.upgraded.load(Ordering::Acquire) {
            TransportKind::WebSocket
        } else {
            self.1.initial
        };
        crate::metrics::connection_closed(transport);
        drop(std::mem::take(&mut self.1.ready.lock().packets));
        self.0.remove(&self.1.sid);
    }
}

impl<C> std::fmt::Debug for Driver<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("sid", &self.shared.sid)
            .finish_non_exhaustive()
    }
}

async fn get_closed<T>(get: &mut Option<oneshot::Sender<T>>) {
    match get {
        Some(tx) => tx.closed().await,
        None => pending().await,
    }
}
