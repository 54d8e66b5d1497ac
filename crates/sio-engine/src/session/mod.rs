//! The Engine.IO session state machine, sans-IO.
//!
//! One [`Session`] per connection. The I/O layer feeds it what happened
//! (`handle_*`, with the current time) and drains what it wants done:
//! [`Session::poll_transmit`] (bytes to send and on which transport),
//! [`Session::poll_event`] (what the application must hear) and
//! [`Session::poll_timeout`] (when to call [`Session::handle_timeout`]).
//! A session has at most one polling side (HTTP requests) and at most one
//! WebSocket: the WebSocket is either the session's transport or, during an
//! upgrade, the probing transport.
//!
//! Rules it enforces:
//! - heartbeat, protocol 4: the server pings one `ping_interval` after open
//!   (not at open), then one interval after each pong; no pong within
//!   `ping_timeout` closes with [`CloseReason::PingTimeout`]. Protocol 3: the
//!   client pings, the server answers pong; no ping within
//!   `ping_interval + ping_timeout` closes the session.
//! - upgrade: `2probe` on the WebSocket is answered `3probe`; from then
//!   on a pending GET (and every new one) is answered with a NOOP and
//!   outgoing packets wait for the WebSocket; `5` switches the session to
//!   WebSocket and flushes the buffered packets there; any other frame on
//!   the probe abandons the upgrade; no `5` within `upgrade_timeout` drops the WebSocket
//!   ([`Transmit::CloseWs`]) and the session stays on polling.
//! - polling: one pending GET at a time (a second one closes the session,
//!   so does a pending GET the client cancels); no polling once upgraded.
//! - close: a CLOSE packet from the client, [`Session::close`], a transport
//!   that goes away, a parse error or a heartbeat timeout all end in exactly
//!   one [`Event::Closed`].
//!
//! Driver contract:
//! - after every `handle_*`, [`Session::send`] or [`Session::close`], drain
//!   [`Session::poll_transmit`] and [`Session::poll_event`] until `None`,
//!   then sleep until [`Session::poll_timeout`];
//! - a [`Transmit::Poll`] answers the one pending GET (the handshake GET
//!   counts as pending); [`Transmit::CloseWs`] closes the one WebSocket
//!   (the transport, or the probe during an upgrade);
//! - once closed, every `handle_*` is a no-op (those returning a `Result`
//!   answer [`RequestError::BadRequest`](crate::RequestError::BadRequest)),
//!   [`Session::send`] fails with [`SendError::Closed`],
//!   [`Session::poll_transmit`] yields what was left to send, then `None`,
//!   and [`Session::poll_timeout`] is `None`; except that a polling session
//!   the application closed while no GET was pending keeps its last words
//!   for one more GET ([`Session::handle_poll`] accepts it,
//!   [`Session::poll_timeout`] bounds the wait) until
//!   [`Session::is_finished`].
//!
//! Differences from Node, on purpose: unsolicited PONGs, and PINGs from a
//! protocol-4 client, are ignored (Node closes on the latter, and lets the
//! former move its ping timer); outgoing packets are bounded
//! ([`SessionConfig::max_buffered_packets`]).

mod close;
mod heartbeat;
mod polling;
mod types;
mod upgrade;

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;

use crate::{DecodeError, Message, OpenPacket, Packet, Protocol, Sid, Str, TransportKind};
pub use close::CLIENT_CLOSE_GRACE;
use close::Farewell;
use heartbeat::Heartbeat;
pub use types::{
    CloseReason, Compression, Event, PollReply, SendError, SessionConfig, Transmit, WsFrame,
};
use upgrade::Upgrade;

/// How many control packets (pings, pongs) may wait beyond
/// `max_buffered_packets`; further ones are dropped, which a stuck client
/// then pays for with a ping timeout.
const CONTROL_SLACK: usize = 4;

/// One Engine.IO session. See the module docs for the rules.
#[derive(Debug)]
pub struct Session {
    sid: Sid,
    protocol: Protocol,
    transport: TransportKind,
    /// False for protocol-3 clients that asked for `b64=1`.
    supports_binary: bool,
    config: SessionConfig,
    closed: bool,
    /// A polling GET waits for its answer.
    poll_pending: bool,
    /// Packets waiting for the transport (bounded, see [`SendError::Full`]),
    /// each with whether it may be compressed (false only for messages
    /// sent with `compress(false)`).
    outbox: VecDeque<(Packet, bool)>,
    /// Bytes of the messages in `outbox` ([`Packet::message_len`]).
    outbox_bytes: usize,
    /// Transmits decided already (probe answers, NOOPs, close sequences);
    /// they go out before anything taken from `outbox`.
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    /// Closed on polling with last words kept in `outbox` for the next GET
    /// until this time (see [`Session::close`]).
    last_words_until: Option<Instant>,
    heartbeat: Heartbeat,
    upgrade: Upgrade,
}

