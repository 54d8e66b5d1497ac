//! Extractors: what a handler can ask for as its arguments, and the parts
//! they are taken from.
//!
//! | extractor | in event handlers | in connection handlers / middlewares |
//! |---|---|---|
//! | [`SocketRef`] | the socket | the socket |
//! | [`Data<T>`] | the FIRST argument (`null` when there is none, so `Option<T>` and `()` accept that) | the CONNECT auth payload (`{}` when none) |
//! | [`TryData<T>`] | as `Data<T>`, the error given to the handler | as `Data<T>` |
//! | [`Args<T>`] | ALL the arguments, as a tuple, a `Vec<T>` or `Vec<Value>` | — |
//! | [`AckSender`] | answers the client's ack request (no-op when none was asked) | — |
//! | [`State<T>`] (or axum's `State<T>`) | a clone of the state given to the builder | same |
//! | [`Event`] | the event name | — |
//! | [`HandshakeRef`] | the socket's handshake | same |
//!
//! When `Data<T>` or `Args<T>` does not deserialize, the handler is not
//! called: the builder's error hook hears of it and, if the client asked
//! for an ack, it receives one argument `{"message": "<why>"}`.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sio_parser::{DataError, Packet};

use crate::builder::Config;
use crate::error::{EmitError, ExtractError};
use crate::socket::{Handshake, SocketRef};
#[doc(hidden)]
pub use crate::state::StateType;

/// What an event handler's extractors read.
#[derive(Debug)]
pub struct MessageParts<'a> {
    pub(crate) socket: &'a SocketRef,
    pub(crate) packet: &'a Packet,
    pub(crate) config: &'a Config,
    /// Shared by the listeners of one packet when there are several: set
    /// by the first answer.
    pub(crate) answered: Option<&'a Arc<AtomicBool>>,
}

impl MessageParts<'_> {
    /// The socket that received the event.
    pub fn socket(&self) -> &SocketRef {
        self.socket
    }

    /// The decoded packet.
    pub fn packet(&self) -> &Packet {
        self.packet
    }
}

/// What a connection handler's or middleware's extractors read.
#[derive(Debug)]
pub struct ConnectParts<'a> {
    pub(crate) socket: &'a SocketRef,
    pub(crate) config: &'a Config,
}

impl ConnectParts<'_> {
    /// The connecting socket.
    pub fn socket(&self) -> &SocketRef {
        self.socket
    }
}

/// Something an event handler can take as an argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted from a Socket.IO event",
    note = "event extractors: SocketRef, Data<T>, TryData<T>, Args<T>, AckSender, sio::State<T>, Event, HandshakeRef",
    note = "to take the event's data, wrap its type: `Data(msg): Data<String>` (the first argument) or `Args(all): Args<(A, B)>`"
)]
pub trait FromMessageParts: Sized {
    /// Takes the value from the event.
    ///
    /// # Errors
    /// [`ExtractError`] when the event does not hold it.
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError>;

    /// The state type this extractor reads, checked at `build()`.
    #[doc(hidden)]
    fn state_type() -> Option<StateType> {
        None
    }
}

/// Something a connection handler or middleware can take as an argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted from a Socket.IO connection",
    note = "connection extractors: SocketRef, Data<T>, TryData<T>, sio::State<T>, HandshakeRef (no AckSender, Args or Event)",
    note = "to take the auth payload, wrap its type: `Data(auth): Data<Auth>`"
)]
pub trait FromConnectParts: Sized {
    /// Takes the value from the connection.
    ///
    /// # Errors
    /// [`ExtractError`] when the connection does not hold it.
    fn from_connect_parts(parts: &ConnectParts<'_>) -> Result<Self, ExtractError>;

    /// The state type this extractor reads, checked at `build()`.
    #[doc(hidden)]
    fn state_type() -> Option<StateType> {
        None
    }
}

impl FromMessageParts for SocketRef {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        Ok(parts.socket.clone())
    }
}

