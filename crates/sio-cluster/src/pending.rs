//! The requests of one namespace that wait for other servers' answers,
//! keyed by request id, and how each kind of answer is taken. Shared by
//! every cluster adapter (the classic Redis one included): answers are
//! handed in already decoded, as [`Answer`]s.

use std::collections::{HashMap, HashSet};

use sio_adapter::{AckResponse, AckSink, Room, SocketInfo};
use sio_parser::Value;
use tokio::sync::oneshot;

/// Answers collected from every server: `expected` answers (this server's
/// own counts as one), then the items go to `done`. With a set of
/// `missing` server uids (the heartbeat variant knows who is alive), it is
/// complete once each of them answered instead.
#[derive(Debug)]
pub struct Gather<T> {
    expected: usize,
    received: usize,
    missing: Option<HashSet<String>>,
    items: Vec<T>,
    done: Option<oneshot::Sender<Vec<T>>>,
}

impl<T> Gather<T> {
    /// What this server has (`local`), waiting for `servers - 1` others.
    pub fn new(servers: usize, local: Vec<T>, done: oneshot::Sender<Vec<T>>) -> Self {
        Self {
            expected: servers,
            received: 1,
            missing: None,
            items: local,
            done: Some(done),
        }
    }

    /// What this server has, waiting for the servers of uids `missing`.
    pub fn with_missing(
        missing: HashSet<String>,
        local: Vec<T>,
        done: oneshot::Sender<Vec<T>>,
    ) -> Self {
        Self {
            expected: missing.len().saturating_add(1),
            received: 1,
            missing: Some(missing),
            items: local,
            done: Some(done),
        }
    }

    /// Takes the answer of server `from`; true (and the items sent) once
    /// every server answered or `max_responses` was passed.
    fn take(&mut self, from: &str, answer: impl IntoIterator<Item = T>, max: usize) -> bool {
        if let Some(missing) = &mut self.missing
            && !missing.remove(from)
        {
            // Not a server we wait for, or a second answer: ignored.
            return false;
        }
        self.received += 1;
        self.items.extend(answer);
        let complete = match &self.missing {
            Some(missing) => missing.is_empty(),
            None => self.received >= self.expected,
        };
        if !complete && self.received <= max {
            return false;
        }
        if let Some(done) = self.done.take() {
            let _ = done.send(std::mem::take(&mut self.items));
        }
        true
    }

    /// Stops waiting for server `uid` (gone); true (and the items sent)
    /// when it was the last one waited for.
    fn forget(&mut self, uid: &str) -> bool {
        let Some(missing) = &mut self.missing else {
            return false;
        };
        if !missing.remove(uid) || !missing.is_empty() {
            return false;
        }
        if let Some(done) = self.done.take() {
            let _ = done.send(std::mem::take(&mut self.items));
        }
        true
    }

    /// The items collected so far (at a timeout).
    pub fn into_partial(self) -> Vec<T> {
        self.items
    }

    /// How many answers came, this server's included, out of how many.
    pub fn progress(&self) -> (usize, usize) {
        (self.received, self.expected)
    }
}

/// What a request waits for.
#[derive(Debug)]
#[non_exhaustive]
pub enum Waiter {
    /// fetchSockets.
    Fetch(Gather<SocketInfo>),
    /// allRooms (classic protocol only).
    Rooms(Gather<Room>),
    /// serverSideEmit with acks: each answer goes to `sink` as a client
    /// count of 1 and the answer.
    ServerSide {
        /// Where answers go.
        sink: AckSink,
        /// Answers passed on so far.
        answers: usize,
    },
    /// A broadcast with acks: client counts and acks go to `sink`; no more
    /// acks are passed on than the counts announced. An ack that arrives
    /// before its server's count (a store that does not keep one sender's
    /// order, such as Node's Postgres adapter publishing through a pool) is
    /// held until a count makes room for it.
    BroadcastAck {
        /// Where counts and acks go.
        sink: AckSink,
        /// Client counts received.
        counts: usize,
        /// Their sum.
        announced: usize,
        /// Acks passed on.
        acks: usize,
        /// Acks held for a count still to come (at most `max_responses`).
        early: Vec<Option<Value>>,
    },
}