impl Session {
    /// Opens a session whose handshake came on `transport` at `now`.
    ///
    /// The OPEN packet is queued at once. On polling the handshake GET
    /// counts as the pending poll, so the first [`Session::poll_transmit`]
    /// answers it; on WebSocket it is the first frame. `b64` is the
    /// handshake's `b64=1` (protocol 3 clients without binary support).
    pub fn new(
        sid: Sid,
        protocol: Protocol,
        transport: TransportKind,
        b64: bool,
        config: SessionConfig,
        now: Instant,
    ) -> Self {
        let upgrades = if transport == TransportKind::Polling
            && config.allow_upgrades
            && config.websocket_enabled
        {
            vec![TransportKind::WebSocket.as_str()]
        } else {
            Vec::new()
        };
        let open = OpenPacket {
            sid: sid.as_str().to_owned(),
            upgrades,
            ping_interval: millis(config.ping_interval),
            ping_timeout: millis(config.ping_timeout),
            max_payload: (protocol == Protocol::V4).then_some(config.max_payload),
        };
        let heartbeat = Heartbeat::start(protocol, &config, now);
        Self {
            sid,
            protocol,
            transport,
            supports_binary: protocol == Protocol::V4 || !b64,
            config,
            closed: false,
            poll_pending: transport == TransportKind::Polling,
            outbox: VecDeque::from([(Packet::Open(open), true)]),
            outbox_bytes: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            last_words_until: None,
            heartbeat,
            upgrade: Upgrade::Idle,
        }
    }

    /// The session id.
    pub fn sid(&self) -> &Sid {
        &self.sid
    }

    /// The protocol revision.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The current transport (WebSocket once an upgrade completed).
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// The settings the session was opened with.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// True once [`Event::Closed`] has been queued.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// True while a polling GET waits for its answer.
    pub fn has_pending_poll(&self) -> bool {
        self.poll_pending
    }

    /// True while a WebSocket upgrade is under way (the probing WebSocket
    /// is open).
    pub fn is_upgrading(&self) -> bool {
        self.upgrade != Upgrade::Idle
    }

    /// False for a protocol-3 client that asked for `b64=1`: binary
    /// messages then travel base64-encoded in polling bodies.
    pub fn supports_binary(&self) -> bool {
        self.supports_binary
    }

    /// How many packets wait for the transport.
    pub fn buffered(&self) -> usize {
        self.outbox.len()
    }

    /// How many bytes of messages wait for the transport (control packets
    /// count for nothing): what a driver adds to its own buffers to bound
    /// a connection's memory in bytes.
    pub fn buffered_bytes(&self) -> usize {
        self.outbox_bytes
    }

    /// A text frame arrived on the WebSocket (the transport or the probe).
    pub fn handle_ws_text(&mut self, now: Instant, text: Str) {
        if self.closed {
            return;
        }
        let packet = Packet::decode_text(self.protocol, text);
        self.handle_ws_packet(now, packet);
    }

    /// A binary frame arrived on the WebSocket.
    pub fn handle_ws_binary(&mut self, now: Instant, data: Bytes) {
        if self.closed {
            return;
        }
        let packet = Packet::decode_binary(self.protocol, data);
        self.handle_ws_packet(now, packet);
    }

    /// The WebSocket closed or failed (`error` true for a failure). If it
    /// was the transport the session closes; if it was a probe, the upgrade
    /// is abandoned and the session goes on polling.
    pub fn handle_ws_closed(&mut self, now: Instant, error: bool) {
        let _ = now;
        if self.closed {
            return;
        }
        if self.transport == TransportKind::WebSocket {
            let reason = if error {
                CloseReason::TransportError
            } else {
                CloseReason::TransportClose
            };
            self.shutdown(reason, Farewell::Silent);
        } else {
            // The probe is gone: nothing left to close.
            self.upgrade = Upgrade::Idle;
        }
    }

    /// Queues a message for the client.
    ///
    /// On WebSocket, packets stay buffered until [`Session::poll_transmit`]
    /// takes them: a driver that stops taking frames while the socket is
    /// not writable gets [`SendError::Full`] as back-pressure.
    ///
    /// # Errors
    /// [`SendError::Closed`] after close; [`SendError::Full`] when
    /// `max_buffered_packets` are already waiting.
    pub fn send(&mut self, msg: Message) -> Result<(), SendError> {
        self.send_with(msg, true)
    }

