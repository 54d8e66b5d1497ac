//! Text frames of the default parser: never panic; whatever decodes must
//! re-encode to a frame that decodes to the same packet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sio_engine::Str;
use sio_parser::{Decoder, DecoderConfig, Encoder, Packet, PacketKind, Parser, Value, Version};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let version = if selector & 1 == 0 { Version::V5 } else { Version::V4 };
    let config = DecoderConfig::default().allow_connect_error(selector & 2 == 0);
    let mut decoder = Decoder::new(Parser::Default, version, config.clone());
    let Ok(Some(packet)) = decoder.decode_text(Str::from(text.to_owned())) else { return };
    exercise(&packet);
    let encoded = Encoder::new(Parser::Default, version).packet(&packet).expect("decoded packets re-encode");
    let mut again = Decoder::new(Parser::Default, version, config);
    let mut last = None;
    for message in encoded.messages() {
        last = again.decode(message).expect("re-encoded packets decode");
    }
    let last = last.expect("complete packet");
    // A binary packet without attachments is re-encoded as a plain one.
    assert_eq!(plain(last.kind), plain(packet.kind));
    assert_eq!(last.ns, packet.ns);
    assert_eq!(last.id, packet.id);
    assert_eq!(last.data_as::<Value>().ok(), packet.data_as::<Value>().ok());
});

fn exercise(packet: &Packet) {
    let _ = packet.event_name();
    let _ = packet.arg_values();
    let _ = packet.arg::<String>(0);
    let _ = packet.args::<(Value, Option<u64>)>();
    let _ = packet.data_as::<Value>();
}

fn plain(kind: PacketKind) -> u8 {
    match kind {
        PacketKind::BinaryEvent => 2,
        PacketKind::BinaryAck => 3,
        other => other.as_u8(),
    }
}
