//! [`Parser`]: which wire format a server speaks, chosen in its configuration.

/// The packet format, chosen once in the server's configuration (all clients
/// of a server must use the same one, as with Node's `parser` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Parser {
    /// socket.io-parser: JSON text frames plus binary attachments.
    #[default]
    Default,
    /// socket.io-msgpack-parser: each packet is one binary msgpack frame.
    #[cfg(feature = "msgpack")]
    MsgPack,
}
