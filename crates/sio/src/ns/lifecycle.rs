//! The life of a namespace's adapter, in an explicit order: `init` once the
//! namespace is in use (at build for a declared one, at its first accepted
//! connection for a dynamic child, so that a child whose middlewares refuse
//! every connection never starts its adapter), and `close` only after
//! `init` has finished. With connection-state recovery on, an emptied
//! dynamic child lingers for the recovery window, watched by one timer per
//! namespace however often it empties.

use parking_lot::Mutex;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::Namespace;

/// Where the adapter is in its life.
#[derive(Debug, Default)]
pub(crate) enum Lifecycle {
    /// Not started: nothing to close.
    #[default]
    New,
    /// `init` runs (or ran) in this task.
    Started(JoinHandle<()>),
    /// Closed, or closing once `init` is over; never started again.
    Closed,
}

/// The recovery linger of an emptied dynamic child.
#[derive(Debug, Default)]
pub(crate) struct Linger {
    /// When its last socket left.
    emptied: Option<Instant>,
    /// Whether a timer waits to retire it.
    armed: bool,
}

impl Namespace {
    /// Starts the adapter (`init`), once; nothing outside a tokio runtime
    /// (the first connection starts it then) or once closed.
    pub(crate) fn start(&self) {
        let mut state = self.lifecycle.lock();
        if !matches!(*state, Lifecycle::New) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let adapter = self.adapter.clone();
        let name = self.name.clone();
        *state = Lifecycle::Started(handle.spawn(async move {
            if let Err(e) = adapter.init().await {
                tracing::error!(ns = %name, "adapter init failed: {e}");
            }
        }));
    }

    /// Closes the adapter after its `init` (if it was started at all).
    pub(crate) fn stop(&self) {
        let state = std::mem::replace(&mut *self.lifecycle.lock(), Lifecycle::Closed);
        let Lifecycle::Started(init) = state else {
            return;
        };
        let adapter = self.adapter.clone();
        let close = async move {
            let _ = init.await;
            let _ = adapter.close().await;
        };
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(close);
        }
    }

    /// The last socket just left a dynamic child, with recovery on: it is
    /// retired once `window` has passed since the last time that happened,
    /// by one timer per namespace.
    pub(crate) fn linger(self: &std::sync::Arc<Self>, window: std::time::Duration) {
        {
            let mut linger = self.linger.lock();
            linger.emptied = Some(Instant::now());
            if linger.armed {
                return;
            }
            linger.armed = true;
        }
        let ns = self.clone();
        crate::socket::spawn(Box::pin(async move {
            let mut deadline = Instant::now() + window;
            loop {
                tokio::time::sleep_until(deadline).await;
                {
                    let mut linger = ns.linger.lock();
                    match linger.emptied.map(|at| at + window) {
                        Some(later) if later > deadline => {
                            deadline = later;
                            continue;
                        }
                        _ => linger.armed = false,
                    }
                }
                ns.retire_if_unused(false);
                return;
            }
        }));
    }
}

/// The state [`Namespace`] keeps for the above.
pub(crate) type LifecycleCell = Mutex<Lifecycle>;
/// See [`Linger`].
pub(crate) type LingerCell = Mutex<Linger>;
