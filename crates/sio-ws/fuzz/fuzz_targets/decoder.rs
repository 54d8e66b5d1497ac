//! Fuzzes the WebSocket decoder, with and without permessage-deflate (so
//! inflating is fuzzed too): bytes fed in arbitrary pieces never panic,
//! nothing decoded is larger than the limit, and once it fails or a close
//! frame arrives nothing more comes out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sio_ws::{Agreement, Decoder, Deflate, Incoming, Limits, PerMessageDeflate};

const MAX: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_message: MAX,
        max_fragments: 8,
    };
    let inflate = (mode & 1 == 1).then(|| {
        let agreement = Agreement {
            server_max_window_bits: 15,
            client_max_window_bits: 15,
            server_no_context_takeover: true,
            client_no_context_takeover: mode & 2 == 0,
        };
        Deflate::new(PerMessageDeflate::default()).decompressor(&agreement)
    });
    let mut decoder = Decoder::new(limits, inflate);
    // Pieces of 1 to 16 bytes, as the mode byte says, so that every
    // partial-header and partial-payload path is taken.
    let piece = usize::from(mode >> 4) + 1;
    let mut ended = false;
    for chunk in rest.chunks(piece) {
        decoder.extend(chunk);
        loop {
            match decoder.decode() {
                Ok(Some(item)) => {
                    assert!(!ended, "an item after the end");
                    match item {
                        Incoming::Text(t) => assert!(t.len() <= MAX),
                        Incoming::Binary(b) => assert!(b.len() <= MAX),
                        Incoming::Ping(p) | Incoming::Pong(p) => assert!(p.len() <= 125),
                        Incoming::Close(_) => ended = true,
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    assert!(matches!(e.code.0, 1002 | 1007 | 1009));
                    ended = true;
                    break;
                }
            }
        }
        assert!(decoder.buffered() <= MAX + 14 + piece);
    }
});
