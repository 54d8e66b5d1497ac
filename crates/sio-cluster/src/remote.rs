//! What a [`ClusterAdapter`] does with what arrives: other servers'
//! broadcasts and requests (answered as Node answers them) and the answers
//! to this server's own requests. Everything here is untrusted: a message
//! of the wrong shape is dropped (logged at debug level), never a panic.

use std::sync::atomic::Ordering;

use sio_adapter::{AckEvent, AckStream};
use sio_parser::Value;

use crate::adapter::ClusterAdapter;
use crate::message::{
    ClusterMessage, MessageType, data, decode_options, decode_rooms, decode_socket,
};
use crate::pending::Answer;

impl ClusterAdapter {
    /// Decodes `bytes` with the configured codec and handles them: as an
    /// answer when `response` (they came on this server's response
    /// channel), else as a message. Garbage is logged and dropped.
    pub fn on_bytes(&self, bytes: &[u8], response: bool) {
        match self.config.codec.decode(bytes) {
            Ok(message) if response => self.on_response(message),
            Ok(message) => self.on_message(message, None),
            Err(e) => tracing::debug!(ns = %self.nsp, "cluster adapter: message dropped: {e}"),
        }
    }

    /// Handles one message of this namespace from the store (Node's
    /// `onMessage`); `offset` is its offset in the store, if any (appended
    /// to a received event's arguments when recovery is on). Messages from
    /// this server, or for another namespace, are ignored; answers are
    /// passed to [`ClusterAdapter::on_response`].
    pub fn on_message(&self, mut message: ClusterMessage, offset: Option<&str>) {
        if message.uid == self.uid || message.nsp != self.nsp {
            return;
        }
        match message.kind {
            MessageType::Broadcast => {
                if let Some(id) = message.request_id().map(str::to_owned) {
                    self.remote_broadcast_with_ack(message, id);
                } else {
                    self.remote_broadcast(message, offset);
                }
            }
            k @ (MessageType::SocketsJoin | MessageType::SocketsLeave) => {
                let opts = decode_options(message.field("opts"));
                let rooms = decode_rooms(message.field("rooms"));
                self.apply(k, &opts, &rooms, false);
            }
            MessageType::DisconnectSockets => {
                let opts = decode_options(message.field("opts"));
                let close = matches!(message.field("close"), Some(Value::Bool(true)));
                self.apply(MessageType::DisconnectSockets, &opts, &[], close);
            }
            MessageType::FetchSockets => {
                let Some(id) = message.request_id().map(str::to_owned) else {
                    return;
                };
                let opts = decode_options(message.field("opts"));
                let sockets = self.inner.fetch_sockets_local(&opts);
                let answer = data::fetch_sockets_response(&id, &sockets);
                self.respond(message.uid, MessageType::FetchSocketsResponse, answer);
            }
            MessageType::ServerSideEmit => {
                let id = message.request_id().map(str::to_owned);
                let Some(Value::Array(args)) = message.take_field("packet") else {
                    return;
                };
                self.remote_server_side(message.uid, args, id);
            }
            k if k.is_response() => self.on_response(message),
            // Heartbeats and close messages are the transport's business.
            _ => {}
        }
    }

    /// Handles an answer to one of this server's requests (Node's
    /// `onResponse`); answers to unknown requests are dropped.
    pub fn on_response(&self, mut message: ClusterMessage) {
        let Some(id) = message.request_id().map(str::to_owned) else {
            return;
        };
        let answer = match message.kind {
            MessageType::FetchSocketsResponse => match message.field("sockets") {
                Some(Value::Array(items)) => {
                    Answer::Sockets(items.iter().filter_map(decode_socket).collect())
                }
                _ => return,
            },
            MessageType::ServerSideEmitResponse => Answer::ServerSide(message.take_field("packet")),
            MessageType::BroadcastClientCount => match message.field("clientCount") {
                Some(Value::Number(n)) => {
                    Answer::ClientCount(usize::try_from(n.as_u64().unwrap_or(0)).unwrap_or(0))
                }
                _ => return,
            },
            MessageType::BroadcastAck => Answer::Ack(message.take_field("packet")),
            _ => return,
        };
        self.requests.lock().on_answer(&id, &message.uid, answer);
    }

    fn remote_broadcast(&self, mut message: ClusterMessage, offset: Option<&str>) {
        let opts = decode_options(message.field("opts"));
        let Some((event, mut args)) = message.take_field("packet").and_then(read_event) else {
            tracing::debug!(ns = %self.nsp, "cluster adapter: malformed broadcast dropped");
            return;
        };
        if let Some(offset) = offset
            && self.recovery.load(Ordering::Relaxed)
            && !opts.flags.volatile
        {
            args.push(Value::from(offset));
        }
        let Some(local) = self.local.upgrade() else {
            return;
        };
        match local.encoder().event(&self.nsp, &event, &args, None) {
            Ok(packet) => {
                self.inner.broadcast_local(&packet, &opts);
            }
            Err(e) => {
                tracing::debug!(ns = %self.nsp, "cluster adapter: broadcast not encodable: {e}")
            }
        }
    }

