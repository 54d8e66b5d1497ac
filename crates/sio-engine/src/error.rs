//! Errors: what a peer can get wrong, and the Engine.IO code each maps to.

/// Why an Engine.IO HTTP request is refused. The I/O layer maps each to an
/// HTTP response in exactly one place, with the body
/// `{"code":N,"message":"…"}` that Node's engine.io sends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Code 0: the `transport` parameter is missing, unknown or not enabled.
    #[error("Transport unknown")]
    UnknownTransport,
    /// Code 1: the `sid` parameter names no live session (or is malformed).
    #[error("Session ID unknown")]
    UnknownSid,
    /// Code 2: a handshake (request without `sid`) that is not a GET.
    #[error("Bad handshake method")]
    BadHandshakeMethod,
    /// Code 3: anything else wrong with the request (transport mismatch,
    /// WebSocket request without upgrade headers, bad origin, overlap…).
    #[error("Bad request")]
    BadRequest,
    /// Code 4: refused by the allow-request hook or the origin check.
    #[error("Forbidden")]
    Forbidden,
    /// Code 5: `EIO` is missing, not 3 or 4, or 3 while protocol 3 is off.
    #[error("Unsupported protocol version")]
    UnsupportedProtocolVersion,
}

impl RequestError {
    /// The Engine.IO error code sent in the JSON body.
    pub fn code(&self) -> u8 {
        match self {
            Self::UnknownTransport => 0,
            Self::UnknownSid => 1,
            Self::BadHandshakeMethod => 2,
            Self::BadRequest => 3,
            Self::Forbidden => 4,
            Self::UnsupportedProtocolVersion => 5,
        }
    }

    /// The HTTP status Node answers with: 403 for [`Self::Forbidden`], 400
    /// for the others.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Forbidden => 403,
            _ => 400,
        }
    }

    /// The JSON body, `{"code":N,"message":"…"}`.
    pub fn json_body(&self) -> String {
        format!(r#"{{"code":{},"message":"{}"}}"#, self.code(), self)
    }
}

/// Why bytes from a peer could not be decoded as Engine.IO packets. The
/// session closes with [`crate::CloseReason::ParseError`] on any of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// An empty packet.
    #[error("empty packet")]
    Empty,
    /// The packet type byte is not one of `0`–`6`.
    #[error("unknown packet type")]
    UnknownType,
    /// A packet that a client may not send (OPEN) or that carries data it
    /// must not.
    #[error("unexpected packet")]
    UnexpectedPacket,
    /// Base64 that does not decode.
    #[error("invalid base64")]
    InvalidBase64,
    /// Text that is not UTF-8.
    #[error("invalid utf-8")]
    InvalidUtf8,
    /// A protocol-3 length prefix that is malformed or does not match.
    #[error("invalid length prefix")]
    InvalidLength,
    /// More packets in one polling body than the configured limit.
    #[error("too many packets in one payload")]
    TooManyPackets,
    /// A body or message larger than the configured maximum payload.
    #[error("payload too large")]
    TooLarge,
}