impl Waiter {
    /// Waiting for the acks of a broadcast.
    pub fn broadcast_ack(sink: AckSink) -> Self {
        Self::BroadcastAck {
            sink,
            counts: 0,
            announced: 0,
            acks: 0,
            early: Vec::new(),
        }
    }

    /// Waiting for the answers to a server-side event.
    pub fn server_side(sink: AckSink) -> Self {
        Self::ServerSide { sink, answers: 0 }
    }
}

/// One decoded answer from another server.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Answer {
    /// Its sockets (fetchSockets).
    Sockets(Vec<SocketInfo>),
    /// Its rooms (allRooms).
    Rooms(Vec<Room>),
    /// Its handlers' first answer to a server-side event (`None`:
    /// `undefined`).
    ServerSide(Option<Value>),
    /// How many of its clients got a broadcast with acks.
    ClientCount(usize),
    /// One client's first ack argument (`None`: `undefined`).
    Ack(Option<Value>),
}

/// The pending requests of one namespace, at most `max` at once, each
/// taking at most `max_responses` answers.
#[derive(Debug)]
pub struct Requests {
    map: HashMap<String, Waiter>,
    max: usize,
    max_responses: usize,
}

impl Requests {
    /// At most `max` requests waiting, `max_responses` answers each.
    pub fn new(max: usize, max_responses: usize) -> Self {
        Self {
            map: HashMap::new(),
            max,
            max_responses,
        }
    }

    /// Registers `waiter` under `id`; false when full.
    pub fn insert(&mut self, id: String, waiter: Waiter) -> bool {
        if self.map.len() >= self.max {
            return false;
        }
        self.map.insert(id, waiter);
        true
    }

    /// Whether request `id` is this server's and still waiting.
    pub fn contains(&self, id: &str) -> bool {
        self.map.contains_key(id)
    }

    /// Forgets request `id`, handing back its waiter.
    pub fn remove(&mut self, id: &str) -> Option<Waiter> {
        self.map.remove(id)
    }

    /// Drops every waiter (their callers see a timeout or fewer answers).
    pub fn clear(&mut self) {
        self.map.clear();
    }

    /// How many requests wait.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Server `uid` is gone: the requests waiting for it by uid stop
    /// waiting for it (and end when it was the last one).
    pub fn server_gone(&mut self, uid: &str) {
        self.map.retain(|_, waiter| match waiter {
            Waiter::Fetch(gather) => !gather.forget(uid),
            Waiter::Rooms(gather) => !gather.forget(uid),
            _ => true,
        });
    }

