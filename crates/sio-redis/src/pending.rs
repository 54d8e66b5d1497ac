//! Classic answers read into the shared request bookkeeping of
//! `sio-cluster` ([`Requests`](sio_cluster::pending::Requests)), and this
//! server's own join/leave/disconnect requests waiting for their echo.

use std::collections::HashMap;

use sio_cluster::pending::Answer;
use sio_parser::Value;
use tokio::sync::oneshot;

use crate::wire;

/// A classic response as the shared bookkeeping's [`Answer`]: by its
/// fields (`sockets`, `rooms`) or its `type` (6, 8, 9). A response of no
/// known shape is `None` (ignored, as Node's adapter ignores it).
pub(crate) fn classic_answer(response: &Value) -> Option<Answer> {
    if let Some(Value::Array(items)) = response.get("sockets") {
        return Some(Answer::Sockets(
            items.iter().filter_map(wire::read_socket).collect(),
        ));
    }
    if matches!(response.get("rooms"), Some(Value::Array(_))) {
        return Some(Answer::Rooms(wire::read_rooms(response.get("rooms"))));
    }
    let field = |key: &str| Some(response.get(key).cloned().unwrap_or_default());
    match wire::uint(response, "type")? {
        wire::kind::SERVER_SIDE_EMIT => Some(Answer::ServerSide(field("data"))),
        wire::kind::BROADCAST_CLIENT_COUNT => {
            let n = wire::uint(response, "clientCount").unwrap_or(0);
            Some(Answer::ClientCount(
                usize::try_from(n).unwrap_or(usize::MAX),
            ))
        }
        wire::kind::BROADCAST_ACK => Some(Answer::Ack(field("packet"))),
        _ => None,
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
    use sio_cluster::pending::{Answer, Gather, Requests, Waiter};
    use sio_parser::Value;
    use tokio::sync::oneshot;

    use super::classic_answer;

    fn rooms(names: &[&str]) -> Value {
        let names = names.iter().map(|n| Value::from(*n)).collect();
        Value::Object(vec![("rooms".to_owned(), Value::Array(names))])
    }

    fn answer(requests: &mut Requests, id: &str, response: &Value) {
        if let Some(answer) = classic_answer(response) {
            requests.on_answer(id, "", answer);
        }
    }

    #[test]
    fn a_gather_ends_when_every_server_answered_and_shapeless_answers_are_ignored() {
        let mut pending = Requests::new(4, 10);
        let (done, mut result) = oneshot::channel();
        let local = vec![Room::from("here")];
        pending.insert("a".into(), Waiter::Rooms(Gather::new(3, local, done)));
        answer(&mut pending, "a", &Value::Object(vec![]));
        answer(&mut pending, "a", &rooms(&["b1"]));
        assert!(result.try_recv().is_err(), "one server still to answer");
        answer(&mut pending, "a", &rooms(&["c1", "c2"]));
        let got = result.try_recv().unwrap();
        assert_eq!(
            got,
            [Room::from("here"), "b1".into(), "c1".into(), "c2".into()]
        );
        assert!(!pending.contains("a"));
        let count = Value::Object(vec![
            ("type".to_owned(), Value::from(8)),
            ("clientCount".to_owned(), Value::from(3)),
        ]);
        assert_eq!(classic_answer(&count), Some(Answer::ClientCount(3)));
    }
}
