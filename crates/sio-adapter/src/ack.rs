//! Collecting the answers to a broadcast with acks: [`AckSink`] (fed by the
//! local namespace and by cluster adapters) and [`AckStream`] (read by the
//! emitter).

use std::time::Duration;

use sio_parser::Value;
use tokio::sync::mpsc;

use crate::SocketId;

/// One client's answer to a broadcast with acks.
#[derive(Debug, Clone, PartialEq)]
pub struct AckResponse {
    /// The socket that answered, when known (cluster peers send only the
    /// data).
    pub socket: Option<SocketId>,
    /// The ack's arguments.
    pub args: Vec<Value>,
}

/// What an [`AckStream`] receives: a server's client count or a client's
/// answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AckEvent {
    /// A server reports how many clients it sent the packet to.
    ClientCount(usize),
    /// A client answered.
    Ack(AckResponse),
}

/// Where answers to a broadcast with acks are pushed (by the local
/// namespace as clients answer, and by cluster adapters as other servers
/// report). Cheap to clone; pushing to a stream nobody reads any more is a
/// no-op.
///
/// The channel behind it is unbounded: the local namespace pushes at most
/// one answer per socket it queued the packet for, and a cluster adapter
/// must likewise forward no more answers from a server than the client
/// count that server reported (and at most one count per server).
#[derive(Clone)]
pub struct AckSink(mpsc::UnboundedSender<AckEvent>);

impl std::fmt::Debug for AckSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AckSink").finish_non_exhaustive()
    }
}

impl AckSink {
    /// Reports that one server sent the packet to `n` clients. Every server
    /// reports once, even with 0.
    pub fn client_count(&self, n: usize) {
        let _ = self.0.send(AckEvent::ClientCount(n));
    }

    /// Pushes one client's answer.
    pub fn ack(&self, response: AckResponse) {
        let _ = self.0.send(AckEvent::Ack(response));
    }

    /// True once the collecting side has given up (timeout or dropped).
    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

/// The answers to one broadcast with acks, as they arrive.
pub struct AckStream {
    servers: usize,
    rx: mpsc::UnboundedReceiver<AckEvent>,
}

impl std::fmt::Debug for AckStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AckStream")
            .field("servers", &self.servers)
            .finish_non_exhaustive()
    }
}

/// The outcome of [`AckStream::collect`].
#[derive(Debug, Clone, PartialEq)]
pub struct AckCollected {
    /// The answers that arrived in time.
    pub responses: Vec<AckResponse>,
    /// True when every server reported and every client answered.
    pub complete: bool,
}

impl AckStream {
    /// A stream expecting a client count from `servers` servers (this one
    /// included), and the sink that feeds it.
    pub fn new(servers: usize) -> (AckSink, AckStream) {
        let (tx, rx) = mpsc::unbounded_channel();
        (AckSink(tx), AckStream { servers, rx })
    }

    /// The next report or answer as it arrives; `None` once every sink is
    /// dropped. For a cluster adapter that relays this server's part of a
    /// remote broadcast with acks (its client count, then each answer) back
    /// to the requesting server; the emitter itself uses
    /// [`AckStream::collect`].
    pub async fn next_event(&mut self) -> Option<AckEvent> {
        self.rx.recv().await
    }

    /// Waits until every server has reported its client count and that many
    /// answers arrived, or until `timeout` passes.
    pub async fn collect(mut self, timeout: Duration) -> AckCollected {
        let mut responses = Vec::new();
        let mut reported = 0usize;
        let mut expected = 0usize;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if reported >= self.servers && responses.len() >= expected {
                return AckCollected {
                    responses,
                    complete: true,
                };
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(AckEvent::ClientCount(n))) => {
                    reported += 1;
                    expected = expected.saturating_add(n);
                }
                Ok(Some(AckEvent::Ack(r))) => responses.push(r),
                // Every sink dropped: nothing more can come.
                Ok(None) => {
                    let complete = reported >= self.servers && responses.len() >= expected;
                    return AckCollected {
                        responses,
                        complete,
                    };
                }
                Err(_) => {
                    return AckCollected {
                        responses,
                        complete: false,
                    };
                }
            }
        }
    }
}
