//! What a [`RedisAdapter`] does with what arrives from Redis: broadcasts
//! from other servers, their requests (answered as Node answers them), and
//! answers to this server's own requests. Everything here is untrusted: a
//! message of the wrong shape is dropped (logged at debug level), never a
//! panic.

use sio_adapter::{AckEvent, AckStream, Adapter as _, BroadcastOptions, SocketId};
use sio_parser::Value;

use crate::adapter::RedisAdapter;
use crate::driver::Route;
use crate::wire::{self, JsonResponse, JsonSocket, JsonValue, kind};

impl RedisAdapter {
    /// Handles one message of this namespace's channels.
    pub(crate) fn on_message(&self, route: Route, channel: &str, payload: &[u8]) {
        match route {
            Route::Broadcast => self.on_broadcast(channel, payload),
            Route::Request => self.on_request(payload),
            Route::Response => {
                if let Some(response) = wire::parse(payload)
                    && let Some(id) = wire::string(&response, "requestId")
                    && let Some(answer) = crate::pending::classic_answer(&response)
                {
                    self.pending.lock().on_answer(&id, "", answer);
                }
            }
        }
    }

    fn on_broadcast(&self, channel: &str, payload: &[u8]) {
        // The room filter: a single-room broadcast for a room with no local
        // socket is dropped unread.
        match self.channels.room_of(channel) {
            Err(()) => return,
            Ok(Some(room)) if !self.inner.has_room(room) => return,
            Ok(_) => {}
        }
        let Some(message) = wire::parse(payload).and_then(wire::read_broadcast) else {
            tracing::debug!(channel, "redis adapter: malformed broadcast dropped");
            return;
        };
        if message.uid.as_deref() == Some(self.uid.as_str()) || message.nsp != self.nsp {
            return;
        }
        let Some(local) = self.local.upgrade() else {
            return;
        };
        match local
            .encoder()
            .event(&self.nsp, &message.event, &message.args, None)
        {
            Ok(packet) => {
                self.inner.broadcast_local(&packet, &message.opts);
            }
            Err(e) => tracing::debug!(channel, "redis adapter: broadcast not encodable: {e}"),
        }
    }

