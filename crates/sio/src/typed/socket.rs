//! [`TypedSocket<N>`]: a socket of namespace `N` whose handlers, emits,
//! acks and data are checked against `N`'s event maps; and
//! [`SocketIoBuilder::typed_ns`], which declares such a namespace.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::broadcast::TypedBroadcast;
use super::{AckedEvent, ClientEvent, Event, Namespace, ServerEvent, TypedHandlerArgs};
use crate::builder::SocketIoBuilder;
use crate::error::{AckError, EmitError, ExtractError};
use crate::extract::{ConnectParts, FromConnectParts, FromMessageParts, MessageParts};
use crate::handler::{
    ConnectHandler, DisconnectHandler, DisconnectParts, FromDisconnectParts, MessageHandler,
};
use crate::socket::{SocketEmitter, SocketRef};
use crate::{Room, SocketId};

impl SocketIoBuilder {
    /// Declares the typed namespace `N` (at `N::PATH`) with its connection
    /// handler, which usually takes a [`TypedSocket<N>`] and registers
    /// its typed handlers. The same as
    /// [`ns(N::PATH, handler)`](SocketIoBuilder::ns): the typing lives in
    /// the handlers' types.
    pub fn typed_ns<N: Namespace, H: ConnectHandler<T>, T: Send + 'static>(
        self,
        _namespace: N,
        handler: H,
    ) -> Self {
        self.ns(N::PATH, handler)
    }
}

/// A socket of the typed namespace `N` (an extractor of connection and
/// event handlers). Its methods take event types, never names: see the
/// [module docs](super). [`TypedSocket::untyped`] gives the untyped
/// [`SocketRef`] for everything else.
pub struct TypedSocket<N> {
    socket: SocketRef,
    ns: PhantomData<fn() -> N>,
}

impl<N> Clone for TypedSocket<N> {
    fn clone(&self) -> Self {
        Self {
            socket: self.socket.clone(),
            ns: PhantomData,
        }
    }
}

impl<N> std::fmt::Debug for TypedSocket<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TypedSocket")
            .field(&self.socket.id())
            .finish()
    }
}

impl<N: Namespace> FromConnectParts for TypedSocket<N> {
    fn from_connect_parts(parts: &ConnectParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self::new(parts.socket().clone()))
    }
}

impl<N: Namespace> FromMessageParts for TypedSocket<N> {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self::new(parts.socket().clone()))
    }
}

impl<N: Namespace> FromDisconnectParts for TypedSocket<N> {
    fn from_disconnect_parts(parts: &DisconnectParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self::new(parts.socket.clone()))
    }
}

impl<N: Namespace> TypedSocket<N> {
    /// Views an untyped socket as a socket of `N` (whose path it should
    /// have: the typed handlers listen to `N`'s events on it).
    pub fn new(socket: SocketRef) -> Self {
        Self {
            socket,
            ns: PhantomData,
        }
    }

    /// The untyped socket: string event names, any payload.
    pub fn untyped(&self) -> &SocketRef {
        &self.socket
    }

    /// The socket's id.
    pub fn id(&self) -> &SocketId {
        self.socket.id()
    }

    /// Adds a handler of the client event its first argument names
    /// (`Msg<E>`, with `E` in `N`'s `client = [..]`); the other arguments
    /// are any event extractors. Several handlers of one event all run,
    /// as with [`SocketRef::on`].
    pub fn on<H, T>(&self, handler: H)
    where
        H: MessageHandler<T>,
        T: TypedHandlerArgs + Send + 'static,
        T::Event: ClientEvent<N> + DeserializeOwned,
    {
        self.socket.on(<T::Event as Event>::NAME, handler);
    }

