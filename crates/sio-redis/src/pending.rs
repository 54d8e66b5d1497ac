//! The requests of one namespace that wait for other servers' answers,
//! keyed by request id, and how each kind of answer is taken.

use std::collections::HashMap;

use sio_adapter::{AckResponse, AckSink, Room, SocketInfo};
use sio_parser::Value;
use tokio::sync::oneshot;

use crate::wire;

/// What a request waits for.
#[derive(Debug)]
pub(crate) enum Waiter {
    /// fetchSockets: `expected` answers (the local one counts), then the
    /// sockets go to `done`.
    Fetch {
        expected: usize,
        received: usize,
        sockets: Vec<SocketInfo>,
        done: Option<oneshot::Sender<Vec<SocketInfo>>>,
    },
    /// allRooms, likewise.
    Rooms {
        expected: usize,
        received: usize,
        rooms: Vec<Room>,
        done: Option<oneshot::Sender<Vec<Room>>>,
    },
    /// serverSideEmit with acks: each answer goes to `sink` as a client
    /// count of 1 and the answer.
    ServerSide { sink: AckSink, answers: usize },
    /// A broadcast with acks: client counts and acks go to `sink`; no more
    /// acks are passed on than the counts announced.
    BroadcastAck {
        sink: AckSink,
        counts: usize,
        announced: usize,
        acks: usize,
    },
}

/// The pending requests of one namespace, at most `max` at once, each
/// taking at most `max_responses` answers.
#[derive(Debug)]
pub(crate) struct Pending {
    map: HashMap<String, Waiter>,
    max: usize,
    max_responses: usize,
}

impl Pending {
    pub(crate) fn new(max: usize, max_responses: usize) -> Self {
        Self {
            map: HashMap::new(),
            max,
            max_responses,
        }
    }

    /// Registers `waiter` under `id`; false when full.
    pub(crate) fn insert(&mut self, id: String, waiter: Waiter) -> bool {
        if self.map.len() >= self.max {
            return false;
        }
        self.map.insert(id, waiter);
        true
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.map.contains_key(id)
    }

    pub(crate) fn remove(&mut self, id: &str) {
        self.map.remove(id);
    }

    /// Drops every waiter (their callers see a timeout or fewer answers).
    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Takes one answer (`response` holds `requestId`); answers to unknown
    /// requests, and answers of the wrong shape, are dropped.
    pub(crate) fn on_response(&mut self, id: &str, response: &Value) {
        let max_responses = self.max_responses;
        let Some(waiter) = self.map.get_mut(id) else {
            return;
        };
        let finished = match waiter {
            Waiter::Fetch {
                expected,
                received,
                sockets,
                done,
            } => {
                let Some(Value::Array(items)) = response.get("sockets") else {
                    return;
                };
                *received += 1;
                sockets.extend(items.iter().filter_map(wire::read_socket));
                if *received >= *expected || *received > max_responses {
                    if let Some(done) = done.take() {
                        let _ = done.send(std::mem::take(sockets));
                    }
                    true
                } else {
                    false
                }
            }
            Waiter::Rooms {
                expected,
                received,
                rooms,
                done,
            } => {
                if !matches!(response.get("rooms"), Some(Value::Array(_))) {
                    return;
                }
                *received += 1;
                rooms.extend(wire::read_rooms(response.get("rooms")));
                if *received >= *expected || *received > max_responses {
                    if let Some(done) = done.take() {
                        let _ = done.send(std::mem::take(rooms));
                    }
                    true
                } else {
                    false
                }
            }
            Waiter::ServerSide { sink, answers } => {
                if wire::uint(response, "type") != Some(wire::kind::SERVER_SIDE_EMIT) {
                    return;
                }
                *answers += 1;
                if *answers <= max_responses {
                    sink.client_count(1);
                    sink.ack(AckResponse {
                        socket: None,
                        args: vec![response.get("data").cloned().unwrap_or_default()],
                    });
                }
                false
            }
            Waiter::BroadcastAck {
                sink,
                counts,
                announced,
                acks,
            } => {
                match wire::uint(response, "type") {
                    Some(wire::kind::BROADCAST_CLIENT_COUNT) if *counts < max_responses => {
                        let n = wire::uint(response, "clientCount").unwrap_or(0);
                        let n = usize::try_from(n).unwrap_or(usize::MAX);
                        *counts += 1;
                        *announced = announced.saturating_add(n);
                        sink.client_count(n);
                    }
                    Some(wire::kind::BROADCAST_ACK) if *acks < *announced => {
                        *acks += 1;
                        sink.ack(AckResponse {
                            socket: None,
                            args: vec![response.get("packet").cloned().unwrap_or_default()],
                        });
                    }
                    _ => {}
                }
                false
            }
        };
        if finished {
            self.map.remove(id);
        }
    }
}

/// This server's own join/leave/disconnect requests waiting for their echo
/// from Redis, by payload (identical requests are interchangeable). A waiter
/// whose caller gave up is pruned when room is needed.
#[derive(Debug, Default)]
pub(crate) struct Echoes {
    map: HashMap<Vec<u8>, Vec<oneshot::Sender<()>>>,
    len: usize,
}

impl Echoes {
    /// Registers a waiter for `payload`; false when `max` are waiting.
    pub(crate) fn insert(
        &mut self,
        payload: Vec<u8>,
        done: oneshot::Sender<()>,
        max: usize,
    ) -> bool {
        if self.len >= max {
            self.map.retain(|_, waiters| {
                waiters.retain(|w| !w.is_closed());
                !waiters.is_empty()
            });
            self.len = self.map.values().map(Vec::len).sum();
            if self.len >= max {
                return false;
            }
        }
        self.map.entry(payload).or_default().push(done);
        self.len += 1;
        true
    }

    /// The echo of `payload` arrived: wakes its oldest waiter.
    pub(crate) fn resolve(&mut self, payload: &[u8]) {
        let Some(waiters) = self.map.get_mut(payload) else {
            return;
        };
        if !waiters.is_empty() {
            let _ = waiters.remove(0).send(());
            self.len = self.len.saturating_sub(1);
        }
        if waiters.is_empty() {
            self.map.remove(payload);
        }
    }
}
