//! Sans-IO Engine.IO for protocols 4 and 3.
//!
//! This crate knows the wire format and the rules of an Engine.IO session,
//! and nothing about sockets, clocks or tasks: time enters as an argument
//! (`now: Instant`), and everything the session wants done is polled out of
//! it ([`Session::poll_transmit`], [`Session::poll_event`],
//! [`Session::poll_timeout`]). The `sio` crate drives it from one task per
//! connection.
//!
//! | module        | what it holds                                              |
//! |---------------|------------------------------------------------------------|
//! | [`packet`]    | one Engine.IO packet, text and binary forms, v3 and v4     |
//! | [`payload`]   | HTTP long-polling bodies (v4 `\x1e` records, v3 lengths)   |
//! | [`handshake`] | the query string of an Engine.IO request                   |
//! | [`session`]   | the per-connection state machine: heartbeat, upgrade, close |

#![forbid(unsafe_code)]

pub mod error;
pub mod handshake;
pub mod packet;
pub mod payload;
pub mod session;
mod sid;
mod str;

pub use error::{DecodeError, RequestError};
pub use handshake::{HandshakeQuery, Protocol, TransportKind};
pub use packet::{Message, OpenPacket, Packet};
pub use payload::{EncodedPayload, PayloadLimits};
pub use session::{
    CloseReason, Event, PollReply, SendError, Session, SessionConfig, Transmit, WsFrame,
};
pub use sid::{MAX_SID_LEN, Sid};
pub use str::Str;
