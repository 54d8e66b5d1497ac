//! `raw-sio-ws`: a raw WebSocket server on sio's own codec (`sio-ws`), the
//! physical limit that sio's WebSocket transport is measured against now
//! that it runs on that codec.
//!
//! It speaks the raw protocol of the shared bench's raw servers (`raw-ws` on
//! tokio-tungstenite, `raw-fws` on fastwebsockets), so the shared loadgen
//! drives it with `--raw`. Text frames, first byte is the operation:
//!
//! | frame | what the server does |
//! |---|---|
//! | `E…` | echoes the frame to the sender |
//! | `B…` | sends the frame to every connected client, sender included |
//! | `J<room>` | joins `<room>`; the frame is echoed as the confirmation |
//! | `T<room>\|…` | sends the frame to every member of `<room>` |
//! | anything else | echoed |
//!
//! Binary frames are echoed, pings answered. It has the structure of the
//! others: one writer task per connection fed by an unbounded channel, a
//! broadcast sends one refcounted payload to every writer, and a writer
//! frames whatever is queued into one buffer and writes it at once. The
//! request is read by hand (as `raw-fws` does) and checked with
//! `sio_ws::check_handshake`; frames are decoded by `sio_ws::Decoder`
//! (UTF-8 checked, limits and close codes as in sio) and headers written
//! with `sio_ws::FrameHead`. `TCP_NODELAY` is on. No permessage-deflate
//! is negotiated, like the other raw servers.
//!
//! ```text
//! raw-sio-ws [--port 3000] [--host 127.0.0.1]
//! ```
//!
//! Prints `listening on http://HOST:PORT` (flushed) once bound; exits on
//! SIGTERM or SIGINT.

#![forbid(unsafe_code)]

mod conn;
mod handshake;

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

/// Command-line options.
#[derive(Debug)]
struct Cli {
    host: String,
    port: u16,
}

fn parse_args() -> Result<Cli, String> {
    let mut cli = Cli {
        host: "127.0.0.1".to_owned(),
        port: 3000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => cli.port = value()?.parse().map_err(|_| "invalid --port")?,
            "--host" => cli.host = value()?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(cli)
}

fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("raw-sio-ws: {e}\nusage: raw-sio-ws [--port 3000] [--host 127.0.0.1]");
            return ExitCode::from(2);
        }
    };
    // As the other raw servers: tokio's multi-threaded runtime (the bench
    // pins the server to one CPU, which gives it one worker).
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("raw-sio-ws: no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raw-sio-ws: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Accepts connections until SIGTERM or SIGINT.
async fn serve(cli: Cli) -> std::io::Result<()> {
    let listener = TcpListener::bind((cli.host.as_str(), cli.port)).await?;
    let port = listener.local_addr()?.port();
    println!("listening on http://{}:{port}", cli.host);
    std::io::stdout().flush()?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let state = Arc::new(conn::State::default());
    let mut next_id = 0u64;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                next_id += 1;
                tokio::spawn(conn::run(stream, next_id, state.clone()));
            }
            _ = sigterm.recv() => return Ok(()),
            _ = sigint.recv() => return Ok(()),
        }
    }
}
