//! The acknowledgements a socket waits for: bounded in number, each
//! answered once or dropped on timeout or disconnection.

use std::collections::HashMap;

use sio_adapter::{AckResponse, AckSink, SocketId};
use sio_parser::Value;
use tokio::sync::oneshot;

/// Who waits for the answer to one ack id.
#[derive(Debug)]
pub(crate) enum AckWaiter {
    /// An `emit_with_ack` on this socket.
    One(oneshot::Sender<Vec<Value>>),
    /// A broadcast with acks that reached this socket.
    Broadcast(AckSink),
}

impl AckWaiter {
    fn is_closed(&self) -> bool {
        match self {
            Self::One(tx) => tx.is_closed(),
            Self::Broadcast(sink) => sink.is_closed(),
        }
    }

    /// Hands the client's answer over.
    pub(crate) fn deliver(self, socket: &SocketId, args: Vec<Value>) {
        match self {
            Self::One(tx) => {
                let _ = tx.send(args);
            }
            Self::Broadcast(sink) => sink.ack(AckResponse {
                socket: Some(socket.clone()),
                args,
            }),
        }
    }
}

/// The pending acks of one socket, at most `cap` at a time.
#[derive(Debug)]
pub(crate) struct PendingAcks {
    map: HashMap<u64, AckWaiter>,
    cap: usize,
}

impl PendingAcks {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            map: HashMap::new(),
            cap,
        }
    }

    /// Registers a waiter; false when the socket already has `cap` live
    /// waiters (waiters nobody listens to any more are purged first).
    pub(crate) fn insert(&mut self, id: u64, waiter: AckWaiter) -> bool {
        if self.map.len() >= self.cap {
            self.map.retain(|_, w| !w.is_closed());
            if self.map.len() >= self.cap {
                return false;
            }
        }
        self.map.insert(id, waiter);
        true
    }

    /// Takes the waiter of `id` (an unknown id gives `None`: ignored).
    pub(crate) fn take(&mut self, id: u64) -> Option<AckWaiter> {
        self.map.remove(&id)
    }

    /// Drops every waiter (the socket is gone: their futures fail).
    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_purges_abandoned_waiters() {
        let mut acks = PendingAcks::new(2);
        let (tx1, rx1) = oneshot::channel();
        let (tx2, _rx2) = oneshot::channel();
        let (tx3, _rx3) = oneshot::channel();
        assert!(acks.insert(1, AckWaiter::One(tx1)));
        assert!(acks.insert(2, AckWaiter::One(tx2)));
        let (tx, _rx) = oneshot::channel();
        assert!(!acks.insert(9, AckWaiter::One(tx)), "over the cap");
        drop(rx1);
        assert!(
            acks.insert(3, AckWaiter::One(tx3)),
            "the abandoned waiter made room"
        );
        assert_eq!(acks.len(), 2);
        assert!(acks.take(1).is_none());
        assert!(acks.take(77).is_none(), "unknown ids are ignored");
    }

    #[tokio::test]
    async fn delivers_once() {
        let mut acks = PendingAcks::new(4);
        let (tx, rx) = oneshot::channel();
        assert!(acks.insert(5, AckWaiter::One(tx)));
        acks.take(5)
            .unwrap()
            .deliver(&SocketId::from("s"), vec![Value::from("ok")]);
        assert_eq!(rx.await.unwrap(), vec![Value::from("ok")]);
        assert!(acks.take(5).is_none());
    }
}
