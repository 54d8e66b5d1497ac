//! The requests of one namespace that wait for other servers' answers,
//! keyed by request id, and how each kind of answer is taken.

use std::collections::HashMap;

use sio_adapter::{AckResponse, AckSink, Room, SocketInfo};
use sio_parser::Value;
use tokio::sync::oneshot;

use crate::wire;

/// Answers collected from every server: `expected` answers (the local
/// one counts), then `items` go to `done`.
#[derive(Debug)]
pub(crate) struct Gather<T> {
    expected: usize,
    received: usize,
    items: Vec<T>,
    done: Option<oneshot::Sender<Vec<T>>>,
}

impl<T> Gather<T> {
    /// What this server has, waiting for `expected - 1` other servers.
    pub(crate) fn new(expected: usize, local: Vec<T>, done: oneshot::Sender<Vec<T>>) -> Self {
        Self {
            expected,
            received: 1,
            items: local,
            done: Some(done),
        }
    }

    /// Takes one server's answer; true (and the items sent) once every
    /// server answered or `max_responses` was passed.
    fn take(&mut self, answer: impl IntoIterator<Item = T>, max_responses: usize) -> bool {
        self.received += 1;
        self.items.extend(answer);
        if self.received < self.expected && self.received <= max_responses {
            return false;
        }
        if let Some(done) = self.done.take() {
            let _ = done.send(std::mem::take(&mut self.items));
        }
        true
    }
}

/// What a request waits for.
#[derive(Debug)]
pub(crate) enum Waiter {
    /// fetchSockets.
    Fetch(Gather<SocketInfo>),
    /// allRooms.
    Rooms(Gather<Room>),
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
            Waiter::Fetch(gather) => {
                let Some(Value::Array(items)) = response.get("sockets") else {
                    return;
                };
                gather.take(items.iter().filter_map(wire::read_socket), max_responses)
            }
            Waiter::Rooms(gather) => {
                if !matches!(response.get("rooms"), Some(Value::Array(_))) {
                    return;
                }
                gather.take(wire::read_rooms(response.get("rooms")), max_responses)
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

#[cfg(test)]
mod tests {
    use sio_adapter::Room;
    use sio_parser::Value;
    use tokio::sync::oneshot;

    use super::{Gather, Pending, Waiter};

    fn rooms(names: &[&str]) -> Value {
        let names = names.iter().map(|n| Value::from(*n)).collect();
        Value::Object(vec![("rooms".to_owned(), Value::Array(names))])
    }

    #[test]
    fn a_gather_ends_when_every_server_answered_or_past_max_responses() {
        // Three servers: done at the second other answer.
        let mut pending = Pending::new(4, 10);
        let (done, mut result) = oneshot::channel();
        let local = vec![Room::from("here")];
        pending.insert("a".into(), Waiter::Rooms(Gather::new(3, local, done)));
        pending.on_response("a", &Value::Object(vec![]));
        pending.on_response("a", &rooms(&["b1"]));
        assert!(result.try_recv().is_err(), "one server still to answer");
        pending.on_response("a", &rooms(&["c1", "c2"]));
        let got = result.try_recv().unwrap();
        assert_eq!(
            got,
            [Room::from("here"), "b1".into(), "c1".into(), "c2".into()]
        );
        assert!(!pending.contains("a"));

        // Ten servers, at most two answers taken.
        let mut pending = Pending::new(4, 2);
        let (done, mut result) = oneshot::channel();
        pending.insert("b".into(), Waiter::Rooms(Gather::new(10, Vec::new(), done)));
        pending.on_response("b", &rooms(&["x"]));
        pending.on_response("b", &rooms(&["y"]));
        assert_eq!(result.try_recv().unwrap(), [Room::from("x"), "y".into()]);
        assert!(!pending.contains("b"));
    }
}
