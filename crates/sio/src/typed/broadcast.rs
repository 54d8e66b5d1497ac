//! [`TypedBroadcast<N>`] (also [`TypedIo<N>`], from
//! [`SocketIo::typed`]): emits to many sockets of namespace `N`, with a
//! stream of typed acknowledgements ([`TypedAckStream`]), and `N`'s
//! server-side events.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::stream::{BoxStream, Stream, StreamExt as _};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sio_adapter::{AckEvent, AckStream, BroadcastReport};
use sio_parser::{DataError, Value};

use super::{AckedEvent, Event, Namespace, ServerEvent, ServerSideEvent};
use crate::ack_reply::{AckReply, FromAck};
use crate::error::{AckError, BroadcastError};
use crate::io::SocketIo;
use crate::operators::BroadcastOperators;

/// A typed view of a whole namespace: [`SocketIo::typed`].
pub type TypedIo<N> = TypedBroadcast<N>;

impl SocketIo {
    /// The typed operators of namespace `N` (`None` when `N::PATH` was not
    /// declared): emits to all its sockets or some rooms, and its
    /// server-side events.
    pub fn typed<N: Namespace>(&self, _namespace: N) -> Option<TypedIo<N>> {
        self.of(N::PATH).map(TypedBroadcast::new)
    }
}

/// Sockets of namespace `N` chosen by rooms and flags, to which only `N`'s
/// server-to-client events can be emitted. Every step takes and returns
/// `self`, as [`BroadcastOperators`] (see [`TypedBroadcast::untyped`]).
pub struct TypedBroadcast<N> {
    ops: BroadcastOperators,
    ns: PhantomData<fn() -> N>,
}

impl<N> Clone for TypedBroadcast<N> {
    fn clone(&self) -> Self {
        Self {
            ops: self.ops.clone(),
            ns: PhantomData,
        }
    }
}

impl<N> std::fmt::Debug for TypedBroadcast<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TypedBroadcast").field(&self.ops).finish()
    }
}

impl<N: Namespace> TypedBroadcast<N> {
    pub(crate) fn new(ops: BroadcastOperators) -> Self {
        Self {
            ops,
            ns: PhantomData,
        }
    }

    /// The untyped operators (string event names).
    pub fn untyped(&self) -> &BroadcastOperators {
        &self.ops
    }

    fn map(self, f: impl FnOnce(BroadcastOperators) -> BroadcastOperators) -> Self {
        Self::new(f(self.ops))
    }

    /// Also targets `rooms`.
    pub fn to(self, rooms: impl crate::IntoRooms) -> Self {
        self.map(|o| o.to(rooms))
    }

    /// Leaves out the sockets of `rooms`.
    pub fn except(self, rooms: impl crate::IntoRooms) -> Self {
        self.map(|o| o.except(rooms))
    }

    /// Only this server's sockets.
    pub fn local(self) -> Self {
        self.map(BroadcastOperators::local)
    }

    /// Skips the sockets whose queue is full.
    pub fn volatile(self) -> Self {
        self.map(BroadcastOperators::volatile)
    }

