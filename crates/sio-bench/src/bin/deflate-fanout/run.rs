//! One run: every connection opened (at most `--concurrency` at a time),
//! the window set, the server's and our own CPU sampled over it, and the
//! receivers' tallies summed into the JSON line.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sio_ws::{Deflate, PerMessageDeflate};
use tokio::sync::{Semaphore, mpsc, watch};

use crate::Opts;
use crate::client::{Agreed, Client};
use crate::event::json_payload;
use crate::tasks::{self, Ctx, Tally};

/// Clock ticks per second of `/proc/PID/stat` (`USER_HZ`, 100 on Linux).
const TICKS_PER_S: f64 = 100.0;

/// Runs the scenario; the JSON line, and whether it went without errors.
pub(crate) async fn run(opts: Opts) -> (String, bool) {
    let mut line = json!({
        "scenario": "deflate-fanout",
        "label": opts.label,
        "addr": opts.addr,
        "conns": opts.conns,
        "duration_s": opts.duration,
        "warmup_s": opts.warmup,
        "window": opts.window,
        "offer_deflate": opts.offer,
    });
    let (fields, ok) = match measure(opts).await {
        Ok(fields) => {
            let ok = fields["errors"].as_u64() == Some(0);
            (fields, ok)
        }
        Err(e) => (json!({ "error": e }), false),
    };
    if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), fields) {
        line.extend(fields);
    }
    (line.to_string(), ok)
}

/// What a task ends with: a receiver's tally, or the sender's count of
/// broadcasts; its error, if any; and its connection, closed only once
/// every task is done.
enum Done {
    Receiver(Tally, Option<String>, Client),
    Sender(u64, Option<String>, Client),
}

/// Everything counted, for the report.
#[derive(Debug, Default)]
struct Summary {
    total: Tally,
    sent: u64,
    /// Connections that agreed on permessage-deflate.
    negotiated: u64,
    /// The first `Sec-WebSocket-Extensions` answer.
    extension: Option<String>,
    /// Compressed deliveries are inflated (asked, or context takeover).
    inflating: bool,
    errors: Vec<String>,
}

async fn measure(opts: Opts) -> Result<Value, String> {
    let ctx = Arc::new(Ctx {
        payload: json_payload(opts.payload).into(),
        deflate: Deflate::new(PerMessageDeflate::default()),
        delivered: AtomicU64::new(0),
        opts,
    });
    let conns = ctx.opts.conns;
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<Result<Agreed, String>>();
    let (go_tx, go) = watch::channel(None);
    let permits = Arc::new(Semaphore::new(ctx.opts.concurrency));
    let mut handles = Vec::with_capacity(conns + 1);
    // The receivers, then the sender.
    for i in 0..=conns {
        let (ctx, ready, permits, go) =
            (ctx.clone(), ready_tx.clone(), permits.clone(), go.clone());
        let is_sender = i == conns;
        handles.push(tokio::spawn(async move {
            let opened = match permits.acquire().await {
                // The sender inflates only what it must (context takeover).
                Ok(_permit) => tasks::open(&ctx, ctx.opts.inflate && !is_sender).await,
                Err(_) => Err("closed".to_owned()),
            };
            let (client, inspector) = match opened {
                Ok(opened) => opened,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return None;
                }
            };
            let _ = ready.send(Ok(client.agreed.clone()));
            Some(if is_sender {
                let (sent, error, client) = tasks::send(client, inspector, ctx, go).await;
                Done::Sender(sent, error, client)
            } else {
                let (tally, error, client) = tasks::receive(client, inspector, ctx, go).await;
                Done::Receiver(tally, error, client)
            })
        }));
    }
    drop(ready_tx);
    let mut sum = Summary::default();
    for _ in 0..=conns {
        match ready_rx.recv().await {
            Some(Ok(agreed)) => {
                sum.negotiated += u64::from(agreed.deflate);
                sum.inflating |= agreed.deflate && (ctx.opts.inflate || agreed.server_takeover);
                sum.extension = sum.extension.or(agreed.extension);
            }
            Some(Err(e)) => sum.errors.push(e),
            None => break,
        }
    }
    if let Some(first) = sum.errors.first() {
        // Dropping `go_tx` stops the tasks that are waiting.
        return Err(format!(
            "setup failed for {} of {} connections: {first}",
            sum.errors.len(),
            conns + 1,
        ));
    }
    let start = Instant::now() + Duration::from_secs_f64(ctx.opts.warmup);
    let end = start + Duration::from_secs_f64(ctx.opts.duration);
    let _ = go_tx.send(Some((start, end)));
    let probe = tokio::spawn(cpu_over(ctx.opts.pid, start, end));

    let mut keep = Vec::with_capacity(conns + 1);
    for handle in handles {
        match handle.await {
            Ok(Some(Done::Receiver(tally, error, client))) => {
                let total = &mut sum.total;
                total.delivered += tally.delivered;
                total.compressed += tally.compressed;
                total.wire += tally.wire;
                total.checked += tally.checked;
                total.checked_bytes += tally.checked_bytes;
                total.latencies.extend(tally.latencies);
                sum.errors.extend(error);
                keep.push(client);
            }
            Ok(Some(Done::Sender(sent, error, client))) => {
                sum.sent = sent;
                sum.errors.extend(error);
                keep.push(client);
            }
            Ok(None) => {}
            Err(e) => sum.errors.push(e.to_string()),
        }
    }
    let cpu = probe.await.map_err(|e| e.to_string())?;
    drop(keep);
    Ok(report(&ctx, &mut sum, &cpu))
}

