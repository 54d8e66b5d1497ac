//! The LISTEN task: it owns the connection that receives notifications,
//! keeps its channels equal to the routes, and hands each notification to
//! the receivers of its channel (reading the attachment first when the
//! notification is a header).
//!
//! After a failure it reconnects (100 ms, doubling up to 5 s, with
//! jitter) and LISTENs to every routed channel again. What was notified
//! while it was down is lost, as with Node's adapter.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use rand::Rng as _;
use tokio::sync::{mpsc, watch};
use tokio_postgres::{AsyncMessage, Client, NoTls};

use crate::bus::{Incoming, Shared};
use crate::notification::{self, Notification};
use crate::publisher::within;
use crate::sql;

/// First reconnection delay.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// Longest reconnection delay.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Notifications read ahead of dispatch.
const QUEUE: usize = 256;

/// A notification off the wire.
struct Raw {
    channel: String,
    payload: String,
}

/// Runs until `stop`'s sender is dropped.
pub(crate) async fn run(
    shared: Arc<Shared>,
    pg: tokio_postgres::Config,
    mut stop: watch::Receiver<()>,
) {
    let mut backoff = MIN_BACKOFF;
    loop {
        let failure = match connect(&shared, &pg).await {
            Ok((client, rx)) => {
                backoff = MIN_BACKOFF;
                match serve(&shared, &client, rx, &mut stop).await {
                    None => return,
                    Some(e) => e,
                }
            }
            Err(e) => e,
        };
        tracing::warn!(
            "postgres adapter: LISTEN connection: {failure}; reconnecting in about {backoff:?}"
        );
        shared.status.send_modify(|s| {
            s.connected = false;
            s.channels = Arc::default();
            s.error = Some(failure);
        });
        let pause = backoff.mul_f64(rand::rng().random_range(0.5..1.5));
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(pause) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Opens the connection; its notifications come out of the receiver.
async fn connect(
    shared: &Shared,
    pg: &tokio_postgres::Config,
) -> Result<(Client, mpsc::Receiver<Raw>), String> {
    let deadline = shared.config.requests_timeout;
    let (client, mut connection) = within(deadline, pg.connect(NoTls))
        .await
        .map_err(|e| e.to_string())?;
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    let raw = Raw {
                        channel: n.channel().to_owned(),
                        payload: n.payload().to_owned(),
                    };
                    if tx.send(raw).await.is_err() {
                        return;
                    }
                }
                Ok(AsyncMessage::Notice(notice)) => {
                    tracing::debug!("postgres adapter: notice: {notice}");
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!("postgres adapter: LISTEN connection: {e}");
                    return;
                }
            }
        }
    });
    Ok((client, rx))
}

/// Serves one connection; `None` when stopped, else why it ended.
async fn serve(
    shared: &Shared,
    client: &Client,
    mut rx: mpsc::Receiver<Raw>,
    stop: &mut watch::Receiver<()>,
) -> Option<String> {
    let deadline = shared.config.requests_timeout;
    let mut listened: HashSet<String> = HashSet::new();
    shared.status.send_modify(|s| {
        s.connected = true;
        s.error = None;
    });
    loop {
        let wanted: HashSet<String> = shared.routes.lock().keys().cloned().collect();
        if wanted != listened {
            for channel in wanted.difference(&listened) {
                if let Err(e) = within(deadline, client.batch_execute(&sql::listen(channel))).await
                {
                    return Some(e.to_string());
                }
            }
            for channel in listened.difference(&wanted) {
                if let Err(e) =
                    within(deadline, client.batch_execute(&sql::unlisten(channel))).await
                {
                    return Some(e.to_string());
                }
            }
            listened = wanted;
            let channels = Arc::new(listened.clone());
            shared.status.send_modify(|s| s.channels = channels);
        }
        tokio::select! {
            _ = stop.changed() => return None,
            () = shared.wake.notified() => {}
            raw = rx.recv() => match raw {
                Some(raw) => dispatch(shared, raw).await,
                None => return Some("connection closed".to_owned()),
            },
        }
    }
}

/// Hands one notification to the receivers of its channel.
async fn dispatch(shared: &Shared, raw: Raw) {
    let receivers = shared.receivers(&raw.channel);
    if receivers.is_empty() {
        return;
    }
    match notification::parse(raw.payload) {
        Ok(Notification::Message { uid, json }) => {
            // Our own messages come back too: not even decoded.
            for receiver in receivers.iter().filter(|r| uid.as_deref() != Some(r.uid())) {
                receiver.receive(Incoming::Json(json.clone()));
            }
        }
        Ok(Notification::Header { uid, attachment_id }) => {
            let others: Vec<_> = receivers
                .into_iter()
                .filter(|r| uid.as_deref() != Some(r.uid()))
                .collect();
            if others.is_empty() {
                return;
            }
            match shared.publisher.attachment(attachment_id).await {
                Ok(Some(bytes)) => {
                    for receiver in &others {
                        receiver.receive(Incoming::Msgpack(bytes.clone()));
                    }
                }
                Ok(None) => tracing::debug!(
                    "postgres adapter: attachment {attachment_id} on {} is missing or too large",
                    raw.channel
                ),
                Err(e) => {
                    tracing::warn!("postgres adapter: reading attachment {attachment_id}: {e}")
                }
            }
        }
        Err(e) => tracing::debug!(
            "postgres adapter: notification on {} dropped: {e}",
            raw.channel
        ),
    }
}
