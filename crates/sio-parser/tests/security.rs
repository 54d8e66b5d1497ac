//! Rows 21–28 of the project's security cases: hostile packets are refused
//! with a typed error, never a panic, and nothing is buffered past a limit.

use bytes::Bytes;
use sio_engine::Str;
use sio_parser::{DecodeError, Decoder, DecoderConfig, Parser, Version};

fn decoder() -> Decoder {
    Decoder::new(Parser::Default, Version::V5, DecoderConfig::default())
}

fn text(frame: &str) -> Result<Option<sio_parser::Packet>, DecodeError> {
    decoder().decode_text(Str::from(frame.to_owned()))
}

fn err(frame: &str) -> DecodeError {
    text(frame).expect_err(frame)
}

/// Row 21: type outside 0–6, empty packet, CONNECT_ERROR from a client.
#[test]
fn row21_bad_packet_types() {
    assert_eq!(err(""), DecodeError::Empty);
    for frame in ["7", "9[]", "x", "-1", " 2[\"a\"]"] {
        assert_eq!(err(frame), DecodeError::UnknownType, "{frame:?}");
    }
    assert_eq!(err(r#"4{"message":"x"}"#), DecodeError::UnknownType);
    assert_eq!(err(r#"4"x""#), DecodeError::UnknownType);
}

/// Row 22: EVENT payload not an array, empty, bad head, reserved head.
#[test]
fn row22_event_payload_shape() {
    for frame in [
        r#"2{"a":1}"#,
        r#"2"hello""#,
        "2[]",
        "2[null]",
        r#"2[{"a":1}]"#,
        "2[true]",
        "2[[1]]",
        "2",
        "2/admin,",
        "21",
    ] {
        assert_eq!(err(frame), DecodeError::InvalidPayload, "{frame:?}");
    }
    for name in [
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ] {
        assert_eq!(
            err(&format!(r#"2["{name}",1]"#)),
            DecodeError::InvalidPayload,
            "{name}"
        );
        assert_eq!(
            err(&format!(r#"2/admin,3["{name}"]"#)),
            DecodeError::InvalidPayload,
            "{name}"
        );
    }
    // An escaped spelling of a reserved name is the same name.
    assert_eq!(err(r#"2["\u0063onnect"]"#), DecodeError::InvalidPayload);
    // socket.io-parser 4.2.6 lets `error` through; the server decides.
    let packet = text(r#"2["error","x"]"#).unwrap().unwrap();
    assert_eq!(packet.event_name(), Some("error"));
}

/// Row 23: ack ids that are negative, fractional, huge; ACK without id.
#[test]
fn row23_ack_ids() {
    assert!(matches!(
        err(r#"2-1["a"]"#),
        DecodeError::InvalidPayload | DecodeError::Malformed(_)
    ));
    assert!(matches!(err(r#"21.5["a"]"#), DecodeError::Malformed(_)));
    assert_eq!(
        err(&format!(r#"2{}["a"]"#, "9".repeat(400))),
        DecodeError::BadAckId
    );
    assert_eq!(err(r#"29007199254740992["a"]"#), DecodeError::BadAckId);
    assert_eq!(
        err(r#"2/admin,18446744073709551616["a"]"#),
        DecodeError::BadAckId
    );
    assert_eq!(err("3[]"), DecodeError::MissingAckId);
    assert_eq!(err("3/admin,[1]"), DecodeError::MissingAckId);
    let max = text(r#"29007199254740991["a"]"#).unwrap().unwrap();
    assert_eq!(max.id, Some(9_007_199_254_740_991));
}

/// Row 24: malformed or oversized attachment headers are refused before
/// anything is buffered.
#[test]
fn row24_attachment_headers() {
    let mut d = decoder();
    let frame = r#"51000000-["a",{"_placeholder":true,"num":0}]"#;
    assert_eq!(
        d.decode_text(Str::from(frame)),
        Err(DecodeError::TooManyAttachments { limit: 10 })
    );
    assert!(!d.is_awaiting_attachments());
    assert_eq!(
        err(&format!("5{}-[\"a\"]", "9".repeat(100))),
        DecodeError::TooManyAttachments { limit: 10 }
    );
    assert_eq!(
        err(r#"511-["a"]"#),
        DecodeError::TooManyAttachments { limit: 10 }
    );
    for frame in [
        r#"5-1-["a"]"#,
        r#"5abc-["a"]"#,
        r#"5-["a"]"#,
        "5",
        "51",
        r#"6+1-[]"#,
    ] {
        assert_eq!(err(frame), DecodeError::BadAttachmentHeader, "{frame:?}");
    }
    // Exactly the limit is fine.
    let ten: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"_placeholder":true,"num":{i}}}"#))
        .collect();
    assert_eq!(text(&format!(r#"510-["a",{}]"#, ten.join(","))), Ok(None));
}

fn binary(header: &str, attachments: usize) -> Result<Option<sio_parser::Packet>, DecodeError> {
    let mut d = decoder();
    assert_eq!(d.decode_text(Str::from(header.to_owned())), Ok(None));
    let mut last = Ok(None);
    for i in 0..attachments {
        last = d.decode_binary(Bytes::from(vec![i as u8]));
        if last.is_err() {
            break;
        }
    }
    last
}

/// Row 25: placeholders that are not exactly `{"_placeholder":true,"num":<index>}`.
#[test]
fn row25_placeholders() {
    for header in [
        r#"51-["a",{"_placeholder":true,"num":"0"}]"#,
        r#"51-["a",{"_placeholder":true,"num":-1}]"#,
        r#"51-["a",{"_placeholder":true,"num":0.5}]"#,
        r#"51-["a",{"_placeholder":true,"num":1}]"#,
        r#"51-["a",{"_placeholder":true,"num":0,"x":1}]"#,
        r#"51-["a",{"_placeholder":true}]"#,
        r#"51-["a"]"#,
        r#"51-["a",{"_placeholder":false,"num":0}]"#,
    ] {
        assert_eq!(
            binary(header, 1),
            Err(DecodeError::BadPlaceholder),
            "{header}"
        );
    }
    let dup = r#"52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]"#;
    assert_eq!(binary(dup, 2), Err(DecodeError::BadPlaceholder));
    // Key order does not matter, nesting does not matter.
    let ok = r#"52-["a",{"x":[{"num":1,"_placeholder":true}]},{"_placeholder":true,"num":0}]"#;
    let packet = binary(ok, 2).unwrap().unwrap();
    let (x, b): (serde_json::Value, Bytes) = packet
        .args()
        .map(|(x, b): (sio_parser::Value, Bytes)| (serde_json::to_value(&x).unwrap(), b))
        .unwrap();
    assert_eq!(x["x"][0], serde_json::json!([1]));
    assert_eq!(&b[..], &[0]);
}

/// Row 26: a partial binary packet is dropped on reset, text while waiting
/// is refused, and attachment bytes are capped.
#[test]
fn row26_partial_binary_packets() {
    let header = r#"53-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]"#;
    let mut d = decoder();
    assert_eq!(d.decode_text(Str::from(header)), Ok(None));
    assert_eq!(d.decode_binary(Bytes::from_static(b"x")), Ok(None));
    assert!(d.is_awaiting_attachments());
    d.reset();
    assert!(!d.is_awaiting_attachments());
    assert_eq!(
        d.decode_binary(Bytes::from_static(b"y")),
        Err(DecodeError::UnexpectedBinary)
    );

    let mut d = decoder();
    assert_eq!(d.decode_text(Str::from(header)), Ok(None));
    assert_eq!(
        d.decode_text(Str::from(r#"2["b"]"#)),
        Err(DecodeError::UnexpectedText { missing: 3 })
    );
    assert!(!d.is_awaiting_attachments());

    let config = DecoderConfig::default().max_attachment_bytes(100);
    let mut d = Decoder::new(Parser::Default, Version::V5, config);
    assert_eq!(d.decode_text(Str::from(header)), Ok(None));
    assert_eq!(d.decode_binary(Bytes::from(vec![0; 60])), Ok(None));
    assert_eq!(
        d.decode_binary(Bytes::from(vec![0; 60])),
        Err(DecodeError::AttachmentsTooLarge { limit: 100 })
    );
    assert!(!d.is_awaiting_attachments());
}

/// Row 27: a binary frame with no pending binary packet.
#[test]
fn row27_unexpected_binary() {
    let mut d = decoder();
    assert_eq!(
        d.decode_binary(Bytes::from_static(&[1, 2, 3])),
        Err(DecodeError::UnexpectedBinary)
    );
    // The decoder stays usable for the caller that decides to ignore it.
    assert!(d.decode_text(Str::from(r#"2["a"]"#)).unwrap().is_some());
}

/// Row 28: deep nesting (JSON and msgpack) and huge declared msgpack lengths.
#[test]
fn row28_depth_and_declared_lengths() {
    let deep = format!(r#"2["a",{}{}]"#, "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(err(&deep), DecodeError::TooDeep { .. }));
    let deep_obj = format!(r#"0{}1{}"#, r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    assert!(matches!(err(&deep_obj), DecodeError::TooDeep { .. }));
    let shallow = Decoder::new(
        Parser::Default,
        Version::V5,
        DecoderConfig::default().max_depth(3),
    )
    .decode_text(Str::from(r#"2["a",[[[1]]]]"#));
    assert_eq!(shallow, Err(DecodeError::TooDeep { limit: 3 }));
    // 128 levels in all (the event array included) are accepted.
    let ok = format!(r#"2["a",{}{}]"#, "[".repeat(126), "]".repeat(126));
    assert!(text(&ok).unwrap().is_some());

    #[cfg(feature = "msgpack")]
    {
        let mut mp = Decoder::new(Parser::MsgPack, Version::V5, DecoderConfig::default());
        // {"type":2,"nsp":"/","data":[[[[…]]]]} nested 100 000 times.
        let mut nested = vec![
            0x83, 0xa4, b't', b'y', b'p', b'e', 0x02, 0xa3, b'n', b's', b'p', 0xa1, b'/',
        ];
        nested.extend_from_slice(&[0xa4, b'd', b'a', b't', b'a']);
        nested.extend(std::iter::repeat_n(0x91, 100_000));
        nested.push(0xc0);
        assert!(matches!(
            mp.decode_binary(Bytes::from(nested)),
            Err(DecodeError::TooDeep { .. })
        ));
        let mut maps = vec![0x81, 0xa1, b'a'];
        maps.extend(std::iter::repeat_n([0x81, 0xa1, b'a'], 100_000).flatten());
        assert!(matches!(
            mp.decode_binary(Bytes::from(maps)),
            Err(DecodeError::TooDeep { .. })
        ));
        // An array declaring 2^32−1 elements, a string declaring 4 GiB: refused
        // without reserving memory for them.
        let huge_array = [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert!(matches!(
            mp.decode_binary(Bytes::copy_from_slice(&huge_array)),
            Err(DecodeError::Malformed(_))
        ));
        let huge_str = [0x81, 0xdb, 0xff, 0xff, 0xff, 0xff, b'a'];
        assert!(matches!(
            mp.decode_binary(Bytes::copy_from_slice(&huge_str)),
            Err(DecodeError::Malformed(_))
        ));
        let huge_map = [0xdf, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            mp.decode_binary(Bytes::copy_from_slice(&huge_map)),
            Err(DecodeError::Malformed(_))
        ));
        // Nested claims must not multiply: 100 arrays each declaring 2^32−1
        // elements, padded to 1 MB, are refused without reserving gigabytes.
        let mut claims = vec![
            0x83, 0xa4, b't', b'y', b'p', b'e', 0x02, 0xa3, b'n', b's', b'p', 0xa1, b'/',
        ];
        claims.extend_from_slice(&[0xa4, b'd', b'a', b't', b'a']);
        claims.extend(std::iter::repeat_n([0xdd, 0xff, 0xff, 0xff, 0xff], 100).flatten());
        claims.resize(1_000_000, 0xc0);
        assert!(matches!(
            mp.decode_binary(Bytes::from(claims)),
            Err(DecodeError::Malformed(_))
        ));
        // Text frames are not msgpack.
        assert_eq!(
            mp.decode_text(Str::from("2[\"a\"]")),
            Err(DecodeError::WrongFrameKind)
        );
    }
}

/// Namespaces must start with `/` (otherwise the text is not a namespace
/// and fails as payload) and be valid UTF-8.
#[test]
fn namespaces() {
    assert!(matches!(err(r#"2admin,["a"]"#), DecodeError::Malformed(_)));
    let packet = text(r#"2/ünï,["a"]"#).unwrap().unwrap();
    assert_eq!(packet.ns.as_str(), "/ünï");
    let packet = text("0/admin").unwrap().unwrap();
    assert_eq!(packet.ns.as_str(), "/admin");
}
