//! Errors of decoding, reading and encoding Socket.IO packets.

/// Why a frame from the peer was refused. The connection should be closed
/// with the reason `parse error`: every variant means the peer does not speak
/// the protocol (or tries to abuse it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The text frame was empty: close the connection.
    #[error("empty packet")]
    Empty,
    /// The packet type is not one of 0–6 (or not allowed here): close the connection.
    #[error("unknown packet type")]
    UnknownType,
    /// The attachment count of a binary packet is not `<digits>-`: close the connection.
    #[error("illegal attachments header")]
    BadAttachmentHeader,
    /// More attachments were announced than the configured limit: close the connection.
    #[error("too many attachments (limit {limit})")]
    TooManyAttachments {
        /// The configured limit.
        limit: usize,
    },
    /// The attachments together exceed the configured byte limit: close the connection.
    #[error("attachments larger than {limit} bytes")]
    AttachmentsTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// A placeholder is malformed, out of range, repeated, or an attachment is never referenced: close.
    #[error("invalid binary placeholder")]
    BadPlaceholder,
    /// The namespace is not a UTF-8 string starting with `/`: close the connection.
    #[error("invalid namespace")]
    BadNamespace,
    /// The ack id is not an integer in 0..=2^53−1: close the connection.
    #[error("invalid ack id")]
    BadAckId,
    /// An ACK packet came without an ack id: close the connection.
    #[error("ack packet without an id")]
    MissingAckId,
    /// The payload is not valid JSON (or msgpack): close the connection.
    #[error("malformed payload: {0}")]
    Malformed(String),
    /// The payload nests deeper than the configured limit: close the connection.
    #[error("payload nested deeper than {limit}")]
    TooDeep {
        /// The configured depth limit.
        limit: usize,
    },
    /// The payload has the wrong shape for the packet type (or names a reserved event): close.
    #[error("invalid payload for this packet type")]
    InvalidPayload,
    /// A text frame arrived while binary attachments were awaited: close the connection.
    #[error("text frame while awaiting {missing} binary attachments")]
    UnexpectedText {
        /// How many attachments were still missing.
        missing: usize,
    },
    /// A binary frame arrived with no binary packet waiting for it: close the connection.
    #[error("binary frame with no pending binary packet")]
    UnexpectedBinary,
    /// A frame of the wrong kind for the configured parser (text for msgpack): close.
    #[error("frame kind not used by this parser")]
    WrongFrameKind,
}

/// Why packet data could not be read into the requested type. The peer sent
/// a valid packet that does not match what the handler expects: answer with
/// an error (ack error or error hook), do not drop it silently.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The data did not deserialize into the requested type: report it to the handler's caller.
    #[error("cannot deserialize packet data: {0}")]
    Deserialize(String),
    /// The requested argument index is past the end of the arguments: treat as a missing argument.
    #[error("no argument at index {0}")]
    MissingArgument(usize),
    /// The packet carries no data of the expected kind: check the packet type first.
    #[error("packet has no arguments")]
    NoArguments,
}

impl serde::de::Error for DataError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self::Deserialize(msg.to_string())
    }
}

impl From<serde_json::Error> for DataError {
    fn from(e: serde_json::Error) -> Self {
        Self::Deserialize(e.to_string())
    }
}

/// Why a packet could not be encoded. Caused by the application's own data:
/// fix the value, do not retry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The value's `Serialize` implementation failed (e.g. a map with non-string keys).
    #[error("cannot serialize packet data: {0}")]
    Serialize(String),
    /// The event name is one of the names reserved by Socket.IO (`connect`, `disconnect`, …).
    #[error("reserved event name {0:?}")]
    ReservedEvent(String),
    /// The namespace does not start with `/`.
    #[error("invalid namespace")]
    BadNamespace,
    /// The ack id is above 2^53−1, which JavaScript clients cannot represent.
    #[error("ack id above 2^53-1")]
    BadAckId,
    /// The arguments serialized to something other than a sequence (use a tuple or a `Vec`).
    #[error("arguments must serialize to a sequence")]
    NotASequence,
}

impl serde::ser::Error for EncodeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self::Serialize(msg.to_string())
    }
}

impl From<serde_json::Error> for EncodeError {
    fn from(e: serde_json::Error) -> Self {
        Self::Serialize(e.to_string())
    }
}
