use super::*;
use crate::deflate::{Agreement, Deflate, PerMessageDeflate};

/// A client frame: masked with a fixed key.
fn frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![b0];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n < 65536 => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

const TEXT: u8 = 0x81;
const BINARY: u8 = 0x82;

fn decode_all(decoder: &mut Decoder, bytes: &[u8]) -> Result<Vec<Incoming>, ProtocolError> {
    decoder.extend(bytes);
    let mut out = Vec::new();
    while let Some(item) = decoder.decode()? {
        out.push(item);
    }
    Ok(out)
}

fn plain() -> Decoder {
    Decoder::new(Limits::default(), None)
}

fn code(result: Result<Vec<Incoming>, ProtocolError>) -> u16 {
    result.expect_err("should fail").code.0
}

#[test]
fn decodes_each_kind_of_frame() {
    let mut bytes = frame(TEXT, "héllo".as_bytes());
    bytes.extend(frame(BINARY, &[1, 2, 3]));
    bytes.extend(frame(0x89, b"p"));
    bytes.extend(frame(0x8A, b"q"));
    bytes.extend(frame(0x88, &[3, 232, b'o', b'k']));
    bytes.extend(frame(TEXT, b"after close"));
    let items = decode_all(&mut plain(), &bytes).unwrap();
    assert_eq!(
        items,
        [
            Incoming::Text("héllo".into()),
            Incoming::Binary(Bytes::from_static(&[1, 2, 3])),
            Incoming::Ping(Bytes::from_static(b"p")),
            Incoming::Pong(Bytes::from_static(b"q")),
            Incoming::Close(Some(CloseFrame {
                code: CloseCode::NORMAL,
                reason: "ok".into()
            })),
        ]
    );
}

#[test]
fn any_split_of_the_input_gives_the_same_messages() {
    let mut bytes = frame(TEXT, &[b'a'; 300]);
    bytes.extend(frame(0x02, b"bin"));
    bytes.extend(frame(0x89, b""));
    bytes.extend(frame(0x80, "ü".as_bytes()));
    bytes.extend(frame(BINARY, &vec![7; 70_000]));
    let whole = decode_all(&mut plain(), &bytes).unwrap();
    assert_eq!(whole.len(), 4);
    for cut in [1, 2, 3, 7, 100, 301, 311, 320, 70_000] {
        let mut decoder = plain();
        let mut items = Vec::new();
        for chunk in bytes.chunks(cut) {
            items.extend(decode_all(&mut decoder, chunk).unwrap());
        }
        assert_eq!(items, whole, "chunks of {cut}");
    }
}

#[test]
fn reassembles_fragments_around_control_frames() {
    let mut bytes = frame(0x01, "ab".as_bytes());
    bytes.extend(frame(0x89, b"ping"));
    bytes.extend(frame(0x00, &[0xc3])); // first byte of é
    bytes.extend(frame(0x80, &[0xa9, b'!'])); // its second byte, then !
    let items = decode_all(&mut plain(), &bytes).unwrap();
    assert_eq!(
        items,
        [
            Incoming::Ping(Bytes::from_static(b"ping")),
            Incoming::Text("abé!".into())
        ]
    );
}

#[test]
fn fails_on_broken_rules_with_the_codes_of_rfc_6455() {
    let cases: [(&str, Vec<u8>, u16); 11] = [
        ("rsv1 without deflate", frame(0xC1, b"x"), 1002),
        ("reserved opcode", frame(0x83, b"x"), 1002),
        ("unmasked", vec![0x81, 0x01, b'x'], 1002),
        ("ping over 125", frame(0x89, &[0; 126]), 1002),
        ("fragmented ping", frame(0x09, b""), 1002),
        ("continuation first", frame(0x80, b"x"), 1002),
        ("invalid utf-8", frame(TEXT, &[b'4', 0xff]), 1007),
        ("close with one byte", frame(0x88, &[3]), 1002),
        ("close with 1005", frame(0x88, &[3, 237]), 1002),
        ("close reason not utf-8", frame(0x88, &[3, 232, 0xff]), 1007),
        (
            "text inside a fragmented message",
            [frame(0x01, b"a"), frame(TEXT, b"b")].concat(),
            1002,
        ),
    ];
    for (name, bytes, expected) in cases {
        assert_eq!(code(decode_all(&mut plain(), &bytes)), expected, "{name}");
    }
}

#[test]
fn bad_utf8_fails_on_the_fragment_that_carries_it() {
    let mut decoder = plain();
    assert_eq!(decode_all(&mut decoder, &frame(0x01, b"ok")), Ok(vec![]));
    assert_eq!(code(decode_all(&mut decoder, &frame(0x00, &[0xff]))), 1007);
    // A character cut by the end of the message is bad too.
    let bytes = [frame(0x01, b"a"), frame(0x80, &[0xe2, 0x28])].concat();
    assert_eq!(code(decode_all(&mut plain(), &bytes)), 1007);
    let bytes = [frame(0x01, b"a"), frame(0x80, &[0xe2])].concat();
    assert_eq!(code(decode_all(&mut plain(), &bytes)), 1007);
}

