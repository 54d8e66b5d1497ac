//! Packet text and binary forms, both protocols.

use bytes::Bytes;

use super::*;

fn dec(protocol: Protocol, s: &str) -> Result<Packet, DecodeError> {
    Packet::decode_text(protocol, Str::from(s.to_owned()))
}

fn msg(s: &str) -> Packet {
    Packet::Message(Message::Text(Str::from(s.to_owned())))
}

fn bin(b: &[u8]) -> Packet {
    Packet::Message(Message::Binary(Bytes::copy_from_slice(b)))
}

#[test]
fn decodes_what_clients_send() {
    for p in [Protocol::V3, Protocol::V4] {
        assert_eq!(dec(p, "1"), Ok(Packet::Close));
        assert_eq!(dec(p, "2"), Ok(Packet::Ping { probe: false }));
        assert_eq!(dec(p, "2probe"), Ok(Packet::Ping { probe: true }));
        assert_eq!(dec(p, "3"), Ok(Packet::Pong { probe: false }));
        assert_eq!(dec(p, "3probe"), Ok(Packet::Pong { probe: true }));
        assert_eq!(dec(p, "4hello"), Ok(msg("hello")));
        assert_eq!(dec(p, "4"), Ok(msg("")));
        assert_eq!(dec(p, "4é😀"), Ok(msg("é😀")));
        assert_eq!(dec(p, "5"), Ok(Packet::Upgrade));
        assert_eq!(dec(p, "6"), Ok(Packet::Noop));
    }
    assert_eq!(dec(Protocol::V4, "bAQIDBA=="), Ok(bin(&[1, 2, 3, 4])));
    assert_eq!(dec(Protocol::V4, "bAQIDBA"), Ok(bin(&[1, 2, 3, 4])));
    assert_eq!(dec(Protocol::V4, "b"), Ok(bin(&[])));
    assert_eq!(dec(Protocol::V3, "b4AQIDBA=="), Ok(bin(&[1, 2, 3, 4])));
}

