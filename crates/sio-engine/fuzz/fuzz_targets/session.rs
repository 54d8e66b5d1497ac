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
    /// A frame a real client sends, so that the upgrade and heartbeat
    /// paths are reached often.
    WsKnown(u8),
    /// A polling body a real client sends.
    PostKnown(u8),
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

const FRAMES: [&str; 8] = ["2probe", "5", "3", "2", "1", "4hi", "6", "3probe"];

const BODIES: [&[u8]; 6] = [
    b"4a\x1e3",
    b"2:4a1:3",
    b"1:2",
    b"1",
    b"\x00\x02\xff4a\x01\x02\xff\x04\x07",
    b"4x\x1e1\x1e4y",
];

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
            Op::WsKnown(i) => {
                let frame = FRAMES[usize::from(i) % FRAMES.len()];
                s.handle_ws_text(now, Str::from_static(frame));
            }
            Op::PostKnown(i) => {
                let body = BODIES[usize::from(i) % BODIES.len()];
                let _ = s.handle_post(now, Bytes::from_static(body), i >= 128);
            }
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
        // The control slack (4 pings or pongs past the bound), plus the
        // CLOSE a session keeps for its last GET.
        assert!(s.buffered() <= MAX_BUFFERED + 5, "{}", s.buffered());
        if s.is_finished() {
            assert_eq!(s.poll_timeout(), None);
        } else if s.is_closed() {
            // Closed, keeping its last words for a GET until a deadline.
            assert!(s.poll_timeout().is_some());
        }
    }
    assert_eq!(closed == 1, s.is_closed());
    while s.poll_transmit().is_some() {}
    if s.is_closed() {
        assert_eq!(s.poll_transmit(), None);
    }
});
