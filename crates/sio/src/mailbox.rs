//! The mailbox of a client: what its sockets ask of it from any task (a
//! socket that left its namespace on the server's side), read in the
//! session's task. A lock and a waker instead of a channel: an idle
//! connection holds no buffer for it.

use std::task::Context;

use futures_util::task::AtomicWaker;
use parking_lot::Mutex;

use crate::client::ClientCmd;

/// See the module docs.
#[derive(Default)]
pub(crate) struct Mailbox {
    inner: Mutex<Inner>,
    waker: AtomicWaker,
}

#[derive(Default)]
struct Inner {
    cmds: Vec<ClientCmd>,
    closed: bool,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox").finish_non_exhaustive()
    }
}

impl Mailbox {
    /// Posts `cmd` and wakes the session's task; gives it back once the
    /// client is closed (the caller then runs it itself).
    pub(crate) fn send(&self, cmd: ClientCmd) -> Result<(), ClientCmd> {
        {
            let mut inner = self.inner.lock();
            if inner.closed {
                return Err(cmd);
            }
            inner.cmds.push(cmd);
        }
        self.waker.wake();
        Ok(())
    }

    /// What was posted so far; `cx`'s waker is woken by the next post.
    pub(crate) fn take(&self, cx: &mut Context<'_>) -> Vec<ClientCmd> {
        self.waker.register(cx.waker());
        std::mem::take(&mut self.inner.lock().cmds)
    }

    /// Closes the mailbox (later posts are given back) and returns what
    /// was still in it.
    pub(crate) fn close(&self) -> Vec<ClientCmd> {
        let mut inner = self.inner.lock();
        inner.closed = true;
        std::mem::take(&mut inner.cmds)
    }
}
