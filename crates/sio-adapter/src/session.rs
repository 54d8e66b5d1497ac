//! The session store of connection-state recovery: the sessions of
//! sockets that disconnected for a recoverable reason, and the packets
//! sent in the recovery window, each with its offset.
//!
//! [`SessionStore`] is the single-server store that
//! [`MemoryAdapter`](crate::MemoryAdapter) keeps once the server calls
//! [`Adapter::enable_session_store`](crate::Adapter::enable_session_store);
//! a cluster adapter may keep its own elsewhere.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use sio_parser::Encoded;
use tokio::time::Instant;

use crate::{BroadcastOptions, Room, SocketId};

/// The limits of a session store.
///
/// | field | default |
/// |---|---|
/// | `max_disconnection_duration` | 2 min |
/// | `max_packets` | 10 000 packets per namespace |
/// | `max_bytes` | 64 MiB of packets per namespace |
/// | `max_sessions` | 100 000 sessions per namespace |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionStoreConfig {
    /// How long a session, and each packet, is kept.
    pub max_disconnection_duration: Duration,
    /// Most packets kept; the oldest go first. A client whose offset went
    /// gets a fresh session.
    pub max_packets: usize,
    /// Most bytes of packets kept (text plus attachments); the oldest go
    /// first.
    pub max_bytes: usize,
    /// Most sessions kept; the oldest go first.
    pub max_sessions: usize,
}

impl Default for SessionStoreConfig {
    fn default() -> Self {
        Self {
            max_disconnection_duration: Duration::from_secs(120),
            max_packets: 10_000,
            max_bytes: 64 << 20,
            max_sessions: 100_000,
        }
    }
}

impl SessionStoreConfig {
    /// The defaults with another window.
    pub fn with_duration(max_disconnection_duration: Duration) -> Self {
        Self {
            max_disconnection_duration,
            ..Self::default()
        }
    }
}

/// What the server persists when a socket disconnects for a recoverable
/// reason (Node's `SessionToPersist`).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The socket id, given back on recovery.
    pub sid: SocketId,
    /// The private session id the client proves the session with.
    pub pid: String,
    /// The socket's rooms, its own included.
    pub rooms: Vec<Room>,
    /// The socket's data as JSON (`null` when none).
    pub data: serde_json::Value,
}

/// A session found again, with the packets its socket missed, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoredSession {
    /// The session as persisted.
    pub session: Session,
    /// The packets sent to its rooms after the client's offset, in order.
    pub missed: Vec<Encoded>,
}

struct StoredPacket {
    offset: String,
    opts: BroadcastOptions,
    packet: Encoded,
    size: usize,
    at: Instant,
}

/// The in-memory session store: sessions by private id and the packet
/// buffer, both pruned by time (the window) and capped.
///
/// Pruning is done on every call, from the oldest entry: memory is bounded
/// by the caps at all times and drops to nothing once the window passes
/// and the store is next used.
pub struct SessionStore {
    config: SessionStoreConfig,
    sessions: HashMap<String, (Session, Instant)>,
    order: VecDeque<(Instant, String)>,
    packets: VecDeque<StoredPacket>,
    bytes: usize,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore")
            .field("config", &self.config)
            .field("sessions", &self.sessions.len())
            .field("packets", &self.packets.len())
            .finish_non_exhaustive()
    }
}

fn packet_size(packet: &Encoded) -> usize {
    packet.messages().map(|m| m.len()).sum()
}

impl SessionStore {
    /// An empty store with these limits.
    pub fn new(config: SessionStoreConfig) -> Self {
        Self {
            config,
            sessions: HashMap::new(),
            order: VecDeque::new(),
            packets: VecDeque::new(),
            bytes: 0,
        }
    }

    /// How many sessions and packets it holds.
    pub fn len(&self) -> (usize, usize) {
        (self.sessions.len(), self.packets.len())
    }

    /// True when it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.packets.is_empty()
    }

    fn expired(&self, at: Instant, now: Instant) -> bool {
        now.saturating_duration_since(at) > self.config.max_disconnection_duration
    }

    fn prune(&mut self, now: Instant) {
        while let Some(p) = self.packets.front() {
            let over =
                self.packets.len() > self.config.max_packets || self.bytes > self.config.max_bytes;
            if !over && !self.expired(p.at, now) {
                break;
            }
            if let Some(p) = self.packets.pop_front() {
                self.bytes -= p.size;
            }
        }
        while let Some((at, pid)) = self.order.front() {
            let over = self.sessions.len() > self.config.max_sessions;
            // Entries of sessions already restored (or persisted again
            // later) are stale: drop them as they come.
            let stale = self.sessions.get(pid).is_none_or(|(_, t)| t != at);
            if !over && !stale && !self.expired(*at, now) {
                break;
            }
            if let Some((at, pid)) = self.order.pop_front()
                && self.sessions.get(&pid).is_some_and(|(_, t)| *t == at)
            {
                self.sessions.remove(&pid);
            }
        }
    }

    /// Keeps `packet`, sent with `opts`, under `offset` (the last argument
    /// of its event).
    pub fn persist_packet(&mut self, offset: String, packet: Encoded, opts: BroadcastOptions) {
        let now = Instant::now();
        let size = packet_size(&packet);
        self.bytes += size;
        self.packets.push_back(StoredPacket {
            offset,
            opts,
            packet,
            size,
            at: now,
        });
        self.prune(now);
    }

    /// Keeps `session` for the window.
    pub fn persist_session(&mut self, session: Session) {
        let now = Instant::now();
        self.order.push_back((now, session.pid.clone()));
        self.sessions.insert(session.pid.clone(), (session, now));
        self.prune(now);
    }

    /// Takes the session `pid` out of the store, with the packets sent to
    /// its rooms after `offset`. `None` (a fresh session for the client)
    /// when the pid is unknown, already taken, or expired, or when `offset`
    /// is no longer (or never was) in the buffer.
    pub fn restore_session(&mut self, pid: &str, offset: &str) -> Option<RestoredSession> {
        self.prune(Instant::now());
        let (session, _) = self.sessions.remove(pid)?;
        let index = self.packets.iter().position(|p| p.offset == offset)?;
        let missed = self
            .packets
            .iter()
            .skip(index + 1)
            .filter(|p| includes(&session.rooms, &p.opts))
            .map(|p| p.packet.clone())
            .collect();
        Some(RestoredSession { session, missed })
    }
}

/// Whether a socket in `rooms` was a target of a packet sent with `opts`.
fn includes(rooms: &[Room], opts: &BroadcastOptions) -> bool {
    let included = opts.rooms.is_empty() || rooms.iter().any(|r| opts.rooms.contains(r));
    included && !rooms.iter().any(|r| opts.except.contains(r))
}