    /// Queues a message, saying whether a WebSocket with permessage-deflate
    /// may compress it (Node: the `compress` option of `send`).
    ///
    /// # Errors
    /// As [`Session::send`].
    pub fn send_with(&mut self, msg: Message, compress: bool) -> Result<(), SendError> {
        if self.closed {
            return Err(SendError::Closed);
        }
        if self.outbox.len() >= self.config.max_buffered_packets {
            return Err(SendError::Full);
        }
        self.outbox_bytes = self.outbox_bytes.saturating_add(msg.len());
        self.outbox.push_back((Packet::Message(msg), compress));
        Ok(())
    }

    /// True when [`Session::send`] would refuse a message as full.
    pub fn is_full(&self) -> bool {
        self.room() == 0
    }

    /// How many more messages [`Session::send`] takes before it refuses
    /// one as full (unbounded once closed: it then refuses every one as
    /// closed).
    pub fn room(&self) -> usize {
        if self.closed {
            usize::MAX
        } else {
            self.config
                .max_buffered_packets
                .saturating_sub(self.outbox.len())
        }
    }

    /// Runs the timers that are due at `now` (heartbeat, upgrade).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            if self.last_words_until.is_some_and(|until| now >= until) {
                self.drop_last_words();
            }
            return;
        }
        self.upgrade_timeout(now);
        self.heartbeat_timeout(now);
    }

    /// When [`Session::handle_timeout`] must next be called, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return self.last_words_until;
        }
        match (self.heartbeat.deadline(), self.upgrade.deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next thing to send. Call until `None` after every `handle_*`,
    /// [`Session::send`] and [`Session::close`]. On polling, buffered
    /// packets go out together as one body when a GET is pending.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        if let Some(transmit) = self.transmits.pop_front() {
            return Some(transmit);
        }
        if self.closed {
            // Last words kept for a GET (see `Session::close`).
            return self.flush_poll();
        }
        match self.transport {
            TransportKind::WebSocket => {
                let (packet, compress) = self.outbox.pop_front()?;
                self.outbox_bytes = self.outbox_bytes.saturating_sub(packet.message_len());
                Some(self.ws_transmit(&packet, compress))
            }
            TransportKind::Polling => self.flush_poll(),
        }
    }

    /// The next event for the application. Call until `None`.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// A decoded (or not) packet from a WebSocket.
    fn handle_ws_packet(&mut self, now: Instant, packet: Result<Packet, DecodeError>) {
        if self.transport == TransportKind::WebSocket {
            match packet {
                Ok(packet) => self.handle_packet(now, packet),
                Err(_) => self.shutdown(CloseReason::ParseError, Farewell::Close),
            }
        } else if self.upgrade != Upgrade::Idle {
            self.handle_probe_packet(now, packet.ok());
        }
        // Otherwise a frame from a probe already dropped: ignore it.
    }

    /// A packet from the session's transport.
    fn handle_packet(&mut self, now: Instant, packet: Packet) {
        match packet {
            Packet::Message(msg) => self.events.push_back(Event::Message(msg)),
            Packet::Ping { probe } => self.on_ping(now, probe),
            Packet::Pong { .. } => self.on_pong(now),
            Packet::Close => {
                let grace = CLIENT_CLOSE_GRACE.min(self.config.ping_timeout);
                let farewell = Farewell::Noop(now.checked_add(grace));
                self.shutdown(CloseReason::TransportClose, farewell);
            }
            // Only meaningful on a probe; OPEN is never decoded from a client.
            Packet::Upgrade | Packet::Noop | Packet::Open(_) => {}
        }
    }

    /// Queues a ping or pong, dropping it when far too much is buffered.
    fn queue_control(&mut self, packet: Packet) {
        if self.outbox.len()
            < self
                .config
                .max_buffered_packets
                .saturating_add(CONTROL_SLACK)
        {
            self.outbox.push_back((packet, true));
        }
    }

    /// The frame of `packet`, and what compression may do with it.
    fn ws_transmit(&self, packet: &Packet, compress: bool) -> Transmit {
        let frame = packet.encode_ws(self.protocol, self.supports_binary);
        let compression = match packet {
            Packet::Message(Message::Framed(text)) if compress => text
                .deflate_cache()
                .map_or(Compression::On, |cache| Compression::Shared(cache.clone())),
            Packet::Message(_) if compress => Compression::On,
            _ => Compression::Off,
        };
        Transmit::Ws(frame, compression)
    }
}

/// A duration in whole milliseconds, saturating.
fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
