//! [`ResponseFuture`]: the opaque future of
//! [`EngineIoService`](crate::EngineIoService).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::Response;
use http_body_util::Full;
use pin_project_lite::pin_project;

use super::body::EngineBody;

pin_project! {
    /// The response future of [`EngineIoService`](crate::EngineIoService):
    /// the inner service's future, or the engine answering a request of its
    /// own.
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Inner { #[pin] fut: F },
        Engine { fut: BoxFuture<'static, Response<Full<Bytes>>> },
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn inner(fut: F) -> Self {
        Self {
            kind: Kind::Inner { fut },
        }
    }

    pub(crate) fn engine(fut: BoxFuture<'static, Response<Full<Bytes>>>) -> Self {
        Self {
            kind: Kind::Engine { fut },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<EngineBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { fut } => fut
                .poll(cx)
                .map(|res| res.map(|res| res.map(EngineBody::inner))),
            KindProj::Engine { fut } => fut
                .as_mut()
                .poll(cx)
                .map(|res| Ok(res.map(EngineBody::engine))),
        }
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
