//! Polling: batching, pending GETs, overlap, cancellation, POST errors.

use super::*;

#[test]
fn messages_queued_without_get_go_out_together() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.send(text("a")).unwrap();
    s.send(Message::Binary(Bytes::from_static(&[1, 2, 3, 4])))
        .unwrap();
    assert_eq!(drain(&mut s), []);
    s.handle_poll(t0).unwrap();
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "4a\x1ebAQIDBA==");
    assert!(!s.has_pending_poll());
}

#[test]
fn a_get_with_nothing_queued_waits_for_a_send() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_poll(t0).unwrap();
    assert_eq!(drain(&mut s), []);
    assert!(s.has_pending_poll());
    s.send(text("late")).unwrap();
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "4late");
}

#[test]
fn v3_binary_client_gets_binary_bodies() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V3, TransportKind::Polling, t0);
    s.send(text("hello")).unwrap();
    s.send(Message::Binary(Bytes::from_static(&[1, 2, 3, 4])))
        .unwrap();
    s.handle_poll(t0).unwrap();
    let Some(Transmit::Poll(PollReply::Payload(p))) = s.poll_transmit() else {
        panic!("no payload");
    };
    assert_eq!(p.content_type, "application/octet-stream");
    assert_eq!(
        &p.body[..],
        [
            0, 6, 255, 52, 104, 101, 108, 108, 111, 1, 5, 255, 4, 1, 2, 3, 4
        ]
    );
}

#[test]
fn post_delivers_messages_in_order() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    post(&mut s, t0, "4a\x1ebAQ==\x1e4c").unwrap();
    assert_eq!(
        events(&mut s),
        [
            Event::Message(text("a")),
            Event::Message(Message::Binary(Bytes::from_static(&[1]))),
            Event::Message(text("c")),
        ]
    );
}

#[test]
fn overlapping_get_closes_and_answers_the_pending_one() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_poll(t0).unwrap();
    assert_eq!(s.handle_poll(t0), Err(RequestError::BadRequest));
    assert_eq!(
        drain(&mut s).iter().map(text_poll).collect::<Vec<_>>(),
        ["1"]
    );
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::TransportError)]);
    assert_eq!(s.handle_poll(t0), Err(RequestError::BadRequest));
}

#[test]
fn overlapping_get_v3_answers_close_with_length() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V3, TransportKind::Polling, t0);
    s.handle_poll(t0).unwrap();
    assert!(s.handle_poll(t0).is_err());
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "1:1");
}

#[test]
fn cancelled_poll_closes_the_session() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_poll(t0).unwrap();
    s.handle_poll_cancelled(t0);
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::TransportClose)]);
    assert_eq!(drain(&mut s), []);
}

#[test]
fn cancel_without_pending_get_does_nothing() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_poll_cancelled(t0);
    assert!(!s.is_closed());
    assert_eq!(events(&mut s), []);
}

#[test]
fn post_parse_error_closes_and_answers_pending_get() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_poll(t0).unwrap();
    assert_eq!(post(&mut s, t0, "abc"), Err(RequestError::BadRequest));
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::ParseError)]);
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "1");
}

#[test]
fn post_with_too_many_packets_is_a_parse_error() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    let body = vec!["4"; 65].join("\x1e");
    assert_eq!(post(&mut s, t0, &body), Err(RequestError::BadRequest));
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::ParseError)]);
}

#[test]
fn post_over_max_payload_is_refused() {
    let t0 = Instant::now();
    let cfg = SessionConfig {
        max_payload: 4,
        ..config()
    };
    let mut s = Session::new(sid(), Protocol::V4, TransportKind::Polling, false, cfg, t0);
    drain(&mut s);
    assert_eq!(post(&mut s, t0, "4hello"), Err(RequestError::BadRequest));
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::TransportError)]);
}

#[test]
fn binary_body_is_refused_in_v4() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    assert!(s.handle_post(t0, Bytes::from_static(b"4a"), true).is_err());
    assert!(s.is_closed());
}

#[test]
fn v3_binary_post_is_decoded() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V3, TransportKind::Polling, t0);
    let body = Bytes::from_static(&[0, 2, 255, b'4', b'a', 1, 3, 255, 4, 7, 8]);
    s.handle_post(t0, body, true).unwrap();
    assert_eq!(
        events(&mut s),
        [
            Event::Message(text("a")),
            Event::Message(Message::Binary(Bytes::from_static(&[7, 8])))
        ]
    );
}

#[test]
fn b64_client_gets_base64_in_text_bodies() {
    let t0 = Instant::now();
    let mut s = Session::new(
        sid(),
        Protocol::V3,
        TransportKind::Polling,
        true,
        config(),
        t0,
    );
    drain(&mut s);
    s.send(Message::Binary(Bytes::from_static(&[1, 2, 3, 4])))
        .unwrap();
    s.handle_poll(t0).unwrap();
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "10:b4AQIDBA==");
}

#[test]
fn a_get_before_anything_is_sent_gets_the_next_ping() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.handle_poll(t0 + ms(1)).unwrap();
    s.handle_timeout(t0 + INTERVAL);
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "2");
    post(&mut s, t0 + INTERVAL + ms(5), "3").unwrap();
    assert_eq!(s.poll_timeout(), Some(t0 + INTERVAL + ms(5) + INTERVAL));
}

#[test]
fn buffered_bytes_count_messages_until_they_leave() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    assert_eq!(s.buffered_bytes(), 0);
    s.send(text("abc")).unwrap();
    s.send(Message::Binary(Bytes::from_static(&[1, 2])))
        .unwrap();
    assert_eq!(s.buffered_bytes(), 5);
    let staged = s.take_for_poll().unwrap();
    assert_eq!(s.buffered_bytes(), 0, "staged packets are the driver's");
    s.restore_polled(staged);
    assert_eq!(s.buffered_bytes(), 5, "given back");
    s.handle_poll(t0).unwrap();
    assert!(s.poll_transmit().is_some());
    assert_eq!(s.buffered_bytes(), 0, "sent");
    s.send(text("xy")).unwrap();
    s.close(t0, CloseReason::ForcedClose);
    assert_eq!(s.buffered_bytes(), 2, "kept for the last GET");
    s.handle_poll(t0).unwrap();
    assert!(s.poll_transmit().is_some());
    assert_eq!(s.buffered_bytes(), 0, "taken by the last GET");
    s.send(text("xy")).unwrap_err();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    s.send(text("xy")).unwrap();
    s.close(t0, CloseReason::PingTimeout);
    assert_eq!(
        s.buffered_bytes(),
        0,
        "dropped at a close that keeps nothing"
    );
}

#[test]
fn buffered_bytes_on_websocket_drop_as_frames_go_out() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    s.send(text("abcd")).unwrap();
    s.send(text("ef")).unwrap();
    assert_eq!(s.buffered_bytes(), 6);
    assert!(s.poll_transmit().is_some());
    assert_eq!(s.buffered_bytes(), 2);
    assert!(s.poll_transmit().is_some());
    assert_eq!(s.buffered_bytes(), 0);
}
