//! The extractors of typed handlers: [`Msg<E>`] (the event's payload,
//! validated with the serde path of a mismatch) and [`TypedAck<E>`] (the
//! acknowledgement, of the event's declared type); and
//! [`TypedHandlerArgs`], which reads the event a handler takes from its
//! first argument.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sio_parser::{DataError, Packet, Value};

use super::{AckedEvent, Event};
use crate::error::{EmitError, ExtractError};
use crate::extract::{AckSender, FromMessageParts, MessageParts};

/// The payload of event `E`, the first argument of a typed handler (which
/// handles the event `E` names). Deserialized from the packet; when it
/// does not fit, the handler is not called and the error hook gets the
/// serde path of the mismatch.
#[derive(Debug, Clone)]
pub struct Msg<E>(pub E);

/// Reads `E` from an event packet: its first argument (or every argument
/// for `#[event(args)]`). The fast path reads straight from the packet;
/// only a payload that does not fit is read again to find where.
pub(crate) fn read<E: Event + DeserializeOwned>(packet: &Packet) -> Result<E, DataError> {
    let fast = if E::SPREAD {
        packet.args::<E>()
    } else {
        match packet.arg::<E>(0) {
            Err(DataError::MissingArgument(_)) => E::deserialize(&Value::Null),
            other => other,
        }
    };
    fast.map_err(|fast_err| {
        let value = if E::SPREAD {
            packet.arg_values().map(Value::Array)
        } else {
            packet.arg::<Value>(0).or(Ok(Value::Null))
        };
        match value {
            Ok(value) => match serde_path_to_error::deserialize::<_, E>(&value) {
                Err(e) => {
                    let why = match e.inner() {
                        DataError::Deserialize(why) => why.clone(),
                        other => other.to_string(),
                    };
                    DataError::Deserialize(format!(
                        "invalid {:?} payload at `{}`: {why}",
                        E::NAME,
                        e.path(),
                    ))
                }
                Ok(_) => fast_err,
            },
            Err(e) => e,
        }
    })
}

impl<E: Event + DeserializeOwned> FromMessageParts for Msg<E> {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self(read(parts.packet())?))
    }
}

/// Answers the client's acknowledgement of event `E` with `E::Ack` (the
/// type `#[event(ack = ..)]` declares). Sends nothing when the client
/// asked for none ([`TypedAck::is_requested`]).
///
/// The answer must be of the declared type:
///
/// ```compile_fail,E0308
/// # use serde::Deserialize;
/// # use sio::typed::{Event, Msg, Namespace, TypedAck, TypedSocket};
/// #[derive(Event, Deserialize)]
/// #[event("add", ack = i64)]
/// struct Add(i64, i64);
/// # #[derive(Namespace)] #[namespace(path = "/", client = [Add])] struct Calc;
/// fn register(socket: TypedSocket<Calc>) {
///     socket.on(async |Msg(Add(a, b)): Msg<Add>, ack: TypedAck<Add>| {
///         let _ = ack.send(&format!("{}", a + b)); // a String, not an i64
///     });
/// }
/// ```
#[derive(Debug)]
pub struct TypedAck<E> {
    inner: AckSender,
    event: std::marker::PhantomData<fn() -> E>,
}

impl<E: Event> TypedAck<E> {
    /// Whether the client asked for an answer.
    pub fn is_requested(&self) -> bool {
        self.inner.is_requested()
    }

    /// Answers with `reply` (one argument), of the type the event
    /// declares with `#[event(ack = ..)]`.
    ///
    /// # Errors
    /// As [`Socket::emit`](crate::Socket::emit).
    pub fn send(self, reply: &E::Ack) -> Result<(), EmitError>
    where
        E: AckedEvent,
        E::Ack: Serialize,
    {
        self.inner.send(reply)
    }
}

impl<E: Event> FromMessageParts for TypedAck<E> {
    fn from_message_parts(parts: &MessageParts<'_>) -> Result<Self, ExtractError> {
        Ok(Self {
            inner: AckSender::from_message_parts(parts)?,
            event: std::marker::PhantomData,
        })
    }
}

/// The arguments of a typed handler: `Msg<E>` first, then any
/// extractors. Names the event `E` the handler is registered for.
///
/// Without it rustc says which signature it expected
/// (`fn(Msg<_>, ..) -> _`):
///
/// ```compile_fail,E0631
/// # use serde::Deserialize;
/// # use sio::typed::{Event, Namespace, TypedSocket};
/// # #[derive(Event, Deserialize)] #[event("join")] struct Join;
/// # #[derive(Namespace)] #[namespace(path = "/", client = [Join])] struct Rooms;
/// fn register(socket: TypedSocket<Rooms>) {
///     socket.on(async |socket: TypedSocket<Rooms>| drop(socket)); // which event?
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "a typed handler takes `Msg<YourEvent>` as its first argument",
    label = "the first argument does not name an event",
    note = "write `Msg(payload): Msg<YourEvent>` first, then any extractors \
            (TypedSocket<N>, TypedAck<YourEvent>, SocketRef, State<T>, ...); annotate every argument's type"
)]
pub trait TypedHandlerArgs {
    /// The event the handler takes.
    type Event: Event;
}

macro_rules! typed_args {
    ($($T:ident),*) => {
        impl<E: Event, $($T,)*> TypedHandlerArgs for (Msg<E>, $($T,)*) {
            type Event = E;
        }
    };
}

typed_args!();
typed_args!(T2);
typed_args!(T2, T3);
typed_args!(T2, T3, T4);
typed_args!(T2, T3, T4, T5);
typed_args!(T2, T3, T4, T5, T6);
typed_args!(T2, T3, T4, T5, T6, T7);
typed_args!(T2, T3, T4, T5, T6, T7, T8);
