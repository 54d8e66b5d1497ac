//! [`Ns`]: what a namespace does when a client connects (its middlewares
//! and its connection handler), declared on the builder.

use std::fmt;
use std::sync::Arc;

use crate::handler::{
    ConnectHandler, ErasedConnect, ErasedMiddleware, Middleware, erase_connect, erase_middleware,
};
use crate::limit::{EventLimiter, EventRateLimit};

/// The handlers of a namespace: middlewares run in order on every
/// connection (the first error refuses it with a `connect_error`), then the
/// connection handler.
///
/// ```
/// use sio::{ConnectError, Data, Ns, SocketRef};
///
/// let admin = Ns::new(|socket: SocketRef| async move {
///     socket.on("ping", |socket: SocketRef| async move { socket.emit("pong", &()) });
/// })
/// .middleware(|Data(auth): Data<serde_json::Value>| async move {
///     if auth["token"] == "secret" { Ok(()) } else { Err(ConnectError::new("unauthorized")) }
/// });
/// # let _ = admin;
/// ```
#[derive(Clone)]
pub struct Ns {
    pub(crate) handlers: Arc<NsHandlers>,
}

pub(crate) struct NsHandlers {
    pub(crate) connect: Arc<dyn ErasedConnect>,
    pub(crate) middlewares: Vec<Arc<dyn ErasedMiddleware>>,
    /// This namespace's own event rate limit, over the server's.
    pub(crate) event_limit: Option<Arc<EventLimiter>>,
}

impl Ns {
    /// A namespace whose connections run `handler`.
    pub fn new<H: ConnectHandler<T>, T: Send + 'static>(handler: H) -> Self {
        Self {
            handlers: Arc::new(NsHandlers {
                connect: erase_connect(handler),
                middlewares: Vec::new(),
                event_limit: None,
            }),
        }
    }

    /// Adds a middleware (Node's `namespace.use`), run after the ones added
    /// before it.
    pub fn middleware<M: Middleware<T>, T: Send + 'static>(self, middleware: M) -> Self {
        let mut middlewares = self.handlers.middlewares.clone();
        middlewares.push(erase_middleware(middleware));
        Self {
            handlers: Arc::new(NsHandlers {
                connect: self.handlers.connect.clone(),
                middlewares,
                event_limit: self.handlers.event_limit.clone(),
            }),
        }
    }

    /// Gives the sockets of this namespace their own event rate limit,
    /// instead of the server's
    /// [`SocketIoBuilder::event_rate_limit`](crate::SocketIoBuilder::event_rate_limit)
    /// (a namespace of chat messages and one of cursor moves rarely want
    /// the same).
    pub fn event_rate_limit(self, limit: EventRateLimit) -> Self {
        Self {
            handlers: Arc::new(NsHandlers {
                connect: self.handlers.connect.clone(),
                middlewares: self.handlers.middlewares.clone(),
                event_limit: Some(limit.build()),
            }),
        }
    }
}

impl fmt::Debug for Ns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ns")
            .field("middlewares", &self.handlers.middlewares.len())
            .finish_non_exhaustive()
    }
}