    /// How long [`TypedBroadcast::emit_with_ack`] waits (default: the
    /// builder's ack timeout).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.map(|o| o.timeout(timeout))
    }

    /// Emits `event` (in `N`'s `server = [..]`) to every target, encoded
    /// once.
    ///
    /// # Errors
    /// As [`BroadcastOperators::emit`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn emit<E: ServerEvent<N> + Serialize>(
        &self,
        event: &E,
    ) -> Result<BroadcastReport, BroadcastError> {
        if E::SPREAD {
            self.ops.emit_args(E::NAME, event).await
        } else {
            self.ops.emit(E::NAME, event).await
        }
    }

    /// Emits `event` asking every target for its acknowledgement: a stream
    /// of each socket's answer, read as the event's ack type, as they
    /// arrive; it ends when every socket answered or at the timeout
    /// ([`TypedBroadcast::timeout`]; then [`TypedAckStream::timed_out`]).
    ///
    /// # Errors
    /// As [`BroadcastOperators::emit`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn emit_with_ack<E>(
        &self,
        event: &E,
    ) -> Result<TypedAckStream<E::Ack>, BroadcastError>
    where
        E: ServerEvent<N> + AckedEvent + Serialize,
        E::Ack: DeserializeOwned,
    {
        let (stream, timeout, servers) = if E::SPREAD {
            self.ops.start_with_ack(E::NAME, event).await?
        } else {
            self.ops.start_with_ack(E::NAME, &(event,)).await?
        };
        Ok(TypedAckStream::new(stream, timeout, servers))
    }

    /// Sends server-side event `event` (in `N`'s `server_side = [..]`) to
    /// the other servers of the cluster (Node's `serverSideEmit`).
    ///
    /// # Errors
    /// [`BroadcastError::Encode`] for a payload that does not serialize;
    /// [`BroadcastError::Adapter`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn server_side_emit<E: ServerSideEvent<N> + Serialize>(
        &self,
        event: &E,
    ) -> Result<(), BroadcastError> {
        self.ops.server_side_emit(server_side_args(event)?).await
    }

    /// Sends server-side event `event` and collects the other servers'
    /// answers, read as its ack type, within `timeout`.
    ///
    /// # Errors
    /// As [`TypedBroadcast::server_side_emit`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn server_side_emit_with_ack<E>(
        &self,
        event: &E,
        timeout: Duration,
    ) -> Result<Vec<Result<E::Ack, AckError>>, BroadcastError>
    where
        E: ServerSideEvent<N> + AckedEvent + Serialize,
        E::Ack: DeserializeOwned,
    {
        let collected = self
            .ops
            .server_side_emit_with_ack(server_side_args(event)?, timeout)
            .await?;
        Ok(collected
            .responses
            .into_iter()
            .map(|r| E::Ack::from_ack(r.args))
            .collect())
    }

    /// Handles server-side event `E` from the other servers. A payload
    /// that does not fit `E` is logged and not handed to `handler`.
    pub fn on_server_side<E, F, Fut>(&self, handler: F)
    where
        E: ServerSideEvent<N> + DeserializeOwned,
        F: Fn(E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.ops.on_server_side(E::NAME, move |args: Vec<Value>| {
            let fut = server_side_payload::<E>(args).map(&handler);
            async move {
                if let Some(fut) = fut {
                    fut.await;
                }
                Vec::new()
            }
        });
    }

    /// Handles server-side event `E` and answers the emitting server with
    /// the event's ack type.
    pub fn on_server_side_with_ack<E, F, Fut>(&self, handler: F)
    where
        E: ServerSideEvent<N> + AckedEvent + DeserializeOwned,
        E::Ack: Serialize,
        F: Fn(E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = E::Ack> + Send + 'static,
    {
        self.ops.on_server_side(E::NAME, move |args: Vec<Value>| {
            let fut = server_side_payload::<E>(args).map(&handler);
            async move {
                let Some(fut) = fut else { return Vec::new() };
                match Value::from_serialize(&fut.await) {
                    Ok(value) => vec![value],
                    Err(e) => {
                        tracing::warn!(event = E::NAME, error = %e, "cannot serialize a server-side ack");
                        Vec::new()
                    }
                }
            }
        });
    }
}

/// The arguments of a server-side event: its name, then its payload.
fn server_side_args<E: Event + Serialize>(event: &E) -> Result<Vec<Value>, BroadcastError> {
    let mut args = vec![Value::from(E::NAME)];
    match Value::from_serialize(event)? {
        Value::Array(items) if E::SPREAD => args.extend(items),
        value => args.push(value),
    }
    Ok(args)
}

/// Reads a server-side event's payload from its arguments (after the name).
fn server_side_payload<E: Event + DeserializeOwned>(args: Vec<Value>) -> Option<E> {
    let read = if E::SPREAD {
        E::deserialize(&Value::Array(args))
    } else {
        E::deserialize(args.first().unwrap_or(&Value::Null))
    };
    read.map_err(|e: DataError| {
        tracing::warn!(event = E::NAME, error = %e, "a server-side event's payload does not fit its type");
    })
    .ok()
}

