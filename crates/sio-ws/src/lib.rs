//! Sans-IO WebSocket for servers: RFC 6455 with permessage-deflate
//! (RFC 7692).
//!
//! This crate knows the wire format and nothing about sockets or tasks. The
//! `sio` crate drives it from each session's task: it checks the upgrade
//! request ([`check_handshake`], [`negotiate`]), feeds what the connection
//! reads into a [`Decoder`] and writes what the session sends after a
//! [`FrameHead`], compressing with a [`Compressor`] where the client agreed
//! to it.
//!
//! | module | what it holds |
//! |---|---|
//! | [`check_handshake`] | the opening handshake's checks and accept key |
//! | [`negotiate`] | permessage-deflate offers and the answer |
//! | [`Decoder`] | client frames: validation, limits, reassembly, inflating |
//! | [`FrameHead`] | the header of a server frame |
//! | [`Deflate`] | compression settings, zlib states shared by connections |
//!
//! Why sio has its own: a broadcast must be able to send one compressed
//! buffer to many connections, and a server must close with 1002, 1007 or
//! 1009 on every rule a client breaks; no WebSocket crate measured offered
//! both (see sio's docs/architecture.md).
//!
//! # Limits
//!
//! A frame or message over [`Limits::max_message`] (counted after
//! inflating; inflating stops at the limit) or split into more than
//! [`Limits::max_fragments`] frames fails with close code 1009 as soon as
//! its header arrives; the decoder holds at most one frame and one
//! message being assembled. Extension offers are read up to 16 offers of
//! 8 parameters. Decoding runs in time linear in its input and never
//! panics.

#![forbid(unsafe_code)]

mod close;
mod decoder;
mod deflate;
mod frame;
mod handshake;
mod negotiate;

pub use close::{CloseCode, CloseFrame};
pub use decoder::{Decoder, Incoming, Limits, ProtocolError};
pub use deflate::{Agreement, Compressor, Decompressor, Deflate, DeflateStats, PerMessageDeflate};
pub use frame::{FrameHead, OpCode};
pub use handshake::{HandshakeError, accept_key, check_handshake};
pub use negotiate::negotiate;

/// The payload of a close frame with `code` and `reason` (cut to 123
/// bytes), to send after a [`FrameHead`] of [`OpCode::Close`].
pub fn close_payload(code: CloseCode, reason: &str) -> Vec<u8> {
    CloseFrame {
        code,
        reason: reason.to_owned(),
    }
    .payload()
}
