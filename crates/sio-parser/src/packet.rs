//! The Socket.IO packet model: type, namespace, ack id and data.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use sio_engine::Str;

use crate::args;
use crate::error::DataError;
use crate::value::Value;

/// Event names that Socket.IO reserves (socket.io-parser 4.2.6): a peer may
/// not send an EVENT with one of these heads and the encoder refuses them.
///
/// `error` is *not* in this list, exactly as in socket.io-parser 4.2.6: the
/// parser lets it through and the server decides what to do with it.
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// Whether `name` is one of [`RESERVED_EVENTS`].
pub fn is_reserved_event(name: &str) -> bool {
    RESERVED_EVENTS.contains(&name)
}

/// The largest ack id a JavaScript peer can represent exactly (2^53−1).
pub const MAX_ACK_ID: u64 = (1 << 53) - 1;

/// The Socket.IO protocol revision spoken on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Version {
    /// Protocol 4 (socket.io-client 2.x, Engine.IO 3): implicit connection
    /// to `/`, query string in the CONNECT namespace, CONNECT_ERROR data as a
    /// plain string.
    V4,
    /// Protocol 5 (socket.io-client 3.x and 4.x, Engine.IO 4).
    #[default]
    V5,
}

/// The type of a packet, with its wire number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PacketKind {
    /// 0: connection to a namespace (request or acceptance).
    Connect,
    /// 1: disconnection from a namespace.
    Disconnect,
    /// 2: an event: `[name, ...args]`.
    Event,
    /// 3: the answer to an event that carried an ack id.
    Ack,
    /// 4: refusal of a namespace connection (ERROR in protocol 4).
    ConnectError,
    /// 5: an event with binary attachments.
    BinaryEvent,
    /// 6: an ack with binary attachments.
    BinaryAck,
}

impl PacketKind {
    /// The kind with wire number `n`, if any.
    pub const fn from_u8(n: u8) -> Option<Self> {
        Some(match n {
            0 => Self::Connect,
            1 => Self::Disconnect,
            2 => Self::Event,
            3 => Self::Ack,
            4 => Self::ConnectError,
            5 => Self::BinaryEvent,
            6 => Self::BinaryAck,
            _ => return None,
        })
    }

    /// The wire number.
    pub const fn as_u8(self) -> u8 {
        match self {
            Self::Connect => 0,
            Self::Disconnect => 1,
            Self::Event => 2,
            Self::Ack => 3,
            Self::ConnectError => 4,
            Self::BinaryEvent => 5,
            Self::BinaryAck => 6,
        }
    }

    /// EVENT or BINARY_EVENT.
    pub const fn is_event(self) -> bool {
        matches!(self, Self::Event | Self::BinaryEvent)
    }

    /// ACK or BINARY_ACK.
    pub const fn is_ack(self) -> bool {
        matches!(self, Self::Ack | Self::BinaryAck)
    }

    /// BINARY_EVENT or BINARY_ACK.
    pub const fn is_binary(self) -> bool {
        matches!(self, Self::BinaryEvent | Self::BinaryAck)
    }
}

/// The data of a packet, kept in the cheapest form that was available.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Data {
    /// No data (CONNECT without auth, DISCONNECT).
    None,
    /// JSON text exactly as received (a slice of the frame), already checked
    /// for shape and depth; deserialized only when someone asks.
    Json(RawJson),
    /// A decoded value tree: binary packets (attachments put in place of their
    /// placeholders) and every msgpack packet.
    Value(Value),
    /// Protocol 4 CONNECT: the query string that followed `?` in the namespace.
    Query(Str),
}

/// Validated JSON text of a packet, sharing the frame's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawJson {
    pub(crate) json: Bytes,
    pub(crate) event: Option<Str>,
}

impl RawJson {
    /// The JSON text (UTF-8).
    pub fn as_bytes(&self) -> &Bytes {
        &self.json
    }
}

/// One Socket.IO packet, with its binary attachments already collected.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// The packet type.
    pub kind: PacketKind,
    /// The namespace, always starting with `/` (shares the frame's buffer).
    pub ns: Str,
    /// The ack id, at most [`MAX_ACK_ID`].
    pub id: Option<u64>,
    /// The payload.
    pub data: Data,
}

impl Packet {
    /// The event name of an EVENT/BINARY_EVENT packet, read without parsing
    /// the arguments. A numeric head (allowed by socket.io-parser) is given as
    /// its decimal text.
    pub fn event_name(&self) -> Option<&str> {
        if !self.kind.is_event() {
            return None;
        }
        match &self.data {
            Data::Json(raw) => raw.event.as_deref(),
            Data::Value(Value::Array(items)) => match items.first() {
                Some(Value::String(s)) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }

    /// How many leading elements of the data array are not arguments.
    fn skip(&self) -> usize {
        usize::from(self.kind.is_event())
    }

    /// Deserializes the arguments (the array after the event name for events,
    /// the whole array for acks) into `T`: a tuple, a `Vec`, a struct read as
    /// a sequence. Arguments past the ones `T` reads are ignored.
    /// `bytes::Bytes` fields receive the binary attachments.
    ///
    /// # Errors
    /// [`DataError`] when the packet has no array data or `T` does not match.
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, DataError> {
        args::seq_tail(&self.data, self.skip())
    }

    /// Deserializes the argument at `index` (0 is the first after the event
    /// name) into `T`.
    ///
    /// # Errors
    /// [`DataError::MissingArgument`] past the end, or a deserialization error.
    pub fn arg<T: DeserializeOwned>(&self, index: usize) -> Result<T, DataError> {
        args::seq_element(&self.data, self.skip(), index)
    }

    /// The arguments as dynamic values (binary included), for forwarding
    /// them unchanged without knowing their types.
    ///
    /// # Errors
    /// [`DataError`] when the packet has no array data.
    pub fn arg_values(&self) -> Result<Vec<Value>, DataError> {
        self.args()
    }

    /// Deserializes the whole data (the CONNECT auth object, a CONNECT_ERROR
    /// payload, or the full event array) into `T`.
    ///
    /// # Errors
    /// [`DataError::NoArguments`] without data, or a deserialization error.
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T, DataError> {
        args::whole(&self.data)
    }
}