impl FromConnectParts for SocketRef {
    fn from_connect_parts(parts: &ConnectParts<'_>) -> Result<Self, ExtractError> {
        Ok(parts.socket.clone())
    }
}

/// Typed data: the first argument of an event, or the auth payload of a
/// connection (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Data<T>(pub T);

/// Like [`Data`], handing the deserialization error to the handler instead
/// of refusing the call.
#[derive(Debug)]
pub struct TryData<T>(pub Result<T, DataError>);

/// Every argument of an event, as a tuple, a `Vec<T>` or a `Vec<Value>`.
#[derive(Debug, Clone)]
pub struct Args<T>(pub T);

fn first_arg<T: DeserializeOwned>(packet: &Packet) -> Result<T, DataError> {
    match packet.arg::<T>(0) {
        Err(DataError::MissingArgument(_)) => Ok(T::deserialize(serde_json::Value::Null)?),
        other => other,
    }
}

fn auth<T: DeserializeOwned>(socket: &SocketRef) -> Result<T, DataError> {
    Ok(T::deserialize(&socket.handshake.auth)?)
}

impl<T: DeserializeOwned> FromMessageParts for Data<T> {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self(first_arg(parts.packet)?))
    }
}

impl<T: DeserializeOwned> FromConnectParts for Data<T> {
    fn from_connect_parts(parts: &ConnectParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self(auth(parts.socket)?))
    }
}

impl<T: DeserializeOwned> FromMessageParts for TryData<T> {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self(first_arg(parts.packet)))
    }
}

impl<T: DeserializeOwned> FromConnectParts for TryData<T> {
    fn from_connect_parts(parts: &ConnectParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self(auth(parts.socket)))
    }
}

impl<T: DeserializeOwned> FromMessageParts for Args<T> {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self(parts.packet.args()?))
    }
}

/// Shared state registered with
/// [`SocketIoBuilder::with_state`](crate::SocketIoBuilder::with_state),
/// cloned for each call (wrap it in an `Arc` if cloning is not cheap).
/// axum's `State<T>` (`axum::extract::State`) is accepted the same way, so
/// either import works.
///
/// `build()` checks that every state type a connection handler or
/// middleware extracts was registered (an event handler's, registered at
/// run time, is checked by `socket.on`, which logs an error).
#[derive(Debug, Clone)]
pub struct State<T>(pub T);

/// Looks up the state `T`. A missing one is the server's bug: it is logged
/// with its type, and the client is told only "internal server error".
fn state<T: Clone + Send + Sync + 'static>(config: &Config) -> Result<T, ExtractError> {
    config.state.get::<T>().cloned().ok_or_else(|| {
        let name = std::any::type_name::<T>();
        tracing::error!(
            state = name,
            "no state of this type was given to SocketIoBuilder::with_state"
        );
        ExtractError::MissingState(name)
    })
}

impl<T: Clone + Send + Sync + 'static> State<T> {
    pub(crate) fn from_config(config: &Config) -> Result<Self, ExtractError> {
        state(config).map(Self)
    }
}

impl<T: Clone + Send + Sync + 'static> FromMessageParts for State<T> {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        state(parts.config).map(Self)
    }

    fn state_type() -> Option<StateType> {
        Some(StateType::of::<T>())
    }
}

impl<T: Clone + Send + Sync + 'static> FromConnectParts for State<T> {
    fn from_connect_parts(parts: &ConnectParts<'_>) -> Result<Self, ExtractError> {
        state(parts.config).map(Self)
    }

    fn state_type() -> Option<StateType> {
        Some(StateType::of::<T>())
    }
}

#[cfg(feature = "axum")]
impl<T: Clone + Send + Sync + 'static> FromMessageParts for axum::extract::State<T> {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        state(parts.config).map(Self)
    }

    fn state_type() -> Option<StateType> {
        Some(StateType::of::<T>())
    }
}

