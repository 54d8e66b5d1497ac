//! Upgrade: probe, NOOP, switch, timeout, failures.

use super::*;

fn upgrade_to_probe(s: &mut Session, now: Instant) {
    s.handle_upgrade_request(now).unwrap();
    s.handle_ws_text(now, Str::from("2probe"));
}

#[test]
fn probe_then_upgrade_with_pending_get() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_poll(t0).unwrap();
    s.handle_upgrade_request(t0).unwrap();
    assert!(s.is_upgrading());
    assert_eq!(drain(&mut s), []);
    s.handle_ws_text(t0, Str::from("2probe"));
    let out = drain(&mut s);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], ws_text("3probe"));
    assert_eq!(text_poll(&out[1]), "6");
    // Messages sent now wait for the WebSocket.
    s.send(text("buffered")).unwrap();
    s.handle_poll(t0).unwrap();
    assert_eq!(
        drain(&mut s).iter().map(text_poll).collect::<Vec<_>>(),
        ["6"]
    );
    s.handle_ws_text(t0, Str::from("5"));
    assert_eq!(events(&mut s), [Event::Upgraded]);
    assert_eq!(s.transport(), TransportKind::WebSocket);
    assert_eq!(drain(&mut s), [ws_text("4buffered")]);
    assert_eq!(s.handle_poll(t0), Err(RequestError::BadRequest));
    assert_eq!(post(&mut s, t0, "4x"), Err(RequestError::BadRequest));
    assert!(!s.is_closed());
    s.handle_ws_text(t0, Str::from("4hello"));
    assert_eq!(events(&mut s), [Event::Message(text("hello"))]);
}

#[test]
fn v3_probe_noop_has_length_prefix() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V3, TransportKind::Polling, t0);
    s.handle_poll(t0).unwrap();
    upgrade_to_probe(&mut s, t0);
    let out = drain(&mut s);
    assert_eq!(out[0], ws_text("3probe"));
    assert_eq!(text_poll(&out[1]), "1:6");
}

#[test]
fn upgrade_timeout_drops_the_websocket_and_stays_on_polling() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    upgrade_to_probe(&mut s, t0);
    drain(&mut s);
    s.send(text("kept")).unwrap();
    assert_eq!(s.poll_timeout(), Some(t0 + UPGRADE));
    s.handle_timeout(t0 + UPGRADE);
    assert_eq!(drain(&mut s), [Transmit::CloseWs]);
    assert!(!s.is_upgrading());
    assert_eq!(s.transport(), TransportKind::Polling);
    s.handle_poll(t0 + UPGRADE).unwrap();
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "4kept");
    // Late frames from the dropped probe are ignored.
    s.handle_ws_text(t0 + UPGRADE, Str::from("5"));
    assert_eq!(s.transport(), TransportKind::Polling);
    assert_eq!(events(&mut s), []);
}

#[test]
fn anything_but_probe_or_upgrade_abandons_the_upgrade() {
    let t0 = Instant::now();
    for frame in ["4hello", "2", "abc", "1"] {
        let mut s = open(Protocol::V4, TransportKind::Polling, t0);
        s.handle_upgrade_request(t0).unwrap();
        s.handle_ws_text(t0, Str::from(frame.to_owned()));
        assert_eq!(drain(&mut s), [Transmit::CloseWs], "{frame}");
        assert!(!s.is_upgrading());
        assert!(!s.is_closed());
        assert_eq!(events(&mut s), []);
    }
}

#[test]
fn second_upgrade_request_is_refused() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_upgrade_request(t0).unwrap();
    assert_eq!(s.handle_upgrade_request(t0), Err(RequestError::BadRequest));
    s.handle_ws_text(t0, Str::from("2probe"));
    s.handle_ws_text(t0, Str::from("2probe"));
    s.handle_ws_text(t0, Str::from("5"));
    assert_eq!(events(&mut s), [Event::Upgraded]);
    assert_eq!(s.handle_upgrade_request(t0), Err(RequestError::BadRequest));
}

#[test]
fn closed_probe_leaves_the_session_on_polling() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    upgrade_to_probe(&mut s, t0);
    drain(&mut s);
    s.handle_ws_closed(t0, true);
    assert!(!s.is_closed());
    assert!(!s.is_upgrading());
    s.handle_poll(t0).unwrap();
    assert!(s.has_pending_poll());
}

#[test]
fn closing_during_upgrade_closes_the_probe() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    upgrade_to_probe(&mut s, t0);
    drain(&mut s);
    s.close(t0, CloseReason::ForcedClose);
    assert_eq!(drain(&mut s), [Transmit::CloseWs]);
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::ForcedClose)]);
}

#[test]
fn upgrade_refused_on_websocket_session() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    assert_eq!(s.handle_upgrade_request(t0), Err(RequestError::BadRequest));
}

#[test]
fn upgrade_without_probe_still_ends_the_pending_get() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_poll(t0).unwrap();
    s.handle_upgrade_request(t0).unwrap();
    s.handle_ws_text(t0, Str::from("5"));
    assert_eq!(
        drain(&mut s).iter().map(text_poll).collect::<Vec<_>>(),
        ["6"]
    );
    assert_eq!(events(&mut s), [Event::Upgraded]);
    assert!(!s.has_pending_poll());
}

#[test]
fn ping_due_during_the_probe_goes_out_on_the_websocket() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    let at = t0 + INTERVAL - ms(10);
    upgrade_to_probe(&mut s, at);
    drain(&mut s);
    s.handle_timeout(t0 + INTERVAL);
    s.handle_poll(t0 + INTERVAL).unwrap();
    // The GET gets a NOOP; the ping waits for the WebSocket.
    assert_eq!(
        drain(&mut s).iter().map(text_poll).collect::<Vec<_>>(),
        ["6"]
    );
    s.handle_ws_text(t0 + INTERVAL, Str::from("5"));
    assert_eq!(drain(&mut s), [ws_text("2")]);
    s.handle_ws_text(t0 + INTERVAL + ms(1), Str::from("3"));
    assert_eq!(s.poll_timeout(), Some(t0 + INTERVAL + ms(1) + INTERVAL));
}

#[test]
fn binary_probe_frame_abandons_the_upgrade() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_upgrade_request(t0).unwrap();
    s.handle_ws_binary(t0, Bytes::from_static(b"5"));
    assert_eq!(drain(&mut s), [Transmit::CloseWs]);
    assert!(!s.is_upgrading());
}
