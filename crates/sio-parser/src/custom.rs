//! Parsers from outside this crate: the object-safe [`PacketParser`] and
//! [`PacketDecoder`] traits, the [`CustomParser`] handle a server keeps, and
//! the checks every packet a custom decoder yields goes through, so that a
//! parser written elsewhere cannot bypass the limits of [`DecoderConfig`].

use std::fmt;
use std::sync::Arc;

use sio_engine::Message;

use crate::config::DecoderConfig;
use crate::encode::Encoded;
use crate::error::{DecodeError, EncodeError};
use crate::packet::{Data, MAX_ACK_ID, Packet, PacketKind, Version, is_reserved_event};
use crate::value::Value;

/// A wire format for Socket.IO packets: what socket.io's `parser` option
/// takes (an object with an `Encoder` and a `Decoder` class).
///
/// Object safe: a server holds it as a [`CustomParser`] (an
/// `Arc<dyn PacketParser>`), so no parser type appears in user signatures.
/// The two built-in formats implement it too ([`DefaultParser`](crate::DefaultParser),
/// [`MsgPackParser`](crate::MsgPackParser)), which is mostly useful to wrap
/// them; a server configured with [`Parser::Default`](crate::Parser) or
/// [`Parser::MsgPack`](crate::Parser) uses their faster direct paths.
///
/// What a custom parser gets and must give:
/// - [`encode`](Self::encode) receives packets whose namespace and ack id
///   are already checked, with [`Data::Value`] or [`Data::None`] as data.
///   EVENT and ACK data are arrays; binary parts are [`Value::Binary`]
///   leaves (the packet kind stays EVENT/ACK: choosing a binary kind is
///   the format's business).
/// - the decoders it makes may yield any [`Packet`]; each one is then
///   checked as the built-in decoders check theirs (known type, namespace,
///   ack id, payload shape, reserved event names, nesting depth, number and
///   total size of binary parts), and a packet that fails closes the
///   connection like any decode error.
pub trait PacketParser: fmt::Debug + Send + Sync + 'static {
    /// A short name, for logs and `Debug` output.
    fn name(&self) -> &str;

    /// A decoder for one connection. `config` holds the limits the decoder
    /// should apply while reading (its output is checked against them in
    /// any case).
    fn decoder(&self, version: Version, config: &DecoderConfig) -> Box<dyn PacketDecoder>;

    /// Encodes one packet into the Engine.IO messages that carry it.
    ///
    /// # Errors
    /// [`EncodeError`] when the packet cannot be written in this format.
    fn encode(&self, packet: &Packet, version: Version) -> Result<Encoded, EncodeError>;
}

/// The per-connection half of a [`PacketParser`]: Engine.IO messages in,
/// complete packets out.
pub trait PacketDecoder: fmt::Debug + Send + 'static {
    /// Feeds one Engine.IO message; `Ok(None)` while a packet is incomplete.
    ///
    /// # Errors
    /// Any [`DecodeError`]; the connection is then closed.
    fn decode(&mut self, message: Message) -> Result<Option<Packet>, DecodeError>;

    /// Whether a packet is partly received (default: never).
    fn is_awaiting_attachments(&self) -> bool {
        false
    }

    /// Drops a partly received packet (default: nothing to drop).
    fn reset(&mut self) {}
}

/// A shared [`PacketParser`], as held in a server's configuration
/// ([`Parser::Custom`](crate::Parser)). Two handles are equal when they
/// share the same parser object.
///
/// ```
/// use sio_parser::{CustomParser, DefaultParser, Parser};
///
/// let parser = Parser::Custom(CustomParser::new(DefaultParser));
/// assert_eq!(parser.name(), "default");
/// ```
#[derive(Clone)]
pub struct CustomParser(Arc<dyn PacketParser>);

impl CustomParser {
    /// Wraps a parser.
    pub fn new(parser: impl PacketParser) -> Self {
        Self(Arc::new(parser))
    }

    /// Wraps an already shared parser.
    pub fn from_arc(parser: Arc<dyn PacketParser>) -> Self {
        Self(parser)
    }

    /// The parser.
    pub fn get(&self) -> &dyn PacketParser {
        &*self.0
    }
}

impl fmt::Debug for CustomParser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CustomParser").field(&self.0).finish()
    }
}

impl PartialEq for CustomParser {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for CustomParser {}

impl std::hash::Hash for CustomParser {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::ptr::hash(Arc::as_ptr(&self.0).cast::<()>(), state);
    }
}

/// Checks a packet yielded by a custom decoder against what the built-in
/// decoders accept and against `config`'s limits.
pub(crate) fn check_packet(packet: &Packet, config: &DecoderConfig) -> Result<(), DecodeError> {
    if packet.kind == PacketKind::ConnectError && !config.allow_connect_error {
        return Err(DecodeError::UnknownType);
    }
    if !packet.ns.starts_with('/') {
        return Err(DecodeError::BadNamespace);
    }
    match (packet.kind, packet.id) {
        (_, Some(id)) if id > MAX_ACK_ID => return Err(DecodeError::BadAckId),
        (k, None) if k.is_ack() => return Err(DecodeError::MissingAckId),
        (PacketKind::Connect | PacketKind::Disconnect | PacketKind::ConnectError, Some(_)) => {
            return Err(DecodeError::BadAckId);
        }
        _ => {}
    }
    let value = match &packet.data {
        // Only this crate's decoders make these, and they checked them.
        Data::Json(_) | Data::Query(_) => return Ok(()),
        Data::None => None,
        Data::Value(value) => Some(value),
    };
    let valid = match (packet.kind, value) {
        (PacketKind::Connect | PacketKind::Disconnect, None) => true,
        (PacketKind::Connect, Some(Value::Object(_))) => true,
        (PacketKind::ConnectError, Some(Value::Object(_) | Value::String(_))) => true,
        (k, Some(Value::Array(items))) if k.is_event() => match items.first() {
            Some(Value::String(name)) => !is_reserved_event(name),
            Some(Value::Number(_)) => true,
            _ => false,
        },
        (k, Some(Value::Array(_))) => k.is_ack(),
        _ => false,
    };
    if !valid {
        return Err(DecodeError::InvalidPayload);
    }
    if let Some(value) = value {
        check_limits(value, config)?;
    }
    Ok(())
}

/// Depth, binary part count and binary bytes, walked without recursion.
fn check_limits(value: &Value, config: &DecoderConfig) -> Result<(), DecodeError> {
    let (mut parts, mut bytes) = (0usize, 0usize);
    let mut stack = vec![(value, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        match value {
            Value::Array(items) => {
                if depth > config.max_depth {
                    return Err(DecodeError::TooDeep {
                        limit: config.max_depth,
                    });
                }
                stack.extend(items.iter().map(|v| (v, depth + 1)));
            }
            Value::Object(entries) => {
                if depth > config.max_depth {
                    return Err(DecodeError::TooDeep {
                        limit: config.max_depth,
                    });
                }
                stack.extend(entries.iter().map(|(_, v)| (v, depth + 1)));
            }
            Value::Binary(data) => {
                parts += 1;
                bytes = bytes.saturating_add(data.len());
                if parts > config.max_attachments {
                    return Err(DecodeError::TooManyAttachments {
                        limit: config.max_attachments,
                    });
                }
                if bytes > config.max_attachment_bytes {
                    return Err(DecodeError::AttachmentsTooLarge {
                        limit: config.max_attachment_bytes,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(())
}
