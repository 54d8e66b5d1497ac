use sio_ws::PerMessageDeflate;

use super::*;

fn agreed(deflate: bool, server_takeover: bool) -> Agreed {
    Agreed {
        extension: None,
        deflate,
        server_takeover,
    }
}

fn text(data: &[u8], compressed: bool) -> Message<'_> {
    Message {
        text: true,
        compressed,
        wire: data.len() + 4,
        data,
    }
}

/// Compresses `data` as a server without context takeover does.
fn compress(deflate: &Deflate, data: &[u8]) -> Vec<u8> {
    let agreement = Agreement {
        server_max_window_bits: 15,
        client_max_window_bits: 15,
        server_no_context_takeover: true,
        client_no_context_takeover: true,
    };
    deflate
        .compressor(&agreement)
        .compress(data)
        .unwrap()
        .to_vec()
}

#[test]
fn the_payload_is_json_of_about_the_size_asked() {
    for target in [512, 4096, 65_536] {
        let payload = json_payload(target);
        assert!(payload.len() <= target, "{target}: {}", payload.len());
        assert!(payload.len() > target - 300, "{target}: {}", payload.len());
        assert_eq!(payload, json_payload(target));
        let value: serde_json::Value = serde_json::from_str(&payload).unwrap();
        let items = value["items"].as_array().unwrap();
        assert!(items.len() > target / 300);
        // Every number reads back as written, so a server that parses the
        // event and writes it again (sio does) sends the same bytes.
        for item in items {
            for key in ["id", "score", "ratio"] {
                let written = format!("\"{key}\":{}", serde_json::to_string(&item[key]).unwrap());
                assert!(payload.contains(&written), "{written}");
            }
        }
    }
}

#[test]
fn the_payload_compresses_like_real_json() {
    let payload = json_payload(4096);
    let packed = compress(
        &Deflate::new(PerMessageDeflate::default()),
        payload.as_bytes(),
    );
    let ratio = payload.len() as f64 / packed.len() as f64;
    // One repeated character would give about 100×.
    assert!((2.0..8.0).contains(&ratio), "{ratio}");
}

#[test]
fn reads_the_packet_the_server_makes_of_emit_all() {
    let payload = json_payload(512);
    let mut sent = String::new();
    emit_all(&mut sent, 1234, &payload);
    assert!(sent.starts_with(r#"42["emit-all","bench",1234,{"type""#));
    // The server emits `bench` with the rest of the arguments.
    let delivered = sent.replacen(r#""emit-all","#, "", 1);
    let p = payload.as_bytes();
    assert_eq!(parse_bench(delivered.as_bytes(), p), Ok(Some(1234)));
    assert_eq!(parse_bench(b"42[\"auth\",{}]", p), Ok(None));
    assert_eq!(parse_bench(b"2", p), Ok(None));
    assert!(parse_bench(b"42[\"bench\",,{}]", p).is_err());
    assert!(parse_bench(b"42[\"bench\",12,{}]", p).is_err());
    let cut = &delivered.as_bytes()[..delivered.len() - 1];
    assert!(parse_bench(cut, p).is_err());
}

#[test]
fn inflates_and_checks_compressed_events() {
    let deflate = Deflate::new(PerMessageDeflate::default());
    let payload: Arc<str> = json_payload(4096).into();
    let packet = format!(r#"42["bench",77,{payload}]"#);
    let packed = compress(&deflate, packet.as_bytes());
    let mut inspector = Inspector::new(payload.clone(), &deflate, &agreed(true, false), true);
    assert_eq!(
        inspector.classify(text(&packed, true)),
        Ok(Event::Bench {
            ts: Some(77),
            compressed: true,
            wire: packed.len() + 4,
            size: Some(packet.len()),
        })
    );
    assert_eq!(
        inspector.classify(text(packet.as_bytes(), false)),
        Ok(Event::Bench {
            ts: Some(77),
            compressed: false,
            wire: packet.len() + 4,
            size: Some(packet.len()),
        })
    );
    assert_eq!(inspector.classify(text(b"2", false)), Ok(Event::Ping));
    assert_eq!(inspector.classify(text(b"40{}", false)), Ok(Event::Other));
    let binary = Message {
        text: false,
        ..text(b"2", false)
    };
    assert_eq!(inspector.classify(binary), Ok(Event::Other));
    assert!(inspector.classify(text(b"\xff\xfe\xfd", true)).is_err());
    // Another payload than the one sent.
    let other = compress(&deflate, format!(r#"42["bench",77,{payload} ]"#).as_bytes());
    assert!(inspector.classify(text(&other, true)).is_err());
}

#[test]
fn leaves_compressed_events_alone_when_asked() {
    let deflate = Deflate::new(PerMessageDeflate::default());
    let payload: Arc<str> = json_payload(4096).into();
    let packet = format!(r#"42["bench",77,{payload}]"#);
    let packed = compress(&deflate, packet.as_bytes());
    let mut inspector = Inspector::new(payload.clone(), &deflate, &agreed(true, false), false);
    let unread = Event::Bench {
        ts: None,
        compressed: true,
        wire: packed.len() + 4,
        size: None,
    };
    assert_eq!(inspector.classify(text(&packed, true)), Ok(unread));
    // With context takeover every message must be inflated.
    let mut takeover = Inspector::new(payload.clone(), &deflate, &agreed(true, true), false);
    let read = Event::Bench {
        ts: Some(77),
        compressed: true,
        wire: packed.len() + 4,
        size: Some(packet.len()),
    };
    assert_eq!(takeover.classify(text(&packed, true)), Ok(read));
    // Without permessage-deflate, RSV1 is an error.
    let mut plain = Inspector::new(payload, &deflate, &agreed(false, false), true);
    assert!(plain.classify(text(&packed, true)).is_err());
}
