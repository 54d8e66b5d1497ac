//! [`NsTable`]: the namespaces declared at build time, frozen: exact names,
//! and dynamic families whose children are created through one guarded
//! path (a name length cap and a cap on children per family) and retired
//! as soon as they hold no socket and no connection in progress.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use parking_lot::Mutex;
use sio_adapter::AdapterFactory;

use super::{Namespace, NsHandlers};
use crate::builder::Config;
use crate::socket::Handshake;

/// Decides whether a namespace name (asked for with this handshake)
/// belongs to a dynamic family.
pub(crate) type Matcher = Box<dyn Fn(&str, &Handshake) -> bool + Send + Sync>;

/// The live children of one dynamic family.
pub(crate) type Children = Mutex<HashMap<String, Arc<Namespace>>>;

pub(crate) struct Dynamic {
    pub(crate) matcher: Matcher,
    pub(crate) handlers: Arc<NsHandlers>,
    children: Arc<Children>,
}

impl Dynamic {
    pub(crate) fn new(matcher: Matcher, handlers: Arc<NsHandlers>) -> Self {
        Self {
            matcher,
            handlers,
            children: Arc::default(),
        }
    }
}

/// Every namespace of the server.
pub(crate) struct NsTable {
    main: Arc<Namespace>,
    exact: HashMap<String, Arc<Namespace>>,
    dynamic: Vec<Dynamic>,
    factory: Arc<dyn AdapterFactory>,
    config: Arc<Config>,
}

impl fmt::Debug for NsTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NsTable")
            .field("exact", &self.exact.keys().collect::<Vec<_>>())
            .field("dynamic", &self.dynamic.len())
            .finish()
    }
}

impl NsTable {
    pub(crate) fn new(
        exact: Vec<(String, Arc<NsHandlers>)>,
        dynamic: Vec<Dynamic>,
        factory: Arc<dyn AdapterFactory>,
        config: Arc<Config>,
    ) -> Self {
        let mut exact: HashMap<String, Arc<Namespace>> = exact
            .into_iter()
            .map(|(name, handlers)| {
                let ns = Namespace::new(name.clone(), handlers, config.clone(), &*factory);
                ns.start();
                (name, ns)
            })
            .collect();
        // `/` always exists, as in Node: undeclared, it runs no handler.
        let main = exact
            .entry("/".to_owned())
            .or_insert_with(|| {
                let handlers = super::Ns::new(|| async {}).handlers;
                let ns = Namespace::new("/".to_owned(), handlers, config.clone(), &*factory);
                ns.start();
                ns
            })
            .clone();
        Self {
            main,
            exact,
            dynamic,
            factory,
            config,
        }
    }

    /// The main namespace `/`.
    pub(crate) fn main(&self) -> Arc<Namespace> {
        self.main.clone()
    }

    /// The namespace `name`, creating it when a dynamic family matches,
    /// with a guard that keeps a dynamic child alive while the connection
    /// is in progress. `None`: no such namespace (or over a cap).
    pub(crate) fn get_or_create(
        &self,
        name: &str,
        handshake: &Handshake,
    ) -> Option<(Arc<Namespace>, ConnectGuard)> {
        if let Some(ns) = self.exact.get(name) {
            return Some((ns.clone(), ConnectGuard::new(ns)));
        }
        if name.len() > self.config.max_ns_name_len {
            return None;
        }
        let family = self.dynamic.iter().find(|d| (d.matcher)(name, handshake))?;
        let mut children = family.children.lock();
        if let Some(ns) = children.get(name) {
            // Taken under the family's lock: the child cannot retire now.
            return Some((ns.clone(), ConnectGuard::new(ns)));
        }
        if children.len() >= self.config.max_ns_children {
            tracing::warn!(ns = name, "too many dynamic namespaces: connection refused");
            return None;
        }
        let ns = Namespace::new(
            name.to_owned(),
            family.handlers.clone(),
            self.config.clone(),
            &*self.factory,
        );
        ns.set_family(Arc::downgrade(&family.children));
        children.insert(name.to_owned(), ns.clone());
        let guard = ConnectGuard::new(&ns);
        Some((ns, guard))
    }

    /// An existing namespace (exact or an existing dynamic child).
    pub(crate) fn get(&self, name: &str) -> Option<Arc<Namespace>> {
        self.exact.get(name).cloned().or_else(|| {
            self.dynamic
                .iter()
                .find_map(|d| d.children.lock().get(name).cloned())
        })
    }

    /// Every live namespace.
    pub(crate) fn all(&self) -> Vec<Arc<Namespace>> {
        let mut all: Vec<_> = self.exact.values().cloned().collect();
        for d in &self.dynamic {
            all.extend(d.children.lock().values().cloned());
        }
        all
    }
}

/// A connection in progress to a namespace: while it lives, a dynamic
/// child is not retired even if it has no socket yet.
#[derive(Debug)]
pub(crate) struct ConnectGuard(Arc<Namespace>);

impl ConnectGuard {
    fn new(ns: &Arc<Namespace>) -> Self {
        ns.pending_connects
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Self(ns.clone())
    }
}

impl Drop for ConnectGuard {
    fn drop(&mut self) {
        self.0
            .pending_connects
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
        self.0.retire_if_unused(false);
    }
}
