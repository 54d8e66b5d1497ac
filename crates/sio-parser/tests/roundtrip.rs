//! Property tests: any packet the encoder writes decodes back to itself,
//! for both parsers and both protocol revisions.

use bytes::Bytes;
use proptest::prelude::*;
#[cfg(feature = "msgpack")]
use sio_parser::MsgPackParser;
use sio_parser::{
    Decoder, DecoderConfig, DefaultParser, Encoded, Encoder, MAX_ACK_ID, Packet, Parser, Value,
    Version, is_reserved_event,
};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(|n| Value::Number(n.into())),
        // Non-integral floats (integral ones are integers in JavaScript).
        (-1e12f64..1e12)
            .prop_map(|f| Value::Number(serde_json::Number::from_f64(f.trunc() + 0.5).unwrap())),
        "\\PC{0,12}".prop_map(Value::String),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(|b| Value::Binary(Bytes::from(b))),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec(("\\PC{0,6}", inner), 0..6).prop_map(Value::Object),
        ]
    })
}

fn namespace() -> impl Strategy<Value = String> {
    prop_oneof![Just("/".to_owned()), "/[a-zA-Z0-9_ü😀-]{1,10}"]
}

fn event_name() -> impl Strategy<Value = String> {
    "\\PC{0,16}".prop_filter("reserved", |s| !is_reserved_event(s))
}

fn ack_id() -> impl Strategy<Value = Option<u64>> {
    proptest::option::of(0..=MAX_ACK_ID)
}

fn decode(parser: Parser, version: Version, encoded: &Encoded) -> Packet {
    let mut decoder = Decoder::new(
        parser,
        version,
        DecoderConfig::default().max_attachments(usize::MAX),
    );
    let mut last = None;
    for message in encoded.messages() {
        assert!(last.is_none(), "packet completed before its last message");
        last = decoder.decode(message).unwrap();
    }
    last.unwrap()
}

/// The built-in formats, directly and through the `PacketParser` trait
/// (as a custom parser would be called).
fn setups() -> Vec<(Parser, Version)> {
    vec![
        (Parser::Default, Version::V5),
        (Parser::Default, Version::V4),
        #[cfg(feature = "msgpack")]
        (Parser::MsgPack, Version::V5),
        (Parser::custom(DefaultParser), Version::V5),
        (Parser::custom(DefaultParser), Version::V4),
        #[cfg(feature = "msgpack")]
        (Parser::custom(MsgPackParser), Version::V5),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn events_round_trip(ns in namespace(), name in event_name(), args in proptest::collection::vec(value(), 0..5), id in ack_id()) {
        for (parser, version) in setups() {
            let encoded = Encoder::new(parser.clone(), version).event(&ns, &name, &args, id).unwrap();
            let packet = decode(parser.clone(), version, &encoded);
            prop_assert!(packet.kind.is_event());
            prop_assert_eq!(packet.kind.is_binary(), parser.name() == "default" && args.iter().any(Value::has_binary));
            prop_assert_eq!(packet.ns.as_str(), ns.as_str());
            prop_assert_eq!(packet.id, id);
            prop_assert_eq!(packet.event_name(), Some(name.as_str()));
            prop_assert_eq!(&packet.arg_values().unwrap(), &args);
            // Re-encoding the decoded packet gives the same messages.
            let again = Encoder::new(parser.clone(), version).packet(&packet).unwrap();
            prop_assert_eq!(again, encoded);
        }
    }

    #[test]
    fn acks_round_trip(ns in namespace(), args in proptest::collection::vec(value(), 0..5), id in 0..=MAX_ACK_ID) {
        for (parser, version) in setups() {
            let encoded = Encoder::new(parser.clone(), version).ack(&ns, id, &args).unwrap();
            let packet = decode(parser.clone(), version, &encoded);
            prop_assert!(packet.kind.is_ack());
            prop_assert_eq!(packet.ns.as_str(), ns.as_str());
            prop_assert_eq!(packet.id, Some(id));
            prop_assert_eq!(packet.event_name(), None);
            prop_assert_eq!(&packet.arg_values().unwrap(), &args);
        }
    }

    #[test]
    fn connect_round_trip(ns in namespace(), sid in "[A-Za-z0-9_-]{20}", pid in proptest::option::of("[A-Za-z0-9_-]{20}")) {
        for (parser, version) in setups().into_iter().filter(|(_, v)| *v == Version::V5) {
            let encoded = Encoder::new(parser.clone(), version).connect(&ns, &sid, pid.as_deref()).unwrap();
            let packet = decode(parser.clone(), version, &encoded);
            let data: Value = packet.data_as().unwrap();
            prop_assert_eq!(packet.ns.as_str(), ns.as_str());
            prop_assert_eq!(data.get("sid").and_then(Value::as_str), Some(sid.as_str()));
            prop_assert_eq!(data.get("pid").and_then(Value::as_str), pid.as_deref());
        }
    }

    /// Arbitrary text never panics the decoder.
    #[test]
    fn arbitrary_text_never_panics(frame in "\\PC{0,64}", v4 in any::<bool>()) {
        let version = if v4 { Version::V4 } else { Version::V5 };
        let mut decoder = Decoder::new(Parser::Default, version, DecoderConfig::default());
        let _ = decoder.decode_text(sio_engine::Str::from(frame));
    }
}
