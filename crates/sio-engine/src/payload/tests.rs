//! Polling body codecs: round trips, Node's exact bytes, malformed input.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::*;
use crate::{Message, Str};

fn msg(s: &str) -> Packet {
    Packet::Message(Message::Text(Str::from(s.to_owned())))
}

fn bin(b: &[u8]) -> Packet {
    Packet::Message(Message::Binary(Bytes::copy_from_slice(b)))
}

fn limits() -> PayloadLimits {
    PayloadLimits::default()
}

fn dec(p: Protocol, body: &[u8], binary: bool) -> Result<Vec<Packet>, DecodeError> {
    decode(p, Bytes::copy_from_slice(body), binary, limits())
}

fn enc(p: Protocol, packets: &[Packet], supports_binary: bool) -> (Vec<u8>, &'static str) {
    let e = encode(p, packets, supports_binary);
    (e.body.to_vec(), e.content_type)
}

#[test]
fn v4_matches_node() {
    let packets = [msg("hello"), bin(&[1, 2, 3, 4])];
    assert_eq!(
        enc(Protocol::V4, &packets, true),
        (b"4hello\x1ebAQIDBA==".to_vec(), TEXT_CONTENT_TYPE)
    );
    assert_eq!(
        dec(Protocol::V4, b"4hello\x1ebAQIDBA==", false).unwrap(),
        packets
    );
    assert_eq!(
        dec(Protocol::V4, b"4test1\x1e4test2\x1e4test3", false).unwrap(),
        [msg("test1"), msg("test2"), msg("test3")]
    );
}

#[test]
fn v3_text_matches_node() {
    let packets = [msg("hello"), bin(&[1, 2, 3, 4])];
    assert_eq!(
        enc(Protocol::V3, &packets, false),
        (b"6:4hello10:b4AQIDBA==".to_vec(), TEXT_CONTENT_TYPE)
    );
    assert_eq!(
        dec(Protocol::V3, b"6:4hello10:b4AQIDBA==", false).unwrap(),
        packets
    );
    // Without binary messages a binary-capable client still gets text.
    assert_eq!(
        enc(Protocol::V3, &[msg("a")], true),
        (b"2:4a".to_vec(), TEXT_CONTENT_TYPE)
    );
    assert_eq!(enc(Protocol::V3, &[], false).0, b"0:");
}

#[test]
fn v3_binary_matches_node() {
    let packets = [msg("hello"), bin(&[1, 2, 3, 4])];
    let body = [
        0, 6, 255, 52, 104, 101, 108, 108, 111, 1, 5, 255, 4, 1, 2, 3, 4,
    ];
    assert_eq!(
        enc(Protocol::V3, &packets, true),
        (body.to_vec(), BINARY_CONTENT_TYPE)
    );
    assert_eq!(dec(Protocol::V3, &body, true).unwrap(), packets);
}

#[test]
fn v3_lengths_count_utf16_units() {
    // "4😀é": 1 + 2 + 1 = 4 UTF-16 units, 1 + 4 + 2 = 7 bytes.
    let packets = [msg("😀é"), msg("x")];
    let (body, _) = enc(Protocol::V3, &packets, false);
    assert_eq!(String::from_utf8(body.clone()).unwrap(), "4:4😀é2:4x");
    assert_eq!(dec(Protocol::V3, &body, false).unwrap(), packets);
    // A length that ends inside the surrogate pair, or counts bytes.
    assert_eq!(
        dec(Protocol::V3, "2:4😀".as_bytes(), false),
        Err(DecodeError::InvalidLength)
    );
    assert_eq!(
        dec(Protocol::V3, "7:4😀é".as_bytes(), false),
        Err(DecodeError::InvalidLength)
    );
    // In the binary framing text lengths count UTF-8 bytes.
    let (body, ct) = enc(Protocol::V3, &[msg("😀"), bin(&[9])], true);
    assert_eq!(ct, BINARY_CONTENT_TYPE);
    assert_eq!(&body[..3], [0, 5, 255]);
    assert_eq!(
        dec(Protocol::V3, &body, true).unwrap(),
        [msg("😀"), bin(&[9])]
    );
}

#[test]
fn round_trips() {
    let packets = [
        msg("a"),
        msg(""),
        msg("héllo😀\u{1e}"),
        bin(&[]),
        bin(&[0, 255]),
        Packet::Ping { probe: false },
        Packet::Close,
        Packet::Noop,
    ];
    for (p, sb) in [
        (Protocol::V4, true),
        (Protocol::V3, true),
        (Protocol::V3, false),
    ] {
        let e = encode(p, &packets, sb);
        let binary = e.content_type == BINARY_CONTENT_TYPE;
        // v4 text with \x1e inside a message cannot round trip (nor can it
        // in Node); leave that one out for v4.
        let expected: Vec<Packet> = packets.to_vec();
        if p == Protocol::V4 {
            let without: Vec<Packet> = packets
                .iter()
                .filter(|q| **q != packets[2])
                .cloned()
                .collect();
            let e = encode(p, &without, sb);
            assert_eq!(decode(p, e.body, false, limits()).unwrap(), without);
            continue;
        }
        assert_eq!(
            decode(p, e.body, binary, limits()).unwrap(),
            expected,
            "{p:?} {sb}"
        );
    }
}