/// CPU seconds used over the window: ours and the server's.
#[derive(Debug, Default)]
struct Cpu {
    /// Wall-clock seconds between the two samples.
    secs: f64,
    loadgen: Option<f64>,
    server: Option<f64>,
}

/// Samples CPU times at `start` and `end`.
async fn cpu_over(pid: Option<u32>, start: Instant, end: Instant) -> Cpu {
    tokio::time::sleep_until(start.into()).await;
    let (ours, theirs) = (cpu_secs(None), pid.and_then(|p| cpu_secs(Some(p))));
    let began = Instant::now();
    tokio::time::sleep_until(end.into()).await;
    let since = |before: Option<f64>, after: Option<f64>| Some(after? - before?);
    Cpu {
        loadgen: since(ours, cpu_secs(None)),
        server: since(theirs, pid.and_then(|p| cpu_secs(Some(p)))),
        secs: began.elapsed().as_secs_f64(),
    }
}

/// User and system CPU seconds of a process (this one for `None`).
fn cpu_secs(pid: Option<u32>) -> Option<f64> {
    let path = pid.map_or_else(
        || "/proc/self/stat".to_owned(),
        |p| format!("/proc/{p}/stat"),
    );
    parse_stat(&std::fs::read_to_string(path).ok()?).map(|ticks| ticks as f64 / TICKS_PER_S)
}

/// utime + stime of a `/proc/PID/stat` line, in clock ticks. The name in
/// parentheses may hold spaces and parentheses: fields are counted after
/// the last `)` (state is the first, utime the 12th, stime the 13th).
fn parse_stat(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The value at quantile `q` of sorted `values`.
fn quantile(sorted: &[u32], q: f64) -> Option<u32> {
    let last = sorted.len().checked_sub(1)?;
    sorted.get((last as f64 * q).round() as usize).copied()
}

/// The measured fields of the JSON line.
fn report(ctx: &Ctx, sum: &mut Summary, cpu: &Cpu) -> Value {
    sum.total.latencies.sort_unstable();
    let total = &sum.total;
    let duration = ctx.opts.duration;
    let delivered = total.delivered as f64;
    let per_delivery = |x: u64| (total.delivered > 0).then(|| x as f64 / delivered);
    let pct = |secs: Option<f64>| secs.map(|s| s / cpu.secs * 100.0);
    // CPU over the probe's window, deliveries over the receivers' (the two
    // differ by the probe's wake-up delay): compared as rates.
    let server_us = cpu.server.and_then(|s| {
        let per_s = delivered / duration;
        (per_s > 0.0).then(|| s / cpu.secs / per_s * 1e6)
    });
    json!({
        "payload_bytes": ctx.payload.len(),
        "negotiated": sum.negotiated,
        "extension": sum.extension,
        "inflate": sum.inflating,
        "sent": sum.sent,
        "delivered": total.delivered,
        "delivered_per_s": (delivered / duration).round(),
        "compressed": total.compressed,
        "compressed_share": per_delivery(total.compressed),
        "wire_bytes": total.wire,
        "wire_bytes_per_delivery": per_delivery(total.wire),
        "checked": total.checked,
        "message_bytes": (total.checked > 0).then(|| total.checked_bytes / total.checked),
        "p50_us": quantile(&total.latencies, 0.5),
        "p99_us": quantile(&total.latencies, 0.99),
        "server_cpu_pct": pct(cpu.server),
        "loadgen_cpu_pct": pct(cpu.loadgen),
        "server_cpu_us_per_delivery": server_us,
        "errors": sum.errors.len(),
        "first_error": sum.errors.first(),
    })
}

#[cfg(test)]
mod tests;
