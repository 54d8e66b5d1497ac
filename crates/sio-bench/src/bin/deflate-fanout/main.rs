//! `deflate-fanout`: a fanout load generator that negotiates
//! permessage-deflate, which the shared loadgen cannot. It measures what a
//! broadcast costs the server per delivery with compression on and off,
//! and the bytes on the wire.
//!
//! It connects `--conns` receivers and one sender to a server that keeps
//! the e2e contract (`examples/e2e_server.rs`, with or without
//! `--deflate`), over WebSocket on `/socket.io/?EIO=4&transport=websocket`.
//! Each connection offers `permessage-deflate; client_max_window_bits` (as
//! Chromium and Node's `ws` do; `--no-deflate` offers nothing), answers
//! engine.io pings, joins `/` and waits for the server's `auth` event.
//! Then the sender emits `42["emit-all","bench",<ts>,<payload>]`, with
//! `<payload>` a JSON object of about `--payload` bytes, at most
//! `--window` broadcasts in flight (counted from deliveries, as the shared
//! loadgen's fanout does). Receivers count deliveries and their bytes on
//! the wire, and inflate and check compressed ones (`--no-inflate` leaves
//! them compressed, to keep the load generator's own CPU low).
//!
//! After `--warmup` seconds it measures for `--duration` seconds and
//! prints one JSON line: deliveries per second, the server's CPU (from
//! `/proc/PID/stat`, `--pid`) in % of one core and in µs per delivery,
//! wire bytes per delivery, and the share that came compressed.
//!
//! ```text
//! deflate-fanout [--addr 127.0.0.1:3000] [--conns 1000] [--payload 4096]
//!     [--window 16] [--duration 4] [--warmup 1] [--pid PID] [--threads 1]
//!     [--concurrency 64] [--no-deflate] [--no-inflate] [--label TEXT]
//! ```

#![forbid(unsafe_code)]

mod client;
mod event;
mod frame;
mod run;
mod tasks;

use std::process::ExitCode;

/// Command-line options.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Opts {
    /// The server, `HOST:PORT`.
    pub(crate) addr: String,
    /// Receivers (the sender comes on top).
    pub(crate) conns: usize,
    /// Measured seconds, after the warm-up.
    pub(crate) duration: f64,
    /// Seconds of load before the measured ones.
    pub(crate) warmup: f64,
    /// Bytes of the JSON object each event carries.
    pub(crate) payload: usize,
    /// Broadcasts in flight, at most.
    pub(crate) window: u64,
    /// The server's process, for its CPU time.
    pub(crate) pid: Option<u32>,
    /// Tokio workers; 1 is a current-thread runtime.
    pub(crate) threads: usize,
    /// Connections opening at once.
    pub(crate) concurrency: usize,
    /// Offer permessage-deflate.
    pub(crate) offer: bool,
    /// Inflate and check compressed deliveries.
    pub(crate) inflate: bool,
    /// Copied into the JSON line.
    pub(crate) label: String,
}

impl Default for Opts {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:3000".to_owned(),
            conns: 1000,
            duration: 4.0,
            warmup: 1.0,
            payload: 4096,
            window: 16,
            pid: None,
            threads: 1,
            concurrency: 64,
            offer: true,
            inflate: true,
            label: String::new(),
        }
    }
}

/// The largest `--payload`: the event must fit the e2e server's 1 MB
/// limit on a message.
const MAX_PAYLOAD_OPT: usize = 999_000;

const USAGE: &str = "usage: deflate-fanout [--addr 127.0.0.1:3000] [--conns 1000] \
    [--payload 4096] [--window 16] [--duration 4] [--warmup 1] [--pid PID] [--threads 1] \
    [--concurrency 64] [--no-deflate] [--no-inflate] [--label TEXT]";

/// Reads the options from `args` (without the program's name).
///
/// # Errors
/// An unknown flag, a missing or bad value.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Opts, String> {
    fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
        let value = value.ok_or(format!("{flag} needs a value"))?;
        value
            .parse()
            .map_err(|_| format!("{flag}: bad value {value:?}"))
    }
    let mut opts = Opts::default();
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let flag = flag.as_str();
        match flag {
            "--addr" => opts.addr = args.next().ok_or("--addr needs a value")?,
            "--conns" => opts.conns = number(flag, args.next())?,
            "--duration" => opts.duration = number(flag, args.next())?,
            "--warmup" => opts.warmup = number(flag, args.next())?,
            "--payload" => opts.payload = number(flag, args.next())?,
            "--window" => opts.window = number(flag, args.next())?,
            "--pid" => opts.pid = Some(number(flag, args.next())?),
            "--threads" => opts.threads = number(flag, args.next())?,
            "--concurrency" => opts.concurrency = number(flag, args.next())?,
            "--label" => opts.label = args.next().ok_or("--label needs a value")?,
            "--no-deflate" => opts.offer = false,
            "--no-inflate" => opts.inflate = false,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if opts.conns == 0 || opts.window == 0 || opts.concurrency == 0 {
        return Err("--conns, --window and --concurrency must be at least 1".into());
    }
    if !(opts.duration > 0.0 && opts.duration < 86_400.0 && (0.0..3600.0).contains(&opts.warmup)) {
        return Err("--duration must be in (0, 86400) s and --warmup in [0, 3600) s".into());
    }
    if opts.payload > MAX_PAYLOAD_OPT {
        return Err(format!("--payload must be at most {MAX_PAYLOAD_OPT}"));
    }
    Ok(opts)
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("deflate-fanout: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = if opts.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(opts.threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("deflate-fanout: no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (line, ok) = runtime.block_on(run::run(opts));
    println!("{line}");
    // Do not wait for the connections to close.
    std::process::exit(if ok { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &str) -> Result<Opts, String> {
        parse_args(args.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn reads_flags_over_the_defaults() {
        assert_eq!(parse(""), Ok(Opts::default()));
        let opts = parse(
            "--addr 127.0.0.1:4100 --conns 10 --payload 512 --window 4 --duration 2.5 \
             --warmup 0 --pid 42 --threads 2 --concurrency 8 --no-deflate --no-inflate --label x",
        )
        .unwrap();
        assert_eq!(
            opts,
            Opts {
                addr: "127.0.0.1:4100".to_owned(),
                conns: 10,
                duration: 2.5,
                warmup: 0.0,
                payload: 512,
                window: 4,
                pid: Some(42),
                threads: 2,
                concurrency: 8,
                offer: false,
                inflate: false,
                label: "x".to_owned(),
            }
        );
    }

    #[test]
    fn refuses_bad_flags() {
        for bad in [
            "--conns",
            "--conns x",
            "--conns 0",
            "--window 0",
            "--duration 0",
            "--duration nan",
            "--warmup -1",
            "--payload 2000000",
            "--pid -3",
            "--deflate",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
