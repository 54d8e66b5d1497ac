//! [`Client`]: one per engine session. It decodes packets, connects the
//! session to namespaces (middlewares, then the connection handler),
//! dispatches events to the sockets' handlers and drives every handler
//! future inside the session's own task, started in arrival order.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use sio_adapter::SocketId;
use sio_engine::{CloseReason, Message, Protocol};
use sio_parser::{Data, Decoder, Encoded, Encoder, Packet, PacketKind, Value, Version};
use tokio::time::Sleep;
use tracing::Instrument as _;

use crate::engine::{ConnHandler, EngineSocket};
use crate::error::{ConnectError, HandlerError, PacketError};
use crate::extract::{ConnectParts, MessageParts};
use crate::handler::{catch, catch_future, guarded};
use crate::io::Server;
use crate::limit::Verdict;
use crate::mailbox::Mailbox;
use crate::ns::ConnectGuard;
use crate::reason::DisconnectReason;
use crate::socket::{Direction, Handshake, SocketRef, spawn};

/// A message to a client from its sockets, handled in the session's task.
pub(crate) enum ClientCmd {
    /// The socket left its namespace (server side); run its `disconnect`
    /// handler here.
    Left {
        ns: String,
        id: SocketId,
        fut: BoxFuture<'static, ()>,
    },
}

/// What a future driven by the client ends with.
enum Done {
    Nothing,
    /// The middlewares of a connection have run.
    Connected {
        socket: SocketRef,
        result: Result<(), ConnectError>,
        /// Keeps a dynamic namespace alive until the socket is in it.
        guard: ConnectGuard,
    },
    /// The packet middlewares accepted an event.
    Accepted {
        socket: SocketRef,
        packet: Packet,
    },
}

type Task = BoxFuture<'static, Done>;

fn task(fut: BoxFuture<'static, ()>) -> Task {
    Box::pin(async move {
        guarded(fut).await;
        Done::Nothing
    })
}

/// A socket's handler future, run inside the socket's span.
fn task_in(fut: BoxFuture<'static, ()>, socket: &SocketRef) -> Task {
    let span = socket.span.clone();
    Box::pin(async move {
        guarded(fut).instrument(span).await;
        Done::Nothing
    })
}

/// The socket.io side of one engine session.
pub(crate) struct Client {
    server: Arc<Server>,
    engine: EngineSocket,
    encoder: Encoder,
    decoder: Decoder,
    /// The sockets of the namespaces joined, one per namespace: a client
    /// joins one or a few, so a vector searched by name (no map, no copy
    /// of the names).
    sockets: Vec<SocketRef>,
    /// Namespaces whose middlewares are running.
    connecting: Vec<String>,
    fresh: VecDeque<Task>,
    /// Futures that did not finish at their first poll; created with the
    /// first one (most handlers finish at once).
    running: Option<FuturesUnordered<Task>>,
    timer: Option<Pin<Box<Sleep>>>,
    mailbox: Arc<Mailbox>,
    closed: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("sid", self.engine.sid())
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn new(server: Arc<Server>, engine: EngineSocket) -> Self {
        let version = match engine.protocol() {
            Protocol::V3 => Version::V4,
            _ => Version::V5,
        };
        let config = &server.config;
        let decoder = Decoder::new(config.parser.clone(), version, config.decoder.clone());
        let timer = Some(Box::pin(tokio::time::sleep(config.connect_timeout)));
        if let Some(admin) = &config.admin {
            admin.opened(&engine);
        }
        let mut client = Self {
            encoder: Encoder::new(config.parser.clone(), version),
            server,
            engine,
            decoder,
            sockets: Vec::new(),
            connecting: Vec::new(),
            fresh: VecDeque::new(),
            running: None,
            timer,
            mailbox: Arc::default(),
            closed: false,
        };
        if version == Version::V4 {
            // Protocol 4: every client is connected to `/` at once.
            client.connect("/", serde_json::Value::Object(serde_json::Map::new()));
        }
        client
    }

