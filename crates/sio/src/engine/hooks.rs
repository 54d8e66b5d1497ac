//! User hooks of the engine: the allow-request check and the session-id
//! generator, stored type-erased so that they never become type parameters.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use base64::Engine as _;
use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use http::request::Parts;
use rand::RngCore as _;

/// The type-erased allow-request function.
type AllowFn = dyn Fn(&Parts) -> BoxFuture<'static, bool> + Send + Sync;

/// Decides whether a handshake may open a session (Node's `allowRequest`).
#[derive(Clone)]
pub(crate) struct AllowRequest(Arc<AllowFn>);

impl AllowRequest {
    pub(crate) fn new<F, Fut>(f: F) -> Self
    where
        F: Fn(&Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        Self(Arc::new(move |parts| Box::pin(f(parts))))
    }

    /// Runs the hook; a panic (while building or polling its future) is
    /// caught and counts as a refusal.
    pub(crate) async fn check(&self, parts: &Parts) -> bool {
        let fut = match std::panic::catch_unwind(AssertUnwindSafe(|| (self.0)(parts))) {
            Ok(fut) => fut,
            Err(_) => {
                tracing::warn!("allow-request hook panicked");
                return false;
            }
        };
        match AssertUnwindSafe(fut).catch_unwind().await {
            Ok(allowed) => allowed,
            Err(_) => {
                tracing::warn!("allow-request hook panicked");
                false
            }
        }
    }
}

impl fmt::Debug for AllowRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AllowRequest(..)")
    }
}

/// The type-erased id generator.
type IdFn = dyn Fn(&Parts) -> BoxFuture<'static, String> + Send + Sync;

/// Produces session ids from the handshake request (Node's
/// `generateId(req)`).
#[derive(Clone)]
pub(crate) struct IdGenerator(Arc<IdFn>);

impl IdGenerator {
    pub(crate) fn new<F, Fut>(f: F) -> Self
    where
        F: Fn(&Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = String> + Send + 'static,
    {
        Self(Arc::new(move |parts| Box::pin(f(parts))))
    }

    /// Runs the hook on the handshake request; `None` when it panicked.
    pub(crate) async fn generate(&self, parts: &Parts) -> Option<String> {
        let fut = std::panic::catch_unwind(AssertUnwindSafe(|| (self.0)(parts))).ok()?;
        AssertUnwindSafe(fut).catch_unwind().await.ok()
    }
}

impl fmt::Debug for IdGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdGenerator(..)")
    }
}

/// The default id: 20 bytes from a CSPRNG (rand's thread RNG, seeded by the OS), base64url
/// without padding (27 characters).
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_distinct_and_url_safe() {
        let a = random_id();
        let b = random_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 27);
        assert!(sio_engine::Sid::new(&a).is_some());
    }

    #[tokio::test]
    async fn panicking_hooks_are_contained() {
        let hook = AllowRequest::new(|_| async { panic!("boom") });
        let (parts, ()) = http::Request::new(()).into_parts();
        assert!(!hook.check(&parts).await);
        let ids = IdGenerator::new(|_| async { panic!("boom") });
        assert_eq!(ids.generate(&parts).await, None);
    }
}
