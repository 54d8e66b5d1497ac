//! [`EngineBody`]: the one response body type of the layer, wrapping either
//! the inner service's body or a body the engine produced.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::Full;
use pin_project_lite::pin_project;

pin_project! {
    /// The response body of [`EngineIoService`](crate::EngineIoService):
    /// the inner service's body, untouched, or the engine's own answer.
    pub struct EngineBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Inner { #[pin] body: B },
        Engine { body: Full<Bytes> },
    }
}

impl<B> EngineBody<B> {
    pub(crate) fn inner(body: B) -> Self {
        Self {
            kind: Kind::Inner { body },
        }
    }

    pub(crate) fn engine(body: Full<Bytes>) -> Self {
        Self {
            kind: Kind::Engine { body },
        }
    }
}

/// An empty body (what tower-http's CORS layer sends for a preflight).
impl<B> Default for EngineBody<B> {
    fn default() -> Self {
        Self::engine(Full::default())
    }
}

impl<B> Body for EngineBody<B>
where
    B: Body<Data = Bytes>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.project().kind.project() {
            KindProj::Inner { body } => body.poll_frame(cx),
            KindProj::Engine { body } => match Pin::new(body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
                Poll::Ready(Some(Err(never))) => match never {},
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Inner { body } => body.is_end_stream(),
            Kind::Engine { body } => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Inner { body } => body.size_hint(),
            Kind::Engine { body } => body.size_hint(),
        }
    }
}

impl<B> fmt::Debug for EngineBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let which = match self.kind {
            Kind::Inner { .. } => "Inner",
            Kind::Engine { .. } => "Engine",
        };
        f.debug_tuple("EngineBody").field(&which).finish()
    }
}
