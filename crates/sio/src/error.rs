//! The errors of the Socket.IO API: sending, acks, broadcasts and refused
//! connections.

use std::fmt;

use sio_adapter::AdapterError;
use sio_parser::EncodeError;

/// Why an emit to one socket failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The socket's outgoing queue is full (the client reads too slowly):
    /// the packet was not queued. Retry later, drop it, or disconnect the
    /// client.
    #[error("the socket's send buffer is full")]
    BufferFull,
    /// The socket is disconnected: stop sending to it.
    #[error("the socket is disconnected")]
    Closed,
    /// The arguments could not be encoded (a reserved event name, or data
    /// that does not serialize): fix the call.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl From<sio_engine::SendError> for EmitError {
    fn from(e: sio_engine::SendError) -> Self {
        match e {
            sio_engine::SendError::Full => Self::BufferFull,
            _ => Self::Closed,
        }
    }
}

/// Why an emit with an acknowledgement got no usable answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// The packet could not be sent (see [`EmitError`]).
    #[error(transparent)]
    Send(#[from] EmitError),
    /// The client did not answer within the timeout.
    #[error("no acknowledgement within the timeout")]
    Timeout,
    /// The socket disconnected before answering.
    #[error("the socket disconnected before answering")]
    Disconnected,
    /// The socket has too many acknowledgements outstanding (see
    /// [`SocketIoBuilder::max_pending_acks`](crate::SocketIoBuilder::max_pending_acks)).
    #[error("too many acknowledgements outstanding")]
    TooManyPending,
    /// The answer did not deserialize into the requested type.
    #[error("cannot deserialize the acknowledgement: {0}")]
    Deserialize(String),
}

/// Why a broadcast (or an operation on several sockets) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BroadcastError {
    /// The arguments could not be encoded: fix the call.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The adapter failed (e.g. a cluster transport); local delivery, if
    /// any, has been done.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
}

/// A refused namespace connection: the client gets a `connect_error` with
/// this message and, when set, this data.
///
/// ```
/// let err = sio::ConnectError::new("unauthorized").with_data(serde_json::json!({ "code": 401 }));
/// assert_eq!(err.message(), "unauthorized");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectError {
    message: String,
    data: Option<serde_json::Value>,
}

impl ConnectError {
    /// A refusal with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            data: None,
        }
    }

    /// Adds JSON data (the client's `err.data`).
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The data, if any.
    pub fn data(&self) -> Option<&serde_json::Value> {
        self.data.as_ref()
    }

    /// The refusal standing for user code that panicked (a middleware, the
    /// connection handler): no detail of the panic reaches the client.
    pub(crate) fn internal() -> Self {
        Self::new("Internal server error")
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConnectError {}

/// A packet refused by a packet middleware
/// ([`SocketRef::use_middleware`](crate::SocketRef::use_middleware), Node's
/// `socket.use`): the socket's error listeners
/// ([`SocketRef::on_error`](crate::SocketRef::on_error)) get it, and a
/// client that asked for an ack gets `[{"message": .., "data": ..}]`.
///
/// ```
/// let err = sio::PacketError::new("token expired").with_data(serde_json::json!({ "code": 401 }));
/// assert_eq!(err.message(), "token expired");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PacketError {
    message: String,
    data: Option<serde_json::Value>,
}

impl PacketError {
    /// A rejection with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            data: None,
        }
    }

    /// Adds JSON data (sent in the error ack).
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The data, if any.
    pub fn data(&self) -> Option<&serde_json::Value> {
        self.data.as_ref()
    }
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PacketError {}

/// Why a handler could not be called: its extractors refused the packet.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The packet's data did not deserialize into the handler's type.
    #[error("{0}")]
    Data(#[from] sio_parser::DataError),
    /// A [`State<T>`](crate::State) of a type never given to
    /// [`SocketIoBuilder::with_state`](crate::SocketIoBuilder::with_state).
    #[error("no state of type {0} was registered")]
    MissingState(&'static str),
}

impl ExtractError {
    /// What the client is told (a `connect_error` or an error ack): the
    /// data error, which is about what the client sent, or a generic
    /// "internal server error" for the server's own mistakes, so that no
    /// Rust type name leaves the server.
    pub(crate) fn client_message(&self) -> String {
        match self {
            Self::Data(e) => e.to_string(),
            Self::MissingState(_) => "internal server error".to_owned(),
        }
    }
}

/// What the error hook receives: a handler that was not called, or that
/// returned an error.
#[derive(Debug)]
pub struct HandlerError {
    /// The namespace.
    pub ns: String,
    /// The event (`connect` for a connection handler, `disconnect`,
    /// `disconnecting` or `error` for those listeners).
    pub event: String,
    /// What went wrong.
    pub error: HandlerFailure,
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "handler of `{}` in `{}`: {}",
            self.event, self.ns, self.error
        )
    }
}

/// Why a handler failed: see [`HandlerError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandlerFailure {
    /// Its extractors refused the packet: it was not called. The client,
    /// if it asked for an ack, got `[{"message": "<why>"}]`.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// It ran and returned `Err` (shown with its `Display`); the client
    /// was told nothing.
    #[error("{0}")]
    Returned(String),
}