#[test]
fn refuses_what_clients_may_not_send() {
    for p in [Protocol::V3, Protocol::V4] {
        assert_eq!(dec(p, ""), Err(DecodeError::Empty));
        assert_eq!(
            dec(p, r#"0{"sid":"x"}"#),
            Err(DecodeError::UnexpectedPacket)
        );
        assert_eq!(dec(p, "7"), Err(DecodeError::UnknownType));
        assert_eq!(dec(p, "abc"), Err(DecodeError::UnknownType));
        assert_eq!(dec(p, "2ping"), Err(DecodeError::UnexpectedPacket));
        assert_eq!(dec(p, "1x"), Err(DecodeError::UnexpectedPacket));
        assert_eq!(dec(p, "5x"), Err(DecodeError::UnexpectedPacket));
    }
    // Truncated or broken base64.
    assert_eq!(dec(Protocol::V4, "bAQIDB"), Err(DecodeError::InvalidBase64));
    assert_eq!(dec(Protocol::V4, "bAQ=I"), Err(DecodeError::InvalidBase64));
    assert_eq!(dec(Protocol::V4, "b!!!!"), Err(DecodeError::InvalidBase64));
    assert_eq!(
        dec(Protocol::V3, "b4AQIDB"),
        Err(DecodeError::InvalidBase64)
    );
    assert_eq!(dec(Protocol::V3, "b"), Err(DecodeError::Empty));
    assert_eq!(
        dec(Protocol::V3, "b2AQ=="),
        Err(DecodeError::UnexpectedPacket)
    );
    assert_eq!(dec(Protocol::V3, "bxAQ=="), Err(DecodeError::UnknownType));
}

#[test]
fn binary_frames() {
    let data = Bytes::from_static(&[4, 1, 2]);
    assert_eq!(
        Packet::decode_binary(Protocol::V4, data.clone()),
        Ok(bin(&[4, 1, 2]))
    );
    assert_eq!(Packet::decode_binary(Protocol::V3, data), Ok(bin(&[1, 2])));
    assert_eq!(
        Packet::decode_binary(Protocol::V3, Bytes::new()),
        Err(DecodeError::Empty)
    );
    assert_eq!(
        Packet::decode_binary(Protocol::V3, Bytes::from_static(&[2])),
        Err(DecodeError::UnexpectedPacket)
    );
    assert_eq!(
        Packet::decode_binary(Protocol::V3, Bytes::from_static(&[200])),
        Err(DecodeError::UnknownType)
    );
}

#[test]
fn text_forms_round_trip() {
    let packets = [
        Packet::Close,
        Packet::Ping { probe: false },
        Packet::Ping { probe: true },
        Packet::Pong { probe: false },
        Packet::Pong { probe: true },
        msg("héllo 😀"),
        msg(""),
        bin(&[0, 255, 7]),
        bin(&[]),
        Packet::Upgrade,
        Packet::Noop,
    ];
    for p in [Protocol::V3, Protocol::V4] {
        for packet in &packets {
            let text = packet.encode_text(p);
            assert_eq!(
                Packet::decode_text(p, text.clone()).as_ref(),
                Ok(packet),
                "{text}"
            );
        }
    }
    assert_eq!(&*bin(&[1, 2, 3, 4]).encode_text(Protocol::V4), "bAQIDBA==");
    assert_eq!(&*bin(&[1, 2, 3, 4]).encode_text(Protocol::V3), "b4AQIDBA==");
    assert_eq!(
        &*Packet::Pong { probe: true }.encode_text(Protocol::V4),
        "3probe"
    );
}

#[test]
fn open_packet_json() {
    let open = OpenPacket {
        sid: "s".into(),
        upgrades: vec!["websocket"],
        ping_interval: 25000,
        ping_timeout: 20000,
        max_payload: Some(1_000_000),
    };
    assert_eq!(
        &*Packet::Open(open.clone()).encode_text(Protocol::V4),
        r#"0{"sid":"s","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
    );
    let v3 = OpenPacket {
        max_payload: None,
        ..open
    };
    assert_eq!(
        &*Packet::Open(v3).encode_text(Protocol::V3),
        r#"0{"sid":"s","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}"#
    );
}

#[test]
fn websocket_frames() {
    let b = bin(&[1, 2]);
    assert_eq!(
        b.encode_ws(Protocol::V4, true),
        WsFrame::Binary(Bytes::from_static(&[1, 2]))
    );
    assert_eq!(
        b.encode_ws(Protocol::V4, false),
        WsFrame::Binary(Bytes::from_static(&[1, 2]))
    );
    assert_eq!(
        b.encode_ws(Protocol::V3, true),
        WsFrame::Binary(Bytes::from_static(&[4, 1, 2]))
    );
    assert_eq!(
        b.encode_ws(Protocol::V3, false),
        WsFrame::Text(Str::from("b4AQI="))
    );
    assert_eq!(
        msg("x").encode_ws(Protocol::V4, true),
        WsFrame::Text(Str::from("4x"))
    );
}

#[test]
fn a_framed_message_is_sent_as_its_own_buffer() {
    let frame = TextFrame::with_message(8, |buf| buf.push_str("2[\"é\"]"));
    let packet = Packet::Message(Message::Framed(frame.clone()));
    for protocol in [Protocol::V4, Protocol::V3] {
        let WsFrame::Text(text) = packet.encode_ws(protocol, true) else {
            panic!("a text frame")
        };
        assert_eq!(text.as_str(), "42[\"é\"]");
        assert_eq!(
            text.as_bytes().as_ptr(),
            frame.as_frame().as_bytes().as_ptr(),
            "shared, not copied"
        );
    }
    let plain = Packet::Message(Message::Text(Str::from("2[\"é\"]")));
    assert_eq!(packet, plain, "equal by content");
    for protocol in [Protocol::V4, Protocol::V3] {
        let framed = crate::payload::encode(protocol, &[packet.clone(), Packet::Noop], true);
        let text = crate::payload::encode(protocol, &[plain.clone(), Packet::Noop], true);
        assert_eq!(framed, text, "{protocol:?} polling body");
    }
}
