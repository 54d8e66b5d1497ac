//! Fuzzes the polling body decoders (protocol 4, protocol 3 text and
//! binary framing): no panic, and a body that decodes re-encodes to one
//! that decodes to the same packets.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sio_engine::payload::{self, BINARY_CONTENT_TYPE, PayloadLimits};
use sio_engine::Protocol;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (protocol, binary_body) = match mode % 3 {
        0 => (Protocol::V4, false),
        1 => (Protocol::V3, false),
        _ => (Protocol::V3, true),
    };
    let limits = PayloadLimits {
        max_packets: 1 + usize::from(mode >> 2),
    };
    let Ok(packets) = payload::decode(protocol, Bytes::copy_from_slice(rest), binary_body, limits)
    else {
        return;
    };
    assert!(packets.len() <= limits.max_packets);
    if packets.is_empty() {
        return;
    }
    for supports_binary in [false, true] {
        let encoded = payload::encode(protocol, &packets, supports_binary);
        let binary = encoded.content_type == BINARY_CONTENT_TYPE;
        let again = payload::decode(protocol, encoded.body, binary, limits);
        assert_eq!(again.as_ref(), Ok(&packets));
    }
});
