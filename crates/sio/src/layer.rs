//! [`SocketIoLayer`] and [`SocketIoService`]: the server as tower
//! middleware; requests for its path are served, every other one goes to
//! the inner service untouched. [`NotFound`] is the inner service of
//! [`SocketIo::service`](crate::SocketIo::service), for mounting on a path
//! of its own (`Router::nest_service`).

use std::convert::Infallible;
use std::fmt;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::Empty;
use tower_layer::Layer;
use tower_service::Service;

use crate::engine::{EngineBody, EngineIoLayer, EngineIoService, ResponseFuture, original_path};
use crate::io::SioHandler;
use crate::serve_client::ClientFiles;

/// Boxed error of a request body.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The tower layer of a [`SocketIo`](crate::SocketIo) server, from
/// [`SocketIo::layer`](crate::SocketIo::layer).
#[derive(Clone)]
pub struct SocketIoLayer {
    engine: EngineIoLayer<SioHandler>,
    client: Option<Arc<ClientFiles>>,
}

impl SocketIoLayer {
    pub(crate) fn new(engine: EngineIoLayer<SioHandler>, client: Option<Arc<ClientFiles>>) -> Self {
        Self { engine, client }
    }
}

impl fmt::Debug for SocketIoLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketIoLayer")
            .field("engine", &self.engine)
            .field("serve_client", &self.client.is_some())
            .finish()
    }
}

impl<S> Layer<S> for SocketIoLayer {
    type Service = SocketIoService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SocketIoService {
            inner: self.engine.layer(inner),
            client: self.client.clone(),
        }
    }
}

/// The service made by [`SocketIoLayer`].
pub struct SocketIoService<S> {
    inner: EngineIoService<S, SioHandler>,
    client: Option<Arc<ClientFiles>>,
}

impl<S: Clone> Clone for SocketIoService<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            client: self.client.clone(),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for SocketIoService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketIoService")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SocketIoService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
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
        if let Some(files) = &self.client {
            // Under `nest_service` the prefix is gone: try the original path.
            let paths = [Some(req.uri().path()), original_path(&req)];
            if let Some(path) = paths
                .into_iter()
                .flatten()
                .find(|p| files.claims(req.method(), p))
            {
                let res = files.respond(req.method(), path, req.headers());
                return ResponseFuture::engine(Box::pin(ready(res)));
            }
        }
        self.inner.call(req)
    }
}

/// The inner service of [`SocketIo::service`](crate::SocketIo::service):
/// answers 404 to every request that is not the server's.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotFound;

impl<B> Service<Request<B>> for NotFound {
    type Response = Response<Empty<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _req: Request<B>) -> Self::Future {
        let mut res = Response::new(Empty::new());
        *res.status_mut() = StatusCode::NOT_FOUND;
        ready(Ok(res))
    }
}
