//! A Socket.IO packet format written outside sio: the wire format of the
//! npm package `socket.io-json-parser` 3.0.0, where every packet is one text
//! message holding `JSON.stringify(packet)`, e.g.
//! `{"type":2,"nsp":"/","data":["chat","hi"],"id":3}`.
//!
//! It implements [`sio::PacketParser`] and is plugged in with
//! `SocketIo::builder().parser(Parser::custom(JsonParser))`. It checks only
//! what the npm package checks; the server checks every packet it yields
//! (type, namespace, ack id, payload shape, depth, binary size) as it
//! checks the built-in formats' packets. That format has no binary
//! attachments: `bytes::Bytes` travel as arrays of numbers.

use serde::{Deserialize, Serialize};
use sio::parser::{
    Data, DecodeError, DecoderConfig, EncodeError, Encoded, Message, Packet, PacketDecoder,
    PacketKind, PacketParser, Str, Value, Version,
};

/// The `socket.io-json-parser` format.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JsonParser;

/// A packet as `JSON.stringify` writes it (socket.io-client adds an
/// `options` field, ignored here).
#[derive(Serialize, Deserialize)]
struct Wire {
    #[serde(rename = "type")]
    kind: u8,
    nsp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
}

impl PacketParser for JsonParser {
    fn name(&self) -> &str {
        "socket.io-json-parser"
    }

    fn decoder(&self, _version: Version, _config: &DecoderConfig) -> Box<dyn PacketDecoder> {
        Box::new(JsonDecoder)
    }

    fn encode(&self, packet: &Packet, _version: Version) -> Result<Encoded, EncodeError> {
        let data = match &packet.data {
            Data::Value(value) => Some(value.clone()),
            Data::None => None,
            // The server hands custom parsers values only; anything else
            // is re-read as a value.
            other => Some(
                Packet {
                    kind: PacketKind::Connect,
                    ns: packet.ns.clone(),
                    id: None,
                    data: other.clone(),
                }
                .data_as()
                .map_err(|e| EncodeError::Serialize(e.to_string()))?,
            ),
        };
        let wire = Wire {
            kind: packet.kind.as_u8(),
            nsp: packet.ns.to_string(),
            data,
            id: packet.id,
        };
        let json =
            serde_json::to_string(&wire).map_err(|e| EncodeError::Serialize(e.to_string()))?;
        Ok(Encoded::from_text(&json))
    }
}

/// One connection's decoder: stateless, each text message is a packet.
#[derive(Debug)]
pub(crate) struct JsonDecoder;

impl PacketDecoder for JsonDecoder {
    fn decode(&mut self, message: Message) -> Result<Option<Packet>, DecodeError> {
        let text = match message {
            Message::Text(text) => text,
            Message::Framed(frame) => frame.message(),
            Message::Binary(_) => return Err(DecodeError::WrongFrameKind),
        };
        let wire: Wire =
            serde_json::from_str(&text).map_err(|e| DecodeError::Malformed(e.to_string()))?;
        let kind = PacketKind::from_u8(wire.kind)
            .filter(|k| k.as_u8() <= 4)
            .ok_or(DecodeError::UnknownType)?;
        Ok(Some(Packet {
            kind,
            ns: Str::from(wire.nsp),
            id: wire.id,
            data: wire.data.map_or(Data::None, Data::Value),
        }))
    }
}
