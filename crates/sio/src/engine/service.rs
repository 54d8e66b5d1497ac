//! [`EngineIoService`]: claims the requests for the engine's path and
//! passes every other one to the inner service untouched.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use tower_service::Service;

use super::{Engine, EngineBody, EngineHandler, ResponseFuture, request};

/// Boxed error of a request body.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The service made by [`EngineIoLayer`](crate::EngineIoLayer).
pub struct EngineIoService<S, H> {
    inner: S,
    engine: Arc<Engine<H>>,
}

impl<S, H> EngineIoService<S, H> {
    pub(crate) fn new(inner: S, engine: Arc<Engine<H>>) -> Self {
        Self { inner, engine }
    }

    /// True when the request is for the engine's path: its URI's path, or
    /// (under axum's `Router::nest_service`, which strips the prefix) the
    /// original URI's.
    fn claims_request<B>(&self, req: &Request<B>) -> bool {
        self.claims(req.uri().path()) || original_path(req).is_some_and(|p| self.claims(p))
    }

    /// True when `path` is the engine's: exactly its path, or its path
    /// without the trailing `/`.
    fn claims(&self, path: &str) -> bool {
        let own = self.engine.config.path.as_str();
        path == own
            || own
                .strip_suffix('/')
                .is_some_and(|bare| !bare.is_empty() && path == bare)
    }
}

/// The request's path before axum's `nest_service` stripped its prefix
/// (axum's `OriginalUri`), when the `axum` feature is on.
pub(crate) fn original_path<B>(req: &Request<B>) -> Option<&str> {
    #[cfg(feature = "axum")]
    {
        req.extensions()
            .get::<axum::extract::OriginalUri>()
            .map(|uri| uri.0.path())
    }
    #[cfg(not(feature = "axum"))]
    {
        let _ = req;
        None
    }
}

impl<S: Clone, H> Clone for EngineIoService<S, H> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            engine: self.engine.clone(),
        }
    }
}

impl<S: fmt::Debug, H> fmt::Debug for EngineIoService<S, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineIoService")
            .field("inner", &self.inner)
            .field("path", &self.engine.config.path)
            .finish_non_exhaustive()
    }
}

impl<S, H, ReqBody, ResBody> Service<Request<ReqBody>> for EngineIoService<S, H>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    H: EngineHandler,
    ReqBody: Body + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes>,
{
    type Response = Response<EngineBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        if self.claims_request(&req) {
            ResponseFuture::engine(Box::pin(request::handle(self.engine.clone(), req)))
        } else {
            ResponseFuture::inner(self.inner.call(req))
        }
    }
}
