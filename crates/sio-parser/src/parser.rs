//! [`Parser`]: which wire format a server speaks, chosen in its
//! configuration; and the built-in formats as [`PacketParser`]s.

use sio_engine::Message;

use crate::config::DecoderConfig;
use crate::custom::{CustomParser, PacketDecoder, PacketParser};
use crate::decoder::Decoder;
use crate::encode::{Encoded, Encoder};
use crate::error::{DecodeError, EncodeError};
use crate::packet::{Packet, Version};

/// The packet format, chosen once in the server's configuration (all clients
/// of a server must use the same one, as with Node's `parser` option).
///
/// Cheap to clone (a custom parser is shared behind an `Arc`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Parser {
    /// socket.io-parser: JSON text frames plus binary attachments.
    #[default]
    Default,
    /// socket.io-msgpack-parser: each packet is one binary msgpack frame.
    #[cfg(feature = "msgpack")]
    MsgPack,
    /// Any other format (see [`PacketParser`]); the packets its decoders
    /// yield are checked against the same limits as the built-in ones.
    Custom(CustomParser),
}

impl Parser {
    /// A custom format (shorthand for `Parser::Custom(CustomParser::new(p))`).
    pub fn custom(parser: impl PacketParser) -> Self {
        Self::Custom(CustomParser::new(parser))
    }

    /// The format's name: `default`, `msgpack`, or the custom parser's.
    pub fn name(&self) -> &str {
        match self {
            Self::Default => "default",
            #[cfg(feature = "msgpack")]
            Self::MsgPack => "msgpack",
            Self::Custom(custom) => custom.get().name(),
        }
    }
}

impl From<CustomParser> for Parser {
    fn from(parser: CustomParser) -> Self {
        Self::Custom(parser)
    }
}

/// socket.io-parser (the default format) as a [`PacketParser`].
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultParser;

impl PacketParser for DefaultParser {
    fn name(&self) -> &str {
        "default"
    }

    fn decoder(&self, version: Version, config: &DecoderConfig) -> Box<dyn PacketDecoder> {
        Box::new(Decoder::new(Parser::Default, version, config.clone()))
    }

    fn encode(&self, packet: &Packet, version: Version) -> Result<Encoded, EncodeError> {
        Encoder::new(Parser::Default, version).packet(packet)
    }
}

/// socket.io-msgpack-parser as a [`PacketParser`].
#[cfg(feature = "msgpack")]
#[derive(Debug, Clone, Copy, Default)]
pub struct MsgPackParser;

#[cfg(feature = "msgpack")]
impl PacketParser for MsgPackParser {
    fn name(&self) -> &str {
        "msgpack"
    }

    fn decoder(&self, version: Version, config: &DecoderConfig) -> Box<dyn PacketDecoder> {
        Box::new(Decoder::new(Parser::MsgPack, version, config.clone()))
    }

    fn encode(&self, packet: &Packet, version: Version) -> Result<Encoded, EncodeError> {
        Encoder::new(Parser::MsgPack, version).packet(packet)
    }
}

impl PacketDecoder for Decoder {
    fn decode(&mut self, message: Message) -> Result<Option<Packet>, DecodeError> {
        Decoder::decode(self, message)
    }

    fn is_awaiting_attachments(&self) -> bool {
        Decoder::is_awaiting_attachments(self)
    }

    fn reset(&mut self) {
        Decoder::reset(self);
    }
}