    /// Takes `answer` from server `from` to request `id`; answers to
    /// unknown requests, and answers of the wrong kind, are dropped.
    pub fn on_answer(&mut self, id: &str, from: &str, answer: Answer) {
        let max = self.max_responses;
        let Some(waiter) = self.map.get_mut(id) else {
            return;
        };
        let finished = match (waiter, answer) {
            (Waiter::Fetch(gather), Answer::Sockets(sockets)) => gather.take(from, sockets, max),
            (Waiter::Rooms(gather), Answer::Rooms(rooms)) => gather.take(from, rooms, max),
            (Waiter::ServerSide { sink, answers }, Answer::ServerSide(value)) => {
                *answers += 1;
                if *answers <= max {
                    sink.client_count(1);
                    sink.ack(AckResponse {
                        socket: None,
                        args: value.into_iter().collect(),
                    });
                }
                false
            }
            (
                Waiter::BroadcastAck {
                    sink,
                    counts,
                    announced,
                    acks,
                    early,
                },
                Answer::ClientCount(n),
            ) => {
                if *counts < max {
                    *counts += 1;
                    *announced = announced.saturating_add(n);
                    sink.client_count(n);
                    while *acks < *announced && !early.is_empty() {
                        *acks += 1;
                        let value = early.remove(0);
                        sink.ack(AckResponse {
                            socket: None,
                            args: value.into_iter().collect(),
                        });
                    }
                }
                false
            }
            (
                Waiter::BroadcastAck {
                    sink,
                    announced,
                    acks,
                    early,
                    ..
                },
                Answer::Ack(value),
            ) => {
                if *acks < *announced {
                    *acks += 1;
                    sink.ack(AckResponse {
                        socket: None,
                        args: value.into_iter().collect(),
                    });
                } else if early.len() < max {
                    early.push(value);
                }
                false
            }
            _ => false,
        };
        if finished {
            self.map.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use sio_adapter::{AckEvent, AckStream, Room};
    use tokio::sync::oneshot;

    use super::{Answer, Gather, Requests, Waiter};

    #[test]
    fn a_gather_ends_when_every_server_answered_or_past_max_responses() {
        let mut pending = Requests::new(4, 10);
        let (done, mut result) = oneshot::channel();
        let local = vec![Room::from("here")];
        pending.insert("a".into(), Waiter::Rooms(Gather::new(3, local, done)));
        pending.on_answer("a", "b", Answer::Rooms(vec!["b1".into()]));
        assert!(result.try_recv().is_err(), "one server still to answer");
        pending.on_answer("a", "c", Answer::Sockets(Vec::new()));
        assert!(result.try_recv().is_err(), "an answer of the wrong kind");
        pending.on_answer("a", "c", Answer::Rooms(vec!["c1".into()]));
        assert_eq!(
            result.try_recv().unwrap(),
            [Room::from("here"), "b1".into(), "c1".into()]
        );
        assert!(!pending.contains("a"));

        let mut pending = Requests::new(4, 2);
        let (done, mut result) = oneshot::channel();
        pending.insert("b".into(), Waiter::Rooms(Gather::new(10, Vec::new(), done)));
        pending.on_answer("b", "x", Answer::Rooms(vec!["x".into()]));
        pending.on_answer("b", "y", Answer::Rooms(vec!["y".into()]));
        assert_eq!(result.try_recv().unwrap(), [Room::from("x"), "y".into()]);
    }

    #[test]
    fn a_gather_by_uid_takes_one_answer_per_missing_server() {
        let mut pending = Requests::new(4, 10);
        let (done, mut result) = oneshot::channel();
        let missing: HashSet<String> = ["n1".to_owned(), "n2".to_owned()].into();
        pending.insert(
            "a".into(),
            Waiter::Rooms(Gather::with_missing(missing, Vec::new(), done)),
        );
        pending.on_answer("a", "n1", Answer::Rooms(vec!["r1".into()]));
        pending.on_answer("a", "n1", Answer::Rooms(vec!["again".into()]));
        pending.on_answer("a", "stranger", Answer::Rooms(vec!["s".into()]));
        assert!(result.try_recv().is_err());
        pending.on_answer("a", "n2", Answer::Rooms(vec!["r2".into()]));
        assert_eq!(result.try_recv().unwrap(), [Room::from("r1"), "r2".into()]);
    }

    #[test]
    fn no_more_acks_are_passed_on_than_clients_announced() {
        let mut pending = Requests::new(4, 10);
        let (sink, mut stream) = AckStream::new(2);
        pending.insert("a".into(), Waiter::broadcast_ack(sink));
        pending.on_answer("a", "n", Answer::Ack(Some(1.into())));
        pending.on_answer("a", "n", Answer::ClientCount(1));
        pending.on_answer("a", "n", Answer::Ack(Some(2.into())));
        pending.on_answer("a", "n", Answer::Ack(Some(3.into())));
        pending.remove("a");
        let mut events = Vec::new();
        while let Ok(e) = stream_try(&mut stream) {
            events.push(e);
        }
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[0], AckEvent::ClientCount(1));
    }

    #[test]
    fn an_ack_before_its_count_is_held_until_the_count_comes() {
        let mut pending = Requests::new(4, 2);
        let (sink, mut stream) = AckStream::new(2);
        pending.insert("a".into(), Waiter::broadcast_ack(sink));
        for n in 1..=3 {
            pending.on_answer("a", "n", Answer::Ack(Some(n.into())));
        }
        pending.on_answer("a", "n", Answer::ClientCount(1));
        pending.remove("a");
        let mut events = Vec::new();
        while let Ok(e) = stream_try(&mut stream) {
            events.push(e);
        }
        // The count, then the first held ack; the third was over the cap.
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[0], AckEvent::ClientCount(1));
    }

    fn stream_try(stream: &mut AckStream) -> Result<AckEvent, ()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|_| ())?;
        rt.block_on(async {
            tokio::time::timeout(std::time::Duration::from_millis(1), stream.next_event())
                .await
                .ok()
                .flatten()
                .ok_or(())
        })
    }
}
