//! One run: servers up, receivers connected, warm-up, the two phases, and
//! the report.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sio::SocketIo;
use tokio::sync::{Semaphore, watch};

use crate::Opts;
use crate::client::{self, Seen, Shared};
use crate::server::{self, Kind, Stores};

/// Receivers connecting at once.
const CONNECTING: usize = 64;

/// The JSON line, the figures of the table, and whether every delivery came.
#[derive(Debug)]
pub(crate) struct Report {
    /// One line of JSON.
    pub(crate) json: String,
    /// No delivery lost, no receiver failed, no emit failed.
    pub(crate) ok: bool,
    /// Deliveries per second of the throughput phase.
    pub(crate) rate: f64,
    /// Paced phase p50 and p99, µs, every receiver.
    pub(crate) paced: (u64, u64),
    /// Paced phase p50 and p99, µs, receivers on server B.
    pub(crate) paced_remote: (u64, u64),
    /// Paced phase p50 and p99 of each broadcast's first delivery on
    /// server B (on A with `memory`), µs: the hop through the adapter.
    pub(crate) first: (u64, u64),
    /// Throughput phase p50 and p99, µs, every receiver.
    pub(crate) burst: (u64, u64),
}

/// Waits until `done()` or `deadline`; true if done.
async fn wait_for(shared: &Shared, deadline: Instant, done: impl Fn() -> bool) -> bool {
    loop {
        let woken = shared.progress.notified();
        if done() {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        // Also look now and then, in case a wake-up came between the check
        // and the wait.
        let step = (deadline - now).min(Duration::from_millis(20));
        let _ = tokio::time::timeout(step, woken).await;
    }
}

/// p50 and p99 of `v` (sorted here), µs; zeros when empty.
fn percentiles(v: &mut [u64]) -> (u64, u64) {
    v.sort_unstable();
    let at = |p: usize| {
        let i = (v.len() * p / 100).min(v.len().saturating_sub(1));
        v.get(i).copied().unwrap_or(0)
    };
    (at(50), at(99))
}

/// Stamps and emits tick `seq` of `phase`; false if the emit failed.
async fn tick(io: &SocketIo, shared: &Shared, phase: u64, seq: u64) -> bool {
    let stamp = shared.now_us();
    io.emit("tick", &(phase, seq, stamp)).await.is_ok()
}

/// The whole run of `opts`.
pub(crate) async fn run(opts: &Opts) -> Result<Report, String> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let stores = Stores {
        redis: opts.redis.clone(),
        postgres: opts.postgres.clone(),
        prefix: format!("sio-bench-{}-{nanos}", std::process::id()),
    };
    let (io_a, addr_a) = server::start(opts.kind, &stores).await?;
    let second = match opts.kind {
        Kind::Memory => None,
        _ => Some(server::start(opts.kind, &stores).await?),
    };
    let addr_b = second.as_ref().map_or(addr_a, |(_, addr)| *addr);
    // Receivers 0..half on A, the others on B (all on A with `memory`).
    let half = opts.clients / 2;

    let shared = Arc::new(Shared::new());
    let (stop_tx, stop_rx) = watch::channel(false);
    let connecting = Arc::new(Semaphore::new(CONNECTING));
    let settled = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let receivers: Vec<_> = (0..opts.clients)
        .map(|i| {
            let addr = if i < half { addr_a } else { addr_b };
            let (shared, stop) = (Arc::clone(&shared), stop_rx.clone());
            let (connecting, settled, failed) = (
                Arc::clone(&connecting),
                Arc::clone(&settled),
                Arc::clone(&failed),
            );
            tokio::spawn(async move {
                let permit = connecting.acquire_owned().await;
                let ws = client::connect(addr).await;
                drop(permit);
                if ws.is_err() {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                settled.fetch_add(1, Ordering::Relaxed);
                shared.progress.notify_waiters();
                client::receive(ws?, shared, stop).await
            })
        })
        .collect();

    let step = Duration::from_secs(opts.timeout);
    let clients = opts.clients as u64;
    let all_settled = wait_for(&shared, Instant::now() + step, || {
        settled.load(Ordering::Relaxed) == clients
    })
    .await;
    if !all_settled || failed.load(Ordering::Relaxed) > 0 {
        return Err(format!(
            "{} of {clients} receivers connected",
            settled.load(Ordering::Relaxed) - failed.load(Ordering::Relaxed)
        ));
    }

    // Warm-up: both servers listen and every receiver hears server A.
    let deadline = Instant::now() + step;
    loop {
        let _ = io_a.emit("warm", &1).await;
        let beat = (Instant::now() + Duration::from_millis(100)).min(deadline);
        if wait_for(&shared, beat, || {
            shared.warm.load(Ordering::Relaxed) == clients
        })
        .await
        {
            break;
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "warm-up: {} of {clients} receivers heard server A",
                shared.warm.load(Ordering::Relaxed)
            ));
        }
    }
    // Let the last warm broadcasts drain.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut emit_errors = 0u64;
    // Phase 0: paced broadcasts, for latency.
    let start = tokio::time::Instant::now();
    for seq in 0..opts.paced {
        tokio::time::sleep_until(start + Duration::from_millis(seq * opts.interval_ms)).await;
        if !tick(&io_a, &shared, 0, seq).await {
            emit_errors += 1;
        }
    }
    let expected_paced = opts.paced * clients;
    wait_for(&shared, Instant::now() + step, || {
        shared.delivered[0].load(Ordering::Relaxed) >= expected_paced
    })
    .await;

    // Phase 1: at most `window` broadcasts in flight, for throughput, each
    // emitted from a task of its own (as many senders would).
    let mut emits = tokio::task::JoinSet::new();
    let t0 = shared.now_us();
    let deadline = Instant::now() + step;
    for seq in 0..opts.messages {
        if seq >= opts.window {
            let need = (seq - opts.window + 1) * clients;
            let delivered = &shared.delivered[1];
            if !wait_for(&shared, deadline, || {
                delivered.load(Ordering::Relaxed) >= need
            })
            .await
            {
                break;
            }
        }
        let (io, shared) = (io_a.clone(), Arc::clone(&shared));
        emits.spawn(async move { tick(&io, &shared, 1, seq).await });
    }
    while let Some(sent) = emits.join_next().await {
        if !matches!(sent, Ok(true)) {
            emit_errors += 1;
        }
    }
    let expected_burst = opts.messages * clients;
    wait_for(&shared, deadline, || {
        shared.delivered[1].load(Ordering::Relaxed) >= expected_burst
    })
    .await;

    let _ = stop_tx.send(true);
    let mut seen: Vec<Option<Seen>> = Vec::with_capacity(receivers.len());
    for r in receivers {
        seen.push(r.await.ok().and_then(Result::ok));
    }
    if opts.kind == Kind::Streams {
        if let Err(e) = server::delete_stream(&opts.redis, &stores.prefix).await {
            eprintln!("adapter-broadcast: cleanup: {e}");
        }
    }
    Ok(report(
        opts,
        &mut seen,
        t0,
        emit_errors,
        expected_paced,
        expected_burst,
    ))
}

