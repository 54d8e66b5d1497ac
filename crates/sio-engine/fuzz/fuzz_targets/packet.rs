//! Fuzzes the packet decoders (text and binary, protocols 3 and 4): no
//! panic, and every decoded packet encodes back to a form that decodes to
//! the same packet.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sio_engine::{Packet, Protocol, Str};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let protocol = if mode & 1 == 0 { Protocol::V4 } else { Protocol::V3 };
    let bytes = Bytes::copy_from_slice(rest);
    let decoded = if mode & 2 == 0 {
        match Str::from_utf8(bytes) {
            Ok(text) => Packet::decode_text(protocol, text),
            Err(_) => return,
        }
    } else {
        Packet::decode_binary(protocol, bytes)
    };
    if let Ok(packet) = decoded {
        let text = packet.encode_text(protocol);
        assert_eq!(Packet::decode_text(protocol, text).as_ref(), Ok(&packet));
        let _ = packet.encode_ws(protocol, mode & 4 == 0);
    }
});