    /// Adds a listener run when the socket disconnects (see
    /// [`SocketRef::on_disconnect`](crate::SocketRef::on_disconnect)); it may
    /// take a `TypedSocket<N>`.
    pub fn on_disconnect<H: DisconnectHandler<T>, T: Send + 'static>(&self, handler: H) {
        self.socket.on_disconnect(handler);
    }

    /// Emits `event` (in `N`'s `server = [..]`) to this client.
    ///
    /// # Errors
    /// As [`Socket::emit`](crate::Socket::emit).
    pub fn emit<E: ServerEvent<N> + Serialize>(&self, event: &E) -> Result<(), EmitError> {
        self.emitter().emit(event)
    }

    /// Emits `event` and waits for the client's acknowledgement, read as
    /// the event's ack type (at most the builder's ack timeout, or
    /// [`TypedSocket::timeout`]'s).
    ///
    /// # Errors
    /// The future fails with [`AckError`]: not sent, timeout,
    /// disconnected, or an answer that does not deserialize.
    pub fn emit_with_ack<E>(
        &self,
        event: &E,
    ) -> impl Future<Output = Result<E::Ack, AckError>> + Send + use<E, N>
    where
        E: ServerEvent<N> + AckedEvent + Serialize,
        E::Ack: DeserializeOwned,
    {
        self.emitter().emit_with_ack(event)
    }

    /// An emit whose acknowledgement is awaited at most `timeout`.
    pub fn timeout(&self, timeout: Duration) -> TypedEmitter<'_, N> {
        TypedEmitter::new(self.socket.timeout(timeout))
    }

    /// An emit dropped silently if the client's queue is full.
    pub fn volatile(&self) -> TypedEmitter<'_, N> {
        TypedEmitter::new(self.socket.volatile())
    }

    fn emitter(&self) -> TypedEmitter<'_, N> {
        TypedEmitter::new(self.socket.compress(true))
    }

    /// Every other socket of the namespace (Node's `socket.broadcast`).
    pub fn broadcast(&self) -> TypedBroadcast<N> {
        TypedBroadcast::new(self.socket.broadcast())
    }

    /// Every socket of `rooms` but this one (Node's `socket.to(room)`).
    pub fn to(&self, rooms: impl crate::IntoRooms) -> TypedBroadcast<N> {
        TypedBroadcast::new(self.socket.to(rooms))
    }

    /// Every socket of the namespace, this one included.
    pub fn within_ns(&self) -> TypedBroadcast<N> {
        TypedBroadcast::new(self.socket.within_ns())
    }

    /// Joins `rooms`.
    pub fn join(&self, rooms: impl crate::IntoRooms) {
        self.socket.join(rooms);
    }

    /// Leaves `rooms`.
    pub fn leave(&self, rooms: impl crate::IntoRooms) {
        self.socket.leave(rooms);
    }

    /// The rooms the socket is in (its own first).
    pub fn rooms(&self) -> Vec<Room> {
        self.socket.rooms()
    }

    /// Disconnects the socket (and its connection when `close`).
    pub fn disconnect(&self, close: bool) {
        self.socket.disconnect(close);
    }

    /// Stores the socket's data (`socket.data`, of `N`'s `data = ..` type).
    ///
    /// ```compile_fail,E0308
    /// # use sio::typed::{Namespace, TypedSocket};
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct User { name: String }
    /// #[derive(Namespace)]
    /// #[namespace(path = "/", data = User)]
    /// struct Chat;
    /// fn login(socket: TypedSocket<Chat>) {
    ///     socket.set_data("alice".to_owned()); // a String, not a User
    /// }
    /// ```
    pub fn set_data(&self, data: N::Data)
    where
        N::Data: Serialize,
    {
        self.socket.set_data(data);
    }

    /// The socket's data, if it was set (see [`Socket::data`](crate::Socket::data)).
    pub fn data(&self) -> Option<Arc<N::Data>>
    where
        N::Data: DeserializeOwned,
    {
        self.socket.data::<N::Data>()
    }
}

/// Options of a typed emit to one socket ([`TypedSocket::timeout`],
/// [`TypedSocket::volatile`]).
#[derive(Debug)]
pub struct TypedEmitter<'a, N> {
    inner: SocketEmitter<'a>,
    ns: PhantomData<fn() -> N>,
}

impl<'a, N: Namespace> TypedEmitter<'a, N> {
    fn new(inner: SocketEmitter<'a>) -> Self {
        Self {
            inner,
            ns: PhantomData,
        }
    }

    /// How long [`TypedEmitter::emit_with_ack`] waits.
    pub fn timeout(self, timeout: Duration) -> Self {
        Self::new(self.inner.timeout(timeout))
    }

    /// Drops the packet silently when the socket's queue is full.
    pub fn volatile(self) -> Self {
        Self::new(self.inner.volatile())
    }

    /// As [`TypedSocket::emit`].
    ///
    /// # Errors
    /// As [`Socket::emit`](crate::Socket::emit).
    pub fn emit<E: ServerEvent<N> + Serialize>(&self, event: &E) -> Result<(), EmitError> {
        if E::SPREAD {
            self.inner.emit_args(E::NAME, event)
        } else {
            self.inner.emit(E::NAME, event)
        }
    }

    /// As [`TypedSocket::emit_with_ack`].
    ///
    /// # Errors
    /// As [`TypedSocket::emit_with_ack`].
    pub fn emit_with_ack<E>(
        &self,
        event: &E,
    ) -> impl Future<Output = Result<E::Ack, AckError>> + Send + use<E, N>
    where
        E: ServerEvent<N> + AckedEvent + Serialize,
        E::Ack: DeserializeOwned,
    {
        if E::SPREAD {
            futures_util::future::Either::Left(self.inner.emit_args_with_ack(E::NAME, event))
        } else {
            futures_util::future::Either::Right(self.inner.emit_with_ack(E::NAME, event))
        }
    }
}