#[test]
fn a_frame_over_the_limit_fails_on_its_header_alone() {
    let limits = Limits {
        max_message: 1000,
        max_fragments: 4,
    };
    let big = frame(BINARY, &[0; 1001]);
    let mut decoder = Decoder::new(limits, None);
    // Only the header and a few bytes of the payload.
    assert_eq!(code(decode_all(&mut decoder, &big[..10])), 1009);
    // Nothing more is decoded, nothing more is kept.
    assert_eq!(decode_all(&mut decoder, &frame(TEXT, b"x")), Ok(vec![]));
    assert_eq!(decoder.buffered(), 0);

    // Fragments that add up past the limit.
    let mut decoder = Decoder::new(limits, None);
    let mut bytes = frame(0x02, &[0; 600]);
    bytes.extend(&frame(0x80, &[0; 401])[..8]);
    assert_eq!(code(decode_all(&mut decoder, &bytes)), 1009);

    // Too many fragments, even empty ones.
    let mut decoder = Decoder::new(limits, None);
    let mut bytes = frame(0x02, b"");
    for _ in 0..4 {
        bytes.extend(frame(0x00, b""));
    }
    assert_eq!(code(decode_all(&mut decoder, &bytes)), 1009);
}

#[test]
fn a_large_frame_is_announced_by_needed() {
    let big = frame(BINARY, &[5; 5000]);
    let mut decoder = plain();
    assert_eq!(decode_all(&mut decoder, &big[..100]), Ok(vec![]));
    assert_eq!(decoder.needed(), big.len() - 100);
    decoder.buffer_mut().extend_from_slice(&big[100..]);
    assert_eq!(
        decoder.decode(),
        Ok(Some(Incoming::Binary(vec![5; 5000].into())))
    );
    assert_eq!(decoder.needed(), 0);
}

fn deflating() -> (Decoder, crate::Compressor) {
    let deflate = Deflate::new(PerMessageDeflate::default());
    let agreement = Agreement {
        server_max_window_bits: 15,
        client_max_window_bits: 15,
        server_no_context_takeover: true,
        client_no_context_takeover: true,
    };
    let limits = Limits {
        max_message: 100_000,
        max_fragments: 16,
    };
    let decoder = Decoder::new(limits, Some(deflate.decompressor(&agreement)));
    (decoder, deflate.compressor(&agreement))
}

#[test]
fn inflates_compressed_messages_whole_or_fragmented() {
    let (mut decoder, mut compressor) = deflating();
    let text = "4[\"chat\",\"hello\"]".repeat(50);
    let packed = compressor.compress(text.as_bytes()).unwrap();
    assert!(packed.len() < text.len() / 4);
    let items = decode_all(&mut decoder, &frame(0xC1, &packed)).unwrap();
    assert_eq!(items, [Incoming::Text(text.clone().into())]);

    // The same in three fragments: RSV1 on the first only.
    let (a, rest) = packed.split_at(5);
    let (b, c) = rest.split_at(5);
    let bytes = [frame(0x41, a), frame(0x00, b), frame(0x80, c)].concat();
    assert_eq!(
        decode_all(&mut decoder, &bytes).unwrap(),
        [Incoming::Text(text.into())]
    );
    // An uncompressed message between compressed ones.
    assert_eq!(
        decode_all(&mut decoder, &frame(BINARY, b"raw")).unwrap(),
        [Incoming::Binary(Bytes::from_static(b"raw"))]
    );
}

#[test]
fn refuses_bad_compressed_frames() {
    let (mut decoder, _) = deflating();
    let bytes = [frame(0x01, b"a"), frame(0xC0, b"b")].concat();
    assert_eq!(
        code(decode_all(&mut decoder, &bytes)),
        1002,
        "RSV1 on a continuation"
    );
    let (mut decoder, _) = deflating();
    assert_eq!(
        code(decode_all(&mut decoder, &frame(0xC9, b""))),
        1002,
        "RSV1 on a ping"
    );
    let (mut decoder, _) = deflating();
    assert_eq!(
        code(decode_all(&mut decoder, &frame(0xC2, &[0xff; 20]))),
        1007,
        "not deflate"
    );
}

#[test]
fn a_small_frame_that_inflates_past_the_limit_fails_with_1009() {
    let (mut decoder, mut compressor) = deflating();
    // 10 MB of zeros compress to about 10 KB.
    let bomb = compressor.compress(&vec![0; 10_000_000]).unwrap();
    assert!(bomb.len() < 100_000);
    assert_eq!(code(decode_all(&mut decoder, &frame(0xC2, &bomb))), 1009);
}

#[test]
fn compressed_text_is_checked_after_inflating() {
    let (mut decoder, mut compressor) = deflating();
    let mut bad = vec![b'a'; 2000];
    bad.push(0xff);
    let packed = compressor.compress(&bad).unwrap();
    assert_eq!(code(decode_all(&mut decoder, &frame(0xC1, &packed))), 1007);
}