#[cfg(feature = "axum")]
impl<T: Clone + Send + Sync + 'static> FromConnectParts for axum::extract::State<T> {
    fn from_connect_parts(parts: &ConnectParts<'_>) -> Result<Self, ExtractError> {
        state(parts.config).map(Self)
    }

    fn state_type() -> Option<StateType> {
        Some(StateType::of::<T>())
    }
}

/// The name of the event being handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event(pub String);

impl FromMessageParts for Event {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self(
            parts.packet.event_name().unwrap_or_default().to_owned(),
        ))
    }
}

/// The socket's [`Handshake`].
#[derive(Debug, Clone)]
pub struct HandshakeRef(SocketRef);

impl HandshakeRef {
    pub(crate) fn of(socket: &SocketRef) -> Self {
        Self(socket.clone())
    }
}

impl Deref for HandshakeRef {
    type Target = Handshake;
    fn deref(&self) -> &Handshake {
        &self.0.handshake
    }
}

impl FromMessageParts for HandshakeRef {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self(parts.socket.clone()))
    }
}

impl FromConnectParts for HandshakeRef {
    fn from_connect_parts(parts: &ConnectParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self(parts.socket.clone()))
    }
}

/// Answers the client's acknowledgement request. Sends nothing when the
/// client asked for none ([`AckSender::is_requested`]).
#[derive(Debug)]
pub struct AckSender {
    socket: SocketRef,
    id: Option<u64>,
    /// Set by the first answer when several listeners share the packet.
    answered: Option<Arc<AtomicBool>>,
}

impl AckSender {
    /// Whether the client asked for an answer.
    pub fn is_requested(&self) -> bool {
        self.id.is_some()
    }

    /// Answers with ONE argument.
    ///
    /// # Errors
    /// As [`Socket::emit`](crate::Socket::emit).
    pub fn send<T: Serialize + ?Sized>(self, data: &T) -> Result<(), EmitError> {
        self.send_args(&(data,))
    }

    /// Answers with every element of `args` (a tuple or a `Vec`) as an
    /// argument.
    ///
    /// # Errors
    /// As [`Socket::emit`](crate::Socket::emit).
    pub fn send_args<T: Serialize + ?Sized>(self, args: &T) -> Result<(), EmitError> {
        let Some(id) = self.id else { return Ok(()) };
        if let Some(flag) = &self.answered
            && flag.swap(true, Ordering::AcqRel)
        {
            return Ok(());
        }
        let ns = &self.socket.ns;
        let packet = ns.config.encoder.ack(&ns.name, id, args)?;
        self.socket.send_encoded(&packet, false)?;
        crate::metrics::ack_sent();
        Ok(())
    }
}

impl FromMessageParts for AckSender {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self {
            socket: parts.socket.clone(),
            id: parts.packet.id,
            answered: parts.answered.cloned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use sio_engine::Str;
    use sio_parser::{Decoder, DecoderConfig, Parser, Version};

    use super::*;

    fn packet(text: &'static str) -> Packet {
        let mut decoder = Decoder::new(Parser::Default, Version::V5, DecoderConfig::default());
        decoder.decode_text(Str::from(text)).unwrap().unwrap()
    }

    #[test]
    fn data_is_the_first_argument_and_null_when_missing() {
        assert_eq!(first_arg::<u32>(&packet(r#"2["e",7,8]"#)).unwrap(), 7);
        assert_eq!(
            first_arg::<Option<u32>>(&packet(r#"2["e"]"#)).unwrap(),
            None
        );
        first_arg::<()>(&packet(r#"2["e"]"#)).unwrap();
        assert!(first_arg::<u32>(&packet(r#"2["e"]"#)).is_err());
        assert!(first_arg::<u32>(&packet(r#"2["e","x"]"#)).is_err());
    }

    #[test]
    fn args_are_every_argument() {
        let p = packet(r#"2["e",1,"two",[3]]"#);
        let (a, b, c): (u8, String, Vec<u8>) = p.args().unwrap();
        assert_eq!((a, b.as_str(), c), (1, "two", vec![3]));
        let all: Vec<sio_parser::Value> = p.args().unwrap();
        assert_eq!(all.len(), 3);
    }
}
