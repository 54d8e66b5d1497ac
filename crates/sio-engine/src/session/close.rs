//! How a session ends: the last words on each transport, and the one
//! [`Event::Closed`].

use std::time::Instant;

use super::{CloseReason, Event, Heartbeat, PollReply, Session, Transmit, Upgrade};
use crate::{Packet, TransportKind};

/// What a closing session still tells the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Farewell {
    /// The server ends the session: flush what is buffered, then a CLOSE
    /// packet, where a transport can take them.
    Close,
    /// The client closed: end a pending GET with a NOOP (as Node does),
    /// close the WebSocket.
    Noop,
    /// The transport is gone: nothing can be sent on it.
    Silent,
}

impl Session {
    /// Closes the session from the server side: a CLOSE packet is sent on
    /// the transport when it can take it, then [`Event::Closed`] with
    /// `reason`. On polling without a pending GET nothing can be sent: the
    /// client learns of the close from its next request.
    pub fn close(&mut self, now: Instant, reason: CloseReason) {
        let _ = now;
        self.shutdown(reason, Farewell::Close);
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
                        Farewell::Close => {
                            self.outbox.push_back((Packet::Close, true));
                            let packets: Vec<Packet> =
                                self.outbox.drain(..).map(|(p, _)| p).collect();
                            PollReply::Payload(self.encode_payload(&packets))
                        }
                        Farewell::Noop => PollReply::Payload(self.encode_payload(&[Packet::Noop])),
                        Farewell::Silent => PollReply::Closed,
                    };
                    self.transmits.push_back(Transmit::Poll(reply));
                }
            }
            TransportKind::WebSocket => match farewell {
                Farewell::Close => {
                    self.outbox.push_back((Packet::Close, true));
                    while let Some((packet, compress)) = self.outbox.pop_front() {
                        let transmit = self.ws_transmit(&packet, compress);
                        self.transmits.push_back(transmit);
                    }
                    self.transmits.push_back(Transmit::CloseWs);
                }
                Farewell::Noop => self.transmits.push_back(Transmit::CloseWs),
                Farewell::Silent => {}
            },
        }
        self.outbox.clear();
        self.outbox_bytes = 0;
        self.heartbeat = Heartbeat::Stopped;
        self.events.push_back(Event::Closed(reason));
    }
}
