//! Writes the chat's events as TypeScript declarations (the maps that
//! socket.io-client's `Socket<ServerToClientEvents, ClientToServerEvents>`
//! takes), for the page's script `static/chat.js` (checked by `tsc`):
//!
//! ```text
//! cargo run -p sio --features typescript --example chat_ts -- examples/chat/static/events.ts
//! ```
//!
//! Without a path it prints them.

mod events;

use std::process::ExitCode;

use sio::typed::ts::Declarations;

fn main() -> ExitCode {
    let ts = Declarations::new().namespace::<events::Chat>("").render();
    match std::env::args().nth(1) {
        None => print!("{ts}"),
        Some(path) => {
            if let Err(e) = std::fs::write(&path, ts) {
                eprintln!("chat_ts: cannot write {path}: {e}");
                return ExitCode::FAILURE;
            }
            println!("chat_ts: wrote {path}");
        }
    }
    ExitCode::SUCCESS
}
