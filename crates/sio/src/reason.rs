//! [`DisconnectReason`]: why a socket left its namespace, with Node's
//! reason strings.

use std::fmt;

use sio_engine::CloseReason;

/// Why a socket was disconnected. [`DisconnectReason::as_str`] gives the
/// string Node's server uses for the same case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The server disconnected it (`socket.disconnect()` or an operator).
    ServerNamespaceDisconnect,
    /// The client left the namespace.
    ClientNamespaceDisconnect,
    /// The transport closed (client gone, or it closed the connection).
    TransportClose,
    /// The transport failed.
    TransportError,
    /// The client stopped answering pings.
    PingTimeout,
    /// The client sent a packet that does not parse.
    ParseError,
    /// The server is shutting down.
    ServerShuttingDown,
    /// The server closed the whole connection.
    ForcedServerClose,
}

impl DisconnectReason {
    /// Node's string for this reason (`"transport close"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ServerNamespaceDisconnect => "server namespace disconnect",
            Self::ClientNamespaceDisconnect => "client namespace disconnect",
            Self::TransportClose => "transport close",
            Self::TransportError => "transport error",
            Self::PingTimeout => "ping timeout",
            Self::ParseError => "parse error",
            Self::ServerShuttingDown => "server shutting down",
            Self::ForcedServerClose => "forced server close",
        }
    }
}

impl From<CloseReason> for DisconnectReason {
    fn from(reason: CloseReason) -> Self {
        match reason {
            CloseReason::TransportClose => Self::TransportClose,
            CloseReason::TransportError => Self::TransportError,
            CloseReason::PingTimeout => Self::PingTimeout,
            CloseReason::ParseError => Self::ParseError,
            CloseReason::ServerShuttingDown => Self::ServerShuttingDown,
            _ => Self::ForcedServerClose,
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_reasons_map_to_node_strings() {
        assert_eq!(
            DisconnectReason::from(CloseReason::PingTimeout).as_str(),
            "ping timeout"
        );
        assert_eq!(
            DisconnectReason::from(CloseReason::TransportClose).as_str(),
            "transport close"
        );
        assert_eq!(
            DisconnectReason::from(CloseReason::ParseError).as_str(),
            "parse error"
        );
        assert_eq!(
            DisconnectReason::from(CloseReason::ServerShuttingDown).as_str(),
            "server shutting down"
        );
        assert_eq!(
            DisconnectReason::ClientNamespaceDisconnect.to_string(),
            "client namespace disconnect"
        );
    }
}
