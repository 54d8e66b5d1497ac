//! The registry: live sessions by id, each with the way to its
//! connection task. A short `parking_lot` lock guards the map; it is never
//! held across an `.await`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use sio_engine::{CloseReason, RequestError, Sid};
use tokio::sync::{Notify, OwnedSemaphorePermit};

use super::driver::Command;
use super::handler::SocketShared;

/// What the HTTP side needs to reach one session.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The state shared with the session's [`EngineSocket`](super::EngineSocket)s.
    pub(crate) shared: Arc<SocketShared>,
}

impl Entry {
    /// Hands an HTTP request to the session's task (see
    /// [`Outbox::push_command`](super::outbox::Outbox::push_command)).
    ///
    /// # Errors
    /// `UnknownSid` when the session is gone, `BadRequest` when too many
    /// requests already wait for it.
    pub(crate) fn command(&self, cmd: Command, force: bool) -> Result<(), RequestError> {
        self.shared.outbox.push_command(cmd, force).map_err(|_| {
            if self.shared.outbox.is_closed() {
                RequestError::UnknownSid
            } else {
                RequestError::BadRequest
            }
        })
    }

    /// Marks a POST as in flight; `None` when one already is (the caller
    /// must then refuse this one). The flag is cleared when the guard drops.
    pub(crate) fn begin_post(&self) -> Option<PostGuard<'_>> {
        let busy = &self.shared.post_busy;
        (!busy.swap(true, Ordering::AcqRel)).then_some(PostGuard(busy))
    }

    /// Waits until the session's task has taken the packets of the
    /// previous POST; the permit travels with this POST's packets.
    ///
    /// A task that ends drops the commands it holds, and their permits.
    ///
    /// # Errors
    /// `UnknownSid` when the semaphore was closed.
    pub(crate) async fn post_permit(&self) -> Result<OwnedSemaphorePermit, RequestError> {
        self.shared
            .post_permit
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| RequestError::UnknownSid)
    }

    /// Asks the session's task to close with `reason`.
    pub(crate) fn close(&self, reason: CloseReason) {
        self.shared.outbox.request_close(reason);
    }
}

/// Clears the "POST in flight" flag when dropped.
#[derive(Debug)]
pub(crate) struct PostGuard<'a>(&'a AtomicBool);

impl Drop for PostGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Live sessions by id, hashed with foldhash (randomly seeded), not
/// SipHash: every request looks its session up, and the ids are the
/// server's own random ones.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    map: Mutex<HashMap<Sid, Entry, foldhash::fast::RandomState>>,
    emptied: Notify,
    /// Set (under the map's lock) once the endpoint shuts down: no session
    /// registers from then on, so the registry only shrinks.
    closing: AtomicBool,
}

/// Why a session could not register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Its id is in use.
    Taken,
    /// `max_sessions` sessions are live.
    Full,
    /// The endpoint is shutting down.
    Closing,
}

impl Registry {
    /// Adds a session unless its id is taken, `max` sessions are live or
    /// the endpoint is shutting down; checked under the lock, so that
    /// concurrent handshakes (a WebSocket registers after its 101) cannot
    /// overshoot `max` or slip in after a shutdown began.
    pub(crate) fn insert(&self, sid: Sid, entry: Entry, max: usize) -> Result<(), Refused> {
        let mut map = self.map.lock();
        if self.closing.load(Ordering::Acquire) {
            return Err(Refused::Closing);
        }
        if map.len() >= max {
            return Err(Refused::Full);
        }
        if map.contains_key(&sid) {
            return Err(Refused::Taken);
        }
        map.insert(sid, entry);
        Ok(())
    }

    /// True once the endpoint is shutting down.
    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    /// The session with this id, if it is live.
    pub(crate) fn get(&self, sid: &str) -> Option<Entry> {
        self.map.lock().get(sid).cloned()
    }

    /// True when a session has this id.
    pub(crate) fn contains(&self, sid: &Sid) -> bool {
        self.map.lock().contains_key(sid)
    }

    /// Forgets a session (its task ended).
    pub(crate) fn remove(&self, sid: &Sid) {
        let now_empty = {
            let mut map = self.map.lock();
            map.remove(sid);
            map.is_empty()
        };
        if now_empty {
            self.emptied.notify_waiters();
        }
    }

    /// How many sessions are live.
    pub(crate) fn len(&self) -> usize {
        self.map.lock().len()
    }

    /// Refuses every later session, then asks every live one to close
    /// with `reason`.
    pub(crate) fn close_all(&self, reason: CloseReason) {
        let entries: Vec<Entry> = {
            let map = self.map.lock();
            self.closing.store(true, Ordering::Release);
            map.values().cloned().collect()
        };
        for entry in entries {
            entry.close(reason);
        }
    }

    /// Resolves once no session is live.
    pub(crate) async fn wait_empty(&self) {
        loop {
            let notified = self.emptied.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.len() == 0 {
                return;
            }
            notified.await;
        }
    }
}
