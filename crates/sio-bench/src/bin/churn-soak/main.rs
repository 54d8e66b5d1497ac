//! `churn-soak`: connection churn against an in-process sio server for a
//! long time, to show that nothing accumulates.
//!
//! Clients on both transports (WebSocket, HTTP long-polling) loop: connect,
//! join a room, emit with acks, answer the server's emits with acks, then
//! disconnect, over and over. The server runs on its own tokio runtime, so
//! its alive-task count is the server's alone. After a warm-up round and
//! again at the end, every client is gone and the server idles; the report
//! compares the two quiet points:
//!
//! - RSS of the process (`/proc/self/statm`), which must come back within
//!   5 % of the baseline;
//! - tokio tasks alive on the server's runtime (every timer of sio lives
//!   in a task: a session's deadline, an ack's timeout), which must come
//!   back to the baseline;
//! - acks: every ack a client asked for arrived, and every ack the server
//!   asked for arrived (none timed out).
//!
//! ```text
//! churn-soak [--seconds 600] [--clients 64] [--warmup 30]
//! ```
//! It prints a JSON line every 30 s and a last one with `"final": true`;
//! the exit status is 1 if any check failed.

mod client;
mod server;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use client::Counters;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Resident set size of this process, bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// A runtime of one worker thread.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
}

fn main() -> std::process::ExitCode {
    let seconds = arg("--seconds", 600);
    let clients = arg("--clients", 64);
    let warmup = arg("--warmup", 30);

    let (server_rt, client_rt) = match (runtime(), runtime()) {
        (Ok(server), Ok(client)) => (server, client),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("churn-soak: runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let (io, addr) = match server_rt.block_on(server::start()) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("churn-soak: cannot start the server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let server_metrics = server_rt.metrics();
    let tasks_at_start = server_metrics.num_alive_tasks();

    let counters = Arc::new(Counters::default());

    // One churn phase: `clients` loops for `secs` seconds, then every
    // client gone and the server idle again.
    let phase = |secs: u64, report: bool| {
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let loops: Vec<_> = (0..clients)
            .map(|i| {
                client_rt.spawn(client::churn(
                    addr,
                    i,
                    Arc::clone(&stop),
                    Arc::clone(&counters),
                ))
            })
            .collect();
        let mut next = 30;
        while started.elapsed() < Duration::from_secs(secs) {
            std::thread::sleep(Duration::from_millis(250));
            if report && started.elapsed() >= Duration::from_secs(next) {
                next += 30;
                println!(
                    "{{\"t_s\":{},\"rss\":{},\"server_tasks\":{},\"connections\":{},{}}}",
                    started.elapsed().as_secs(),
                    rss(),
                    server_metrics.num_alive_tasks(),
                    io.connection_count(),
                    counters.json()
                );
            }
        }
        stop.store(true, Ordering::SeqCst);
        client_rt.block_on(async {
            for l in loops {
                let _ = l.await;
            }
        });
        // Quiet: every session ends (a polling one at its ping timeout at
        // worst) and the server's tasks come back down.
        let quiet_by = Instant::now() + Duration::from_secs(30);
        while Instant::now() < quiet_by
            && (io.connection_count() > 0 || server_metrics.num_alive_tasks() > tasks_at_start)
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_secs(1));
    };

    phase(warmup, false);
    let base_rss = rss();
    let base_tasks = server_metrics.num_alive_tasks();
    let base_cycles = counters.cycles.load(Ordering::Relaxed);
    println!(
        "{{\"baseline\":true,\"rss\":{base_rss},\"server_tasks\":{base_tasks},\"tasks_at_start\":{tasks_at_start},{}}}",
        counters.json()
    );

    phase(seconds, true);
    let end_rss = rss();
    let end_tasks = server_metrics.num_alive_tasks();
    let growth = (end_rss as f64 - base_rss as f64) / base_rss as f64;
    let c = &counters;
    let lost = c.acks_asked.load(Ordering::Relaxed) - c.acks_got.load(Ordering::Relaxed);
    let server_lost = server::SERVER_ACK_FAILURES.load(Ordering::Relaxed);
    let ok = growth <= 0.05
        && end_tasks <= base_tasks
        && io.connection_count() == 0
        && lost == 0
        && server_lost == 0
        && c.errors.load(Ordering::Relaxed) == 0;
    println!(
        "{{\"final\":true,\"ok\":{ok},\"seconds\":{seconds},\"clients\":{clients},\"cycles_measured\":{},\"rss_baseline\":{base_rss},\"rss_end\":{end_rss},\"rss_growth_pct\":{:.2},\"server_tasks_baseline\":{base_tasks},\"server_tasks_end\":{end_tasks},\"connections_end\":{},\"acks_lost\":{lost},\"server_acks_lost\":{server_lost},{}}}",
        c.cycles.load(Ordering::Relaxed) - base_cycles,
        growth * 100.0,
        io.connection_count(),
        c.json()
    );
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
