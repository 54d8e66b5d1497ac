//! The connections' tasks: opening a socket.io connection on `/`, waiting
//! for the start while answering pings, then the receivers counting
//! deliveries and the sender emitting under the window.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sio_ws::Deflate;
use tokio::sync::watch;
use tokio::time::{MissedTickBehavior, timeout, timeout_at};

use crate::Opts;
use crate::client::Client;
use crate::event::{self, Event, Inspector};

/// Where socket.io listens, over WebSocket directly.
const PATH: &str = "/socket.io/?EIO=4&transport=websocket";

/// How long opening one connection (WebSocket and socket.io handshakes)
/// may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(15);

/// The measured window: deliveries inside it are counted.
pub(crate) type Window = (Instant, Instant);

/// Set once every connection is ready: the window to measure.
pub(crate) type Go = watch::Receiver<Option<Window>>;

/// What every task shares.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub(crate) opts: Opts,
    /// The JSON object every `bench` event carries.
    pub(crate) payload: Arc<str>,
    /// Inflating states, shared by the connections.
    pub(crate) deflate: Deflate,
    /// Deliveries so far, all receivers, warm-up included: the sender's
    /// window counts from it.
    pub(crate) delivered: AtomicU64,
}

/// Microseconds since the first call: the clock of the timestamps.
fn now_us(now: Instant) -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let base = *BASE.get_or_init(Instant::now);
    u64::try_from(now.saturating_duration_since(base).as_micros()).unwrap_or(u64::MAX)
}

/// What one receiver counted inside the window.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) delivered: u64,
    /// Of which compressed (RSV1).
    pub(crate) compressed: u64,
    /// Their bytes on the wire.
    pub(crate) wire: u64,
    /// Deliveries read and checked (inflated if compressed), and their
    /// total size once inflated.
    pub(crate) checked: u64,
    pub(crate) checked_bytes: u64,
    /// Delivery latency (µs) of those whose timestamp was read.
    pub(crate) latencies: Vec<u32>,
}

/// Opens a socket.io connection on `/`: the WebSocket, engine.io's open
/// packet, `40` sent, and both `40{…}` and the server's `42["auth",…]`
/// received. `inflate`: inflate compressed messages (see [`Inspector`]).
///
/// # Errors
/// Any failure, or [`OPEN_TIMEOUT`].
pub(crate) async fn open(ctx: &Ctx, inflate: bool) -> Result<(Client, Inspector), String> {
    let opening = async {
        let mut client = Client::connect(&ctx.opts.addr, PATH, ctx.opts.offer).await?;
        let mut inspector =
            Inspector::new(ctx.payload.clone(), &ctx.deflate, &client.agreed, inflate);
        let (mut connected, mut auth) = (false, false);
        while !(connected && auth) {
            let msg = client.recv().await?;
            let Some(text) = inspector.text(msg)? else {
                continue;
            };
            let answer: &[u8] = if text.starts_with(b"0{") {
                b"40"
            } else if *text == *b"2" {
                b"3"
            } else {
                connected |= text.starts_with(b"40");
                auth |= text.starts_with(br#"42["auth","#);
                if text.starts_with(b"44") {
                    return Err(format!("connect_error {}", String::from_utf8_lossy(&text)));
                }
                continue;
            };
            client.send_text(answer).await?;
        }
        Ok::<_, String>((client, inspector))
    };
    timeout(OPEN_TIMEOUT, opening)
        .await
        .map_err(|_| "handshake timeout".to_owned())?
}

/// The next message of `client`, classified.
async fn next_event(client: &mut Client, inspector: &mut Inspector) -> Result<Event, String> {
    let msg = client.recv().await?;
    inspector.classify(msg)
}

/// Answers pings until the window is set.
async fn wait_go(
    client: &mut Client,
    inspector: &mut Inspector,
    go: &mut Go,
) -> Result<Window, String> {
    loop {
        if let Some(window) = *go.borrow_and_update() {
            return Ok(window);
        }
        tokio::select! {
            event = next_event(client, inspector) => {
                if event? == Event::Ping {
                    client.queue_text(b"3");
                }
                client.flush().await?;
            }
            changed = go.changed() => changed.map_err(|_| "aborted".to_owned())?,
        }
    }
}

/// A receiver: counts `bench` deliveries (all of them for the sender's
/// window, those inside the window in its tally) until the window ends.
/// Gives the connection back, so that it closes after every task is done.
pub(crate) async fn receive(
    mut client: Client,
    mut inspector: Inspector,
    ctx: Arc<Ctx>,
    mut go: Go,
) -> (Tally, Option<String>, Client) {
    let mut tally = Tally::default();
    let result: Result<(), String> = async {
        let (start, end) = wait_go(&mut client, &mut inspector, &mut go).await?;
        loop {
            let Ok(event) = timeout_at(end.into(), next_event(&mut client, &mut inspector)).await
            else {
                return Ok(());
            };
            match event? {
                Event::Ping => client.queue_text(b"3"),
                Event::Bench {
                    ts,
                    compressed,
                    wire,
                    size,
                } => {
                    ctx.delivered.fetch_add(1, Ordering::Relaxed);
                    let now = Instant::now();
                    if start <= now && now < end {
                        tally.delivered += 1;
                        tally.compressed += u64::from(compressed);
                        tally.wire += wire as u64;
                        if let Some(size) = size {
                            tally.checked += 1;
                            tally.checked_bytes += size as u64;
                        }
                        if let Some(ts) = ts {
                            let us = now_us(now).saturating_sub(ts);
                            tally.latencies.push(u32::try_from(us).unwrap_or(u32::MAX));
                        }
                    }
                }
                Event::Other => {}
            }
            if client.has_queued() {
                client.flush().await?;
            }
        }
    }
    .await;
    (tally, result.err(), client)
}

/// The sender: emits `42["emit-all","bench",<ts>,<payload>]` with at most
/// `--window` broadcasts in flight, counted from the deliveries (the
/// shared loadgen's flow control), until the window ends. Returns how many
/// it sent.
pub(crate) async fn send(
    mut client: Client,
    mut inspector: Inspector,
    ctx: Arc<Ctx>,
    mut go: Go,
) -> (u64, Option<String>, Client) {
    let mut sent = 0u64;
    let result: Result<(), String> = async {
        let (_, end) = wait_go(&mut client, &mut inspector, &mut go).await?;
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let receivers = ctx.opts.conns.max(1) as u64;
        let mut packet = String::with_capacity(ctx.payload.len() + 64);
        loop {
            let now = Instant::now();
            if now >= end {
                return Ok(());
            }
            let done = ctx.delivered.load(Ordering::Relaxed) / receivers;
            for _ in 0..(done + ctx.opts.window).saturating_sub(sent) {
                event::emit_all(&mut packet, now_us(Instant::now()), &ctx.payload);
                client.queue_text(packet.as_bytes());
                sent += 1;
            }
            client.flush().await?;
            tokio::select! {
                event = next_event(&mut client, &mut inspector) => {
                    if event? == Event::Ping {
                        client.queue_text(b"3");
                    }
                }
                _ = tick.tick() => {}
            }
        }
    }
    .await;
    (sent, result.err(), client)
}
