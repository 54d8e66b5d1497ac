//! Handler traits: async closures whose arguments are extractors, for
//! events ([`MessageHandler`]), connections ([`ConnectHandler`]) and
//! namespace middlewares ([`Middleware`]); and their type-erased storage.

use std::any::TypeId;
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, LazyLock};

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use parking_lot::RwLock;

use crate::error::{ConnectError, ExtractError};
use crate::extract::{ConnectParts, FromConnectParts, FromMessageParts, MessageParts};
use crate::state::StateType;

/// An event handler: an async closure or function taking up to 8
/// extractors and returning `()`.
///
/// ```
/// use sio::{AckSender, Data, SocketRef};
/// # fn register(socket: SocketRef) {
/// socket.on("add", |Data(n): Data<i64>, ack: AckSender| async move {
///     let _ = ack.send(&(n + 1));
/// });
/// # }
/// ```
///
/// An argument that is not an extractor does not compile (wrap it:
/// `Data<u32>`):
///
/// ```compile_fail
/// # fn register(socket: sio::SocketRef) {
/// socket.on("x", |n: u32| async move { let _ = n; });
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Socket.IO event handler",
    label = "not an event handler",
    note = "an event handler is an async closure or `async fn` returning `()` whose arguments (at most 8) \
            are extractors: SocketRef, Data<T>, TryData<T>, Args<T>, AckSender, State<T>, Event, HandshakeRef"
)]
pub trait MessageHandler<T>: Send + Sync + 'static {
    /// Extracts the arguments and starts the handler.
    ///
    /// # Errors
    /// The first extractor that refused the packet.
    fn call(&self, parts: &MessageParts<'_>) -> Result<BoxFuture<'static, ()>, ExtractError>;
    /// The state types its extractors read (checked at `build()`).
    #[doc(hidden)]
    fn state_types(&self) -> Vec<StateType> {
        Vec::new()
    }
}

/// A connection handler: an async closure or function taking up to 8
/// connection extractors and returning `()`; it usually registers the
/// socket's event handlers.
///
/// A connection has no acknowledgement to answer: this does not compile.
///
/// ```compile_fail
/// use sio::{AckSender, SocketIo};
/// let io = SocketIo::builder().ns("/", |ack: AckSender| async move { drop(ack) }).build();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Socket.IO connection handler",
    label = "not a connection handler",
    note = "a connection handler is an async closure or `async fn` returning `()` whose arguments (at most 8) \
            are connection extractors: SocketRef, Data<T> (the auth payload), TryData<T>, State<T>, HandshakeRef"
)]
pub trait ConnectHandler<T>: Send + Sync + 'static {
    /// Extracts the arguments and starts the handler.
    ///
    /// # Errors
    /// The first extractor that refused the connection.
    fn call(&self, parts: &ConnectParts<'_>) -> Result<BoxFuture<'static, ()>, ExtractError>;
    /// The state types its extractors read (checked at `build()`).
    #[doc(hidden)]
    fn state_types(&self) -> Vec<StateType> {
        Vec::new()
    }
}

/// A namespace middleware: like a [`ConnectHandler`] but returning
/// `Result<(), ConnectError>`; an error refuses the connection.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Socket.IO namespace middleware",
    label = "not a middleware",
    note = "a middleware is an async closure or `async fn` returning `Result<(), sio::ConnectError>` whose \
            arguments are connection extractors: SocketRef, Data<T>, TryData<T>, State<T>, HandshakeRef"
)]
pub trait Middleware<T>: Send + Sync + 'static {
    /// Extracts the arguments and starts the middleware.
    ///
    /// # Errors
    /// The first extractor that refused the connection.
    fn call(
        &self,
        parts: &ConnectParts<'_>,
    ) -> Result<BoxFuture<'static, Result<(), ConnectError>>, ExtractError>;
    /// The state types its extractors read (checked at `build()`).
    #[doc(hidden)]
    fn state_types(&self) -> Vec<StateType> {
        Vec::new()
    }
}

