//! Typed acknowledgements: what `emit_with_ack` turns a client's answer
//! into ([`FromAck`]: the first argument, as Node's `emitWithAck`, or all
//! of them with [`Args`]), and the per-socket answers of a broadcast
//! ([`AckReplies`]).

use serde::de::DeserializeOwned;
use sio_adapter::{AckCollected, SocketId};
use sio_parser::Value;

use crate::error::AckError;
use crate::extract::Args;

/// What an acknowledgement's arguments can be read as.
///
/// - any `T: Deserialize`: the FIRST argument (`null` when the client
///   answered with none, so `Option<T>` and `()` accept that), as Node's
///   `emitWithAck` and the [`Data`](crate::Data) extractor;
/// - [`Args<T>`]: ALL the arguments, as a tuple, a `Vec<T>` or a
///   `Vec<Value>`, as the [`Args`] extractor.
///
/// ```no_run
/// use sio::{Args, SocketRef};
/// # async fn ask(socket: SocketRef) -> Result<(), sio::AckError> {
/// let name: String = socket.emit_with_ack("name?", &()).await?;
/// let Args((x, y)): Args<(i32, i32)> = socket.emit_with_ack("position?", &()).await?;
/// # let _ = (name, x, y); Ok(()) }
/// ```
///
/// A type that does not deserialize cannot be asked for:
///
/// ```compile_fail
/// # async fn ask(socket: sio::SocketRef) {
/// struct Opaque;
/// let answer: Result<Opaque, _> = socket.emit_with_ack("q", &()).await;
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from an acknowledgement",
    note = "ask for a type that implements `serde::Deserialize` (the first argument) or for `sio::Args<T>` (all of them)"
)]
pub trait FromAck: Sized {
    /// Reads the answer.
    ///
    /// # Errors
    /// [`AckError::Deserialize`] when the arguments do not fit.
    fn from_ack(args: Vec<Value>) -> Result<Self, AckError>;
}

fn deserialize<T: DeserializeOwned>(value: &Value) -> Result<T, AckError> {
    T::deserialize(value).map_err(|e| AckError::Deserialize(e.to_string()))
}

impl<T: DeserializeOwned> FromAck for T {
    fn from_ack(args: Vec<Value>) -> Result<Self, AckError> {
        match args.first() {
            Some(first) => deserialize(first),
            None => T::deserialize(serde_json::Value::Null)
                .map_err(|e| AckError::Deserialize(e.to_string())),
        }
    }
}

impl<T: DeserializeOwned> FromAck for Args<T> {
    fn from_ack(args: Vec<Value>) -> Result<Self, AckError> {
        deserialize(&Value::Array(args)).map(Args)
    }
}

/// One socket's answer to a broadcast with acks.
#[derive(Debug)]
pub struct AckReply<R> {
    /// The socket that answered, when known (cluster peers send only the
    /// data).
    pub socket: Option<SocketId>,
    /// Its answer, or why it could not be read as `R`.
    pub result: Result<R, AckError>,
}

/// The answers to a broadcast with acks
/// ([`BroadcastOperators::emit_with_ack`](crate::BroadcastOperators::emit_with_ack)),
/// each read as `R` (see [`FromAck`]).
#[derive(Debug)]
pub struct AckReplies<R> {
    /// The answers that arrived in time, one per socket.
    pub replies: Vec<AckReply<R>>,
    /// True when every socket answered in time (false: some timed out,
    /// their answers are missing).
    pub complete: bool,
}

impl<R: FromAck> AckReplies<R> {
    pub(crate) fn read(collected: AckCollected) -> Self {
        let replies = collected
            .responses
            .into_iter()
            .map(|r| AckReply {
                socket: r.socket,
                result: R::from_ack(r.args),
            })
            .collect();
        Self {
            replies,
            complete: collected.complete,
        }
    }
}

impl<R> AckReplies<R> {
    /// The answers that were read as `R`, those that were not left out.
    pub fn values(self) -> Vec<R> {
        self.replies
            .into_iter()
            .filter_map(|r| r.result.ok())
            .collect()
    }

    /// Every answer as `R`, or the first error: [`AckError::Timeout`] when
    /// some socket did not answer in time, else the first answer that did
    /// not deserialize.
    ///
    /// # Errors
    /// As said above.
    pub fn all(self) -> Result<Vec<R>, AckError> {
        if !self.complete {
            return Err(AckError::Timeout);
        }
        self.replies.into_iter().map(|r| r.result).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_argument_or_all_of_them() {
        let args = vec![Value::from("a"), Value::from(2)];
        assert_eq!(String::from_ack(args.clone()).unwrap(), "a");
        let Args((a, b)) = <Args<(String, u8)>>::from_ack(args).unwrap();
        assert_eq!((a.as_str(), b), ("a", 2));
        assert_eq!(<Option<u8>>::from_ack(Vec::new()).unwrap(), None);
        assert!(matches!(
            u8::from_ack(vec![Value::from("x")]),
            Err(AckError::Deserialize(_))
        ));
    }

    #[test]
    fn replies_all_fail_on_a_timeout() {
        let collected = AckCollected {
            responses: vec![sio_adapter::AckResponse {
                socket: None,
                args: vec![Value::from(1)],
            }],
            complete: false,
        };
        let replies = AckReplies::<u8>::read(collected);
        assert!(matches!(replies.all(), Err(AckError::Timeout)));
    }
}
