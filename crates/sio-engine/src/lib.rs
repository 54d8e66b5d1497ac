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
//!
//! # Example
//!
//! A driver's life with one polling session, under a fake clock:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use sio_engine::{
//!     Event, HandshakeQuery, Message, PollReply, Session, SessionConfig, Sid, Str, Transmit,
//! };
//!
//! let query = HandshakeQuery::parse(Some("EIO=4&transport=polling"))?;
//! let t0 = Instant::now();
//! let sid = Sid::new("dGhpcyBpcyBhIHNpZA").unwrap();
//! let config = SessionConfig::default();
//! let mut session = Session::new(sid, query.protocol, query.transport, query.b64, config, t0);
//!
//! // The handshake GET is answered with the OPEN packet.
//! let Some(Transmit::Poll(PollReply::Payload(open))) = session.poll_transmit() else {
//!     unreachable!()
//! };
//! assert!(open.body.starts_with(b"0{\"sid\""));
//!
//! // The client posts a message; the application hears it.
//! session.handle_post(t0, "4hello".into(), false)?;
//! assert_eq!(session.poll_event(), Some(Event::Message(Message::Text(Str::from("hello")))));
//!
//! // The next GET waits until something is sent.
//! session.handle_poll(t0)?;
//! assert_eq!(session.poll_transmit(), None);
//! session.send(Message::Text(Str::from("hi")))?;
//! let Some(Transmit::Poll(PollReply::Payload(reply))) = session.poll_transmit() else {
//!     unreachable!()
//! };
//! assert_eq!(&reply.body[..], b"4hi");
//!
//! // The first ping is due one interval after open.
//! assert_eq!(session.poll_timeout(), Some(t0 + Duration::from_secs(25)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Limits
//!
//! Everything a peer controls is bounded: packets per polling body
//! ([`PayloadLimits::max_packets`], default 64), body size
//! ([`SessionConfig::max_payload`], default 1 MB), outgoing packets waiting
//! for a transport ([`SessionConfig::max_buffered_packets`], default 1024),
//! the session id ([`MAX_SID_LEN`], 128 bytes), protocol-3 length prefixes
//! (9 digits). Decoders run in time linear in their input and never panic.

#![forbid(unsafe_code)]

pub mod error;
mod frame;
pub mod handshake;
pub mod packet;
pub mod payload;
pub mod session;
mod sid;
mod str;

pub use error::{DecodeError, RequestError};
pub use frame::{DeflateCache, TextFrame};
pub use handshake::{HandshakeQuery, Protocol, TransportKind};
pub use packet::{Message, OpenPacket, Packet};
pub use payload::{EncodedPayload, PayloadLimits};
pub use session::{
    CloseReason, Compression, Event, PollReply, SendError, Session, SessionConfig, Transmit,
    WsFrame,
};
pub use sid::{MAX_SID_LEN, Sid};
pub use str::Str;
