//! The upgrade from polling to WebSocket: request, probe, NOOP, switch.

use std::time::Instant;

use super::{Compression, Event, PollReply, Session, Transmit, WsFrame};
use crate::{Packet, RequestError, Str, TransportKind};

/// Where an upgrade stands. Deadlines of `None` are beyond what
/// [`Instant`] can represent: never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Upgrade {
    /// No probing WebSocket.
    Idle,
    /// A WebSocket for this session is open; no `2probe` on it yet.
    Requested {
        /// When the upgrade is abandoned.
        deadline: Option<Instant>,
    },
    /// `2probe` was answered: polling GETs are ended with NOOP until the
    /// client sends `5`.
    Probed {
        /// When the upgrade is abandoned.
        deadline: Option<Instant>,
    },
}

impl Upgrade {
    /// When the upgrade times out, if one is under way.
    pub(super) fn deadline(&self) -> Option<Instant> {
        match *self {
            Self::Idle => None,
            Self::Requested { deadline } | Self::Probed { deadline } => deadline,
        }
    }
}

impl Session {
    /// A WebSocket request for this session arrived (an upgrade).
    ///
    /// # Errors
    /// [`RequestError::BadRequest`] when upgrades are off, the session is
    /// already on WebSocket or already upgrading, or is closed.
    pub fn handle_upgrade_request(&mut self, now: Instant) -> Result<(), RequestError> {
        if self.closed
            || self.transport == TransportKind::WebSocket
            || self.upgrade != Upgrade::Idle
            || !self.config.allow_upgrades
            || !self.config.websocket_enabled
        {
            return Err(RequestError::BadRequest);
        }
        self.upgrade = Upgrade::Requested {
            deadline: now.checked_add(self.config.upgrade_timeout),
        };
        Ok(())
    }

    /// A packet on the probing WebSocket (`None`: it did not decode).
    /// `2probe` is answered `3probe`, `5` completes the upgrade, anything
    /// else abandons it, as Node does.
    pub(super) fn handle_probe_packet(&mut self, now: Instant, packet: Option<Packet>) {
        let _ = now;
        match (packet, self.upgrade) {
            (
                Some(Packet::Ping { probe: true }),
                Upgrade::Requested { deadline } | Upgrade::Probed { deadline },
            ) => {
                self.transmits.push_back(Transmit::Ws(
                    WsFrame::Text(Str::from_static("3probe")),
                    Compression::Off,
                ));
                self.upgrade = Upgrade::Probed { deadline };
                self.end_poll_with_noop();
            }
            (Some(Packet::Upgrade), Upgrade::Requested { .. } | Upgrade::Probed { .. }) => {
                self.end_poll_with_noop();
                self.upgrade = Upgrade::Idle;
                self.transport = TransportKind::WebSocket;
                self.events.push_back(Event::Upgraded);
            }
            (_, Upgrade::Idle) => {}
            (_, Upgrade::Requested { .. } | Upgrade::Probed { .. }) => self.abandon_upgrade(),
        }
    }

    /// Drops the probing WebSocket; the session stays on polling.
    pub(super) fn abandon_upgrade(&mut self) {
        if self.upgrade != Upgrade::Idle {
            self.upgrade = Upgrade::Idle;
            self.transmits.push_back(Transmit::CloseWs);
        }
    }

    /// Abandons an upgrade not completed by its deadline.
    pub(super) fn upgrade_timeout(&mut self, now: Instant) {
        if self.upgrade.deadline().is_some_and(|at| now >= at) {
            self.abandon_upgrade();
        }
    }

    /// Ends the pending GET, if any, with a NOOP payload.
    pub(super) fn end_poll_with_noop(&mut self) {
        if self.poll_pending {
            self.poll_pending = false;
            let payload = self.encode_payload(&[Packet::Noop]);
            self.transmits
                .push_back(Transmit::Poll(PollReply::Payload(payload)));
        }
    }
}
