//! The subscriber of a single Redis: one RESP2 connection in subscribe
//! mode that SSUBSCRIBEs and SUNSUBSCRIBEs exactly the channels routed,
//! reads `smessage`s and hands them out. After a failure it reconnects
//! (100 ms, doubling to 5 s) and subscribes to everything routed again.

use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::io::{AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::resp::{self, Frame};
use super::routes::Shared;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_message_size: usize,
}

impl Target {
    /// From a `redis://` URL (TLS is not supported by this connection).
    pub(crate) fn from_info(
        info: &redis::ConnectionInfo,
        connect_timeout: Duration,
        max_message_size: usize,
    ) -> Result<Self, String> {
        let (host, port) = match info.addr() {
            redis::ConnectionAddr::Tcp(host, port) => (host.clone(), *port),
            other => {
                return Err(format!(
                    "the sharded adapter's subscriber needs plain TCP, not {other:?}"
                ));
            }
        };
        let redis = info.redis_settings();
        Ok(Self {
            host,
            port,
            username: redis.username().map(str::to_owned),
            password: redis.password().map(str::to_owned),
            connect_timeout,
            max_message_size,
        })
    }
}

/// Runs until `shared` is dropped.
pub(crate) async fn run(target: Target, shared: Weak<Shared>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let Some(s) = shared.upgrade() else { return };
        match session(&target, &s).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(
                    "sharded redis adapter: subscriber connection to {}:{} lost: {e}; retrying in {backoff:?}",
                    target.host,
                    target.port
                );
            }
        }
        drop(s);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// One connection's life: Ok when the routes are gone (shut down).
async fn session(target: &Target, shared: &Arc<Shared>) -> Result<(), String> {
    let connect = TcpStream::connect((target.host.as_str(), target.port));
    let stream = tokio::time::timeout(target.connect_timeout, connect)
        .await
        .map_err(|_| "connect timed out".to_owned())?
        .map_err(|e| e.to_string())?;
    let (read, mut write) = stream.into_split();
    let (frames_tx, mut frames) = mpsc::channel::<Frame>(1024);
    let max = target.max_message_size;
    let reader = tokio::spawn(async move {
        let mut read = BufReader::new(read);
        loop {
            match resp::read(&mut read, max).await {
                Ok(frame) => {
                    if frames_tx.send(frame).await.is_err() {
                        return String::new();
                    }
                }
                Err(e) => return e.to_string(),
            }
        }
    });
    let _abort = AbortOnDrop(reader);
    if let Some(password) = &target.password {
        let mut args: Vec<&[u8]> = vec![b"AUTH"];
        if let Some(user) = &target.username {
            args.push(user.as_bytes());
        }
        args.push(password.as_bytes());
        write
            .write_all(&resp::command(args))
            .await
            .map_err(|e| e.to_string())?;
        match tokio::time::timeout(target.connect_timeout, frames.recv()).await {
            Ok(Some(Frame::Simple(_))) => {}
            Ok(Some(Frame::Error(e))) => return Err(format!("AUTH refused: {e}")),
            _ => return Err("no answer to AUTH".into()),
        }
    }
    let mut subscribed: HashSet<String> = HashSet::new();
    // Confirmations still to come, and the generation they complete.
    let mut awaiting = 0usize;
    let mut pending_generation = 0u64;
    let mut first = true;
    loop {
        if awaiting == 0 {
            let (wanted, generation) = shared.wanted();
            let mut out = Vec::new();
            for channel in wanted.difference(&subscribed) {
                out.extend(resp::command([&b"SSUBSCRIBE"[..], channel.as_bytes()]));
                awaiting += 1;
            }
            for channel in subscribed.difference(&wanted) {
                out.extend(resp::command([&b"SUNSUBSCRIBE"[..], channel.as_bytes()]));
                awaiting += 1;
            }
            subscribed = wanted;
            if !out.is_empty() {
                write.write_all(&out).await.map_err(|e| e.to_string())?;
            }
            pending_generation = generation;
            if awaiting == 0 {
                shared.applied.send_replace(generation);
            }
            if first {
                tracing::info!(
                    "sharded redis adapter: subscriber connected to {}:{}",
                    target.host,
                    target.port
                );
                first = false;
            }
        }
        tokio::select! {
            frame = frames.recv() => {
                let Some(frame) = frame else {
                    return Err("connection closed".into());
                };
                if handle(shared, frame) {
                    awaiting = awaiting.saturating_sub(1);
                    if awaiting == 0 {
                        shared.applied.send_replace(pending_generation);
                    }
                }
            }
            () = shared.wake.notified(), if awaiting == 0 => {}
        }
        if Arc::strong_count(shared) == 1 {
            return Ok(());
        }
    }
}

/// Dispatches a message; true for a subscription confirmation (or an
/// error answering a command).
fn handle(shared: &Shared, frame: Frame) -> bool {
    match frame {
        Frame::Array(items) => match items.first().and_then(Frame::text) {
            Some("smessage") => {
                if let (Some(Frame::Bulk(Some(channel))), Some(Frame::Bulk(payload))) =
                    (items.get(1), items.get(2))
                {
                    match payload {
                        Some(payload) => shared.dispatch(channel, payload),
                        None => tracing::debug!("sharded redis adapter: oversized message dropped"),
                    }
                }
                false
            }
            Some("ssubscribe" | "sunsubscribe") => true,
            _ => false,
        },
        Frame::Error(e) => {
            tracing::warn!("sharded redis adapter: Redis refused a subscription: {e}");
            true
        }
        _ => false,
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<String>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
