//! Fuzzes the permessage-deflate negotiation: any `Sec-WebSocket-Extensions`
//! value never panics, and an accepted offer's answer is a valid header
//! value that names the extension.
#![no_main]

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use sio_ws::{PerMessageDeflate, negotiate};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert("sec-websocket-extensions", value);
    for config in [
        PerMessageDeflate::default(),
        PerMessageDeflate::default()
            .client_max_window_bits(Some(10))
            .server_max_window_bits(Some(12))
            .server_no_context_takeover(false),
    ] {
        if let Some((agreement, answer)) = negotiate(&config, &headers) {
            assert!(answer.to_str().unwrap().starts_with("permessage-deflate"));
            assert!((9..=15).contains(&agreement.server_max_window_bits));
            assert!((8..=15).contains(&agreement.client_max_window_bits));
        }
    }
});
