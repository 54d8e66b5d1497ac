//! [`BroadcastOperators`]: a target (a namespace, some rooms, minus some
//! rooms) with flags, and what can be done to it: emit (encoded once),
//! emit with acks, list, fetch, join, leave, disconnect.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sio_adapter::{
    AckCollected, AckStream, BroadcastOptions, BroadcastReport, SocketId, SocketInfo,
};
use sio_parser::Value;

use crate::ack_reply::{AckReplies, FromAck};
use crate::error::BroadcastError;
use crate::metrics::{AdapterRequest as Kind, adapter_request};
use crate::ns::Namespace;

/// Sockets of one namespace chosen by rooms and flags. Start from
/// [`SocketIo::to`](crate::SocketIo::to), [`SocketIo::of`](crate::SocketIo::of)
/// or [`Socket::broadcast`](crate::Socket::broadcast); every step takes and
/// returns `self`.
#[derive(Debug, Clone)]
pub struct BroadcastOperators {
    ns: Arc<Namespace>,
    opts: BroadcastOptions,
}

impl BroadcastOperators {
    pub(crate) fn new(ns: Arc<Namespace>, opts: BroadcastOptions) -> Self {
        Self { ns, opts }
    }

    /// Also targets `rooms` (the union of all `to` calls).
    pub fn to(mut self, rooms: impl crate::IntoRooms) -> Self {
        self.opts.rooms.extend(rooms.into_rooms());
        self
    }

    /// Same as [`BroadcastOperators::to`].
    pub fn in_(self, rooms: impl crate::IntoRooms) -> Self {
        self.to(rooms)
    }

    /// Leaves out the sockets of `rooms`.
    pub fn except(mut self, rooms: impl crate::IntoRooms) -> Self {
        self.opts.except.extend(rooms.into_rooms());
        self
    }

    /// Only this server's sockets, even with a cluster adapter.
    pub fn local(mut self) -> Self {
        self.opts.flags.local = true;
        self
    }

    /// Skips the sockets whose queue is full instead of counting them as
    /// failures (they are still counted in [`BroadcastReport::dropped`]).
    pub fn volatile(mut self) -> Self {
        self.opts.flags.volatile = true;
        self
    }

    /// Node: `compress(bool)`. With `false` the broadcast goes out
    /// uncompressed on WebSockets with per-message deflate; with `true`,
    /// the default, it is compressed when it reaches the threshold, once
    /// for all of its recipients.
    pub fn compress(mut self, compress: bool) -> Self {
        self.opts.flags.compress = compress;
        self
    }

