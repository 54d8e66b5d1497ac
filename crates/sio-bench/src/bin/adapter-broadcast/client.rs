//! The receivers: Engine.IO 4 / Socket.IO 5 over WebSocket spoken by hand
//! (tokio-tungstenite). Each joins `/`, answers pings, and records, for
//! every `tick` it gets, the time since the sender stamped it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};
use tokio_tungstenite::tungstenite::Message;

/// The two measured phases: paced broadcasts (latency), then a window of
/// broadcasts in flight (throughput).
pub(crate) const PHASES: usize = 2;

/// What every receiver shares with the sender.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The clock of every stamp (one process: one monotonic clock).
    pub(crate) base: Instant,
    /// Receivers that got at least one `warm` broadcast.
    pub(crate) warm: AtomicU64,
    /// Deliveries of `tick` per phase.
    pub(crate) delivered: [AtomicU64; PHASES],
    /// Woken on every delivery.
    pub(crate) progress: Notify,
}

impl Shared {
    /// Nothing delivered yet.
    pub(crate) fn new() -> Self {
        Self {
            base: Instant::now(),
            warm: AtomicU64::new(0),
            delivered: [AtomicU64::new(0), AtomicU64::new(0)],
            progress: Notify::new(),
        }
    }

    /// Microseconds since `base`.
    pub(crate) fn now_us(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// What one receiver saw.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// (broadcast's seq, send → receive in µs), per phase.
    pub(crate) latencies: [Vec<(u64, u64)>; PHASES],
    /// The last delivery of each phase, µs since `base`.
    pub(crate) last_us: [u64; PHASES],
}

type Res<T> = Result<T, String>;
type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// Connects to `addr` and joins `/` (the open packet, then `40`).
pub(crate) async fn connect(addr: SocketAddr) -> Res<Ws> {
    let go = async {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
        let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let (mut ws, _) = tokio_tungstenite::client_async(url, tcp)
            .await
            .map_err(|e| e.to_string())?;
        let open = next_text(&mut ws).await?;
        if !open.starts_with('0') {
            return Err(format!("expected OPEN, got {open}"));
        }
        ws.send(Message::text("40"))
            .await
            .map_err(|e| e.to_string())?;
        loop {
            let packet = next_text(&mut ws).await?;
            if packet.starts_with("40") {
                return Ok(ws);
            }
            if packet == "2" {
                ws.send(Message::text("3"))
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    };
    tokio::time::timeout(CONNECT_TIMEOUT, go)
        .await
        .map_err(|_| "connect timed out".to_owned())?
}

async fn next_text(ws: &mut Ws) -> Res<String> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => return Ok(t.to_string()),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("websocket closed".into()),
        }
    }
}

/// `42["tick",[phase,seq,stamp]]` → (phase, seq, stamp).
fn parse_tick(packet: &str) -> Option<(usize, u64, u64)> {
    let body = packet.strip_prefix("42[\"tick\",[")?.strip_suffix("]]")?;
    let mut fields = body.split(',');
    let phase = fields.next()?.parse().ok()?;
    let seq = fields.next()?.parse().ok()?;
    let stamp = fields.next()?.parse().ok()?;
    (phase < PHASES).then_some((phase, seq, stamp))
}

/// Reads until `stop` changes: pongs pings, counts `warm` once and every
/// `tick`.
pub(crate) async fn receive(
    mut ws: Ws,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> Res<Seen> {
    let mut seen = Seen::default();
    let mut warm = false;
    loop {
        let message = tokio::select! {
            m = ws.next() => m,
            _ = stop.changed() => break,
        };
        let text = match message {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("websocket closed".into()),
        };
        if let Some((phase, seq, stamp)) = parse_tick(&text) {
            let now = shared.now_us();
            if let (Some(l), Some(last)) =
                (seen.latencies.get_mut(phase), seen.last_us.get_mut(phase))
            {
                l.push((seq, now.saturating_sub(stamp)));
                *last = now;
            }
            if let Some(count) = shared.delivered.get(phase) {
                count.fetch_add(1, Ordering::Relaxed);
            }
            shared.progress.notify_waiters();
        } else if text.starts_with("42[\"warm\"") {
            if !warm {
                warm = true;
                shared.warm.fetch_add(1, Ordering::Relaxed);
                shared.progress.notify_waiters();
            }
        } else if text.as_str() == "2" {
            ws.send(Message::text("3"))
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    let _ = ws.close(None).await;
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::parse_tick;

    #[test]
    fn ticks_parse() {
        assert_eq!(parse_tick("42[\"tick\",[1,7,12345]]"), Some((1, 7, 12345)));
        assert_eq!(parse_tick("42[\"tick\",[2,7,12345]]"), None);
        assert_eq!(parse_tick("42[\"warm\",1]"), None);
    }
}
