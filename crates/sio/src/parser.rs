//! What a custom packet format needs: the [`PacketParser`] and
//! [`PacketDecoder`] traits and the packet model they read and write.
//! Plug one in with [`SocketIoBuilder::parser`](crate::SocketIoBuilder::parser)
//! and [`Parser::custom`]; see `examples/custom_parser` for a complete one
//! (the `socket.io-json-parser` format).

pub use sio_engine::{Message, Str};
pub use sio_parser::{
    CustomParser, Data, DecodeError, DecoderConfig, DefaultParser, EncodeError, Encoded,
    MsgPackParser, Packet, PacketDecoder, PacketKind, PacketParser, Parser, Value, Version,
};
