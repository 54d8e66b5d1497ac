//! Decode and encode costs of typical packets, next to a plain serde_json
//! parse of the same payload (the yardstick).

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};
use sio_engine::{Message, Str};
use sio_parser::{Decoder, DecoderConfig, Encoded, Encoder, Parser, Version};

#[derive(Serialize, Deserialize)]
struct Chat {
    user: String,
    text: String,
}

fn big_payload() -> serde_json::Value {
    let items: Vec<serde_json::Value> = (0..1750)
        .map(|i| serde_json::json!({"id": i, "name": format!("item-{i}"), "tags": ["a", "b"], "price": 12.5}))
        .collect();
    serde_json::json!(items)
}

fn text_of(encoded: &Encoded) -> Str {
    match encoded.messages().next() {
        Some(Message::Text(text)) => text,
        _ => unreachable!("default parser packets start with text"),
    }
}

/// The JSON payload of a text packet (from its first `[`).
fn payload_of(text: &Str) -> Bytes {
    let start = text.as_bytes().iter().position(|&b| b == b'[').unwrap();
    text.as_bytes().slice(start..)
}

fn bench_case(
    c: &mut Criterion,
    name: &str,
    encoded: &Encoded,
    payload: &[u8],
    encode: &dyn Fn() -> Encoded,
) {
    let mut group = c.benchmark_group(name);
    let decoder = std::cell::RefCell::new(Decoder::new(
        Parser::Default,
        Version::V5,
        DecoderConfig::default(),
    ));
    let messages: Vec<_> = encoded.messages().collect();
    group.bench_function("decode", |b| {
        b.iter(|| {
            let mut decoder = decoder.borrow_mut();
            let mut last = None;
            for message in &messages {
                last = decoder.decode(black_box(message.clone())).unwrap();
            }
            last.unwrap()
        })
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(payload)).unwrap())
    });
    group.bench_function("encode", |b| b.iter(encode));
    group.finish();
}

fn benches(c: &mut Criterion) {
    let encoder = Encoder::new(Parser::Default, Version::V5);

    // Small event: 2["chat",{"user":"a","text":"hi"}]
    let chat = Chat {
        user: "a".into(),
        text: "hi".into(),
    };
    let small = encoder.event("/", "chat", &(&chat,), None).unwrap();
    let text = text_of(&small);
    assert_eq!(text.as_str(), r#"2["chat",{"user":"a","text":"hi"}]"#);
    let payload = payload_of(&text);
    bench_case(c, "small_event", &small, &payload, &|| {
        encoder
            .event("/", "chat", black_box(&(&chat,)), None)
            .unwrap()
    });
    {
        let mut decoder = Decoder::new(Parser::Default, Version::V5, DecoderConfig::default());
        c.bench_function("small_event/decode_and_deserialize", |b| {
            b.iter(|| {
                let packet = decoder
                    .decode_text(black_box(text.clone()))
                    .unwrap()
                    .unwrap();
                let (chat,): (Chat,) = packet.args().unwrap();
                chat
            })
        });
    }

    // Binary event: two 1 KB attachments.
    let blobs = (Bytes::from(vec![1u8; 1024]), Bytes::from(vec![2u8; 1024]));
    let binary = encoder.event("/", "blobs", &blobs, None).unwrap();
    let payload = payload_of(&text_of(&binary));
    bench_case(c, "binary_event_2x1KB", &binary, &payload, &|| {
        encoder
            .event("/", "blobs", black_box(&blobs), None)
            .unwrap()
    });

    // 100 KB event.
    let big = big_payload();
    let large = encoder.event("/", "big", &(&big,), None).unwrap();
    let payload = payload_of(&text_of(&large));
    assert!(payload.len() > 100_000, "{}", payload.len());
    bench_case(c, "event_100KB", &large, &payload, &|| {
        encoder
            .event("/", "big", black_box(&(&big,)), None)
            .unwrap()
    });

    #[cfg(feature = "msgpack")]
    msgpack(c);
}

#[cfg(feature = "msgpack")]
fn msgpack(c: &mut Criterion) {
    let chat = Chat {
        user: "a".into(),
        text: "hi".into(),
    };
    // msgpack small event.
    let mp = Encoder::new(Parser::MsgPack, Version::V5);
    let small_mp = mp.event("/", "chat", &(&chat,), None).unwrap();
    let Encoded::Binary(frame) = small_mp.clone() else {
        unreachable!()
    };
    let mut group = c.benchmark_group("msgpack_small_event");
    let mut decoder = Decoder::new(Parser::MsgPack, Version::V5, DecoderConfig::default());
    group.bench_function("decode", |b| {
        b.iter(|| decoder.decode_binary(black_box(frame.clone())).unwrap())
    });
    group.bench_function("encode", |b| {
        b.iter(|| mp.event("/", "chat", black_box(&(&chat,)), None).unwrap())
    });
    group.finish();
}

criterion_group!(parser, benches);
criterion_main!(parser);
