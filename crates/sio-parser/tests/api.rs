//! What the server relies on: reading arguments into user types (with
//! binary), forwarding them unchanged, and encoding errors.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sio_engine::Str;
use sio_parser::{
    Data, DataError, Decoder, DecoderConfig, EncodeError, Encoded, Encoder, Packet, PacketKind,
    Parser, Value, Version,
};

fn decode_all(parser: Parser, encoded: &Encoded) -> Packet {
    let mut decoder = Decoder::new(parser, Version::V5, DecoderConfig::default());
    let mut last = None;
    for message in encoded.messages() {
        last = decoder.decode(message).unwrap();
    }
    last.unwrap()
}

fn text(frame: &str) -> Packet {
    Decoder::new(Parser::Default, Version::V5, DecoderConfig::default())
        .decode_text(Str::from(frame.to_owned()))
        .unwrap()
        .unwrap()
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Chat {
    user: String,
    text: String,
}

#[test]
fn arguments_into_user_types() {
    let packet = text(r#"2/chat,12["message",{"user":"a","text":"hi"},3,"extra"]"#);
    assert_eq!(packet.kind, PacketKind::Event);
    assert_eq!(packet.ns.as_str(), "/chat");
    assert_eq!(packet.id, Some(12));
    assert_eq!(packet.event_name(), Some("message"));
    let (chat, n): (Chat, u32) = packet.args().unwrap();
    assert_eq!(
        chat,
        Chat {
            user: "a".into(),
            text: "hi".into()
        }
    );
    assert_eq!(n, 3);
    assert_eq!(packet.arg::<u32>(1).unwrap(), 3);
    assert_eq!(packet.arg::<String>(2).unwrap(), "extra");
    assert!(matches!(
        packet.arg::<String>(3),
        Err(DataError::MissingArgument(3))
    ));
    assert!(matches!(
        packet.arg::<u32>(0),
        Err(DataError::Deserialize(_))
    ));
    let all: Vec<serde_json::Value> = packet.args().unwrap();
    assert_eq!(all.len(), 3);
    let whole: (String, Chat, u32, String) = packet.data_as().unwrap();
    assert_eq!(whole.0, "message");
    // The raw JSON is a slice of the frame.
    let Data::Json(raw) = &packet.data else {
        panic!("raw json expected")
    };
    assert_eq!(
        &raw.as_bytes()[..],
        br#"["message",{"user":"a","text":"hi"},3,"extra"]"#
    );
}

#[test]
fn event_names() {
    assert_eq!(
        text(r#"2["line\nbreak"]"#).event_name(),
        Some("line\nbreak")
    );
    assert_eq!(text(r#"2["caf\u00e9"]"#).event_name(), Some("café"));
    assert_eq!(text(r#"2[42,"x"]"#).event_name(), Some("42"));
    assert_eq!(text("3/a,1[]").event_name(), None);
    let ack = text(r#"31["ok",2]"#);
    let (ok, two): (String, u8) = ack.args().unwrap();
    assert_eq!((ok.as_str(), two), ("ok", 2));
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Upload {
    name: String,
    body: Bytes,
    parts: Vec<Bytes>,
}

#[test]
fn binary_into_bytes_fields_at_any_depth() {
    let encoder = Encoder::new(Parser::Default, Version::V5);
    let upload = Upload {
        name: "a.bin".into(),
        body: Bytes::from_static(&[1, 2, 3]),
        parts: vec![Bytes::from_static(b"x"), Bytes::new()],
    };
    let encoded = encoder
        .event("/", "upload", &(&upload, 7), Some(1))
        .unwrap();
    let Encoded::Text { frame, attachments } = &encoded else {
        panic!()
    };
    assert!(frame.text().starts_with(
        "53-1[\"upload\",{\"name\":\"a.bin\",\"body\":{\"_placeholder\":true,\"num\":0}"
    ));
    assert_eq!(attachments.len(), 3);
    let packet = decode_all(Parser::Default, &encoded);
    assert_eq!(packet.kind, PacketKind::BinaryEvent);
    let (got, seven): (Upload, u8) = packet.args().unwrap();
    assert_eq!(got, upload);
    assert_eq!(seven, 7);
    assert_eq!(packet.arg::<Upload>(0).unwrap(), upload);
    // Vec<u8> reads binary too.
    let value = Value::Binary(Bytes::from_static(&[9, 8]));
    assert_eq!(Vec::<u8>::deserialize(&value).unwrap(), vec![9, 8]);
}

#[test]
fn forwarding_arguments_unchanged_with_binary() {
    let frames = r#"52-/room,["echo",{"a":[1,{"_placeholder":true,"num":1}]},"s",{"_placeholder":true,"num":0}]"#;
    let mut decoder = Decoder::new(Parser::Default, Version::V5, DecoderConfig::default());
    assert!(decoder.decode_text(Str::from(frames)).unwrap().is_none());
    assert!(
        decoder
            .decode_binary(Bytes::from_static(b"zero"))
            .unwrap()
            .is_none()
    );
    let packet = decoder
        .decode_binary(Bytes::from_static(b"one"))
        .unwrap()
        .unwrap();
    let args = packet.arg_values().unwrap();
    assert_eq!(args.len(), 3);
    assert_eq!(args[2], Value::Binary(Bytes::from_static(b"zero")));
    // Re-emit under the same name: same text, attachments renumbered in order.
    let encoder = Encoder::new(Parser::Default, Version::V5);
    let again = encoder
        .event("/room", packet.event_name().unwrap(), &args, None)
        .unwrap();
    let Encoded::Text { frame, attachments } = &again else {
        panic!()
    };
    assert_eq!(
        frame.text(),
        r#"52-/room,["echo",{"a":[1,{"_placeholder":true,"num":0}]},"s",{"_placeholder":true,"num":1}]"#
    );
    assert_eq!(
        attachments,
        &[Bytes::from_static(b"one"), Bytes::from_static(b"zero")]
    );
    // And through msgpack, binary stays binary.
    #[cfg(feature = "msgpack")]
    {
        let mp = Encoder::new(Parser::MsgPack, Version::V5)
            .event("/room", "echo", &args, None)
            .unwrap();
        assert_eq!(decode_all(Parser::MsgPack, &mp).arg_values().unwrap(), args);
    }
}

#[test]
fn encoded_packets_share_their_buffers() {
    let encoded = Encoder::new(Parser::Default, Version::V5)
        .event("/", "b", &(Bytes::from(vec![0u8; 1024]),), None)
        .unwrap();
    let copy = encoded.clone();
    let (
        Encoded::Text {
            frame: a,
            attachments: x,
        },
        Encoded::Text {
            frame: b,
            attachments: y,
        },
    ) = (&encoded, &copy)
    else {
        panic!()
    };
    assert_eq!(
        a.as_frame().as_bytes().as_ptr(),
        b.as_frame().as_bytes().as_ptr()
    );
    assert_eq!(x[0].as_ptr(), y[0].as_ptr());
    assert_eq!(encoded.messages().count(), 2);
}

#[test]
fn connect_data_and_protocol_4_query() {
    #[derive(Deserialize)]
    struct Auth {
        token: String,
    }
    let packet = text(r#"0/admin,{"token":"abc"}"#);
    assert_eq!(packet.data_as::<Auth>().unwrap().token, "abc");
    assert_eq!(text("0").data, Data::None);

    let v4 = Decoder::new(Parser::Default, Version::V4, DecoderConfig::default())
        .decode_text(Str::from("0/admin?token=abc&x=1,"))
        .unwrap()
        .unwrap();
    assert_eq!(v4.ns.as_str(), "/admin");
    assert_eq!(v4.data, Data::Query(Str::from("token=abc&x=1")));
    assert_eq!(v4.data_as::<String>().unwrap(), "token=abc&x=1");
    // In protocol 5 a `?` is part of the name.
    assert_eq!(text("0/admin?x=1,").ns.as_str(), "/admin?x=1");
}

#[test]
fn encoder_refuses_what_clients_would_refuse() {
    let encoder = Encoder::new(Parser::Default, Version::V5);
    assert!(matches!(
        encoder.event("/", "disconnect", &(1,), None),
        Err(EncodeError::ReservedEvent(_))
    ));
    assert!(matches!(
        encoder.event("admin", "a", &(1,), None),
        Err(EncodeError::BadNamespace)
    ));
    assert!(matches!(
        encoder.event("/", "a", &(1,), Some(1 << 53)),
        Err(EncodeError::BadAckId)
    ));
    assert!(matches!(
        encoder.event("/", "a", &"not a sequence", None),
        Err(EncodeError::NotASequence)
    ));
    assert!(matches!(
        encoder.ack("/", 1, &5),
        Err(EncodeError::NotASequence)
    ));
    let mut map = std::collections::HashMap::new();
    map.insert(vec![1u8], 1);
    assert!(matches!(
        encoder.event("/", "a", &(map,), None),
        Err(EncodeError::Serialize(_))
    ));
    assert_eq!(
        encoder.event("/", "a", &(), None).unwrap().text(),
        Some(r#"2["a"]"#)
    );
    assert_eq!(encoder.ack("/a", 3, &()).unwrap().text(), Some("3/a,3[]"));
}

#[cfg(feature = "msgpack")]
#[test]
fn msgpack_bytes_fields_and_limits() {
    let encoder = Encoder::new(Parser::MsgPack, Version::V5);
    let upload = Upload {
        name: "n".into(),
        body: Bytes::from_static(&[7; 300]),
        parts: vec![],
    };
    let encoded = encoder.event("/", "up", &(&upload,), Some(2)).unwrap();
    assert!(matches!(encoded, Encoded::Binary(_)));
    let packet = decode_all(Parser::MsgPack, &encoded);
    assert_eq!(packet.kind, PacketKind::Event);
    assert_eq!(packet.id, Some(2));
    assert_eq!(packet.event_name(), Some("up"));
    assert_eq!(packet.arg::<Upload>(0).unwrap(), upload);
}
