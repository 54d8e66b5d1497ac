//! The listeners of a socket's lifecycle, with extractors as event
//! handlers have: [`DisconnectHandler`] (async, after the socket left its
//! rooms), [`DisconnectingHandler`] (synchronous, while it is still in
//! them) and [`ErrorListener`] (a packet rejected by a packet middleware).
//! A socket may have several of each: they run in the order added.

use std::future::Future;
use std::marker::PhantomData;

use futures_util::future::BoxFuture;

use super::{HandlerOutput, catch, catch_future, report, reported};
use crate::error::{ExtractError, HandlerFailure, PacketError};
use crate::extract::{HandshakeRef, State};
use crate::reason::DisconnectReason;
use crate::socket::SocketRef;

/// What the extractors of a disconnect or disconnecting listener read.
#[derive(Debug)]
pub struct DisconnectParts<'a> {
    pub(crate) socket: &'a SocketRef,
    pub(crate) reason: DisconnectReason,
}

/// What the extractors of an error listener read.
#[derive(Debug)]
pub struct ErrorParts<'a> {
    pub(crate) socket: &'a SocketRef,
    pub(crate) error: &'a PacketError,
}

/// Something a disconnect or disconnecting listener can take as an
/// argument: [`SocketRef`], [`DisconnectReason`], [`State<T>`],
/// [`HandshakeRef`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted in a disconnect listener",
    note = "disconnect extractors: SocketRef, DisconnectReason, State<T>, HandshakeRef"
)]
pub trait FromDisconnectParts: Sized {
    /// Takes the value.
    ///
    /// # Errors
    /// [`ExtractError`] when it is not there (a state never registered).
    fn from_disconnect_parts(parts: &DisconnectParts<'_>) -> Result<Self, ExtractError>;
}

/// Something an error listener can take as an argument: [`SocketRef`],
/// the [`PacketError`] a packet middleware returned, [`State<T>`],
/// [`HandshakeRef`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted in an error listener",
    note = "error listener extractors: SocketRef, PacketError, State<T>, HandshakeRef"
)]
pub trait FromErrorParts: Sized {
    /// Takes the value.
    ///
    /// # Errors
    /// [`ExtractError`] when it is not there (a state never registered).
    fn from_error_parts(parts: &ErrorParts<'_>) -> Result<Self, ExtractError>;
}

/// Implements both traits for an extractor taken from the socket alone.
macro_rules! from_socket {
    ($ty:ty, $socket:ident => $make:expr $(, $g:ident: ($($b:tt)*))?) => {
        impl$(<$g: $($b)*>)? FromDisconnectParts for $ty {
            fn from_disconnect_parts(parts: &DisconnectParts<'_>) -> Result<Self, ExtractError> {
                let $socket = parts.socket;
                $make
            }
        }
        impl$(<$g: $($b)*>)? FromErrorParts for $ty {
            fn from_error_parts(parts: &ErrorParts<'_>) -> Result<Self, ExtractError> {
                let $socket = parts.socket;
                $make
            }
        }
    };
}

from_socket!(SocketRef, s => Ok(s.clone()));
from_socket!(HandshakeRef, s => Ok(HandshakeRef::of(s)));
from_socket!(State<T>, s => State::from_config(&s.ns.config), T: (Clone + Send + Sync + 'static));

impl FromDisconnectParts for DisconnectReason {
    fn from_disconnect_parts(parts: &DisconnectParts<'_>) -> Result<Self, ExtractError> {
        Ok(parts.reason)
    }
}

impl FromErrorParts for PacketError {
    fn from_error_parts(parts: &ErrorParts<'_>) -> Result<Self, ExtractError> {
        Ok(parts.error.clone())
    }
}

/// A disconnect listener: an async closure (`FnOnce` is enough: it runs
/// once) or function taking up to 8 [`FromDisconnectParts`] extractors,
/// returning `()` or `Result<(), E>`.
///
/// ```
/// use sio::{DisconnectReason, SocketRef, State};
/// # fn register(socket: SocketRef) {
/// socket.on_disconnect(|socket: SocketRef, reason: DisconnectReason, State(n): State<u32>| async move {
///     println!("{} left ({reason}); state {n}", socket.id());
/// });
/// # }
/// ```
///
/// The reason is a [`DisconnectReason`], not a string (its `as_str` and
/// `Display` give Node's string):
///
/// ```compile_fail
/// # fn register(socket: sio::SocketRef) {
/// socket.on_disconnect(|reason: String| async move { drop(reason) });
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Socket.IO disconnect listener",
    label = "not a disconnect listener",
    note = "a disconnect listener is an async closure or `async fn` returning `()` or `Result<(), E>` whose \
            arguments (at most 8) are: SocketRef, DisconnectReason, State<T>, HandshakeRef \
            (annotate closure arguments: `|socket: SocketRef, reason: DisconnectReason|`)"
)]
pub trait DisconnectHandler<T>: Send + 'static {
    /// Extracts the arguments and starts the listener (once: it may be an
    /// `FnOnce`).
    ///
    /// # Errors
    /// The first extractor that failed.
    fn call(self, parts: &DisconnectParts<'_>) -> Result<BoxFuture<'static, ()>, ExtractError>;
}

/// A disconnecting listener: a synchronous closure or function taking up
/// to 8 [`FromDisconnectParts`] extractors, returning `()` or
/// `Result<(), E>`. It runs while [`Socket::rooms`](crate::Socket::rooms)
/// still lists the socket's rooms: keep it short.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Socket.IO disconnecting listener",
    label = "not a disconnecting listener",
    note = "a disconnecting listener is a synchronous closure or `fn` returning `()` or `Result<(), E>` whose \
            arguments (at most 8) are: SocketRef, DisconnectReason, State<T>, HandshakeRef \
            (annotate closure arguments: `|socket: SocketRef, reason: DisconnectReason|`)"
)]
pub trait DisconnectingHandler<T>: Send + 'static {
    /// Extracts the arguments and runs the listener (once: it may be an
    /// `FnOnce`).
    ///
    /// # Errors
    /// The first extractor that failed.
    fn call(self, parts: &DisconnectParts<'_>) -> Result<(), ExtractError>;
}

