//! Emitting to one socket: plain, volatile, with an acknowledgement; and
//! the broadcast operators that start from a socket.

use std::borrow::Cow;
use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use sio_adapter::BroadcastOptions;
use sio_parser::{Encoded, Value};
use tokio::sync::oneshot;

use super::{AckWaiter, Direction, Socket};
use crate::ack_reply::FromAck;
use crate::error::{AckError, EmitError};
use crate::operators::BroadcastOperators;

/// Options of an emit to one socket: [`Socket::volatile`] and
/// [`Socket::timeout`] start one.
#[derive(Debug, Clone)]
pub struct SocketEmitter<'a> {
    socket: &'a Socket,
    volatile: bool,
    compress: bool,
    timeout: Option<Duration>,
}

impl SocketEmitter<'_> {
    /// Drops the packet silently when the socket's queue is full.
    pub fn volatile(mut self) -> Self {
        self.volatile = true;
        self
    }

    /// Node: `socket.compress(bool)`. With `false` the event (and its
    /// binary attachments) go out uncompressed on a WebSocket with
    /// per-message deflate ([`EngineConfig::per_message_deflate`](crate::EngineConfig::per_message_deflate));
    /// with `true`, the default, messages of at least the threshold are
    /// compressed. Polling responses are compressed by size whatever this
    /// says (see
    /// [`EngineConfig::compression_threshold`](crate::EngineConfig::compression_threshold)).
    pub fn compress(mut self, compress: bool) -> Self {
        self.compress = compress;
        self
    }

    /// How long [`SocketEmitter::emit_with_ack`] waits.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Emits `event` with ONE argument `data`.
    ///
    /// # Errors
    /// See [`Socket::emit`]; a volatile emit never reports a full queue.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.emit_args(event, &(data,))
    }

    /// Emits `event` with every element of `args` (a tuple, a `Vec`) as
    /// an argument.
    ///
    /// # Errors
    /// See [`Socket::emit`].
    pub fn emit_args<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        let ns = &self.socket.ns;
        if ns.config.recovery.is_some() && !self.volatile && ns.adapter.assigns_offsets() {
            // The adapter numbers the event (as Node does, through a
            // broadcast to this socket's own room) and delivers it in order.
            if !self.socket.connected() {
                return Err(EmitError::Closed);
            }
            let packet = ns.config.encoder.event(&ns.name, event, args, None)?;
            let mut opts = BroadcastOptions::socket(&self.socket.id);
            opts.flags.compress = self.compress;
            ns.adapter.broadcast_detached(packet, opts);
            return Ok(());
        }
        let packet =
            crate::recovery::encode_event(&self.socket.ns, event, args, self.volatile, || {
                Cow::Owned(BroadcastOptions::socket(&self.socket.id))
            })?;
        match self
            .socket
            .send_encoded_with(&packet, self.volatile, self.compress)
        {
            Err(EmitError::BufferFull) if self.volatile => Ok(()),
            other => other,
        }
    }

    /// Emits `event` with ONE argument and waits for the client's answer:
    /// its FIRST argument as `R` (as Node's `emitWithAck`), or all of them
    /// with `R` = [`Args<T>`](crate::Args) (see [`FromAck`]).
    ///
    /// The packet is queued at once; the returned future only waits.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # async fn ask(socket: sio::SocketRef) -> Result<(), sio::AckError> {
    /// let answer: String = socket
    ///     .timeout(Duration::from_secs(2))
    ///     .emit_with_ack("question", &1)
    ///     .await?;
    /// # let _ = answer; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The future fails with [`AckError`]: not sent, timeout, disconnected,
    /// or an answer that does not deserialize.
    #[must_use = "the future resolves to the answer: await it (the packet is already sent)"]
    pub fn emit_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
    ) -> impl Future<Output = Result<R, AckError>> + Send + use<T, R>
    where
        T: Serialize + ?Sized,
        R: FromAck,
    {
        self.wait_ack(self.send_with_ack(event, &(data,)))
    }

    /// [`SocketEmitter::emit_with_ack`] with several arguments.
    ///
    /// # Errors
    /// As [`SocketEmitter::emit_with_ack`].
    #[must_use = "the future resolves to the answer: await it (the packet is already sent)"]
    pub fn emit_args_with_ack<T, R>(
        &self,
        event: &str,
        args: &T,
    ) -> impl Future<Output = Result<R, AckError>> + Send + use<T, R>
    where
        T: Serialize + ?Sized,
        R: FromAck,
    {
        self.wait_ack(self.send_with_ack(event, args))
    }

    fn wait_ack<R: FromAck>(
        &self,
        sent: Result<(u64, oneshot::Receiver<Vec<Value>>), AckError>,
    ) -> impl Future<Output = Result<R, AckError>> + Send + use<R> {
        let timeout = self.timeout.unwrap_or(self.socket.ns.config.ack_timeout);
        let weak = std::sync::Arc::downgrade(&self.socket.ns);
        let id = self.socket.id.clone();
        async move {
            let (ack_id, rx) = sent?;
            let answer = match tokio::time::timeout(timeout, rx).await {
                Ok(Ok(args)) => args,
                Ok(Err(_)) => return Err(AckError::Disconnected),
                Err(_) => {
                    if let Some(socket) = weak.upgrade().and_then(|ns| ns.get(&id)) {
                        socket.acks.lock().take(ack_id);
                    }
                    crate::metrics::ack_timed_out();
                    return Err(AckError::Timeout);
                }
            };
            R::from_ack(answer)
        }
    }

    fn send_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(u64, oneshot::Receiver<Vec<Value>>), AckError> {
        let socket = self.socket;
        let ack_id = socket.ns.next_ack_id();
        let packet = socket
            .ns
            .config
            .encoder
            .event(&socket.ns.name, event, args, Some(ack_id))
            .map_err(EmitError::from)?;
        let (tx, rx) = oneshot::channel();
        if !socket.acks.lock().insert(ack_id, AckWaiter::One(tx)) {
            return Err(AckError::TooManyPending);
        }
        if let Err(e) = socket.send_encoded_with(&packet, self.volatile, self.compress) {
            socket.acks.lock().take(ack_id);
            return Err(e.into());
        }
        Ok((ack_id, rx))
    }
}

