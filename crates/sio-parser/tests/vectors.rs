//! Golden vectors produced by the Node packages (tests/parser-vectors):
//! `decode(node bytes) == model` and `encode(model) == node bytes`.

use bytes::Bytes;
use sio_engine::{Message, Str};
use sio_parser::{
    Data, Decoder, DecoderConfig, Encoded, Encoder, Packet, PacketKind, Parser, Value, Version,
};

/// The vectors of one file, read with [`Value`] so that keys keep their order.
fn load(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    match doc.get("vectors") {
        Some(Value::Array(items)) => items.clone(),
        _ => panic!("no vectors in {file}"),
    }
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap()
}

fn uint(v: &Value, key: &str) -> Option<u64> {
    match v.get(key) {
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    }
}

fn unhex(s: &str) -> Bytes {
    let bytes = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect::<Vec<u8>>();
    Bytes::from(bytes)
}

/// The model with `{"$binary": hex}` turned into binary values.
fn model_value(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(model_value).collect()),
        Value::Object(entries) => match entries.as_slice() {
            [(k, Value::String(hex))] if k == "$binary" => Value::Binary(unhex(hex)),
            _ => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), model_value(v)))
                    .collect(),
            ),
        },
        other => other.clone(),
    }
}

fn frames(vector: &Value) -> Vec<Message> {
    let Some(Value::Array(frames)) = vector.get("frames") else {
        panic!("no frames")
    };
    frames
        .iter()
        .map(|f| match (f.get("text"), f.get("binary")) {
            (Some(Value::String(t)), _) => Message::Text(Str::from(t.clone())),
            (_, Some(Value::String(b))) => Message::Binary(unhex(b)),
            _ => panic!("bad frame {f:?}"),
        })
        .collect()
}

fn decode_all(
    decoder: &mut Decoder,
    messages: Vec<Message>,
) -> Result<Packet, sio_parser::DecodeError> {
    let count = messages.len();
    for (i, message) in messages.into_iter().enumerate() {
        let packet = decoder.decode(message)?;
        assert_eq!(
            packet.is_some(),
            i + 1 == count,
            "packet complete only at the last frame"
        );
        if let Some(packet) = packet {
            return Ok(packet);
        }
    }
    panic!("no packet")
}

fn plain(kind: PacketKind) -> u8 {
    match kind {
        PacketKind::BinaryEvent => 2,
        PacketKind::BinaryAck => 3,
        other => other.as_u8(),
    }
}

/// The packet a vector describes, in the form the encoder takes.
fn model_packet(vector: &Value, version: Version) -> Packet {
    let p = vector.get("packet").unwrap();
    let kind = PacketKind::from_u8(uint(p, "type").unwrap() as u8).unwrap();
    let nsp = text(p, "nsp");
    let (ns, query) = match nsp.split_once('?') {
        Some((ns, q)) if version == Version::V4 && kind == PacketKind::Connect => (ns, Some(q)),
        _ => (nsp, None),
    };
    let data = match (p.get("data"), query) {
        (Some(d), _) => Data::Value(model_value(d)),
        (None, Some(q)) => Data::Query(Str::from(q.to_owned())),
        (None, None) => Data::None,
    };
    Packet {
        kind,
        ns: Str::from(ns.to_owned()),
        id: uint(p, "id"),
        data,
    }
}

fn check_decoded(name: &str, got: &Packet, want: &Packet) {
    assert_eq!(plain(got.kind), want.kind.as_u8(), "{name}: type");
    assert_eq!(got.ns, want.ns, "{name}: namespace");
    assert_eq!(got.id, want.id, "{name}: ack id");
    match (&got.data, &want.data) {
        (Data::None, Data::None) => {}
        (Data::Query(a), Data::Query(b)) => assert_eq!(a, b, "{name}: query"),
        (_, Data::Value(want_value)) => {
            let got_value: Value = got.data_as().unwrap();
            // A numeric event name is reported as text once decoded to values.
            if got.kind.is_event()
                && matches!(want_value, Value::Array(items) if matches!(items.first(), Some(Value::Number(_))))
            {
                assert_eq!(got.event_name(), Some("42"), "{name}");
                return;
            }
            assert_eq!(&got_value, want_value, "{name}: data");
        }
        (a, b) => panic!("{name}: data {a:?} vs {b:?}"),
    }
}

fn encoded_messages(encoded: &Encoded) -> Vec<Message> {
    encoded.messages().collect()
}

fn run_default(file: &str, version: Version) -> usize {
    let vectors = load(file);
    for vector in &vectors {
        let name = text(vector, "name");
        let want = model_packet(vector, version);
        let config = DecoderConfig::default().allow_connect_error(true);
        let mut decoder = Decoder::new(Parser::Default, version, config);
        let got =
            decode_all(&mut decoder, frames(vector)).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_decoded(name, &got, &want);
        let encoded = Encoder::new(Parser::Default, version)
            .packet(&want)
            .unwrap();
        assert_eq!(
            encoded_messages(&encoded),
            frames(vector),
            "{name}: encoding"
        );
        // Forwarding the decoded packet as-is gives Node's bytes back too.
        let again = Encoder::new(Parser::Default, version).packet(&got).unwrap();
        assert_eq!(
            encoded_messages(&again),
            frames(vector),
            "{name}: re-encoding"
        );
    }
    vectors.len()
}

#[test]
fn default_parser_protocol_5() {
    assert!(run_default("default-v5.json", Version::V5) >= 30);
}

