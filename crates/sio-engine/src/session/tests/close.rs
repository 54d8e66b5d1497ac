//! Close from both sides, exactly one `Closed`, no-ops afterwards.

use super::*;

#[test]
fn server_close_on_polling_flushes_then_close_packet() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_poll(t0).unwrap();
    s.send(text("bye")).unwrap();
    s.close(t0, CloseReason::ForcedClose);
    assert_eq!(
        drain(&mut s).iter().map(text_poll).collect::<Vec<_>>(),
        ["4bye\x1e1"]
    );
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::ForcedClose)]);
}

#[test]
fn server_close_on_websocket_sends_close_then_closes() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    s.send(text("bye")).unwrap();
    s.close(t0, CloseReason::ServerShuttingDown);
    assert_eq!(
        drain(&mut s),
        [ws_text("4bye"), ws_text("1"), Transmit::CloseWs]
    );
    assert_eq!(
        events(&mut s),
        [Event::Closed(CloseReason::ServerShuttingDown)]
    );
}

#[test]
fn client_close_over_polling_answers_pending_get_with_noop() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_poll(t0).unwrap();
    post(&mut s, t0, "4last\x1e1\x1e4ignored").unwrap();
    assert_eq!(
        drain(&mut s).iter().map(text_poll).collect::<Vec<_>>(),
        ["6"]
    );
    assert_eq!(
        events(&mut s),
        [
            Event::Message(text("last")),
            Event::Closed(CloseReason::TransportClose)
        ]
    );
    assert_eq!(s.handle_poll(t0), Err(RequestError::BadRequest));
}

#[test]
fn client_close_over_websocket() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    s.handle_ws_text(t0, Str::from("1"));
    assert_eq!(drain(&mut s), [Transmit::CloseWs]);
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::TransportClose)]);
}

#[test]
fn websocket_gone_closes_silently() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    s.send(text("lost")).unwrap();
    s.handle_ws_closed(t0, true);
    assert_eq!(drain(&mut s), []);
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::TransportError)]);
}

#[test]
fn everything_after_close_is_a_no_op() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.close(t0, CloseReason::ForcedClose);
    s.close(t0, CloseReason::PingTimeout);
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::ForcedClose)]);
    assert_eq!(s.send(text("x")), Err(SendError::Closed));
    assert_eq!(s.handle_poll(t0), Err(RequestError::BadRequest));
    assert_eq!(post(&mut s, t0, "4x"), Err(RequestError::BadRequest));
    assert_eq!(s.handle_upgrade_request(t0), Err(RequestError::BadRequest));
    s.handle_poll_cancelled(t0);
    s.handle_ws_text(t0, Str::from("4x"));
    s.handle_ws_binary(t0, Bytes::new());
    s.handle_ws_closed(t0, false);
    s.handle_timeout(t0 + Duration::from_secs(3600));
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(drain(&mut s), []);
    assert_eq!(events(&mut s), []);
    assert!(s.is_closed());
}
