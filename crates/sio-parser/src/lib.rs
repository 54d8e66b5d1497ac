//! Sans-IO Socket.IO packets (protocols 5 and 4): encoding, decoding and
//! binary attachments, for the default (JSON) parser and msgpack.
//!
//! No I/O, no clock, no tasks: a [`Decoder`] per connection takes Engine.IO
//! messages one by one and yields complete [`Packet`]s; an [`Encoder`] turns
//! a packet into an [`Encoded`] whose buffers every recipient of a broadcast
//! shares.
//!
//! ```
//! use bytes::Bytes;
//! use sio_engine::Str;
//! use sio_parser::{Decoder, DecoderConfig, Encoder, Parser, Version};
//!
//! // Encode once: the bytes become an attachment and the packet a BINARY_EVENT.
//! let encoder = Encoder::new(Parser::Default, Version::V5);
//! let encoded = encoder.event("/chat", "file", &("a.txt", Bytes::from_static(b"hi")), Some(7)).unwrap();
//! assert_eq!(encoded.text(), Some(r#"51-/chat,7["file","a.txt",{"_placeholder":true,"num":0}]"#));
//!
//! // Decode on the other side, one message at a time.
//! let mut decoder = Decoder::new(Parser::Default, Version::V5, DecoderConfig::default());
//! let mut packet = None;
//! for message in encoded.messages() {
//!     packet = decoder.decode(message).unwrap();
//! }
//! let packet = packet.unwrap();
//! assert_eq!(packet.event_name(), Some("file"));
//! let (name, body): (String, Bytes) = packet.args().unwrap();
//! assert_eq!((name.as_str(), &body[..]), ("a.txt", &b"hi"[..]));
//! ```
//!
//! # Data stays raw until asked for
//!
//! A non-binary packet keeps its JSON as a slice of the frame ([`Data::Json`]);
//! the decoder only checks its shape (an EVENT is a non-empty array whose head
//! is a non-reserved string or a number) and depth without building a value.
//! [`Packet::args`], [`Packet::arg`] and [`Packet::data_as`] deserialize
//! straight from those bytes. Binary packets (and msgpack) are decoded into a
//! [`Value`] tree whose [`Value::Binary`] leaves are handed to `bytes::Bytes`
//! fields of user types.
//!
//! # What a server calls
//!
//! | step | call |
//! |---|---|
//! | per connection | [`Decoder::new`]`(parser, version, config)`, [`Encoder::new`]`(parser, version)` |
//! | each Engine.IO message | [`Decoder::decode`] (or `decode_text` / `decode_binary`) → `Option<Packet>` |
//! | dispatch | [`Packet::kind`](Packet), [`Packet::ns`](Packet), [`Packet::id`](Packet), [`Packet::event_name`] |
//! | handler data | [`Packet::args`], [`Packet::arg`], [`Packet::data_as`], [`Packet::arg_values`] (forwarding) |
//! | emit / broadcast | [`Encoder::event`], [`Encoder::ack`] → [`Encoded`], shared by all recipients; [`Encoded::messages`] |
//! | namespaces | [`Encoder::connect`], [`Encoder::connect_error`], [`Encoder::disconnect`] |
//! | give up on a partial binary packet | [`Decoder::reset`], [`Decoder::is_awaiting_attachments`] |
//!
//! # Numbers
//!
//! Floats are parsed exactly (as `JSON.parse` does). When a packet is
//! re-encoded from values, a few floats are written differently from
//! `JSON.stringify`: the same number, other bytes (`1e+20` for
//! `100000000000000000000`, `1e-6` for `0.000001`; integers are unaffected).
//! Raw JSON ([`Data::Json`]) is forwarded byte for byte. msgpack follows
//! JavaScript: integral numbers are integers on the wire and when read.
//!
//! # Strictness
//!
//! Validation follows socket.io-parser 4.2.6, with these deliberate extras:
//! an empty frame, an EVENT or ACK without data, an ACK without id, an ack id on
//! CONNECT/DISCONNECT/CONNECT_ERROR, `5-` without digits, duplicate or
//! malformed placeholders and unreferenced attachments are all refused; a
//! server's decoder refuses CONNECT_ERROR ([`DecoderConfig::allow_connect_error`]).
//! The reserved event names are socket.io-parser's ([`RESERVED_EVENTS`]):
//! `error` is not among them, so the server decides what an `error` event
//! from a client means.
//!
//! # Features
//!
//! | feature   | default | what it adds |
//! |-----------|---------|--------------|
//! | `msgpack` | yes     | [`Parser::MsgPack`], compatible with socket.io-msgpack-parser (read and written with the `rmp` crate) |

#![forbid(unsafe_code)]

mod args;
mod binary;
mod config;
mod custom;
mod decoder;
mod encode;
mod error;
#[cfg(feature = "msgpack")]
mod msgpack;
mod one_buffer;
mod packet;
mod parser;
mod placeholder;
mod shape;
mod text;
mod value;

pub use config::DecoderConfig;
pub use custom::{CustomParser, PacketDecoder, PacketParser};
pub use decoder::Decoder;
pub use encode::{Encoded, Encoder, Messages};
pub use error::{DataError, DecodeError, EncodeError};
pub use packet::{
    Data, MAX_ACK_ID, Packet, PacketKind, RESERVED_EVENTS, RawJson, Version, is_reserved_event,
};
#[cfg(feature = "msgpack")]
pub use parser::MsgPackParser;
pub use parser::{DefaultParser, Parser};
pub use value::Value;
