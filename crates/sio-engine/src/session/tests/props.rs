//! Random operation sequences never panic and end in at most one `Closed`.

use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone)]
enum Op {
    Poll,
    PollCancelled,
    Post(Vec<u8>, bool),
    UpgradeRequest,
    WsText(String),
    WsBinary(Vec<u8>),
    WsClosed(bool),
    Send(bool),
    Close,
    Timeout,
    Drain,
}

fn frame() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("2probe".to_owned()),
        Just("5".to_owned()),
        Just("3".to_owned()),
        Just("2".to_owned()),
        Just("1".to_owned()),
        Just("4hi".to_owned()),
        Just("6".to_owned()),
        ".{0,8}",
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Poll),
        1 => Just(Op::PollCancelled),
        2 => (prop::collection::vec(any::<u8>(), 0..16), any::<bool>()).prop_map(|(b, bin)| Op::Post(b, bin)),
        2 => Just(Op::Post(b"4a\x1e3\x1e2".to_vec(), false)),
        2 => Just(Op::UpgradeRequest),
        4 => frame().prop_map(Op::WsText),
        1 => prop::collection::vec(any::<u8>(), 0..8).prop_map(Op::WsBinary),
        1 => any::<bool>().prop_map(Op::WsClosed),
        3 => any::<bool>().prop_map(Op::Send),
        1 => Just(Op::Close),
        3 => Just(Op::Timeout),
        3 => Just(Op::Drain),
    ]
}

proptest! {
    #[test]
    fn random_operations_never_panic_and_close_once(
        v3 in any::<bool>(),
        websocket in any::<bool>(),
        b64 in any::<bool>(),
        ops in prop::collection::vec((op(), 0u64..400), 0..60),
    ) {
        let t0 = Instant::now();
        let protocol = if v3 { Protocol::V3 } else { Protocol::V4 };
        let transport = if websocket { TransportKind::WebSocket } else { TransportKind::Polling };
        let cfg = SessionConfig { max_buffered_packets: 8, ..config() };
        let mut s = Session::new(sid(), protocol, transport, b64, cfg, t0);
        let mut now = t0;
        let mut closed_events = 0;
        for (op, step) in ops {
            now += ms(step);
            match op {
                Op::Poll => { let _ = s.handle_poll(now); }
                Op::PollCancelled => s.handle_poll_cancelled(now),
                Op::Post(body, bin) => { let _ = s.handle_post(now, Bytes::from(body), bin); }
                Op::UpgradeRequest => { let _ = s.handle_upgrade_request(now); }
                Op::WsText(t) => s.handle_ws_text(now, Str::from(t)),
                Op::WsBinary(b) => s.handle_ws_binary(now, Bytes::from(b)),
                Op::WsClosed(e) => s.handle_ws_closed(now, e),
                Op::Send(bin) => {
                    let msg = if bin { Message::Binary(Bytes::from_static(b"\x01")) } else { text("m") };
                    let r = s.send(msg);
                    if s.is_closed() { prop_assert_eq!(r, Err(SendError::Closed)); }
                }
                Op::Close => s.close(now, CloseReason::ForcedClose),
                Op::Timeout => {
                    if let Some(at) = s.poll_timeout() {
                        prop_assert!(at >= t0);
                        now = now.max(at);
                    }
                    s.handle_timeout(now);
                }
                Op::Drain => { drain(&mut s); }
            }
            for event in events(&mut s) {
                if let Event::Closed(_) = event { closed_events += 1; }
                else { prop_assert_eq!(closed_events, 0, "event after Closed"); }
            }
            // The control slack, plus the CLOSE a session keeps for its
            // last GET.
            prop_assert!(s.buffered() <= 8 + CONTROL_SLACK + 1);
        }
        prop_assert!(closed_events <= 1);
        prop_assert_eq!(closed_events == 1, s.is_closed());
        drain(&mut s);
        if s.is_finished() {
            prop_assert_eq!(s.poll_transmit(), None);
            prop_assert_eq!(s.poll_timeout(), None);
        }
    }
}