/// The answers to a typed broadcast with acks, one [`AckReply`] per socket
/// as they arrive. Ends when every targeted socket answered, or at the
/// timeout ([`TypedAckStream::timed_out`] then tells).
pub struct TypedAckStream<R> {
    inner: BoxStream<'static, AckReply<R>>,
    timed_out: Arc<AtomicBool>,
}

impl<R> std::fmt::Debug for TypedAckStream<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedAckStream")
            .field("timed_out", &self.timed_out())
            .finish_non_exhaustive()
    }
}

struct Progress {
    stream: AckStream,
    deadline: tokio::time::Instant,
    servers: usize,
    reported: usize,
    expected: usize,
    received: usize,
    timed_out: Arc<AtomicBool>,
}

impl<R: FromAck + Send + 'static> TypedAckStream<R> {
    fn new(stream: AckStream, timeout: Duration, servers: usize) -> Self {
        let timed_out = Arc::new(AtomicBool::new(false));
        let progress = Progress {
            stream,
            deadline: tokio::time::Instant::now() + timeout,
            servers,
            reported: 0,
            expected: 0,
            received: 0,
            timed_out: timed_out.clone(),
        };
        let inner = futures_util::stream::unfold(progress, |mut p| async move {
            loop {
                if p.reported >= p.servers && p.received >= p.expected {
                    return None;
                }
                match tokio::time::timeout_at(p.deadline, p.stream.next_event()).await {
                    Ok(Some(AckEvent::ClientCount(n))) => {
                        p.reported += 1;
                        p.expected = p.expected.saturating_add(n);
                    }
                    Ok(Some(AckEvent::Ack(r))) => {
                        p.received += 1;
                        let reply = AckReply {
                            socket: r.socket,
                            result: R::from_ack(r.args),
                        };
                        return Some((reply, p));
                    }
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => {
                        p.timed_out.store(true, Ordering::Release);
                        return None;
                    }
                }
            }
        });
        Self {
            inner: inner.boxed(),
            timed_out,
        }
    }

    /// Every answer, or the first error: [`AckError::Timeout`] when some
    /// socket did not answer in time, else the first answer that did not
    /// deserialize.
    ///
    /// # Errors
    /// As said above.
    pub async fn all(mut self) -> Result<Vec<R>, AckError> {
        let mut values = Vec::new();
        while let Some(reply) = self.inner.next().await {
            values.push(reply.result?);
        }
        if self.timed_out() {
            return Err(AckError::Timeout);
        }
        Ok(values)
    }
}

impl<R> TypedAckStream<R> {
    /// True once the stream ended because the timeout passed (or the
    /// adapter went away) before every socket answered.
    pub fn timed_out(&self) -> bool {
        self.timed_out.load(Ordering::Acquire)
    }
}

impl<R> Stream for TypedAckStream<R> {
    type Item = AckReply<R>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Ping {
        n: u8,
    }

    impl Event for Ping {
        const NAME: &'static str = "ping";
        type Ack = super::super::NoAck;
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Pair(u8, String);

    impl Event for Pair {
        const NAME: &'static str = "pair";
        const SPREAD: bool = true;
        type Ack = super::super::NoAck;
    }

    #[test]
    fn server_side_events_carry_their_name_then_their_payload() {
        let args = server_side_args(&Ping { n: 1 }).unwrap();
        assert_eq!(args.first(), Some(&Value::from("ping")));
        assert_eq!(
            server_side_payload::<Ping>(args.into_iter().skip(1).collect()),
            Some(Ping { n: 1 })
        );
        let args = server_side_args(&Pair(2, "x".into())).unwrap();
        assert_eq!(args.len(), 3, "spread: one argument per field");
        assert_eq!(
            server_side_payload::<Pair>(args.into_iter().skip(1).collect()),
            Some(Pair(2, "x".into()))
        );
        assert_eq!(server_side_payload::<Ping>(vec![Value::from("no")]), None);
    }
}
