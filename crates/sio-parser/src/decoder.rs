//! [`Decoder`]: the per-connection state machine that turns Engine.IO
//! messages into complete packets, collecting binary attachments across
//! frames.

use bytes::Bytes;
use sio_engine::{Message, Str};

use crate::binary;
use crate::config::DecoderConfig;
use crate::custom::{self, PacketDecoder};
use crate::error::DecodeError;
use crate::packet::{Data, Packet, Version};
use crate::parser::Parser;
use crate::text::{self, Decoded};

/// Decodes the messages of one connection (one per Engine.IO session).
///
/// Feed it every message in order; it answers with a packet once one is
/// complete. After an error the connection must be closed (the pending
/// binary packet, if any, is dropped).
///
/// ```
/// use sio_parser::{Decoder, DecoderConfig, Parser, Version, PacketKind};
/// use sio_engine::Str;
///
/// let mut decoder = Decoder::new(Parser::Default, Version::V5, DecoderConfig::default());
/// let packet = decoder.decode_text(Str::from(r#"2["chat","hi"]"#)).unwrap().unwrap();
/// assert_eq!(packet.kind, PacketKind::Event);
/// assert_eq!(packet.event_name(), Some("chat"));
/// assert_eq!(packet.arg::<String>(0).unwrap(), "hi");
/// ```
#[derive(Debug)]
pub struct Decoder {
    parser: Parser,
    version: Version,
    config: DecoderConfig,
    /// Boxed: a connection keeps its decoder for life and is almost
    /// never mid binary packet, so the decoder stays small.
    pending: Option<Box<Pending>>,
    /// The decoder of a custom parser, whose packets are checked here.
    custom: Option<Box<dyn PacketDecoder>>,
}

/// A binary packet waiting for its attachments.
#[derive(Debug)]
struct Pending {
    packet: Packet,
    json: Bytes,
    expected: usize,
    received: Vec<Bytes>,
    bytes: usize,
}

impl Decoder {
    /// A decoder for one connection.
    pub fn new(parser: Parser, version: Version, config: DecoderConfig) -> Self {
        let custom = match &parser {
            Parser::Custom(custom) => Some(custom.get().decoder(version, &config)),
            _ => None,
        };
        Self {
            parser,
            version,
            config,
            pending: None,
            custom,
        }
    }

    /// Feeds one Engine.IO message.
    ///
    /// # Errors
    /// See [`decode_text`](Self::decode_text) and [`decode_binary`](Self::decode_binary).
    pub fn decode(&mut self, message: Message) -> Result<Option<Packet>, DecodeError> {
        if let Some(custom) = &mut self.custom {
            let packet = custom.decode(message)?;
            if let Some(packet) = &packet {
                custom::check_packet(packet, &self.config)?;
            }
            return Ok(packet);
        }
        match message {
            Message::Text(text) => self.decode_text(text),
            Message::Framed(frame) => self.decode_text(frame.message()),
            Message::Binary(data) => self.decode_binary(data),
        }
    }

    /// Feeds a text message. `Ok(None)` means a binary packet now awaits its
    /// attachments.
    ///
    /// # Errors
    /// Any [`DecodeError`]; notably [`DecodeError::UnexpectedText`] while
    /// attachments are awaited, and [`DecodeError::WrongFrameKind`] with the
    /// msgpack parser.
    pub fn decode_text(&mut self, text: Str) -> Result<Option<Packet>, DecodeError> {
        if self.custom.is_some() {
            return self.decode(Message::Text(text));
        }
        if let Some(pending) = self.pending.take() {
            return Err(DecodeError::UnexpectedText {
                missing: pending.expected.saturating_sub(pending.received.len()),
            });
        }
        if self.parser != Parser::Default {
            return Err(DecodeError::WrongFrameKind);
        }
        match text::decode(&text, self.version, &self.config)? {
            Decoded::Complete(packet) => Ok(Some(packet)),
            Decoded::Binary {
                packet,
                json,
                attachments: 0,
            } => finish(packet, &json, &[]).map(Some),
            Decoded::Binary {
                packet,
                json,
                attachments,
            } => {
                let received = Vec::with_capacity(attachments);
                self.pending = Some(Box::new(Pending {
                    packet,
                    json,
                    expected: attachments,
                    received,
                    bytes: 0,
                }));
                Ok(None)
            }
        }
    }

    /// Feeds a binary message: an attachment of the pending packet (default
    /// parser) or a whole packet (msgpack).
    ///
    /// # Errors
    /// Any [`DecodeError`]; notably [`DecodeError::UnexpectedBinary`] when no
    /// binary packet is pending and [`DecodeError::AttachmentsTooLarge`].
    pub fn decode_binary(&mut self, data: Bytes) -> Result<Option<Packet>, DecodeError> {
        if self.custom.is_some() {
            return self.decode(Message::Binary(data));
        }
        #[cfg(feature = "msgpack")]
        if self.parser == Parser::MsgPack {
            return crate::msgpack::decode(&data, &self.config).map(Some);
        }
        let mut pending = self.pending.take().ok_or(DecodeError::UnexpectedBinary)?;
        pending.bytes = pending.bytes.saturating_add(data.len());
        if pending.bytes > self.config.max_attachment_bytes {
            return Err(DecodeError::AttachmentsTooLarge {
                limit: self.config.max_attachment_bytes,
            });
        }
        pending.received.push(data);
        if pending.received.len() < pending.expected {
            self.pending = Some(pending);
            return Ok(None);
        }
        let Pending {
            packet,
            json,
            received,
            ..
        } = *pending;
        finish(packet, &json, &received).map(Some)
    }

    /// Whether a binary packet is waiting for attachments.
    pub fn is_awaiting_attachments(&self) -> bool {
        if let Some(custom) = &self.custom {
            return custom.is_awaiting_attachments();
        }
        self.pending.is_some()
    }

    /// Drops a partially received binary packet (call on disconnect or when
    /// the server gives up waiting).
    pub fn reset(&mut self) {
        if let Some(custom) = &mut self.custom {
            custom.reset();
        }
        self.pending = None;
    }

    /// The protocol revision this decoder speaks.
    pub fn version(&self) -> Version {
        self.version
    }
}

fn finish(mut packet: Packet, json: &[u8], attachments: &[Bytes]) -> Result<Packet, DecodeError> {
    packet.data = Data::Value(binary::resolve(packet.kind, json, attachments)?);
    Ok(packet)
}