#[test]
fn default_parser_protocol_4() {
    assert!(run_default("default-v4.json", Version::V4) >= 10);
}

#[cfg(feature = "msgpack")]
#[test]
fn msgpack_parser() {
    let vectors = load("msgpack.json");
    for vector in &vectors {
        let name = text(vector, "name");
        let want = model_packet(vector, Version::V5);
        let config = DecoderConfig::default().allow_connect_error(true);
        let mut decoder = Decoder::new(Parser::MsgPack, Version::V5, config);
        let got =
            decode_all(&mut decoder, frames(vector)).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_decoded(name, &got, &want);
        if vector.get("encode") == Some(&Value::Bool(true)) {
            let encoded = Encoder::new(Parser::MsgPack, Version::V5)
                .packet(&want)
                .unwrap();
            assert_eq!(
                encoded_messages(&encoded),
                frames(vector),
                "{name}: encoding"
            );
        }
    }
    assert!(vectors.len() >= 15);
}

fn run_invalid(file: &str, parser: Parser) -> usize {
    let vectors = load(file);
    for vector in &vectors {
        let name = text(vector, "name");
        let mut decoder = Decoder::new(
            parser.clone(),
            Version::V5,
            DecoderConfig::default().allow_connect_error(true),
        );
        let result = frames(vector)
            .into_iter()
            .try_for_each(|m| decoder.decode(m).map(drop));
        assert!(result.is_err(), "{name}: accepted");
    }
    vectors.len()
}

#[test]
fn invalid_default_inputs_are_refused() {
    assert!(run_invalid("invalid-default.json", Parser::Default) >= 40);
    let wrapped = Parser::custom(sio_parser::DefaultParser);
    assert!(run_invalid("invalid-default.json", wrapped) >= 40);
}

#[cfg(feature = "msgpack")]
#[test]
fn invalid_msgpack_inputs_are_refused() {
    assert!(run_invalid("invalid-msgpack.json", Parser::MsgPack) >= 10);
    let wrapped = Parser::custom(sio_parser::MsgPackParser);
    assert!(run_invalid("invalid-msgpack.json", wrapped) >= 10);
}

/// The typed encoder calls produce Node's bytes.
#[test]
fn typed_encoder_matches_node() {
    let find = |file: &str, name: &str| {
        let v = load(file)
            .into_iter()
            .find(|v| text(v, "name") == name)
            .unwrap();
        frames(&v)
    };
    let json5 = Encoder::new(Parser::Default, Version::V5);
    #[derive(serde::Serialize)]
    struct Chat {
        user: &'static str,
        text: &'static str,
    }
    let small = Chat {
        user: "a",
        text: "hi",
    };
    assert_eq!(
        encoded_messages(&json5.event("/", "chat", &(&small,), None).unwrap()),
        find("default-v5.json", "event small")
    );
    assert_eq!(
        encoded_messages(&json5.event("/", "hello", &[0u8; 0], None).unwrap()),
        find("default-v5.json", "event name only")
    );
    assert_eq!(
        encoded_messages(
            &json5
                .event("/", "file", &(Bytes::from_static(&[1, 2, 3]),), None)
                .unwrap()
        ),
        find("default-v5.json", "binary event")
    );
    assert_eq!(
        encoded_messages(
            &json5
                .ack("/", 456, &(Bytes::from_static(&[3, 2, 1]),))
                .unwrap()
        ),
        find("default-v5.json", "binary ack")
    );
    assert_eq!(
        encoded_messages(
            &json5
                .connect("/", "oSO0OpakMV_3jnilAAAA", Some("YHcX2sdAF1z_aOgQAAAB"))
                .unwrap()
        ),
        find("default-v5.json", "connect sid pid")
    );
    let data = serde_json::json!({"code": 42});
    assert_eq!(
        encoded_messages(
            &json5
                .connect_error("/admin", "refused", Some(&data))
                .unwrap()
        ),
        find("default-v5.json", "connect_error data")
    );
    assert_eq!(
        encoded_messages(&json5.disconnect("/admin").unwrap()),
        find("default-v5.json", "disconnect admin")
    );

    let json4 = Encoder::new(Parser::Default, Version::V4);
    assert_eq!(
        encoded_messages(&json4.connect("/admin", "ignored", None).unwrap()),
        find("default-v4.json", "connect admin")
    );
    assert_eq!(
        encoded_messages(
            &json4
                .connect_error::<()>("/admin", "Not authorized", None)
                .unwrap()
        ),
        find("default-v4.json", "error string")
    );

    #[cfg(feature = "msgpack")]
    {
        let mp = Encoder::new(Parser::MsgPack, Version::V5);
        assert_eq!(
            encoded_messages(&mp.event("/", "chat", &(&small,), None).unwrap()),
            find("msgpack.json", "event small")
        );
        assert_eq!(
            encoded_messages(&mp.event("/admin", "hello", &(1,), Some(456)).unwrap()),
            find("msgpack.json", "event ack")
        );
        assert_eq!(
            encoded_messages(&mp.ack("/", 7, &("ok", Bytes::from_static(&[9]))).unwrap()),
            find("msgpack.json", "ack")
        );
        assert_eq!(
            encoded_messages(&mp.connect("/", "oSO0OpakMV_3jnilAAAA", None).unwrap()),
            find("msgpack.json", "connect sid")
        );
        assert_eq!(
            encoded_messages(&mp.disconnect("/admin").unwrap()),
            find("msgpack.json", "disconnect")
        );
    }
}