    /// How long [`BroadcastOperators::emit_with_ack`] waits (default: the
    /// builder's ack timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.opts.flags.timeout = Some(timeout);
        self
    }

    /// Emits `event` with ONE argument to every target. Encoded once. A
    /// socket whose queue is full is skipped and counted in
    /// [`BroadcastReport::dropped`].
    ///
    /// Nothing is sent until the future is awaited: an unused one is a
    /// warning (`unused_must_use`; and `let _ = op.emit(..)` is one for
    /// clippy's `let_underscore_future`).
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// # fn chat(socket: sio::SocketRef) {
    /// socket.broadcast().emit("chat", "hello");
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`BroadcastError::Encode`] for bad data; [`BroadcastError::Adapter`]
    /// when a cluster adapter fails.
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<BroadcastReport, BroadcastError> {
        self.emit_args(event, &(data,)).await
    }

    /// Emits `event` with every element of `args` as an argument.
    ///
    /// # Errors
    /// As [`BroadcastOperators::emit`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn emit_args<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<BroadcastReport, BroadcastError> {
        let volatile = self.opts.flags.volatile;
        let packet = crate::recovery::encode_event(&self.ns, event, args, volatile, || {
            Cow::Borrowed(&self.opts)
        })?;
        let report = self.ns.adapter.broadcast(packet, self.opts.clone()).await?;
        crate::metrics::broadcast(report.sent);
        Ok(report)
    }

    /// Emits `event` with ONE argument asking every target for an ack, and
    /// waits for all answers or the timeout
    /// ([`BroadcastOperators::timeout`], default: the builder's ack
    /// timeout). Each socket's answer is read as `R`, as
    /// [`Socket::emit_with_ack`](crate::Socket::emit_with_ack) does: its
    /// first argument, or all of them with [`Args<T>`](crate::Args).
    /// [`AckReplies::complete`](crate::AckReplies::complete) is false when
    /// some did not answer in time.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # async fn vote(io: sio::SocketIo) -> Result<(), sio::BroadcastError> {
    /// let votes = io.to("jury").timeout(Duration::from_secs(5)).emit_with_ack::<_, bool>("vote?", &()).await?;
    /// let yes = votes.values().into_iter().filter(|v| *v).count();
    /// # let _ = yes; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`BroadcastOperators::emit`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn emit_with_ack<T: Serialize + ?Sized, R: FromAck>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<AckReplies<R>, BroadcastError> {
        self.emit_args_with_ack(event, &(data,)).await
    }

    /// [`BroadcastOperators::emit_with_ack`] with several arguments.
    ///
    /// # Errors
    /// As [`BroadcastOperators::emit`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn emit_args_with_ack<T: Serialize + ?Sized, R: FromAck>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<AckReplies<R>, BroadcastError> {
        let (stream, timeout, _) = self.start_with_ack(event, args).await?;
        let collected = stream.collect(timeout).await;
        crate::metrics::broadcast(collected.responses.len());
        if !collected.complete {
            crate::metrics::ack_timed_out();
        }
        Ok(AckReplies::read(collected))
    }

    /// Sends `event` asking every target for an ack: the stream of their
    /// answers, how long to wait for them and how many servers report (the
    /// typed API reads it answer by answer).
    pub(crate) async fn start_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(AckStream, Duration, usize), BroadcastError> {
        let ack_id = self.ns.next_ack_id();
        let packet = self
            .ns
            .config
            .encoder
            .event(&self.ns.name, event, args, Some(ack_id))?;
        let timeout = self
            .opts
            .flags
            .timeout
            .unwrap_or(self.ns.config.ack_timeout);
        let servers = if self.opts.flags.local {
            1
        } else {
            self.ns.adapter.server_count().await?
        };
        let (sink, stream) = AckStream::new(servers);
        let sent = self
            .ns
            .adapter
            .broadcast_with_ack(packet, ack_id, self.opts.clone(), sink)
            .await;
        adapter_request(Kind::BroadcastWithAck, sent)?;
        Ok((stream, timeout, servers))
    }

    /// The ids of the targeted sockets (the whole cluster unless local).
    ///
    /// # Errors
    /// [`BroadcastError::Adapter`].
    #[must_use = "an operator does nothing until it is awaited"]
    pub async fn socket_ids(&self) -> Result<Vec<SocketId>, BroadcastError> {
        let ids = self.ns.adapter.sockets(self.opts.clone()).await;
        Ok(adapter_request(Kind::Sockets, ids)?)
    }

    /// Descriptions of the targeted sockets: id, handshake, rooms, data.
    ///
    /// # Errors
    /// [`BroadcastError::Adapter`].
    #[must_use = "an operator does nothing until it is awaited"]
    pub async fn fetch_sockets(&self) -> Result<Vec<SocketInfo>, BroadcastError> {
        let sockets = self.ns.adapter.fetch_sockets(self.opts.clone()).await;
        Ok(adapter_request(Kind::FetchSockets, sockets)?)
    }

    /// Makes the targeted sockets join `rooms`.
    ///
    /// # Errors
    /// [`BroadcastError::Adapter`].
    #[must_use = "an operator does nothing until it is awaited"]
    pub async fn join(&self, rooms: impl crate::IntoRooms) -> Result<(), BroadcastError> {
        let done = self
            .ns
            .adapter
            .add_sockets(self.opts.clone(), rooms.into_rooms())
            .await;
        Ok(adapter_request(Kind::Join, done)?)
    }

    /// Makes the targeted sockets leave `rooms`.
    ///
    /// # Errors
    /// [`BroadcastError::Adapter`].
    #[must_use = "an operator does nothing until it is awaited"]
    pub async fn leave(&self, rooms: impl crate::IntoRooms) -> Result<(), BroadcastError> {
        let done = self
            .ns
            .adapter
            .del_sockets(self.opts.clone(), rooms.into_rooms())
            .await;
        Ok(adapter_request(Kind::Leave, done)?)
    }

    /// Disconnects the targeted sockets; with `close`, their whole
    /// connections.
    ///
    /// # Errors
    /// [`BroadcastError::Adapter`].
    #[must_use = "an operator does nothing until it is awaited"]
    pub async fn disconnect(&self, close: bool) -> Result<(), BroadcastError> {
        let done = self
            .ns
            .adapter
            .disconnect_sockets(self.opts.clone(), close)
            .await;
        Ok(adapter_request(Kind::Disconnect, done)?)
    }

    /// Adds a handler of server-side event `event` of this namespace
    /// (Node's `io.of(name).on(event, ..)`); see
    /// [`SocketIoBuilder::on_server_side`](crate::SocketIoBuilder::on_server_side).
    pub fn on_server_side<F, Fut>(&self, event: impl Into<String>, handler: F)
    where
        F: Fn(Vec<Value>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Vec<Value>> + Send + 'static,
    {
        self.ns
            .server_events
            .add(event.into(), crate::ns::erase_server_event(handler));
    }

    /// Sends a server-side event to the other servers of the cluster.
    ///
    /// # Errors
    /// [`BroadcastError::Adapter`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn server_side_emit(&self, args: Vec<Value>) -> Result<(), BroadcastError> {
        let done = self.ns.adapter.server_side_emit(args).await;
        Ok(adapter_request(Kind::ServerSideEmit, done)?)
    }

    /// Sends a server-side event to the other servers and collects their
    /// first answers (none with a single server).
    ///
    /// # Errors
    /// [`BroadcastError::Adapter`].
    #[must_use = "a broadcast does nothing until it is awaited"]
    pub async fn server_side_emit_with_ack(
        &self,
        args: Vec<Value>,
        timeout: Duration,
    ) -> Result<AckCollected, BroadcastError> {
        let others = self.ns.adapter.server_count().await?.saturating_sub(1);
        let (sink, stream) = AckStream::new(others);
        let sent = self
            .ns
            .adapter
            .server_side_emit_with_ack(args, timeout, sink)
            .await;
        adapter_request(Kind::ServerSideEmit, sent)?;
        let collected = stream.collect(timeout).await;
        if !collected.complete {
            crate::metrics::adapter_timed_out(Kind::ServerSideEmit);
        }
        Ok(collected)
    }
}