    /// Publishes `payload` on `channel` from a task (the subscriber never
    /// waits for Redis). At most `max_pending_requests` answers are in
    /// flight; past that a request is left unanswered (its sender times out).
    fn respond(&self, channel: String, payload: Vec<u8>) {
        let Ok(permit) = self.relays.clone().try_acquire_owned() else {
            tracing::debug!("redis adapter: too many answers in flight, request dropped");
            return;
        };
        let driver = self.driver.clone();
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(e) = driver.publish(&channel, payload).await {
                tracing::debug!(channel, "redis adapter: answer not sent: {e}");
            }
        });
    }

    fn on_request(&self, payload: &[u8]) {
        let Some(request) = wire::parse(payload) else {
            tracing::debug!("redis adapter: malformed request dropped");
            return;
        };
        let uid = wire::string(&request, "uid");
        let id = wire::string(&request, "requestId");
        let from_self = uid.as_deref() == Some(self.uid.as_str());
        let mine = id
            .as_deref()
            .is_some_and(|id| self.pending.lock().contains(id));
        let reply_to = self
            .channels
            .response_to(uid.as_deref(), self.driver.config.specific_response_channel);
        let opts = wire::read_options(request.get("opts"));
        let current_form = request.get("opts").is_some();
        match wire::uint(&request, "type") {
            Some(kind::SOCKETS) if !mine => {
                let Some(id) = id else { return };
                let opts = BroadcastOptions::rooms(wire::read_rooms(request.get("rooms")));
                let ids = self.inner.sockets_local(&opts);
                let ids: Vec<&str> = ids.iter().map(SocketId::as_str).collect();
                let body = serde_json::json!({ "requestId": id, "sockets": ids });
                self.respond(reply_to, wire::json(&body));
            }
            Some(kind::ALL_ROOMS) if !mine => {
                let Some(id) = id else { return };
                let rooms = self.inner.rooms_local();
                let response = JsonResponse {
                    request_id: &id,
                    rooms: Some(&rooms),
                    ..JsonResponse::default()
                };
                self.respond(reply_to, wire::json(&response));
            }
            // As in Node: applied whoever sent it (the emitter sends no uid),
            // this server's own requests included, when they come back.
            Some(k @ (kind::REMOTE_JOIN | kind::REMOTE_LEAVE | kind::REMOTE_DISCONNECT))
                if current_form =>
            {
                let rooms = wire::read_rooms(request.get("rooms"));
                let close = matches!(request.get("close"), Some(Value::Bool(true)));
                self.apply(k, &opts, &rooms, close);
                if from_self {
                    self.echoes.lock().resolve(payload);
                }
            }
            Some(k @ (kind::REMOTE_JOIN | kind::REMOTE_LEAVE | kind::REMOTE_DISCONNECT)) => {
                self.legacy(k, &request, id, reply_to);
            }
            Some(kind::REMOTE_FETCH) if !mine => {
                let Some(id) = id else { return };
                let sockets = self.inner.fetch_sockets_local(&opts);
                let response = JsonResponse {
                    request_id: &id,
                    sockets: Some(sockets.iter().map(JsonSocket::from).collect()),
                    ..JsonResponse::default()
                };
                self.respond(reply_to, wire::json(&response));
            }
            Some(kind::SERVER_SIDE_EMIT) if !from_self => self.server_side(request, id),
            Some(kind::BROADCAST) if !mine => self.broadcast_with_ack(request, id, reply_to, opts),
            _ => {}
        }
    }

    /// The legacy forms of requests 2, 3 and 4 (adapters up to 7): one
    /// socket by id, answered `{requestId}` when it is here.
    fn legacy(&self, request_kind: u64, request: &Value, id: Option<String>, reply_to: String) {
        let (Some(id), Some(sid)) = (id, wire::string(request, "sid")) else {
            return;
        };
        let sid = SocketId::from(sid);
        if self.inner.socket_rooms(&sid).is_empty() {
            return;
        }
        let opts = BroadcastOptions::socket(&sid);
        match (request_kind, wire::string(request, "room")) {
            (kind::REMOTE_JOIN, Some(room)) => self.inner.add_sockets_local(&opts, &[room.into()]),
            (kind::REMOTE_LEAVE, Some(room)) => self.inner.del_sockets_local(&opts, &[room.into()]),
            (kind::REMOTE_DISCONNECT, _) => {
                let close = matches!(request.get("close"), Some(Value::Bool(true)));
                self.inner.disconnect_sockets_local(&opts, close);
            }
            _ => return,
        }
        let response = JsonResponse {
            request_id: &id,
            ..JsonResponse::default()
        };
        self.respond(reply_to, wire::json(&response));
    }

    /// A server-side event; with a request id, the handlers' first answer
    /// goes back on the shared response channel (as in Node), if it comes
    /// within the requests timeout.
    fn server_side(&self, mut request: Value, id: Option<String>) {
        let Some(Value::Array(data)) = wire::take(&mut request, "data") else {
            return;
        };
        let Some(local) = self.local.upgrade() else {
            return;
        };
        let Some(id) = id else {
            local.server_side_event(data, None);
            return;
        };
        let Ok(permit) = self.relays.clone().try_acquire_owned() else {
            tracing::debug!("redis adapter: too many answers in flight, request dropped");
            return;
        };
        let (sink, mut stream) = AckStream::new(1);
        local.server_side_event(data, Some(sink));
        let driver = self.driver.clone();
        let channel = self.channels.response.clone();
        let timeout = driver.config.requests_timeout;
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
                let data = answer.args.first().cloned().unwrap_or_default();
                let response = JsonResponse {
                    kind: Some(kind::SERVER_SIDE_EMIT),
                    request_id: &id,
                    data: Some(JsonValue(&data)),
                    ..JsonResponse::default()
                };
                let _ = driver.publish(&channel, wire::json(&response)).await;
            }
        });
    }

    /// Another server's broadcast with acks: delivered here with an ack id
    /// of this namespace; the client count (always, even 0) and then each
    /// client's first ack argument go back to the requester.
    fn broadcast_with_ack(
        &self,
        mut request: Value,
        id: Option<String>,
        reply_to: String,
        opts: BroadcastOptions,
    ) {
        let Some(id) = id else { return };
        let Some((nsp, event, args)) =
            wire::take(&mut request, "packet").and_then(wire::read_packet)
        else {
            return;
        };
        let Some(local) = self.local.upgrade() else {
            return;
        };
        if nsp != self.nsp {
            return;
        }
        let Ok(permit) = self.relays.clone().try_acquire_owned() else {
            tracing::debug!("redis adapter: too many answers in flight, request dropped");
            return;
        };
        let max = self.driver.config.max_remote_ack_timeout;
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
        let driver = self.driver.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let response = JsonResponse {
                kind: Some(kind::BROADCAST_CLIENT_COUNT),
                request_id: &id,
                client_count: Some(count),
                ..JsonResponse::default()
            };
            if driver
                .publish(&reply_to, wire::json(&response))
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
                        let first = answer.args.into_iter().next().unwrap_or_default();
                        let _ = driver
                            .publish(&reply_to, wire::broadcast_ack(&id, first))
                            .await;
                    }
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
        });
    }
}
