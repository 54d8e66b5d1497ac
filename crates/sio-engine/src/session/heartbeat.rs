//! The heartbeat: the server pings in protocol 4, the client in protocol 3.

use std::time::Instant;

use super::{CloseReason, Farewell, Session, SessionConfig};
use crate::{Packet, Protocol};

/// Where the heartbeat stands. A deadline of `None` lies beyond what
/// [`Instant`] can represent (an absurdly long configured duration): never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Heartbeat {
    /// Protocol 4: the next ping goes out at this time.
    PingAt(Option<Instant>),
    /// Protocol 4: a ping went out; the pong must arrive by this time.
    PongBy(Option<Instant>),
    /// Protocol 3: the client's next ping must arrive by this time.
    ClientPingBy(Option<Instant>),
    /// The session is closed.
    Stopped,
}

impl Heartbeat {
    /// The heartbeat of a session opened at `now`: the first ping one
    /// interval later (protocol 4), or the client's first ping expected
    /// within interval + timeout (protocol 3).
    pub(super) fn start(protocol: Protocol, config: &SessionConfig, now: Instant) -> Self {
        match protocol {
            Protocol::V4 => Self::PingAt(now.checked_add(config.ping_interval)),
            Protocol::V3 => Self::ClientPingBy(v3_deadline(config, now)),
        }
    }

    /// When the heartbeat next needs [`Session::handle_timeout`].
    pub(super) fn deadline(&self) -> Option<Instant> {
        match *self {
            Self::PingAt(at) | Self::PongBy(at) | Self::ClientPingBy(at) => at,
            Self::Stopped => None,
        }
    }
}

/// Protocol 3: the client must ping within interval + timeout.
fn v3_deadline(config: &SessionConfig, now: Instant) -> Option<Instant> {
    now.checked_add(config.ping_interval.checked_add(config.ping_timeout)?)
}

fn due(deadline: Option<Instant>, now: Instant) -> bool {
    deadline.is_some_and(|at| now >= at)
}

impl Session {
    /// Sends the due ping, or closes on a missed pong or client ping.
    pub(super) fn heartbeat_timeout(&mut self, now: Instant) {
        match self.heartbeat {
            Heartbeat::PingAt(at) if due(at, now) => {
                self.queue_control(Packet::Ping { probe: false });
                self.heartbeat = Heartbeat::PongBy(now.checked_add(self.config.ping_timeout));
            }
            Heartbeat::PongBy(at) | Heartbeat::ClientPingBy(at) if due(at, now) => {
                self.shutdown(CloseReason::PingTimeout, Farewell::Close);
            }
            _ => {}
        }
    }

    /// A PING from the client on its transport. Protocol 3: answered with
    /// a PONG (`3probe` for `2probe`), and the deadline moves. Protocol 4:
    /// the server pings, not the client; the packet is ignored (Node closes
    /// the session instead; ignoring is harmless and costs nothing).
    pub(super) fn on_ping(&mut self, now: Instant, probe: bool) {
        if let Heartbeat::ClientPingBy(_) = self.heartbeat {
            self.heartbeat = Heartbeat::ClientPingBy(v3_deadline(&self.config, now));
            self.queue_control(Packet::Pong { probe });
        }
    }

    /// A PONG from the client. It counts only as the answer to our ping:
    /// unsolicited pongs change nothing, so a flood of them cannot move
    /// or multiply timers.
    pub(super) fn on_pong(&mut self, now: Instant) {
        if let Heartbeat::PongBy(_) = self.heartbeat {
            self.heartbeat = Heartbeat::PingAt(now.checked_add(self.config.ping_interval));
        }
    }
}
