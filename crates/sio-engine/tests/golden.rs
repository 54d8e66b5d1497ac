//! Golden vectors: the bytes Node's Engine.IO parsers produce and refuse
//! (`tests/vectors/engine-io.json`, made by `tests/vectors/generate.cjs`),
//! checked against our encoders and decoders.

use bytes::Bytes;
use serde_json::Value;
use sio_engine::payload::{self, BINARY_CONTENT_TYPE, PayloadLimits, TEXT_CONTENT_TYPE};
use sio_engine::{Message, OpenPacket, Packet, Protocol, Str, WsFrame};

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/engine-io.json")).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn protocol(v: &Value) -> Protocol {
    match v["protocol"].as_u64() {
        Some(3) => Protocol::V3,
        Some(4) => Protocol::V4,
        other => panic!("protocol {other:?}"),
    }
}

fn packet(v: &Value) -> Packet {
    let text = v["text"].as_str();
    let probe = text == Some("probe");
    match v["type"].as_str().unwrap() {
        "open" => Packet::Open(OpenPacket {
            sid: "abc".into(),
            upgrades: vec!["websocket"],
            ping_interval: 25000,
            ping_timeout: 20000,
            max_payload: Some(1_000_000),
        }),
        "close" => Packet::Close,
        "ping" => Packet::Ping { probe },
        "pong" => Packet::Pong { probe },
        "message" => match (text, v["binary"].as_str()) {
            (Some(t), _) => Packet::Message(Message::Text(Str::from(t.to_owned()))),
            (None, Some(b)) => Packet::Message(Message::Binary(Bytes::from(unhex(b)))),
            _ => panic!("message without data"),
        },
        "upgrade" => Packet::Upgrade,
        "noop" => Packet::Noop,
        other => panic!("type {other}"),
    }
}

#[test]
fn packets_match_node() {
    let v = vectors();
    let cases = v["packets"].as_array().unwrap();
    assert!(cases.len() >= 50);
    for case in cases {
        let p = protocol(case);
        let supports_binary = case["supportsBinary"].as_bool().unwrap();
        let expected = packet(&case["packet"]);
        let body = Bytes::from(unhex(case["body"].as_str().unwrap()));
        let frame = expected.encode_ws(p, supports_binary);
        if case["binaryFrame"].as_bool().unwrap() {
            assert_eq!(frame, WsFrame::Binary(body.clone()), "{case}");
            if !matches!(expected, Packet::Open(_)) {
                assert_eq!(
                    Packet::decode_binary(p, body).as_ref(),
                    Ok(&expected),
                    "{case}"
                );
            }
        } else {
            let text = Str::from_utf8(body).unwrap();
            assert_eq!(expected.encode_text(p), text, "{case}");
            if supports_binary || p == Protocol::V3 {
                assert_eq!(frame, WsFrame::Text(text.clone()), "{case}");
            }
            if !matches!(expected, Packet::Open(_)) {
                assert_eq!(
                    Packet::decode_text(p, text).as_ref(),
                    Ok(&expected),
                    "{case}"
                );
            }
        }
    }
}

#[test]
fn payloads_match_node() {
    let v = vectors();
    let cases = v["payloads"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let p = protocol(case);
        let supports_binary = case["supportsBinary"].as_bool().unwrap();
        let binary_body = case["binaryBody"].as_bool().unwrap();
        let packets: Vec<Packet> = case["packets"]
            .as_array()
            .unwrap()
            .iter()
            .map(packet)
            .collect();
        let body = Bytes::from(unhex(case["body"].as_str().unwrap()));
        let encoded = payload::encode(p, &packets, supports_binary);
        assert_eq!(encoded.body, body, "{case}");
        let content_type = if binary_body {
            BINARY_CONTENT_TYPE
        } else {
            TEXT_CONTENT_TYPE
        };
        assert_eq!(encoded.content_type, content_type, "{case}");
        if !packets.iter().any(|q| matches!(q, Packet::Open(_))) {
            let decoded = payload::decode(p, body, binary_body, PayloadLimits::default());
            assert_eq!(decoded, Ok(packets), "{case}");
        }
    }
}

#[test]
fn refusals_match_node() {
    let v = vectors();
    let cases = v["decode"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let p = protocol(case);
        let body = Bytes::from(unhex(case["body"].as_str().unwrap()));
        let binary_body = case["binaryBody"].as_bool().unwrap();
        let result = payload::decode(p, body, binary_body, PayloadLimits::default());
        assert_eq!(
            result.is_err(),
            case["error"].as_bool().unwrap(),
            "{case}: {result:?}"
        );
    }
}