    /// The socket of namespace `ns`.
    fn socket(&self, ns: &str) -> Option<&SocketRef> {
        self.sockets.iter().find(|s| s.ns.name == ns)
    }

    /// Forgets the socket of namespace `ns` (when `which` says so).
    fn remove_socket(&mut self, ns: &str, which: impl Fn(&SocketRef) -> bool) {
        self.sockets.retain(|s| s.ns.name != ns || !which(s));
    }

    fn on_packet(&mut self, packet: Packet) {
        // A clone of the packet's namespace name (a shared buffer), not a
        // new string per packet.
        let ns = packet.ns.clone();
        let ns = ns.as_str();
        let live = self.socket(ns).cloned();
        match packet.kind {
            PacketKind::Connect => {
                if live.as_ref().is_some_and(|s| s.connected())
                    || self.connecting.iter().any(|n| n == ns)
                {
                    tracing::debug!(sid = %self.engine.sid(), %ns, "second CONNECT for a namespace: closing");
                    return self.close(DisconnectReason::ForcedServerClose);
                }
                let auth = match &packet.data {
                    Data::Query(query) => serde_json::Value::Object(
                        form_urlencoded::parse(query.as_bytes())
                            .map(|(k, v)| (k.into_owned(), serde_json::Value::from(v.into_owned())))
                            .collect(),
                    ),
                    Data::None => serde_json::Value::Object(serde_json::Map::new()),
                    _ => packet.data_as().unwrap_or_default(),
                };
                self.connect(ns, auth);
            }
            _ => {
                let Some(socket) = live else {
                    tracing::debug!(sid = %self.engine.sid(), %ns, "packet for a namespace not joined: closing");
                    return self.close(DisconnectReason::ForcedServerClose);
                };
                if !socket.connected() {
                    return;
                }
                match packet.kind {
                    PacketKind::Event | PacketKind::BinaryEvent => self.dispatch(&socket, packet),
                    PacketKind::Ack | PacketKind::BinaryAck => {
                        let waiter = packet.id.and_then(|id| socket.acks.lock().take(id));
                        if let (Some(waiter), Ok(args)) = (waiter, packet.args::<Vec<Value>>()) {
                            waiter.deliver(&socket.id, args);
                        }
                    }
                    PacketKind::Disconnect => {
                        self.remove_socket(ns, |_| true);
                        if let Some(fut) = socket
                            .leave_namespace(DisconnectReason::ClientNamespaceDisconnect, false)
                        {
                            self.fresh.push_back(task_in(fut, &socket));
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Starts connecting to namespace `name`: its middlewares run first.
    fn connect(&mut self, name: &str, auth: serde_json::Value) {
        if self.sockets.len() + self.connecting.len() >= self.server.config.max_ns_per_connection {
            tracing::debug!(sid = %self.engine.sid(), ns = name, "too many namespaces on one connection: refused");
            return self.refuse(name, "Too many namespaces");
        }
        let handshake = Handshake::new(&self.engine, auth);
        let Some((ns, guard)) = self.server.table.get_or_create(name, &handshake) else {
            return self.refuse(name, "Invalid namespace");
        };
        let socket = SocketRef::new(
            ns.clone(),
            self.engine.clone(),
            handshake,
            self.mailbox.clone(),
        );
        self.connecting.push(name.to_owned());
        let config = self.server.config.clone();
        self.fresh.push_back(Box::pin(async move {
            let (socket, skip_middlewares) = crate::recovery::restore(socket).await;
            let mut result = Ok(());
            let global = config.middlewares.iter();
            let middlewares = global.chain(&ns.handlers.middlewares);
            for middleware in middlewares.take(if skip_middlewares { 0 } else { usize::MAX }) {
                let parts = ConnectParts {
                    socket: &socket,
                    config: &config,
                };
                // A middleware that panics refuses the connection.
                let call = || middleware.call(&parts);
                let outcome = match socket.span.in_scope(|| catch("namespace middleware", call)) {
                    Some(Ok(fut)) => catch_future("namespace middleware", fut)
                        .instrument(socket.span.clone())
                        .await
                        .unwrap_or_else(|| Err(ConnectError::internal())),
                    Some(Err(e)) => Err(ConnectError::new(e.client_message())),
                    None => Err(ConnectError::internal()),
                };
                if outcome.is_err() {
                    result = outcome;
                    break;
                }
            }
            Done::Connected {
                socket,
                result,
                guard,
            }
        }));
    }

    /// Refuses a CONNECT to `name` with a `connect_error` saying `message`.
    fn refuse(&mut self, name: &str, message: &str) {
        let data = (self.encoder_version() == Version::V4)
            .then(|| serde_json::json!({ "message": message }));
        if let Ok(packet) = self.encoder.connect_error(name, message, data.as_ref()) {
            let _ = self.engine.send_many(packet.messages());
        }
    }

    fn encoder_version(&self) -> Version {
        self.decoder.version()
    }

    fn connected(
        &mut self,
        socket: SocketRef,
        result: Result<(), ConnectError>,
        guard: ConnectGuard,
    ) {
        // Dropped on return: by then the socket is in the namespace, or not.
        let _guard = guard;
        let name = socket.ns.name.clone();
        self.connecting.retain(|n| *n != name);
        if self.connecting.is_empty() {
            // Freed: an idle client keeps nothing of its connections.
            self.connecting = Vec::new();
        }
        // Closed, or closing (a parse error or a kick came first): the
        // connection is not made.
        if self.closed || self.engine.is_closing() {
            return;
        }
        // The connection handler's extractors run before the client is
        // told: auth that does not deserialize refuses the connection.
        let config = self.server.config.clone();
        let parts = ConnectParts {
            socket: &socket,
            config: &config,
        };
        let handler = result.and_then(|()| {
            let call = || socket.ns.handlers.connect.call(&parts);
            match socket.span.in_scope(|| catch("connection handler", call)) {
                Some(Ok(handler)) => Ok(handler),
                Some(Err(error)) => {
                    let message = error.client_message();
                    let err = HandlerError {
                        ns: name.clone(),
                        event: "connect".to_owned(),
                        error: error.into(),
                    };
                    catch("error hook", || (config.error_hook)(&socket, &err));
                    Err(ConnectError::new(message))
                }
                None => Err(ConnectError::internal()),
            }
        });
        let handler = match handler {
            Ok(handler) => handler,
            Err(e) => {
                if let Ok(packet) = self.encoder.connect_error(&name, e.message(), e.data()) {
                    let _ = self.engine.send_many(packet.messages());
                }
                return;
            }
        };
        let Ok(packet) = self
            .encoder
            .connect(&name, socket.id(), socket.session.pid())
        else {
            return;
        };
        // A dynamic child's adapter starts with its first accepted socket.
        socket.ns.start();
        // In the namespace (and its own room) before the client hears of it.
        socket.set_connected();
        if let Some(admin) = &self.server.config.admin {
            admin.connected(&socket);
        }
        socket.rejoin();
        // A recovered socket's missed packets go with the reply, all or
        // none: it is never told `recovered` with packets missing.
        let missed = socket.take_missed();
        let sent = if missed.is_empty() {
            self.engine.send_many(packet.messages())
        } else {
            let msgs: Vec<_> = packet
                .messages()
                .chain(missed.iter().flat_map(Encoded::messages))
                .collect();
            self.engine.send_many(msgs)
        };
        if let Err(e) = sent {
            tracing::debug!(sid = %self.engine.sid(), "CONNECT not sent: {e}");
            drop(socket.leave_namespace(DisconnectReason::TransportError, false));
            if !missed.is_empty() {
                // Its buffer filled up since the check: the client comes
                // back (its session was kept again) and tries once more.
                self.engine.close();
            }
            return;
        }
        self.remove_socket(&name, |_| true);
        let handler = task_in(handler, &socket);
        self.sockets.push(socket);
        self.timer = None;
        self.fresh.push_back(handler);
    }

    /// Counts the event against the socket's rate limit, if any, runs the
    /// socket's packet middlewares, if any, then the event.
    fn dispatch(&mut self, socket: &SocketRef, packet: Packet) {
        if let Some(limit) = &socket.rate {
            let event = packet.event_name().unwrap_or_default();
            let now = tokio::time::Instant::now().into_std();
            let verdict = limit.check(event, now);
            if verdict != Verdict::Pass {
                return crate::socket::over_limit(socket, &packet, verdict);
            }
        }
        let Some(middlewares) = socket.listeners.middlewares() else {
            return self.run_event(socket, &packet);
        };
        let socket = socket.clone();
        self.fresh.push_back(Box::pin(async move {
            let event = packet.event_name().unwrap_or_default().to_owned();
            let args = packet.args::<Vec<Value>>().unwrap_or_default();
            for middleware in &middlewares {
                // A middleware that panics rejects the packet.
                let verdict = match catch("packet middleware", || {
                    middleware(event.clone(), args.clone())
                }) {
                    Some(fut) => catch_future("packet middleware", fut).await,
                    None => None,
                };
                if let Err(err) =
                    verdict.unwrap_or_else(|| Err(PacketError::new("Internal server error")))
                {
                    crate::socket::reject_packet(&socket, &packet, &err);
                    return Done::Nothing;
                }
            }
            Done::Accepted { socket, packet }
        }));
    }

    /// Shows an accepted event to the catch-all listeners, then starts its
    /// handler.
    fn run_event(&mut self, socket: &SocketRef, packet: &Packet) {
        if !socket.connected() {
            return;
        }
        let event = packet.event_name().unwrap_or_default();
        let admin = self
            .server
            .config
            .admin
            .as_ref()
            .filter(|admin| admin.watches_events(&socket.ns.name));
        if admin.is_some() || socket.listeners.is_active(Direction::Incoming) {
            let args = packet.args::<Vec<Value>>().unwrap_or_default();
            if let Some(admin) = admin {
                admin.event_in(socket, event, &args);
            }
            socket.listeners.notify(Direction::Incoming, event, &args);
        }
        let listeners = socket.handlers.lock().for_event(event);
        if listeners.is_empty() {
            tracing::trace!(id = %socket.id(), event, "no handler");
            return;
        }
        // Several listeners share one answer: the first sent wins.
        let answered =
            (listeners.len() > 1 && packet.id.is_some()).then(|| Arc::new(AtomicBool::new(false)));
        let config = self.server.config.clone();
        let parts = MessageParts {
            socket,
            packet,
            config: &config,
            answered: answered.as_ref(),
        };
        for handler in listeners {
            let call = || catch("event handler", || handler.call(&parts));
            match socket.span.in_scope(call) {
                Some(Ok(fut)) => self.fresh.push_back(task_in(fut, socket)),
                Some(Err(error)) => handler_refused(&parts, event, error),
                None => {}
            }
        }
    }

    /// Disconnects every socket with `reason` and closes the session.
    fn close(&mut self, reason: DisconnectReason) {
        self.leave_all(reason);
        self.engine.close();
    }

    fn leave_all(&mut self, reason: DisconnectReason) {
        for socket in std::mem::take(&mut self.sockets) {
            if let Some(fut) = socket.leave_namespace(reason, false) {
                self.fresh.push_back(task_in(fut, &socket));
            }
        }
    }

    fn done(&mut self, done: Done) {
        match done {
            Done::Nothing => {}
            Done::Connected {
                socket,
                result,
                guard,
            } => self.connected(socket, result, guard),
            Done::Accepted { socket, packet } => self.run_event(&socket, &packet),
        }
    }

    fn on_cmd(&mut self, cmd: ClientCmd) {
        match cmd {
            ClientCmd::Left { ns, id, fut } => {
                self.remove_socket(&ns, |s| s.id == id);
                self.fresh.push_back(task(fut));
            }
        }
    }
}

impl ConnHandler for Client {
    fn on_message(&mut self, msg: Message) {
        if self.closed {
            return;
        }
        if let Some(admin) = &self.server.config.admin {
            admin.message_in(&msg);
        }
        match self.decoder.decode(msg) {
            Ok(Some(packet)) => self.on_packet(packet),
            Ok(None) => {
                if self.sockets.is_empty() && self.decoder.is_awaiting_attachments() {
                    tracing::debug!(sid = %self.engine.sid(), "binary packet before any CONNECT: closing");
                    self.close(DisconnectReason::ParseError);
                }
            }
            Err(e) => {
                tracing::debug!(sid = %self.engine.sid(), "parse error: {e}");
                self.close(DisconnectReason::ParseError);
            }
        }
    }

    fn on_upgrade(&mut self) {
        if let Some(admin) = &self.server.config.admin {
            admin.upgraded(&self.sockets);
        }
        for socket in &self.sockets {
            socket.listeners.upgraded(socket);
        }
    }

    fn on_close(&mut self, reason: CloseReason) {
        self.closed = true;
        if let Some(admin) = &self.server.config.admin {
            admin.closed(&self.engine, reason.into());
        }
        self.timer = None;
        self.decoder.reset();
        for cmd in self.mailbox.close() {
            self.on_cmd(cmd);
        }
        self.leave_all(reason.into());
        // Handlers still running (and the disconnect handlers) finish on
        // their own task: no callback follows this one.
        let mut rest: FuturesUnordered<Task> = self.running.take().unwrap_or_default();
        rest.extend(self.fresh.drain(..));
        if !rest.is_empty() {
            spawn(Box::pin(
                async move { while rest.next().await.is_some() {} },
            ));
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            for cmd in self.mailbox.take(cx) {
                self.on_cmd(cmd);
            }
            if let Some(timer) = self.timer.as_mut()
                && timer.as_mut().poll(cx).is_ready()
            {
                self.timer = None;
                if self.sockets.is_empty() && !self.closed {
                    tracing::debug!(sid = %self.engine.sid(), "no namespace joined in time: closing");
                    self.close(DisconnectReason::ForcedServerClose);
                }
            }
            // New futures first, in arrival order: each handler starts before
            // the next event's.
            while let Some(mut fut) = self.fresh.pop_front() {
                match fut.as_mut().poll(cx) {
                    Poll::Ready(done) => self.done(done),
                    Poll::Pending => self.running.get_or_insert_default().push(fut),
                }
            }
            while let Some(running) = self.running.as_mut()
                && let Poll::Ready(Some(done)) = running.poll_next_unpin(cx)
            {
                self.done(done);
                if !self.fresh.is_empty() {
                    break;
                }
            }
            if self.fresh.is_empty() {
                return Poll::Pending;
            }
        }
    }
}

/// Reports a handler whose extractors refused the packet: an error ack
/// when the client asked for one (and no other listener answered), and the
/// builder's error hook.
fn handler_refused(parts: &MessageParts<'_>, event: &str, error: crate::error::ExtractError) {
    let socket = parts.socket;
    let already = parts
        .answered
        .is_some_and(|flag| flag.swap(true, Ordering::AcqRel));
    if let Some(id) = parts.packet.id
        && !already
    {
        let answer = (serde_json::json!({ "message": error.client_message() }),);
        if let Ok(ack) = parts.config.encoder.ack(&socket.ns.name, id, &answer) {
            let _ = socket.send_encoded(&ack, false);
        }
    }
    let err = HandlerError {
        ns: socket.ns.name.clone(),
        event: event.to_owned(),
        error: error.into(),
    };
    catch("error hook", || (parts.config.error_hook)(socket, &err));
}

impl Drop for Client {
    /// A client dropped without closing (its task ended early: the runtime
    /// shut down, or a panic in sio itself) still runs the `disconnect`
    /// handlers posted to it, refuses later ones, and takes its sockets out
    /// of their namespaces and rooms (their `disconnect` handlers run on
    /// their own task): no socket outlives its session.
    fn drop(&mut self) {
        for ClientCmd::Left { fut, .. } in self.mailbox.close() {
            spawn(fut);
        }
        for socket in std::mem::take(&mut self.sockets) {
            if let Some(fut) = socket.leave_namespace(DisconnectReason::TransportError, false) {
                spawn(fut);
            }
        }
    }
}
