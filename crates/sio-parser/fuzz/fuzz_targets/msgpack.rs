//! msgpack packets: never panic, never allocate from a declared length, and
//! what decodes re-encodes to bytes that decode to the same packet.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sio_parser::{Decoder, DecoderConfig, Encoder, Parser, Value, Version};

fuzz_target!(|data: &[u8]| {
    let config = DecoderConfig::default().allow_connect_error(true);
    let mut decoder = Decoder::new(Parser::MsgPack, Version::V5, config.clone());
    let Ok(Some(packet)) = decoder.decode_binary(Bytes::copy_from_slice(data)) else { return };
    let _ = packet.event_name();
    let _ = packet.arg_values();
    let encoded = Encoder::new(Parser::MsgPack, Version::V5).packet(&packet).expect("re-encodes");
    let mut again = Decoder::new(Parser::MsgPack, Version::V5, config);
    let mut last = None;
    for message in encoded.messages() {
        last = again.decode(message).expect("re-encoded packets decode");
    }
    let last = last.expect("complete");
    assert_eq!(last.kind, packet.kind);
    assert_eq!(last.ns, packet.ns);
    assert_eq!(last.id, packet.id);
    assert_eq!(last.data_as::<Value>().ok(), packet.data_as::<Value>().ok());
});