#[test]
fn malformed_bodies_are_errors() {
    use DecodeError::*;
    let cases: &[(Protocol, &[u8], bool, DecodeError)] = &[
        (Protocol::V4, b"", false, Empty),
        (Protocol::V4, b"4a\x1e", false, Empty),
        (Protocol::V4, b"\xff\xfe", false, InvalidUtf8),
        (Protocol::V4, b"4a", true, UnexpectedPacket),
        (Protocol::V4, b"bAQIDB", false, InvalidBase64),
        (Protocol::V3, b"", false, Empty),
        (Protocol::V3, b"5:4a", false, InvalidLength),
        (Protocol::V3, b"x:4a", false, InvalidLength),
        (Protocol::V3, b":4a", false, InvalidLength),
        (Protocol::V3, b"2:4a3", false, InvalidLength),
        (Protocol::V3, b"-1:4", false, InvalidLength),
        (Protocol::V3, b"1e1:4aaaaaaaaa", false, InvalidLength),
        (Protocol::V3, b"9999999999:4", false, InvalidLength),
        (
            Protocol::V3,
            b"18446744073709551617:4",
            false,
            InvalidLength,
        ),
        (Protocol::V3, b"2:4a", true, InvalidLength),
        (Protocol::V3, b"7:b4AQIDB", false, InvalidBase64),
        (Protocol::V3, b"1:7", false, UnknownType),
        (Protocol::V3, &[0, 2, 255, b'4'], true, InvalidLength),
        (Protocol::V3, &[0, 1], true, InvalidLength),
        (Protocol::V3, &[0, 10, 255, b'4'], true, InvalidLength),
        (Protocol::V3, &[2, 1, 255, b'4'], true, InvalidLength),
        (Protocol::V3, &[0, 2, 255, b'4', 0xff], true, InvalidUtf8),
        (Protocol::V3, &[1, 0, 255], true, Empty),
        (
            Protocol::V3,
            &[0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 255],
            true,
            InvalidLength,
        ),
    ];
    for (p, body, binary, err) in cases {
        assert_eq!(dec(*p, body, *binary).as_ref(), Err(err), "{p:?} {body:?}");
    }
}

#[test]
fn zero_length_v3_records_are_skipped() {
    assert_eq!(dec(Protocol::V3, b"0:2:4a", false).unwrap(), [msg("a")]);
}

#[test]
fn packet_count_is_limited() {
    let l = PayloadLimits { max_packets: 3 };
    let v4 = |s: &'static str| decode(Protocol::V4, Bytes::from_static(s.as_bytes()), false, l);
    assert!(v4("4\x1e4\x1e4").is_ok());
    assert_eq!(v4("4\x1e4\x1e4\x1e4"), Err(DecodeError::TooManyPackets));
    let v3 = |s: &[u8], b| decode(Protocol::V3, Bytes::copy_from_slice(s), b, l);
    assert!(v3(b"1:41:41:4", false).is_ok());
    assert_eq!(v3(b"1:41:41:41:4", false), Err(DecodeError::TooManyPackets));
    assert_eq!(v3(b"0:0:0:0:", false), Err(DecodeError::TooManyPackets));
    let rec = [0u8, 1, 255, b'4'];
    assert!(v3(&[rec, rec, rec].concat(), true).is_ok());
    assert_eq!(
        v3(&[rec, rec, rec, rec].concat(), true),
        Err(DecodeError::TooManyPackets)
    );
}

#[test]
fn a_hundred_thousand_tiny_packets_are_refused_quickly() {
    let v4 = vec!["4"; 100_000].join("\x1e");
    let v3 = "1:4".repeat(100_000);
    let v3b: Vec<u8> = [0u8, 1, 255, b'4'].repeat(100_000);
    let start = Instant::now();
    for (p, body, binary) in [
        (Protocol::V4, v4.into_bytes(), false),
        (Protocol::V3, v3.into_bytes(), false),
        (Protocol::V3, v3b, true),
    ] {
        let r = decode(p, Bytes::from(body), binary, limits());
        assert_eq!(r, Err(DecodeError::TooManyPackets), "{p:?}");
    }
    assert!(start.elapsed() < Duration::from_millis(500));
}

#[test]
fn decoding_is_linear_on_large_bodies() {
    // One large valid message and a long garbage length prefix: both
    // finish in a few milliseconds, whatever their size.
    let big = format!("{}:4{}", 1 + 450_000, "é".repeat(450_000));
    let start = Instant::now();
    assert_eq!(dec(Protocol::V3, big.as_bytes(), false).unwrap().len(), 1);
    assert_eq!(
        dec(Protocol::V3, &[b'1'; 900_000], false),
        Err(DecodeError::InvalidLength)
    );
    assert_eq!(
        dec(Protocol::V3, &[1; 900_000], true),
        Err(DecodeError::InvalidLength)
    );
    assert!(start.elapsed() < Duration::from_secs(5));
}
