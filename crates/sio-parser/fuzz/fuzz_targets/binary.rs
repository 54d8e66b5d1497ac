//! Sequences of text and binary frames (binary packet reassembly): never
//! panic, never hold more than the limits, and complete packets re-encode to
//! frames that decode to the same values.
#![no_main]

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sio_engine::Str;
use sio_parser::{Decoder, DecoderConfig, Encoder, Parser, Value, Version};

#[derive(Debug, Arbitrary)]
enum Frame {
    Text(String),
    /// A binary event header with this many placeholders, then a text.
    BinaryHeader(u8, String),
    Binary(Vec<u8>),
    Reset,
}

fuzz_target!(|frames: Vec<Frame>| {
    let config = DecoderConfig::default().max_attachments(4).max_attachment_bytes(4096);
    let mut decoder = Decoder::new(Parser::Default, Version::V5, config.clone());
    for frame in frames {
        let result = match frame {
            Frame::Text(text) => decoder.decode_text(Str::from(text)),
            Frame::BinaryHeader(n, tail) => {
                let n = usize::from(n % 6);
                let placeholders: Vec<String> =
                    (0..n).map(|i| format!(r#"{{"_placeholder":true,"num":{i}}}"#)).collect();
                let text = format!(r#"5{n}-["ev",{}{tail}]"#, placeholders.join(","));
                decoder.decode_text(Str::from(text))
            }
            Frame::Binary(data) => decoder.decode_binary(Bytes::from(data)),
            Frame::Reset => {
                decoder.reset();
                Ok(None)
            }
        };
        let Ok(Some(packet)) = result else { continue };
        let before = packet.data_as::<Value>().ok();
        let encoded = Encoder::new(Parser::Default, Version::V5).packet(&packet).expect("re-encodes");
        let mut again = Decoder::new(Parser::Default, Version::V5, config.clone());
        let mut last = None;
        for message in encoded.messages() {
            last = again.decode(message).expect("re-encoded packets decode");
        }
        let after = last.expect("complete").data_as::<Value>().ok();
        assert_eq!(before, after);
    }
});