/// An error listener (Node's `socket.on("error")`): a synchronous closure
/// or function taking up to 8 [`FromErrorParts`] extractors and returning
/// `()`.
///
/// ```compile_fail
/// # fn register(socket: sio::SocketRef) {
/// socket.on_error(|err: String| drop(err));
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Socket.IO error listener",
    label = "not an error listener",
    note = "an error listener is a synchronous closure or `fn` returning `()` whose arguments (at most 8) \
            are: SocketRef, PacketError, State<T>, HandshakeRef \
            (annotate closure arguments: `|socket: SocketRef, err: PacketError|`)"
)]
pub trait ErrorListener<T>: Send + Sync + 'static {
    /// Extracts the arguments and runs the listener.
    ///
    /// # Errors
    /// The first extractor that failed.
    fn call(&self, parts: &ErrorParts<'_>) -> Result<(), ExtractError>;
}

macro_rules! impl_listeners {
    ($($T:ident),*) => {
        #[allow(non_snake_case, unused_variables)]
        impl<F, Fut, $($T,)*> DisconnectHandler<($($T,)*)> for F
        where
            F: FnOnce($($T),*) -> Fut + Send + 'static,
            Fut: Future + Send + 'static,
            Fut::Output: HandlerOutput,
            $($T: FromDisconnectParts + Send + 'static,)*
        {
            fn call(self, parts: &DisconnectParts<'_>) -> Result<BoxFuture<'static, ()>, ExtractError> {
                $(let $T = $T::from_disconnect_parts(parts)?;)*
                Ok(reported(self($($T),*), parts.socket, "disconnect"))
            }
        }

        #[allow(non_snake_case, unused_variables)]
        impl<F, R, $($T,)*> DisconnectingHandler<($($T,)*)> for F
        where
            F: FnOnce($($T),*) -> R + Send + 'static,
            R: HandlerOutput,
            $($T: FromDisconnectParts + Send + 'static,)*
        {
            fn call(self, parts: &DisconnectParts<'_>) -> Result<(), ExtractError> {
                $(let $T = $T::from_disconnect_parts(parts)?;)*
                if let Some(e) = self($($T),*).into_error() {
                    report(parts.socket, "disconnecting", HandlerFailure::Returned(e));
                }
                Ok(())
            }
        }

        #[allow(non_snake_case, unused_variables)]
        impl<F, $($T,)*> ErrorListener<($($T,)*)> for F
        where
            F: Fn($($T),*) + Send + Sync + 'static,
            $($T: FromErrorParts + Send + 'static,)*
        {
            fn call(&self, parts: &ErrorParts<'_>) -> Result<(), ExtractError> {
                $(let $T = $T::from_error_parts(parts)?;)*
                self($($T),*);
                Ok(())
            }
        }
    };
}

impl_listeners!();
impl_listeners!(T1);
impl_listeners!(T1, T2);
impl_listeners!(T1, T2, T3);
impl_listeners!(T1, T2, T3, T4);
impl_listeners!(T1, T2, T3, T4, T5);
impl_listeners!(T1, T2, T3, T4, T5, T6);
impl_listeners!(T1, T2, T3, T4, T5, T6, T7);
impl_listeners!(T1, T2, T3, T4, T5, T6, T7, T8);

/// A stored disconnect listener.
pub(crate) trait ErasedDisconnect: Send {
    fn call(
        self: Box<Self>,
        parts: &DisconnectParts<'_>,
    ) -> Result<BoxFuture<'static, ()>, ExtractError>;
}

/// A stored disconnecting listener.
pub(crate) trait ErasedDisconnecting: Send {
    fn call(self: Box<Self>, parts: &DisconnectParts<'_>) -> Result<(), ExtractError>;
}

/// A stored error listener.
pub(crate) trait ErasedErrorListener: Send + Sync {
    fn call(&self, parts: &ErrorParts<'_>) -> Result<(), ExtractError>;
}

/// A listener with its extractor types erased.
pub(crate) struct Erased<H, T>(pub(crate) H, pub(crate) PhantomData<fn() -> T>);

impl<H: DisconnectHandler<T>, T: 'static> ErasedDisconnect for Erased<H, T> {
    fn call(
        self: Box<Self>,
        parts: &DisconnectParts<'_>,
    ) -> Result<BoxFuture<'static, ()>, ExtractError> {
        self.0.call(parts)
    }
}

impl<H: DisconnectingHandler<T>, T: 'static> ErasedDisconnecting for Erased<H, T> {
    fn call(self: Box<Self>, parts: &DisconnectParts<'_>) -> Result<(), ExtractError> {
        self.0.call(parts)
    }
}

impl<H: ErrorListener<T>, T: 'static> ErasedErrorListener for Erased<H, T> {
    fn call(&self, parts: &ErrorParts<'_>) -> Result<(), ExtractError> {
        self.0.call(parts)
    }
}

/// Runs the disconnecting listeners, then starts the disconnect ones;
/// an extractor that fails is reported to the error hook.
pub(crate) fn run_disconnect(
    socket: &SocketRef,
    reason: DisconnectReason,
    disconnecting: Vec<Box<dyn ErasedDisconnecting>>,
) {
    let parts = DisconnectParts { socket, reason };
    for l in disconnecting {
        // A panic here must not keep the socket in its namespace.
        if let Some(Err(e)) = catch("disconnecting listener", || l.call(&parts)) {
            report(socket, "disconnecting", HandlerFailure::Extract(e));
        }
    }
}

/// Starts the disconnect listeners: one future running them in order.
pub(crate) fn start_disconnect(
    socket: &SocketRef,
    reason: DisconnectReason,
    listeners: Vec<Box<dyn ErasedDisconnect>>,
) -> BoxFuture<'static, ()> {
    let parts = DisconnectParts { socket, reason };
    let mut futs = Vec::with_capacity(listeners.len());
    for l in listeners {
        match catch("disconnect handler", || l.call(&parts)) {
            Some(Ok(fut)) => futs.push(fut),
            Some(Err(e)) => report(socket, "disconnect", HandlerFailure::Extract(e)),
            None => {}
        }
    }
    Box::pin(async move {
        for fut in futs {
            catch_future("disconnect handler", fut).await;
        }
    })
}

/// Tells the error listeners of a rejected packet.
pub(crate) fn run_error(
    socket: &SocketRef,
    error: &PacketError,
    listeners: &[std::sync::Arc<dyn ErasedErrorListener>],
) {
    let parts = ErrorParts { socket, error };
    for l in listeners {
        if let Some(Err(e)) = catch("error listener", || l.call(&parts)) {
            report(socket, "error", HandlerFailure::Extract(e));
        }
    }
}