    /// Publishes an answer from a task (the receiving side never waits for
    /// the store). At most `max_pending_requests` answers are in flight;
    /// past that a request is left unanswered (its sender times out).
    fn respond(&self, requester: String, kind: MessageType, answer: Value) {
        let Ok(permit) = self.relays.clone().try_acquire_owned() else {
            tracing::debug!(ns = %self.nsp, "cluster adapter: too many answers in flight");
            return;
        };
        let transport = self.transport.clone();
        let message = ClusterMessage::new(kind, Some(answer), &self.uid, &self.nsp);
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(e) = transport.publish_response(requester, message).await {
                tracing::debug!("cluster adapter: answer not sent: {e}");
            }
        });
    }

    /// A server-side event; with a request id, the handlers' first answer
    /// goes back to the requester, if it comes within the requests timeout.
    fn remote_server_side(&self, requester: String, args: Vec<Value>, id: Option<String>) {
        let Some(local) = self.local.upgrade() else {
            return;
        };
        let Some(id) = id else {
            local.server_side_event(args, None);
            return;
        };
        let Ok(permit) = self.relays.clone().try_acquire_owned() else {
            tracing::debug!(ns = %self.nsp, "cluster adapter: too many answers in flight");
            return;
        };
        let (sink, mut stream) = AckStream::new(1);
        local.server_side_event(args, Some(sink));
        let transport = self.transport.clone();
        let (uid, nsp) = (self.uid.clone(), self.nsp.clone());
        let undefined = self.config.codec.undefined();
        let timeout = self.config.requests_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let answer = tokio::time::timeout(timeout, async {
                loop {
                    match stream.next_event().await {
                        Some(AckEvent::Ack(answer)) => return Some(answer),
                        Some(_) => {}
                        None => return None,
                    }
                }
            });
            if let Ok(Some(answer)) = answer.await {
                let first = answer.args.into_iter().next();
                let answer = data::answer(&id, first, undefined);
                let kind = MessageType::ServerSideEmitResponse;
                let message = ClusterMessage::new(kind, Some(answer), &uid, &nsp);
                let _ = transport.publish_response(requester, message).await;
            }
        });
    }

    /// Another server's broadcast with acks: delivered here with an ack id
    /// of this namespace; the client count (always, even 0) and then each
    /// client's first ack argument go back to the requester.
    fn remote_broadcast_with_ack(&self, mut message: ClusterMessage, id: String) {
        let opts = decode_options(message.field("opts"));
        let Some((event, args)) = message.take_field("packet").and_then(read_event) else {
            return;
        };
        let Some(local) = self.local.upgrade() else {
            return;
        };
        let Ok(permit) = self.relays.clone().try_acquire_owned() else {
            tracing::debug!(ns = %self.nsp, "cluster adapter: too many answers in flight");
            return;
        };
        let max = self.config.max_remote_ack_timeout;
        let timeout = opts.flags.timeout.unwrap_or(max).min(max);
        let ack_id = local.next_ack_id();
        let (sink, mut stream) = AckStream::new(1);
        let count = match local
            .encoder()
            .event(&self.nsp, &event, &args, Some(ack_id))
        {
            Ok(packet) => self
                .inner
                .broadcast_with_ack_local(&packet, ack_id, &opts, &sink),
            Err(_) => 0,
        };
        drop(sink);
        let transport = self.transport.clone();
        let (uid, nsp) = (self.uid.clone(), self.nsp.clone());
        let undefined = self.config.codec.undefined();
        let requester = message.uid;
        tokio::spawn(async move {
            let _permit = permit;
            let counted = data::client_count(&id, count);
            let kind = MessageType::BroadcastClientCount;
            let counted = ClusterMessage::new(kind, Some(counted), &uid, &nsp);
            if transport
                .publish_response(requester.clone(), counted)
                .await
                .is_err()
            {
                return;
            }
            let deadline = tokio::time::Instant::now() + timeout;
            let mut sent = 0;
            while sent < count {
                match tokio::time::timeout_at(deadline, stream.next_event()).await {
                    Ok(Some(AckEvent::Ack(answer))) => {
                        sent += 1;
                        let first = answer.args.into_iter().next();
                        let ack = data::answer(&id, first, undefined);
                        let ack =
                            ClusterMessage::new(MessageType::BroadcastAck, Some(ack), &uid, &nsp);
                        let _ = transport.publish_response(requester.clone(), ack).await;
                    }
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
        });
    }
}

/// `{type: 2, data: [event, ...args]}` into the event name (a number's
/// decimal text) and the arguments.
fn read_event(packet: Value) -> Option<(String, Vec<Value>)> {
    let Value::Object(entries) = packet else {
        return None;
    };
    let data = entries.into_iter().rev().find(|(k, _)| k == "data")?.1;
    let Value::Array(items) = data else {
        return None;
    };
    let mut items = items.into_iter();
    let event = match items.next()? {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Some((event, items.collect()))
}