impl Socket {
    fn emitter(&self) -> SocketEmitter<'_> {
        SocketEmitter {
            socket: self,
            volatile: false,
            compress: true,
            timeout: None,
        }
    }

    /// Emits `event` with ONE argument `data` (use [`Socket::emit_args`]
    /// for several). `bytes::Bytes` anywhere inside is sent as binary.
    ///
    /// # Errors
    /// [`EmitError::BufferFull`] when the client's outgoing queue is full
    /// (nothing was queued), [`EmitError::Closed`] once disconnected,
    /// [`EmitError::Encode`] for a reserved event name or unserializable data.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.emitter().emit(event, data)
    }

    /// Emits `event` with every element of `args` (a tuple or a `Vec`, e.g.
    /// the `Vec<Value>` of an [`Args`](crate::Args)) as an argument.
    ///
    /// # Errors
    /// As [`Socket::emit`].
    pub fn emit_args<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        self.emitter().emit_args(event, args)
    }

    /// Emits a `message` event with one argument (Node's `socket.send`).
    ///
    /// # Errors
    /// As [`Socket::emit`].
    pub fn send<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), EmitError> {
        self.emit("message", data)
    }

    /// Emits with ONE argument and waits for the answer (default timeout:
    /// [`SocketIoBuilder::ack_timeout`](crate::SocketIoBuilder::ack_timeout)).
    /// See [`SocketEmitter::emit_with_ack`].
    ///
    /// # Errors
    /// As [`SocketEmitter::emit_with_ack`].
    #[must_use = "the future resolves to the answer: await it (the packet is already sent)"]
    pub fn emit_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
    ) -> impl Future<Output = Result<R, AckError>> + Send + use<T, R>
    where
        T: Serialize + ?Sized,
        R: FromAck,
    {
        self.emitter().emit_with_ack(event, data)
    }

    /// An emit that is dropped silently if the client's queue is full.
    pub fn volatile(&self) -> SocketEmitter<'_> {
        self.emitter().volatile()
    }

    /// An emit that is compressed or not (Node: `socket.compress(bool)`;
    /// see [`SocketEmitter::compress`]).
    pub fn compress(&self, compress: bool) -> SocketEmitter<'_> {
        self.emitter().compress(compress)
    }

    /// An emit whose acknowledgement is awaited at most `timeout`.
    pub fn timeout(&self, timeout: Duration) -> SocketEmitter<'_> {
        self.emitter().timeout(timeout)
    }

    /// Queues an encoded packet on the client's connection, all its
    /// messages or none.
    pub(crate) fn send_encoded(&self, packet: &Encoded, force: bool) -> Result<(), EmitError> {
        self.send_encoded_with(packet, force, true)
    }

    /// [`Socket::send_encoded`]; `compress`: a WebSocket with per-message
    /// deflate may compress the packet.
    pub(crate) fn send_encoded_with(
        &self,
        packet: &Encoded,
        force: bool,
        compress: bool,
    ) -> Result<(), EmitError> {
        if self.queue_encoded(packet, force, compress)? {
            self.notify_outgoing(packet);
        }
        Ok(())
    }

    /// Queues the packet without running any user code; true when the
    /// socket has outgoing listeners to show it to
    /// ([`Socket::notify_outgoing`]).
    pub(crate) fn queue_encoded(
        &self,
        packet: &Encoded,
        force: bool,
        compress: bool,
    ) -> Result<bool, EmitError> {
        if !force && !self.connected() {
            return Err(EmitError::Closed);
        }
        self.engine
            .send_many_with(packet.messages(), compress)
            .map_err(|e| {
                if matches!(e, sio_engine::SendError::Full) {
                    crate::metrics::delivery_dropped();
                }
                EmitError::from(e)
            })?;
        let watched = match &self.ns.config.admin {
            Some(admin) => {
                admin.packet_out(packet);
                // Only events are reported: an ack, a CONNECT or a
                // DISCONNECT (text `3`, `0`, `1`...) is not decoded again.
                admin.watches_events(&self.ns.name)
                    && packet.text().is_none_or(|t| t.starts_with(['2', '5']))
            }
            None => false,
        };
        Ok(watched || self.listeners.is_active(Direction::Outgoing))
    }

    /// Shows a queued event to the outgoing catch-all listeners (decoded
    /// back: this runs only when some are registered).
    pub(crate) fn notify_outgoing(&self, packet: &Encoded) {
        let config = &self.ns.config;
        let mut decoder = sio_parser::Decoder::new(
            config.parser.clone(),
            sio_parser::Version::V5,
            config.decoder.clone(),
        );
        for msg in packet.messages() {
            if let Ok(Some(decoded)) = decoder.decode(msg)
                && matches!(
                    decoded.kind,
                    sio_parser::PacketKind::Event | sio_parser::PacketKind::BinaryEvent
                )
                && let (Some(event), Ok(args)) =
                    (decoded.event_name(), decoded.args::<Vec<Value>>())
            {
                if let Some(admin) = &config.admin
                    && admin.watches_events(&self.ns.name)
                {
                    admin.event_out(self, event, &args);
                }
                if self.listeners.is_active(Direction::Outgoing) {
                    self.listeners.notify(Direction::Outgoing, event, &args);
                }
            }
        }
    }

    /// Operators on the other sockets of the namespace (Node's
    /// `socket.broadcast`): everyone but this socket.
    pub fn broadcast(&self) -> BroadcastOperators {
        BroadcastOperators::new(self.ns.clone(), self.except_self())
    }

    /// Everyone in `rooms` but this socket (Node's `socket.to(room)`).
    pub fn to(&self, rooms: impl crate::IntoRooms) -> BroadcastOperators {
        self.broadcast().to(rooms)
    }

    /// Everyone but this socket and the sockets of `rooms`.
    pub fn except(&self, rooms: impl crate::IntoRooms) -> BroadcastOperators {
        self.broadcast().except(rooms)
    }

    /// Operators on the whole namespace, this socket included (Node's
    /// `socket.nsp`).
    pub fn within_ns(&self) -> BroadcastOperators {
        BroadcastOperators::new(self.ns.clone(), BroadcastOptions::default())
    }

    fn except_self(&self) -> BroadcastOptions {
        BroadcastOptions {
            except: vec![(&self.id).into()],
            ..BroadcastOptions::default()
        }
    }
}
