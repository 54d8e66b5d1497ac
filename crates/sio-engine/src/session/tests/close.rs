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
fn forced_close_on_polling_keeps_last_words_for_the_next_get() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.send(text("bye")).unwrap();
    s.close(t0, CloseReason::ForcedClose);
    // The application hears of the close at once; nothing can go out yet.
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::ForcedClose)]);
    assert_eq!(drain(&mut s), []);
    assert!(s.is_closed() && !s.is_finished());
    assert_eq!(s.send(text("late")), Err(SendError::Closed));
    assert_eq!(s.poll_timeout(), Some(t0 + INTERVAL + TIMEOUT));
    // The next GET takes what was queued before the close, then CLOSE.
    s.handle_poll(t0 + ms(10)).unwrap();
    assert_eq!(
        drain(&mut s).iter().map(text_poll).collect::<Vec<_>>(),
        ["4bye\x1e1"]
    );
    assert!(s.is_finished());
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(s.handle_poll(t0 + ms(20)), Err(RequestError::BadRequest));
    assert_eq!(events(&mut s), []);
}

#[test]
fn last_words_nobody_polls_for_are_dropped_after_a_heartbeat_window() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.close(t0, CloseReason::ForcedClose);
    s.handle_timeout(t0 + INTERVAL + TIMEOUT - ms(1));
    assert!(!s.is_finished());
    s.handle_timeout(t0 + INTERVAL + TIMEOUT);
    assert!(s.is_finished());
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(s.handle_poll(t0 + ms(600)), Err(RequestError::BadRequest));
    assert_eq!(drain(&mut s), []);
}

#[test]
fn a_cancelled_get_drops_the_last_words() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V3, TransportKind::Polling, t0);
    s.send(text("bye")).unwrap();
    s.close(t0, CloseReason::ForcedClose);
    // A GET pending but not yet answered (the driver drains after it).
    s.handle_poll(t0).unwrap();
    s.handle_poll_cancelled(t0);
    assert!(s.is_finished());
    assert_eq!(drain(&mut s), []);
}

#[test]
fn shutting_down_cuts_the_wait_for_the_last_words_to_the_grace() {
    let t0 = Instant::now();
    let grace = CLIENT_CLOSE_GRACE.min(config().ping_timeout);
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.close(t0, CloseReason::ForcedClose);
    s.close(t0, CloseReason::ForcedClose);
    assert_eq!(s.poll_timeout(), Some(t0 + INTERVAL + TIMEOUT));
    s.close(t0 + ms(5), CloseReason::ServerShuttingDown);
    assert_eq!(s.poll_timeout(), Some(t0 + ms(5) + grace));
    assert!(!s.is_finished());
    s.handle_timeout(t0 + ms(5) + grace);
    assert!(s.is_finished());
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::ForcedClose)]);
}

#[test]
fn a_shutdown_keeps_the_last_words_for_a_get_within_the_grace() {
    let t0 = Instant::now();
    let grace = CLIENT_CLOSE_GRACE.min(config().ping_timeout);
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.send(text("bye")).unwrap();
    s.close(t0, CloseReason::ServerShuttingDown);
    assert_eq!(
        events(&mut s),
        [Event::Closed(CloseReason::ServerShuttingDown)]
    );
    assert_eq!(drain(&mut s), []);
    assert!(s.is_closed() && !s.is_finished());
    assert_eq!(s.poll_timeout(), Some(t0 + grace));
    // The GET the client sends after the one just answered.
    s.handle_poll(t0 + ms(10)).unwrap();
    assert_eq!(
        drain(&mut s).iter().map(text_poll).collect::<Vec<_>>(),
        ["4bye\x1e1"]
    );
    assert!(s.is_finished());
    assert_eq!(s.handle_poll(t0 + ms(20)), Err(RequestError::BadRequest));
}

#[test]
fn a_shutdown_waits_for_no_get_past_the_grace() {
    let t0 = Instant::now();
    let grace = CLIENT_CLOSE_GRACE.min(config().ping_timeout);
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.close(t0, CloseReason::ServerShuttingDown);
    s.handle_timeout(t0 + grace - ms(1));
    assert!(!s.is_finished());
    s.handle_timeout(t0 + grace);
    assert!(s.is_finished());
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(s.handle_poll(t0 + grace), Err(RequestError::BadRequest));
    assert_eq!(drain(&mut s), []);
}

#[test]
fn other_closes_on_polling_keep_nothing_for_a_later_get() {
    let t0 = Instant::now();
    for reason in [CloseReason::PingTimeout, CloseReason::TransportError] {
        let mut s = open(Protocol::V4, TransportKind::Polling, t0);
        s.send(text("lost")).unwrap();
        s.close(t0, reason);
        assert!(s.is_finished(), "{reason:?}");
        assert_eq!(s.poll_timeout(), None);
        assert_eq!(s.handle_poll(t0), Err(RequestError::BadRequest));
        assert_eq!(drain(&mut s), []);
    }
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
    s.close(t0, CloseReason::PingTimeout);
    s.close(t0, CloseReason::ForcedClose);
    s.close(t0, CloseReason::ServerShuttingDown);
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::PingTimeout)]);
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

#[test]
fn a_get_racing_the_clients_close_gets_a_noop_then_the_session_is_gone() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.send(text("dropped")).unwrap();
    // The client's CLOSE arrives first, its GET just after.
    post(&mut s, t0 + ms(1), "1").unwrap();
    assert!(matches!(
        events(&mut s).as_slice(),
        [Event::Closed(CloseReason::TransportClose)]
    ));
    assert!(!s.is_finished());
    s.handle_poll(t0 + ms(2)).unwrap();
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "6");
    assert!(s.is_finished());
    assert_eq!(s.handle_poll(t0 + ms(3)), Err(RequestError::BadRequest));
}

#[test]
fn a_clients_close_waits_for_no_get_past_the_grace() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    post(&mut s, t0, "1").unwrap();
    let grace = CLIENT_CLOSE_GRACE.min(config().ping_timeout);
    assert_eq!(s.poll_timeout(), Some(t0 + grace));
    s.handle_timeout(t0 + grace);
    assert!(s.is_finished());
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(s.handle_poll(t0 + grace), Err(RequestError::BadRequest));
}

#[test]
fn a_clients_close_with_a_pending_get_answers_it_and_keeps_nothing() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_poll(t0).unwrap();
    post(&mut s, t0 + ms(1), "1").unwrap();
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "6");
    assert!(s.is_finished());
    assert_eq!(s.handle_poll(t0 + ms(2)), Err(RequestError::BadRequest));
}
