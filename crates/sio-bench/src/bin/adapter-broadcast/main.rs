//! `adapter-broadcast`: what a cluster adapter adds to a broadcast.
//!
//! It starts two sio servers in this process, each on its own port and on
//! the adapter under test (`--adapter classic|sharded|streams|postgres`,
//! with a channel prefix / key / stream private to the run), and connects
//! `--clients` WebSocket receivers, half to each (raw Engine.IO/Socket.IO
//! frames). `--adapter memory` is the baseline: one server, in-memory
//! adapter, every receiver on it.
//!
//! The sender is server A's `io.emit("tick", [phase, seq, stamp])`. After a
//! warm-up (a `warm` broadcast every 100 ms until every receiver got one,
//! so that both servers listen), two phases:
//!
//! 1. latency: `--paced` broadcasts, one every `--interval-ms`; receivers
//!    record send → receive (one clock: one process);
//! 2. throughput: `--messages` broadcasts, at most `--window` in flight
//!    (counted from deliveries); deliveries per second from the first send
//!    to the last delivery.
//!
//! It prints one JSON line: deliveries per second of phase 2, p50/p99
//! latencies of both phases for all receivers and for those on server B
//! (the ones the adapter serves), and deliveries lost (the exit status is
//! 1 if any was lost or a receiver failed).
//!
//! `--adapter` takes a comma-separated list (default: all five) and
//! `--rounds N` runs the list N times, interleaved (each run on a fresh
//! runtime and fresh servers); after the JSON lines it prints a Markdown
//! table of the medians of the rounds that lost nothing, the added latency
//! being server B's paced p50/p99 minus the in-memory baseline's.
//!
//! ```text
//! adapter-broadcast [--adapter memory,classic,sharded,streams,postgres]
//!     [--rounds 1] [--clients 1000] [--paced 100] [--interval-ms 20] [--messages 200]
//!     [--window 16] [--redis redis://127.0.0.1:6379/]
//!     [--postgres postgres://postgres@127.0.0.1:5432/test] [--timeout 60]
//! ```
//! Needs Redis or PostgreSQL for the adapters on them; build it in release.

#![forbid(unsafe_code)]

mod client;
mod run;
mod server;
mod table;

use std::process::ExitCode;

use server::Kind;

/// Command-line options.
#[derive(Debug, Clone)]
pub(crate) struct Opts {
    /// The adapter under test in one run.
    pub(crate) kind: Kind,
    /// The adapters of the whole invocation, in order.
    pub(crate) kinds: Vec<Kind>,
    /// Times the list of adapters is run.
    pub(crate) rounds: u64,
    /// Receivers, over both servers.
    pub(crate) clients: usize,
    /// Broadcasts of the latency phase.
    pub(crate) paced: u64,
    /// Milliseconds between two of them.
    pub(crate) interval_ms: u64,
    /// Broadcasts of the throughput phase.
    pub(crate) messages: u64,
    /// Broadcasts in flight at most in the throughput phase.
    pub(crate) window: u64,
    /// Redis URL.
    pub(crate) redis: String,
    /// PostgreSQL URL.
    pub(crate) postgres: String,
    /// Seconds each step (connecting, warm-up, a phase) may take.
    pub(crate) timeout: u64,
}

fn parse() -> Result<Opts, String> {
    let mut opts = Opts {
        kind: Kind::Memory,
        kinds: ["memory", "classic", "sharded", "streams", "postgres"]
            .into_iter()
            .filter_map(Kind::parse)
            .collect(),
        rounds: 1,
        clients: 1000,
        paced: 100,
        interval_ms: 20,
        messages: 200,
        window: 16,
        redis: "redis://127.0.0.1:6379/".into(),
        postgres: "postgres://postgres@127.0.0.1:5432/test".into(),
        timeout: 60,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--adapter" => {
                opts.kinds = value()?
                    .split(',')
                    .map(|name| Kind::parse(name).ok_or(format!("unknown adapter {name}")))
                    .collect::<Result<_, _>>()?;
            }
            "--rounds" => opts.rounds = number(value()?)?.max(1),
            "--clients" => opts.clients = usize::try_from(number(value()?)?).unwrap_or(1000),
            "--paced" => opts.paced = number(value()?)?,
            "--interval-ms" => opts.interval_ms = number(value()?)?,
            "--messages" => opts.messages = number(value()?)?,
            "--window" => opts.window = number(value()?)?.max(1),
            "--redis" => opts.redis = value()?,
            "--postgres" => opts.postgres = value()?,
            "--timeout" => opts.timeout = number(value()?)?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if opts.clients < 2 {
        return Err("--clients must be at least 2".into());
    }
    Ok(opts)
}

fn main() -> ExitCode {
    let opts = match parse() {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("adapter-broadcast: {e}");
            return ExitCode::from(2);
        }
    };
    let mut runs = Vec::new();
    let mut ok = true;
    for _ in 0..opts.rounds {
        for &kind in &opts.kinds {
            let opts = Opts {
                kind,
                ..opts.clone()
            };
            // A fresh runtime per run: nothing of one run lingers in the next.
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("adapter-broadcast: runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(run::run(&opts)) {
                Ok(report) => {
                    println!("{}", report.json);
                    ok &= report.ok;
                    runs.push((kind, report));
                }
                Err(e) => {
                    eprintln!("adapter-broadcast: {}: {e}", kind.name());
                    ok = false;
                }
            }
            runtime.shutdown_timeout(std::time::Duration::from_secs(2));
        }
    }
    if opts.rounds > 1 || opts.kinds.len() > 1 {
        print!("{}", table::markdown(&opts.kinds, &runs));
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
