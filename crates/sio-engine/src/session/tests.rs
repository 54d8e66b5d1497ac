//! Session tests under a fake clock: `t0 + d` is "d after open".

mod close;
mod heartbeat;
mod polling;
mod props;
mod upgrade;

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::*;
use crate::RequestError;
use crate::payload::EncodedPayload;

pub(super) const INTERVAL: Duration = Duration::from_millis(300);
pub(super) const TIMEOUT: Duration = Duration::from_millis(200);
pub(super) const UPGRADE: Duration = Duration::from_millis(100);

pub(super) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(super) fn config() -> SessionConfig {
    SessionConfig {
        ping_interval: INTERVAL,
        ping_timeout: TIMEOUT,
        upgrade_timeout: UPGRADE,
        ..SessionConfig::default()
    }
}

pub(super) fn sid() -> Sid {
    Sid::new("abc123").unwrap()
}

/// A session on `transport` whose OPEN was already taken out.
pub(super) fn open(protocol: Protocol, transport: TransportKind, t0: Instant) -> Session {
    let mut s = Session::new(sid(), protocol, transport, false, config(), t0);
    assert!(s.poll_transmit().is_some(), "OPEN");
    assert_eq!(s.poll_transmit(), None);
    s
}

pub(super) fn drain(s: &mut Session) -> Vec<Transmit> {
    std::iter::from_fn(|| s.poll_transmit()).collect()
}

pub(super) fn events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

/// The body of a text poll reply.
pub(super) fn text_poll(t: &Transmit) -> String {
    match t {
        Transmit::Poll(PollReply::Payload(EncodedPayload { body, .. })) => {
            String::from_utf8(body.to_vec()).unwrap()
        }
        other => panic!("not a poll payload: {other:?}"),
    }
}

/// A text frame on the WebSocket: a message (`4…`, `b…`) may be
/// compressed, a control packet may not.
pub(super) fn ws_text(s: &str) -> Transmit {
    let compression = if s.starts_with('4') || s.starts_with('b') {
        Compression::On
    } else {
        Compression::Off
    };
    Transmit::Ws(WsFrame::Text(Str::from(s.to_owned())), compression)
}

pub(super) fn text(s: &str) -> Message {
    Message::Text(Str::from(s.to_owned()))
}

pub(super) fn post(s: &mut Session, now: Instant, body: &str) -> Result<(), RequestError> {
    s.handle_post(now, Bytes::from(body.to_owned()), false)
}

#[test]
fn open_on_polling_v4_announces_websocket_upgrade() {
    let t0 = Instant::now();
    let mut s = Session::new(
        sid(),
        Protocol::V4,
        TransportKind::Polling,
        false,
        config(),
        t0,
    );
    let open = text_poll(&s.poll_transmit().unwrap());
    assert_eq!(
        open,
        r#"0{"sid":"abc123","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#
    );
    assert_eq!(s.poll_transmit(), None);
    assert!(!s.has_pending_poll());
}

#[test]
fn open_on_websocket_v4_has_no_upgrades() {
    let t0 = Instant::now();
    let mut s = Session::new(
        sid(),
        Protocol::V4,
        TransportKind::WebSocket,
        false,
        config(),
        t0,
    );
    assert_eq!(
        drain(&mut s),
        [ws_text(
            r#"0{"sid":"abc123","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#
        )]
    );
}

#[test]
fn open_v3_has_length_prefix_and_no_max_payload() {
    let t0 = Instant::now();
    let mut s = Session::new(
        sid(),
        Protocol::V3,
        TransportKind::Polling,
        true,
        config(),
        t0,
    );
    let open = text_poll(&s.poll_transmit().unwrap());
    let json = r#"0{"sid":"abc123","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200}"#;
    assert_eq!(open, format!("{}:{json}", json.len()));
}

