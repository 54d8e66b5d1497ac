//! How a session ends: the last words on each transport, and the one
//! [`Event::Closed`]. A session the application closes on polling while no
//! GET is pending keeps its last words (what was buffered, then a CLOSE
//! packet) for the client's next GET, as Node does, for at most one
//! heartbeat window (`ping_interval + ping_timeout`): a live client polls
//! again within it. A server shutting down keeps them too, but only for
//! [`CLIENT_CLOSE_GRACE`], so that a polling client between two GETs hears
//! a clean CLOSE instead of an unknown sid, and a shutdown stays short. A client that closes over polling often sends its
//! CLOSE and a GET at once; when the GET arrives second, it still gets the
//! NOOP Node answers it with, within [`CLIENT_CLOSE_GRACE`].

use std::time::{Duration, Instant};

use super::{CloseReason, Event, Heartbeat, PollReply, Session, Transmit, Upgrade};
use crate::{Packet, TransportKind};

/// What a closing session still tells the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Farewell {
    /// The server ends the session: flush what is buffered, then a CLOSE
    /// packet, where a transport can take them now.
    Close,
    /// As [`Farewell::Close`], but on polling without a pending GET the
    /// buffered packets and the CLOSE wait for the next GET until this
    /// time (`None`: no wait).
    Linger(Option<Instant>),
    /// The client closed: end a pending GET with a NOOP (as Node does),
    /// close the WebSocket. On polling without a pending GET, a NOOP waits
    /// until this time (`None`: no wait) for a GET the client sent together
    /// with its CLOSE and that arrives just after it.
    Noop(Option<Instant>),
    /// The transport is gone: nothing can be sent on it.
    Silent,
}

/// How long a session the client closed over polling (without a pending
/// GET) waits for a GET sent together with the CLOSE, to answer it with a
/// NOOP instead of an error (at most the ping timeout). Such a session
/// stays registered that long: a client that closes without a GET in
/// flight costs its session for this time. A server shutting down also
/// keeps the last words of a polling session without a pending GET this
/// long (see `Session::close`), so a shutdown takes up to this time more.
pub const CLIENT_CLOSE_GRACE: Duration = Duration::from_millis(250);

impl Session {
    /// Closes the session from the server side: what is buffered and a
    /// CLOSE packet are sent on the transport when it can take them, and
    /// [`Event::Closed`] with `reason` is queued at once.
    ///
    /// On polling without a pending GET, those last words wait for the
    /// client's next GET for [`CloseReason::ForcedClose`] (the application
    /// closes the session: at most `ping_interval + ping_timeout` after
    /// `now`) and [`CloseReason::ServerShuttingDown`] (at most
    /// [`CLIENT_CLOSE_GRACE`], capped at the ping timeout, so that a
    /// shutdown stays short): [`Session::handle_poll`] still accepts that
    /// one GET, [`Session::poll_timeout`] says when the wait ends, and
    /// [`Session::is_finished`] turns true once they went out or the wait
    /// ended. A client polling between two GETs thus hears a clean CLOSE
    /// rather than an error. For any other reason nothing is kept: the
    /// client learns of the close from its next request, which fails; such
    /// a close of a session that keeps its last words drops them, and a
    /// shutdown cuts their wait to the grace.
    pub fn close(&mut self, now: Instant, reason: CloseReason) {
        let grace = CLIENT_CLOSE_GRACE.min(self.config.ping_timeout);
        if self.closed {
            match reason {
                CloseReason::ForcedClose => {}
                // A server shutting down waits no longer than the grace.
                CloseReason::ServerShuttingDown => {
                    let cap = now.checked_add(grace);
                    self.last_words_until = match (self.last_words_until, cap) {
                        (Some(until), Some(cap)) => Some(until.min(cap)),
                        (until, _) => until,
                    };
                }
                _ => self.drop_last_words(),
            }
            return;
        }
        let window = match reason {
            CloseReason::ForcedClose => self
                .config
                .ping_interval
                .checked_add(self.config.ping_timeout),
            CloseReason::ServerShuttingDown => Some(grace),
            _ => None,
        };
        let farewell = match window {
            Some(w) => Farewell::Linger(now.checked_add(w)),
            None => Farewell::Close,
        };
        self.shutdown(reason, farewell);
    }

    /// True once the session is closed and has nothing left to hand to a
    /// GET (see [`Session::close`]): the driver may forget it.
    pub fn is_finished(&self) -> bool {
        self.closed && self.last_words_until.is_none()
    }

    /// Drops the last words kept for a GET that never came.
    pub(super) fn drop_last_words(&mut self) {
        self.last_words_until = None;
        self.outbox.clear();
        self.outbox_bytes = 0;
    }

    /// Ends the session: says goodbye where possible, queues
    /// [`Event::Closed`] once, and stops every timer.
    pub(super) fn shutdown(&mut self, reason: CloseReason, farewell: Farewell) {
        if self.closed {
            return;
        }
        self.closed = true;
        if self.upgrade != Upgrade::Idle {
            // Only the probe is a WebSocket while upgrading.
            self.transmits.push_back(Transmit::CloseWs);
            self.upgrade = Upgrade::Idle;
        }
        match self.transport {
            TransportKind::Polling => {
                if self.poll_pending {
                    self.poll_pending = false;
                    let reply = match farewell {
                        Farewell::Close | Farewell::Linger(_) => {
                            self.outbox.push_back((Packet::Close, true));
                            let packets: Vec<Packet> =
                                self.outbox.drain(..).map(|(p, _)| p).collect();
                            PollReply::Payload(self.encode_payload(&packets))
                        }
                        Farewell::Noop(_) => {
                            PollReply::Payload(self.encode_payload(&[Packet::Noop]))
                        }
                        Farewell::Silent => PollReply::Closed,
                    };
                    self.transmits.push_back(Transmit::Poll(reply));
                } else if let Farewell::Linger(Some(until)) = farewell {
                    // Kept for the next GET (see `Session::close`).
                    self.outbox.push_back((Packet::Close, true));
                    self.last_words_until = Some(until);
                } else if let Farewell::Noop(Some(until)) = farewell {
                    // The GET racing the client's CLOSE gets its NOOP.
                    self.outbox.clear();
                    self.outbox_bytes = 0;
                    self.outbox.push_back((Packet::Noop, true));
                    self.last_words_until = Some(until);
                }
            }
            TransportKind::WebSocket => match farewell {
                Farewell::Close | Farewell::Linger(_) => {
                    self.outbox.push_back((Packet::Close, true));
                    while let Some((packet, compress)) = self.outbox.pop_front() {
                        let transmit = self.ws_transmit(&packet, compress);
                        self.transmits.push_back(transmit);
                    }
                    self.transmits.push_back(Transmit::CloseWs);
                }
                Farewell::Noop(_) => self.transmits.push_back(Transmit::CloseWs),
                Farewell::Silent => {}
            },
        }
        if self.last_words_until.is_none() {
            self.outbox.clear();
            self.outbox_bytes = 0;
        }
        self.heartbeat = Heartbeat::Stopped;
        self.events.push_back(Event::Closed(reason));
    }
}