macro_rules! impl_handlers {
    ($($T:ident),*) => {
        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<F, Fut, $($T,)*> MessageHandler<($($T,)*)> for F
        where
            F: Fn($($T),*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = ()> + Send + 'static,
            $($T: FromMessageParts + Send + 'static,)*
        {
            fn call(&self, parts: &MessageParts<'_>) -> Result<BoxFuture<'static, ()>, ExtractError> {
                $(let $T = $T::from_message_parts(parts)?;)*
                Ok(Box::pin(self($($T),*)))
            }

            fn state_types(&self) -> Vec<StateType> {
                let mut types = Vec::new();
                $(types.extend(<$T as FromMessageParts>::state_type());)*
                types
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<F, Fut, $($T,)*> ConnectHandler<($($T,)*)> for F
        where
            F: Fn($($T),*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = ()> + Send + 'static,
            $($T: FromConnectParts + Send + 'static,)*
        {
            fn call(&self, parts: &ConnectParts<'_>) -> Result<BoxFuture<'static, ()>, ExtractError> {
                $(let $T = $T::from_connect_parts(parts)?;)*
                Ok(Box::pin(self($($T),*)))
            }

            fn state_types(&self) -> Vec<StateType> {
                let mut types = Vec::new();
                $(types.extend(<$T as FromConnectParts>::state_type());)*
                types
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<F, Fut, $($T,)*> Middleware<($($T,)*)> for F
        where
            F: Fn($($T),*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = Result<(), ConnectError>> + Send + 'static,
            $($T: FromConnectParts + Send + 'static,)*
        {
            fn call(
                &self,
                parts: &ConnectParts<'_>,
            ) -> Result<BoxFuture<'static, Result<(), ConnectError>>, ExtractError> {
                $(let $T = $T::from_connect_parts(parts)?;)*
                Ok(Box::pin(self($($T),*)))
            }

            fn state_types(&self) -> Vec<StateType> {
                let mut types = Vec::new();
                $(types.extend(<$T as FromConnectParts>::state_type());)*
                types
            }
        }
    };
}

impl_handlers!();
impl_handlers!(T1);
impl_handlers!(T1, T2);
impl_handlers!(T1, T2, T3);
impl_handlers!(T1, T2, T3, T4);
impl_handlers!(T1, T2, T3, T4, T5);
impl_handlers!(T1, T2, T3, T4, T5, T6);
impl_handlers!(T1, T2, T3, T4, T5, T6, T7);
impl_handlers!(T1, T2, T3, T4, T5, T6, T7, T8);

/// A stored event handler, its extractor types erased.
pub(crate) trait ErasedMessage: Send + Sync {
    fn call(&self, parts: &MessageParts<'_>) -> Result<BoxFuture<'static, ()>, ExtractError>;
    fn state_types(&self) -> Vec<StateType>;
}

/// A stored connection handler.
pub(crate) trait ErasedConnect: Send + Sync {
    fn call(&self, parts: &ConnectParts<'_>) -> Result<BoxFuture<'static, ()>, ExtractError>;
    fn state_types(&self) -> Vec<StateType>;
}

/// A stored middleware.
pub(crate) trait ErasedMiddleware: Send + Sync {
    fn call(
        &self,
        parts: &ConnectParts<'_>,
    ) -> Result<BoxFuture<'static, Result<(), ConnectError>>, ExtractError>;
    fn state_types(&self) -> Vec<StateType>;
}

struct Erased<H, T>(H, PhantomData<fn() -> T>);

impl<H: MessageHandler<T>, T: 'static> ErasedMessage for Erased<H, T> {
    fn call(&self, parts: &MessageParts<'_>) -> Result<BoxFuture<'static, ()>, ExtractError> {
        self.0.call(parts)
    }

    fn state_types(&self) -> Vec<StateType> {
        self.0.state_types()
    }
}

impl<H: ConnectHandler<T>, T: 'static> ErasedConnect for Erased<H, T> {
    fn call(&self, parts: &ConnectParts<'_>) -> Result<BoxFuture<'static, ()>, ExtractError> {
        self.0.call(parts)
    }

    fn state_types(&self) -> Vec<StateType> {
        self.0.state_types()
    }
}

impl<H: Middleware<T>, T: 'static> ErasedMiddleware for Erased<H, T> {
    fn call(
        &self,
        parts: &ConnectParts<'_>,
    ) -> Result<BoxFuture<'static, Result<(), ConnectError>>, ExtractError> {
        self.0.call(parts)
    }

    fn state_types(&self) -> Vec<StateType> {
        self.0.state_types()
    }
}

/// Stores an event handler. A handler that captures nothing (a
/// zero-sized type: most closures and every `async fn`) behaves the same
/// whichever value of it runs, so every socket that registers it shares
/// one allocation, made the first time, instead of one per socket and
/// event. (`h` itself is then dropped at once; such a type has no state
/// to drop.)
pub(crate) fn erase_message<H: MessageHandler<T>, T: Send + 'static>(
    h: H,
) -> Arc<dyn ErasedMessage> {
    if std::mem::size_of::<H>() != 0 {
        return Arc::new(Erased(h, PhantomData));
    }
    type Shared = HashMap<TypeId, Arc<dyn ErasedMessage>, foldhash::fast::RandomState>;
    static SHARED: LazyLock<RwLock<Shared>> = LazyLock::new(RwLock::default);
    let key = TypeId::of::<Erased<H, T>>();
    if let Some(shared) = SHARED.read().get(&key) {
        return shared.clone();
    }
    SHARED
        .write()
        .entry(key)
        .or_insert_with(|| Arc::new(Erased(h, PhantomData)))
        .clone()
}

pub(crate) fn erase_connect<H: ConnectHandler<T>, T: Send + 'static>(
    h: H,
) -> Arc<dyn ErasedConnect> {
    Arc::new(Erased(h, PhantomData))
}

pub(crate) fn erase_middleware<H: Middleware<T>, T: Send + 'static>(
    h: H,
) -> Arc<dyn ErasedMiddleware> {
    Arc::new(Erased(h, PhantomData))
}

/// Wraps a handler's future so that a panic inside it is logged instead of
/// taking its connection's task down.
pub(crate) fn guarded(fut: BoxFuture<'static, ()>) -> BoxFuture<'static, ()> {
    Box::pin(AssertUnwindSafe(fut).catch_unwind().map(|result| {
        if result.is_err() {
            tracing::error!("a socket.io handler panicked");
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stateless() -> impl Fn() -> std::future::Ready<()> + Send + Sync + 'static {
        || std::future::ready(())
    }

    fn counting(n: u32) -> impl Fn() -> std::future::Ready<()> + Send + Sync + 'static {
        move || {
            std::hint::black_box(n);
            std::future::ready(())
        }
    }

    #[test]
    fn handlers_without_state_share_one_allocation() {
        let a = erase_message(stateless());
        let b = erase_message(stateless());
        assert!(Arc::ptr_eq(&a, &b));
        let c = erase_message(counting(1));
        let d = erase_message(counting(1));
        assert!(!Arc::ptr_eq(&c, &d), "a handler with state has its own");
    }
}
