//! A socket's side of connection-state recovery: its private session id,
//! whether it was recovered, and what a recovered socket still has to do
//! once connected (rejoin its rooms, replay the packets it missed).

use std::sync::Arc;

use parking_lot::Mutex;
use sio_adapter::{RestoredSession, Room, Session};
use sio_parser::Encoded;

use super::{Socket, SocketRef, StoredData, json_of};
use crate::reason::DisconnectReason;
use crate::recovery::is_recoverable;

/// What a recovered socket brings back, used once it is connected.
#[derive(Debug)]
struct Pending {
    rooms: Vec<Room>,
    missed: Vec<Encoded>,
}

/// The recovery state of one socket.
#[derive(Debug, Default)]
pub(crate) struct SocketSession {
    /// The private session id (recovery on only).
    pid: Option<String>,
    recovered: bool,
    /// Boxed: only a recovered socket has one, and only until connected.
    pending: Mutex<Option<Box<Pending>>>,
}

impl SocketSession {
    /// The state of a new socket: a fresh private id when recovery is on.
    pub(crate) fn new(recovery: bool) -> Self {
        Self {
            pid: recovery.then(crate::recovery::new_pid),
            ..Self::default()
        }
    }

    /// The private session id sent in the CONNECT reply.
    pub(crate) fn pid(&self) -> Option<&str> {
        self.pid.as_deref()
    }
}

impl SocketRef {
    /// A socket taking over `restored`: its id, private id and data, on
    /// the same connection and handshake as this one (not yet connected).
    pub(crate) fn restored(self, restored: RestoredSession) -> SocketRef {
        let RestoredSession { session, missed } = restored;
        let socket = SocketRef::new(
            self.ns.clone(),
            self.engine.clone(),
            self.handshake.clone(),
            self.client_tx.clone(),
        );
        let mut socket = match Arc::try_unwrap(socket.0) {
            Ok(socket) => socket,
            Err(socket) => return SocketRef(socket),
        };
        socket.id = session.sid;
        socket.session = SocketSession {
            pid: Some(session.pid),
            recovered: true,
            pending: Mutex::new(Some(Box::new(Pending {
                rooms: session.rooms,
                missed,
            }))),
        };
        if !session.data.is_null() {
            *socket.data.get_mut() = Some(StoredData {
                value: Arc::new(session.data),
                to_json: json_of::<serde_json::Value>,
            });
        }
        SocketRef(Arc::new(socket))
    }

    /// Rejoins the rooms of a recovered socket (call it once connected).
    pub(crate) fn rejoin(&self) {
        if let Some(pending) = self.session.pending.lock().as_mut() {
            self.ns
                .adapter
                .add_all(&self.id, &std::mem::take(&mut pending.rooms));
        }
    }

    /// The packets a recovered socket missed, in order, to send right
    /// after its CONNECT reply and in the same push (empty for others).
    pub(crate) fn take_missed(&self) -> Vec<Encoded> {
        self.session
            .pending
            .lock()
            .take()
            .map(|pending| pending.missed)
            .unwrap_or_default()
    }

    /// Hands the session to the adapter when the socket leaves for a
    /// recoverable reason (call it while its rooms are still known).
    pub(crate) fn persist_session(&self, reason: DisconnectReason) {
        let Some(pid) = self.session.pid.clone() else {
            return;
        };
        if !is_recoverable(reason) {
            return;
        }
        self.ns.adapter.persist_session(Session {
            sid: self.id.clone(),
            pid,
            rooms: self.rooms(),
            data: self.data_json(),
        });
    }
}

impl Socket {
    /// True when this socket took over a session the client had before a
    /// short disconnection (connection-state recovery): same id, rooms and
    /// data, and the packets it missed were sent again. The data comes
    /// back as the JSON an adapter keeps; `socket.data::<T>()` deserializes
    /// it into your type.
    pub fn recovered(&self) -> bool {
        self.session.recovered
    }
}