/// The JSON line of the run.
fn report(
    opts: &Opts,
    seen: &mut [Option<Seen>],
    t0: u64,
    emit_errors: u64,
    expected_paced: u64,
    expected_burst: u64,
) -> Report {
    let remote_from = if opts.kind == Kind::Memory {
        0
    } else {
        opts.clients / 2
    };
    let failed = seen.iter().filter(|s| s.is_none()).count();
    let mut fields = Vec::new();
    let mut delivered = [0u64; client::PHASES];
    let mut last = 0;
    let mut figures = Vec::new();
    let mut firsts = Vec::new();
    for (phase, name) in ["paced", "burst"].into_iter().enumerate() {
        let mut all = Vec::new();
        let mut remote = Vec::new();
        let sent = if phase == 0 {
            opts.paced
        } else {
            opts.messages
        };
        let mut first = vec![u64::MAX; usize::try_from(sent).unwrap_or(0)];
        for (i, s) in seen.iter_mut().enumerate() {
            let Some(s) = s else { continue };
            let Some(l) = s.latencies.get_mut(phase) else {
                continue;
            };
            if i >= remote_from {
                for &(seq, us) in l.iter() {
                    remote.push(us);
                    let slot = usize::try_from(seq).ok().and_then(|s| first.get_mut(s));
                    if let Some(f) = slot {
                        *f = (*f).min(us);
                    }
                }
            }
            all.extend(l.iter().map(|&(_, us)| us));
            if phase == 1 {
                last = last.max(s.last_us.get(1).copied().unwrap_or(0));
            }
        }
        if let Some(d) = delivered.get_mut(phase) {
            *d = all.len() as u64;
        }
        let (p50, p99) = percentiles(&mut all);
        let (r50, r99) = percentiles(&mut remote);
        first.retain(|&us| us != u64::MAX);
        let (f50, f99) = percentiles(&mut first);
        figures.push(((p50, p99), (r50, r99)));
        firsts.push((f50, f99));
        fields.push(format!(
            "\"{name}_p50_us\":{p50},\"{name}_p99_us\":{p99},\"{name}_remote_p50_us\":{r50},\"{name}_remote_p99_us\":{r99},\"{name}_first_p50_us\":{f50},\"{name}_first_p99_us\":{f99}"
        ));
    }
    let [got_paced, got_burst] = delivered;
    let secs = last.saturating_sub(t0) as f64 / 1e6;
    let rate = if secs > 0.0 {
        got_burst as f64 / secs
    } else {
        0.0
    };
    let lost = expected_paced.saturating_sub(got_paced) + expected_burst.saturating_sub(got_burst);
    let ok = lost == 0 && failed == 0 && emit_errors == 0;
    let json = format!(
        "{{\"adapter\":\"{}\",\"clients\":{},\"paced\":{},\"interval_ms\":{},\"messages\":{},\"window\":{},\"deliveries_per_s\":{rate:.0},\"burst_s\":{secs:.3},{},\"lost\":{lost},\"receivers_failed\":{failed},\"emit_errors\":{emit_errors},\"ok\":{ok}}}",
        opts.kind.name(),
        opts.clients,
        opts.paced,
        opts.interval_ms,
        opts.messages,
        opts.window,
        fields.join(",")
    );
    let none = ((0, 0), (0, 0));
    let (paced, paced_remote) = figures.first().copied().unwrap_or(none);
    let (burst, _) = figures.get(1).copied().unwrap_or(none);
    let first = firsts.first().copied().unwrap_or((0, 0));
    Report {
        json,
        ok,
        rate,
        paced,
        paced_remote,
        first,
        burst,
    }
}
