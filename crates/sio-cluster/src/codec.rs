//! Bytes to and from [`ClusterMessage`]s: JSON of the whole envelope, or
//! msgpack of the whole envelope when its data holds binary (the sharded
//! adapter), or always msgpack (the Streams adapter's pub/sub part). On
//! receive, a first byte `{` means JSON, anything else msgpack (a msgpack
//! map or array never starts with 0x7b). Garbage is an error, never a
//! panic.

use sio_parser::Value;

use crate::message::{ClusterMessage, Undefined};
use crate::msgpack::{self, MsgpackError};

/// Why bytes are not a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// Larger than [`Codec::max_message_size`].
    #[error("message of {0} bytes is over the size limit")]
    TooLarge(usize),
    /// Not JSON (the first byte was `{`).
    #[error("invalid JSON: {0}")]
    Json(String),
    /// Not msgpack.
    #[error("invalid msgpack: {0:?}")]
    Msgpack(MsgpackError),
    /// Well-formed, but not an envelope of a known type.
    #[error("not a cluster message")]
    NotAMessage,
}

/// When a message is msgpack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// JSON, unless the type may carry binary (3, 8, 9, 10, 12) and its data
    /// does: then msgpack (the sharded Redis adapter; Postgres NOTIFY).
    #[default]
    JsonUnlessBinary,
    /// Always msgpack (the Streams adapter's pub/sub messages).
    Msgpack,
    /// Always JSON (binary becomes Node's `{"type":"Buffer","data":[..]}`).
    Json,
}

/// Which msgpack library the Node side uses. Both decode the same; they
/// differ in how a field set to `undefined` is written (see
/// [`Undefined`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Flavor {
    /// `notepack.io` 3 (the sharded Redis adapter): `undefined` keys are
    /// left out.
    #[default]
    Notepack,
    /// `@msgpack/msgpack` 2.8 (the Streams and Postgres adapters):
    /// `undefined` keys are written as nil.
    MsgpackJs,
}

/// Encodes and decodes envelopes; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Codec {
    /// When to use msgpack.
    pub format: Format,
    /// Which Node msgpack library to match.
    pub flavor: Flavor,
    /// The largest message decoded, in bytes (default 8 MiB); larger ones
    /// are refused unread.
    pub max_message_size: usize,
}

impl Default for Codec {
    fn default() -> Self {
        Self {
            format: Format::JsonUnlessBinary,
            flavor: Flavor::Notepack,
            max_message_size: 8 << 20,
        }
    }
}

impl Codec {
    /// How this codec writes an `undefined` field.
    pub fn undefined(&self) -> Undefined {
        match self.flavor {
            Flavor::Notepack => Undefined::Omit,
            Flavor::MsgpackJs => Undefined::Nil,
        }
    }

    /// Whether `message` goes out as msgpack with this codec.
    pub fn is_msgpack(&self, message: &ClusterMessage) -> bool {
        match self.format {
            Format::Msgpack => true,
            Format::Json => false,
            Format::JsonUnlessBinary => message.kind.may_contain_binary() && message.has_binary(),
        }
    }

    /// `message`'s bytes.
    pub fn encode(&self, message: &ClusterMessage) -> Vec<u8> {
        if self.is_msgpack(message) {
            encode_msgpack(&message.to_value())
        } else {
            encode_json(&message.to_value())
        }
    }

    /// Reads a message.
    ///
    /// # Errors
    /// [`CodecError`] for anything but one well-formed envelope of one of
    /// the 13 types within the size limit.
    pub fn decode(&self, bytes: &[u8]) -> Result<ClusterMessage, CodecError> {
        ClusterMessage::from_value(self.decode_value(bytes)?).ok_or(CodecError::NotAMessage)
    }

    /// Reads any value, JSON or msgpack by its first byte (for a transport
    /// that stores `data` apart from the envelope).
    ///
    /// # Errors
    /// As [`Codec::decode`], bar the envelope check.
    pub fn decode_value(&self, bytes: &[u8]) -> Result<Value, CodecError> {
        if bytes.len() > self.max_message_size {
            return Err(CodecError::TooLarge(bytes.len()));
        }
        if bytes.first() == Some(&b'{') {
            serde_json::from_slice(bytes).map_err(|e| CodecError::Json(e.to_string()))
        } else {
            msgpack::decode(bytes).map_err(CodecError::Msgpack)
        }
    }
}

/// `value` as msgpack, as notepack.io writes it.
pub fn encode_msgpack(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    msgpack::encode(value, &mut out);
    out
}

/// `value` as `JSON.stringify` writes it (binary as a Node `Buffer`).
pub fn encode_json(value: &Value) -> Vec<u8> {
    serde_json::to_vec(&JsonValue(value)).unwrap_or_default()
}

/// A [`Value`] as `JSON.stringify` writes it: binary as a Node `Buffer`
/// (`{"type":"Buffer","data":[...]}`), object keys in order.
#[derive(Debug, Clone, Copy)]
pub struct JsonValue<'a>(pub &'a Value);

impl serde::Serialize for JsonValue<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap as _, SerializeSeq as _};
        match self.0 {
            Value::Binary(bytes) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("type", "Buffer")?;
                map.serialize_entry("data", &bytes[..])?;
                map.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&JsonValue(item))?;
                }
                seq.end()
            }
            Value::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, &JsonValue(v))?;
                }
                map.end()
            }
            other => other.serialize(s),
        }
    }
}