#[test]
fn no_upgrades_announced_when_off() {
    let t0 = Instant::now();
    let cfg = SessionConfig {
        allow_upgrades: false,
        ..config()
    };
    let mut s = Session::new(sid(), Protocol::V4, TransportKind::Polling, false, cfg, t0);
    assert!(text_poll(&s.poll_transmit().unwrap()).contains(r#""upgrades":[]"#));
    assert_eq!(s.handle_upgrade_request(t0), Err(RequestError::BadRequest));
}

#[test]
fn messages_flow_both_ways_on_websocket() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    s.handle_ws_text(t0, Str::from("4hello"));
    s.handle_ws_binary(t0, Bytes::from_static(&[1, 2, 3]));
    assert_eq!(
        events(&mut s),
        [
            Event::Message(text("hello")),
            Event::Message(Message::Binary(Bytes::from_static(&[1, 2, 3])))
        ]
    );
    s.send(text("a")).unwrap();
    s.send(Message::Binary(Bytes::from_static(&[9]))).unwrap();
    assert_eq!(
        drain(&mut s),
        [
            ws_text("4a"),
            Transmit::Ws(WsFrame::Binary(Bytes::from_static(&[9])), Compression::On)
        ]
    );
}

#[test]
fn v3_binary_on_websocket_has_type_byte_or_base64() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V3, TransportKind::WebSocket, t0);
    s.send(Message::Binary(Bytes::from_static(&[1, 2])))
        .unwrap();
    assert_eq!(
        drain(&mut s),
        [Transmit::Ws(
            WsFrame::Binary(Bytes::from_static(&[4, 1, 2])),
            Compression::On
        )]
    );
    s.handle_ws_binary(t0, Bytes::from_static(&[4, 7]));
    assert_eq!(
        events(&mut s),
        [Event::Message(Message::Binary(Bytes::from_static(&[7])))]
    );

    let mut b64 = Session::new(
        sid(),
        Protocol::V3,
        TransportKind::WebSocket,
        true,
        config(),
        t0,
    );
    drain(&mut b64);
    b64.send(Message::Binary(Bytes::from_static(&[1, 2])))
        .unwrap();
    assert_eq!(drain(&mut b64), [ws_text("b4AQI=")]);
}

#[test]
fn send_buffer_is_bounded() {
    let t0 = Instant::now();
    let cfg = SessionConfig {
        max_buffered_packets: 3,
        ..config()
    };
    let mut s = Session::new(sid(), Protocol::V4, TransportKind::Polling, false, cfg, t0);
    drain(&mut s);
    for i in 0..3 {
        assert_eq!(s.send(text(&i.to_string())), Ok(()));
    }
    assert_eq!(s.send(text("x")), Err(SendError::Full));
    assert_eq!(s.buffered(), 3);
    s.handle_poll(t0).unwrap();
    assert_eq!(text_poll(&s.poll_transmit().unwrap()), "40\x1e41\x1e42");
    assert_eq!(s.send(text("x")), Ok(()));
}

#[test]
fn websocket_parse_error_closes() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    s.handle_ws_text(t0, Str::from("abc"));
    assert_eq!(events(&mut s), [Event::Closed(CloseReason::ParseError)]);
    assert_eq!(drain(&mut s), [ws_text("1"), Transmit::CloseWs]);
}

#[test]
fn each_frame_says_what_compression_may_do_with_it() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::WebSocket, t0);
    drain(&mut s);
    s.send_with(text("plain"), false).unwrap();
    let mut shared = crate::TextFrame::with_message(8, |b| b.push_str("shared"));
    shared.share_compression();
    let cache = shared.deflate_cache().unwrap().clone();
    s.send(Message::Framed(shared)).unwrap();
    s.send(Message::Binary(Bytes::from_static(&[1]))).unwrap();
    s.send_with(Message::Binary(Bytes::from_static(&[2])), false)
        .unwrap();
    assert_eq!(
        drain(&mut s),
        [
            Transmit::Ws(WsFrame::Text(Str::from("4plain")), Compression::Off),
            Transmit::Ws(
                WsFrame::Text(Str::from("4shared")),
                Compression::Shared(cache)
            ),
            Transmit::Ws(WsFrame::Binary(Bytes::from_static(&[1])), Compression::On),
            Transmit::Ws(WsFrame::Binary(Bytes::from_static(&[2])), Compression::Off),
        ]
    );
}

#[test]
fn an_uncompressed_message_keeps_its_flag_while_polling() {
    let t0 = Instant::now();
    let mut s = open(Protocol::V4, TransportKind::Polling, t0);
    drain(&mut s);
    s.send(text("a")).unwrap();
    assert!(s.take_for_poll().is_some_and(|p| p.len() == 1));
    s.restore_polled(vec![Packet::Message(text("a"))]);
    // Not set out for a GET of its own: the flag would be lost.
    s.send_with(text("b"), false).unwrap();
    assert_eq!(s.take_for_poll(), None);
    s.handle_poll(t0).unwrap();
    assert_eq!(text_poll(&drain(&mut s)[0]), "4a\u{1e}4b");
}
