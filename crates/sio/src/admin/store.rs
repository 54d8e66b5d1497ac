//! Where the admin UI's login sessions are kept: [`SessionStore`], and
//! the in-memory [`MemorySessionStore`].

use std::collections::HashSet;

use futures_util::future::BoxFuture;
use parking_lot::Mutex;

/// Keeps the session ids handed to the admin UI at login (Node's `Store`;
/// the trait lives in `sio-adapter` so that cluster crates implement it:
/// `sio_redis::RedisAdminSessionStore` shares logins between servers, Node
/// ones included).
pub use sio_adapter::AdminSessionStore as SessionStore;

/// Session ids in this process's memory, as Node's `InMemoryStore`: they
/// never expire, at most [`MemorySessionStore::MAX`] are kept (the oldest
/// go first past it).
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    ids: Mutex<Ids>,
}

#[derive(Debug, Default)]
struct Ids {
    set: HashSet<String>,
    order: std::collections::VecDeque<String>,
}

impl MemorySessionStore {
    /// Most session ids kept (each login makes one): 10,000.
    pub const MAX: usize = 10_000;
}

impl SessionStore for MemorySessionStore {
    fn exists(&self, id: &str) -> BoxFuture<'_, bool> {
        let found = self.ids.lock().set.contains(id);
        Box::pin(std::future::ready(found))
    }

    fn save(&self, id: String) -> BoxFuture<'_, ()> {
        let mut ids = self.ids.lock();
        if ids.set.insert(id.clone()) {
            ids.order.push_back(id);
        }
        while ids.order.len() > Self::MAX {
            if let Some(old) = ids.order.pop_front() {
                ids.set.remove(&old);
            }
        }
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_ids_up_to_its_cap() {
        let store = MemorySessionStore::default();
        store.save("a".into()).await;
        assert!(store.exists("a").await);
        assert!(!store.exists("b").await);
        for i in 0..MemorySessionStore::MAX {
            store.save(i.to_string()).await;
        }
        assert!(!store.exists("a").await);
        assert!(store.exists("0").await);
    }
}
