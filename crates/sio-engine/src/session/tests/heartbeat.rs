//! Heartbeat: first ping one interval after open, timeouts in both protocols.

use super::*;

#[test]
fn v4_first_ping_one_interval_after_open_not_at_open() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    assert_eq!(s.poll_timeout(), Some(t0 + INTERVAL));
    s.handle_timeout(t0 + INTERVAL - ms(1));
    assert_eq!(drain(&mut s), []);
    s.handle_timeout(t0 + INTERVAL);
    assert_eq!(drain(&mut s), [ws_text("2")]);
    assert_eq!(s.poll_timeout(), Some(t0 + INTERVAL + TIMEOUT));
}

#[test]
fn v4_next_ping_one_interval_after_the_pong() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    s.handle_timeout(t0 + INTERVAL);
    drain(&mut s);
    let pong_at = t0 + INTERVAL + ms(50);
    s.handle_ws_text(pong_at, Str::from("3"));
    assert_eq!(s.poll_timeout(), Some(pong_at + INTERVAL));
    s.handle_timeout(pong_at + INTERVAL);
    assert_eq!(drain(&mut s), [ws_text("2")]);
    assert!(!s.is_closed());
}

#[test]
fn v4_no_pong_closes_with_ping_timeout() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    s.handle_timeout(t0 + INTERVAL);
    drain(&mut s);
    s.handle_timeout(t0 + INTERVAL + TIMEOUT - ms(1));
    assert!(!s.is_closed());
    s.handle_timeout(t0 + INTERVAL + TIMEOUT);
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::PingTimeout)]);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn v4_ping_timeout_on_polling_answers_pending_get_with_close() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_timeout(t0 + INTERVAL);
    s.handle_poll(t0 + INTERVAL).unwrap();
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "2");
    s.handle_poll(t0 + INTERVAL).unwrap();
    s.handle_timeout(t0 + INTERVAL + TIMEOUT);
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "1");
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::PingTimeout)]);
}

#[test]
fn v4_unsolicited_pongs_and_client_pings_change_nothing() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    for i in 0..100 {
        s.handle_ws_text(t0 + ms(i), Str::from("3"));
        s.handle_ws_text(t0 + ms(i), Str::from("2"));
    }
    assert_eq!(s.poll_timeout(), Some(t0 + INTERVAL));
    assert_eq!(drain(&mut s), []);
    assert_eq!(events(&mut s), []);
}

#[test]
fn v3_client_ping_is_answered_and_extends_the_deadline() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V3, TransportKind::WebSocket, t0);
    assert_eq!(s.poll_timeout(), Some(t0 + INTERVAL + TIMEOUT));
    s.handle_ws_text(t0 + ms(100), Str::from("2"));
    assert_eq!(drain(&mut s), [ws_text("3")]);
    s.handle_ws_text(t0 + ms(150), Str::from("2probe"));
    assert_eq!(drain(&mut s), [ws_text("3probe")]);
    assert_eq!(s.poll_timeout(), Some(t0 + ms(150) + INTERVAL + TIMEOUT));
    // The server never pings in protocol 3.
    s.handle_timeout(t0 + ms(150) + INTERVAL);
    assert_eq!(drain(&mut s), []);
}

#[test]
fn v3_no_client_ping_closes_with_ping_timeout() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V3, TransportKind::Polling, t0);
    s.handle_timeout(t0 + INTERVAL + TIMEOUT - ms(1));
    assert!(!s.is_closed());
    s.handle_timeout(t0 + INTERVAL + TIMEOUT);
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::PingTimeout)]);
}

#[test]
fn v3_ping_over_polling_is_answered_in_the_next_get() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V3, TransportKind::Polling, t0);
    post(&mut s, t0, "1:2").unwrap();
    s.handle_poll(t0).unwrap();
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "1:3");
}

#[test]
fn a_ping_flood_cannot_grow_the_buffer_without_bound() {
    let t0 = Instant::now();
    let cfg = SessionConfig {
        max_buffered_packets: 8,
        ..config()
    };
    let mut s = Session::new(sid(), Protocol::V3, TransportKind::Polling, false, cfg, t0);
    drain(&mut s);
    for _ in 0..1000 {
        post(&mut s, t0, "1:2").unwrap();
    }
    assert!(s.buffered() <= 8 + CONTROL_SLACK);
}

#[test]
fn huge_durations_never_overflow() {
    let t0 = Instant::now();
    let cfg = SessionConfig {
        ping_interval: Duration::MAX,
        ping_timeout: Duration::MAX,
        upgrade_timeout: Duration::MAX,
        ..config()
    };
    for protocol in [Protocol::V3, Protocol::V4] {
        let mut s = Session::new(
            sid(),
            protocol,
            TransportKind::Polling,
            false,
            cfg.clone(),
            t0,
        );
        s.handle_upgrade_request(t0).unwrap();
        assert_eq!(s.poll_timeout(), None);
        s.handle_timeout(t0 + Duration::from_secs(1_000_000));
        assert!(!s.is_closed());
    }
}
