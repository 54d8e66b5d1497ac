//! Fuzzes the session state machine with operation sequences: no panic,
//! at most one `Closed`, nothing after it, bounded buffers, and a closed
//! session that stays quiet.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sio_engine::{
    CloseReason, Event, Message, Protocol, SendError, Session, SessionConfig, Sid, Str,
    TransportKind,
};

#[derive(Debug, Arbitrary)]
enum Op {
    Poll,
    PollCancelled,
    Post(Vec<u8>, bool),
    UpgradeRequest,
    WsText(String),
    WsBinary(Vec<u8>),
    WsClosed(bool),
    Send(Option<String>),
    Close,
    Timeout,
    TimeoutAtDeadline,
    Drain,
}

#[derive(Debug, Arbitrary)]
struct Input {
    v3: bool,
    websocket: bool,
    b64: bool,
    allow_upgrades: bool,
    ops: Vec<(Op, u16)>,
}

const MAX_BUFFERED: usize = 16;

fuzz_target!(|input: Input| {
    let t0 = Instant::now();
    let config = SessionConfig {
        ping_interval: Duration::from_millis(300),
        ping_timeout: Duration::from_millis(200),
        upgrade_timeout: Duration::from_millis(100),
        max_payload: 4096,
        allow_upgrades: input.allow_upgrades,
        max_packets_per_payload: 8,
        max_buffered_packets: MAX_BUFFERED,
        ..SessionConfig::default()
    };
    let protocol = if input.v3 { Protocol::V3 } else { Protocol::V4 };
    let transport = if input.websocket {
        TransportKind::WebSocket
    } else {
        TransportKind::Polling
    };
    let Some(sid) = Sid::new("fuzz") else { return };
    let mut s = Session::new(sid, protocol, transport, input.b64, config, t0);
    let mut now = t0;
    let mut closed = 0;
    for (op, step) in input.ops {
        now += Duration::from_millis(u64::from(step));
        match op {
            Op::Poll => {
                let _ = s.handle_poll(now);
            }
            Op::PollCancelled => s.handle_poll_cancelled(now),
            Op::Post(body, binary) => {
                let _ = s.handle_post(now, Bytes::from(body), binary);
            }
            Op::UpgradeRequest => {
                let _ = s.handle_upgrade_request(now);
            }
            Op::WsText(text) => s.handle_ws_text(now, Str::from(text)),
            Op::WsBinary(data) => s.handle_ws_binary(now, Bytes::from(data)),
            Op::WsClosed(error) => s.handle_ws_closed(now, error),
            Op::Send(msg) => {
                let msg = match msg {
                    Some(text) => Message::Text(Str::from(text)),
                    None => Message::Binary(Bytes::from_static(b"\x00\x01")),
                };
                let was_closed = s.is_closed();
                let result = s.send(msg);
                if was_closed {
                    assert_eq!(result, Err(SendError::Closed));
                }
            }
            Op::Close => s.close(now, CloseReason::ForcedClose),
            Op::Timeout => s.handle_timeout(now),
            Op::TimeoutAtDeadline => {
                if let Some(at) = s.poll_timeout() {
                    now = now.max(at);
                }
                s.handle_timeout(now);
            }
            Op::Drain => while s.poll_transmit().is_some() {},
        }
        while let Some(event) = s.poll_event() {
            assert_eq!(closed, 0, "event after Closed: {event:?}");
            if let Event::Closed(_) = event {
                closed += 1;
            }
        }
        assert!(s.buffered() <= MAX_BUFFERED + 4);
        if s.is_closed() {
            assert_eq!(s.poll_timeout(), None);
        }
    }
    assert_eq!(closed == 1, s.is_closed());
    while s.poll_transmit().is_some() {}
    if s.is_closed() {
        assert_eq!(s.poll_transmit(), None);
    }
});
