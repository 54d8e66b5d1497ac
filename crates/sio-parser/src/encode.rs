//! [`Encoder`] and [`Encoded`]: packets into Engine.IO messages, encoded once
//! and shared by every recipient.

use bytes::Bytes;
use serde::Serialize;
use sio_engine::{Message, Str, TextFrame};

use crate::custom::CustomParser;
use crate::error::EncodeError;
use crate::packet::{Data, MAX_ACK_ID, Packet, PacketKind, Version, is_reserved_event};
use crate::parser::Parser;
use crate::value::Value;

/// An encoded packet: cheap to clone (the buffers are shared).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoded {
    /// Default parser: a text message followed by its binary attachments.
    Text {
        /// The packet's text message, written after its Engine.IO digit so
        /// that every recipient's frame is this one buffer.
        frame: TextFrame,
        /// The attachments, sent as binary messages right after `text`.
        attachments: Vec<Bytes>,
    },
    /// msgpack parser: the whole packet as one binary message.
    Binary(Bytes),
}

impl Encoded {
    /// One text message with no attachments (for a [`PacketParser`](crate::PacketParser)
    /// that writes text frames).
    pub fn from_text(text: &str) -> Self {
        Self::Text {
            frame: TextFrame::with_message(text.len(), |out| out.push_str(text)),
            attachments: Vec::new(),
        }
    }

    /// A text message followed by binary attachments.
    pub fn from_text_with_attachments(text: &str, attachments: Vec<Bytes>) -> Self {
        Self::Text {
            frame: TextFrame::with_message(text.len(), |out| out.push_str(text)),
            attachments,
        }
    }

    /// One binary message (for a format that writes binary frames).
    pub fn from_binary(data: Bytes) -> Self {
        Self::Binary(data)
    }

    /// The Engine.IO messages to send, in order. The iterator knows its
    /// length, so a sender can reserve room for all of them at once.
    pub fn messages(&self) -> Messages<'_> {
        let (first, rest) = match self {
            Self::Text { frame, attachments } => {
                (Message::Framed(frame.clone()), attachments.as_slice())
            }
            Self::Binary(data) => (Message::Binary(data.clone()), &[][..]),
        };
        Messages {
            first: Some(first),
            rest: rest.iter(),
        }
    }

    /// Gives the text message a cache shared by the clones of this packet,
    /// so that a broadcast is compressed once for all of its recipients
    /// (see [`sio_engine::TextFrame::share_compression`]); binary messages
    /// are compressed by each recipient.
    #[must_use]
    pub fn with_shared_compression(mut self) -> Self {
        if let Self::Text { frame, .. } = &mut self {
            frame.share_compression();
        }
        self
    }

    /// Length of the first message (the text, or the msgpack packet), in
    /// bytes.
    pub fn len(&self) -> usize {
        match self {
            Self::Text { frame, .. } => frame.text().len(),
            Self::Binary(data) => data.len(),
        }
    }

    /// True when the first message is empty (never, for an encoded packet).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text message (default parser) as a string.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::Text { frame, .. } => Some(frame.text()),
            Self::Binary(_) => None,
        }
    }
}

/// The Engine.IO messages of an [`Encoded`] (see [`Encoded::messages`]):
/// the buffers are shared, not copied.
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    first: Option<Message>,
    rest: std::slice::Iter<'a, Bytes>,
}

impl Iterator for Messages<'_> {
    type Item = Message;

    fn next(&mut self) -> Option<Message> {
        self.first
            .take()
            .or_else(|| self.rest.next().cloned().map(Message::Binary))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::from(self.first.is_some()) + self.rest.len();
        (n, Some(n))
    }
}

impl ExactSizeIterator for Messages<'_> {}

/// Encodes packets for one protocol revision and parser. Cheap to clone:
/// keep one per connection or build one per broadcast.
///
/// ```
/// use sio_parser::{Encoder, Parser, Version};
///
/// let encoder = Encoder::new(Parser::Default, Version::V5);
/// let encoded = encoder.event("/", "chat", &("hi",), None).unwrap();
/// assert_eq!(encoded.text(), Some(r#"2["chat","hi"]"#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Encoder {
    parser: Parser,
    version: Version,
}

impl Encoder {
    /// An encoder for `parser` and protocol `version`.
    pub fn new(parser: Parser, version: Version) -> Self {
        Self { parser, version }
    }

    /// EVENT (or BINARY_EVENT when `args` holds bytes): `args` must serialize
    /// to a sequence (a tuple or a `Vec`; `()` for none); `bytes::Bytes`
    /// anywhere inside becomes an attachment.
    ///
    /// # Errors
    /// [`EncodeError`] for a reserved event name, a bad namespace or ack id,
    /// or arguments that do not serialize to a sequence.
    pub fn event<T: Serialize + ?Sized>(
        &self,
        ns: &str,
        event: &str,
        args: &T,
        id: Option<u64>,
    ) -> Result<Encoded, EncodeError> {
        if is_reserved_event(event) {
            return Err(EncodeError::ReservedEvent(event.to_owned()));
        }
        check(ns, id)?;
        if let Parser::Custom(custom) = &self.parser {
            let mut items = vec![Value::from(event)];
            items.extend(sequence(args)?);
            return self.custom(custom, PacketKind::Event, ns, id, Some(Value::Array(items)));
        }
        #[cfg(feature = "msgpack")]
        if self.parser == Parser::MsgPack {
            let mut items = vec![Value::from(event)];
            match Value::from_serialize(args)? {
                Value::Array(rest) => items.extend(rest),
                Value::Null => {}
                _ => return Err(EncodeError::NotASequence),
            }
            return Ok(crate::msgpack::encode(
                PacketKind::Event,
                ns,
                id,
                Some(&Value::Array(items)),
            ));
        }
        crate::one_buffer::event(ns, event, args, id)
    }

    /// ACK (or BINARY_ACK) answering ack `id` with `args` (a sequence, or
    /// `()` for none).
    ///
    /// # Errors
    /// [`EncodeError`] for a bad namespace or id, or non-sequence arguments.
    pub fn ack<T: Serialize + ?Sized>(
        &self,
        ns: &str,
        id: u64,
        args: &T,
    ) -> Result<Encoded, EncodeError> {
        check(ns, Some(id))?;
        if let Parser::Custom(custom) = &self.parser {
            let items = sequence(args)?;
            return self.custom(
                custom,
                PacketKind::Ack,
                ns,
                Some(id),
                Some(Value::Array(items)),
            );
        }
        #[cfg(feature = "msgpack")]
        if self.parser == Parser::MsgPack {
            let value = match Value::from_serialize(args)? {
                Value::Null => Value::Array(Vec::new()),
                value @ Value::Array(_) => value,
                _ => return Err(EncodeError::NotASequence),
            };
            return Ok(crate::msgpack::encode(
                PacketKind::Ack,
                ns,
                Some(id),
                Some(&value),
            ));
        }
        crate::one_buffer::with_value(PacketKind::Ack, ns, Some(id), args, true)
    }

    /// CONNECT accepting a namespace: `{"sid":…}` plus `pid` (connection
    /// state recovery) in protocol 5; no data in protocol 4.
    ///
    /// # Errors
    /// [`EncodeError::BadNamespace`].
    pub fn connect(&self, ns: &str, sid: &str, pid: Option<&str>) -> Result<Encoded, EncodeError> {
        let mut data = vec![("sid".to_owned(), Value::from(sid))];
        if let Some(pid) = pid {
            data.push(("pid".to_owned(), Value::from(pid)));
        }
        self.connect_with(ns, &Value::Object(data))
    }

    /// CONNECT with any object as data (ignored in protocol 4, which sends
    /// none).
    ///
    /// # Errors
    /// [`EncodeError`] for a bad namespace or data that fails to serialize.
    pub fn connect_with<T: Serialize + ?Sized>(
        &self,
        ns: &str,
        data: &T,
    ) -> Result<Encoded, EncodeError> {
        check(ns, None)?;
        if self.version == Version::V4 {
            return self.bare(PacketKind::Connect, ns, None);
        }
        self.with_data(PacketKind::Connect, ns, data)
    }

    /// CONNECT_ERROR refusing a namespace: `{"message":…,"data":…}` in
    /// protocol 5; in protocol 4 the data if any, else the message.
    ///
    /// # Errors
    /// [`EncodeError`] for a bad namespace or data that fails to serialize.
    pub fn connect_error<T: Serialize + ?Sized>(
        &self,
        ns: &str,
        message: &str,
        data: Option<&T>,
    ) -> Result<Encoded, EncodeError> {
        check(ns, None)?;
        let value = match (self.version, data) {
            (Version::V4, Some(data)) => Value::from_serialize(data)?,
            (Version::V4, None) => Value::from(message),
            (_, data) => {
                let mut entries = vec![("message".to_owned(), Value::from(message))];
                if let Some(data) = data {
                    entries.push(("data".to_owned(), Value::from_serialize(data)?));
                }
                Value::Object(entries)
            }
        };
        self.with_data(PacketKind::ConnectError, ns, &value)
    }

    /// DISCONNECT from a namespace.
    ///
    /// # Errors
    /// [`EncodeError::BadNamespace`].
    pub fn disconnect(&self, ns: &str) -> Result<Encoded, EncodeError> {
        check(ns, None)?;
        self.bare(PacketKind::Disconnect, ns, None)
    }

    /// Re-encodes a decoded packet (forwarding, adapters, tests): raw JSON is
    /// copied unchanged, values are serialized with their binary parts.
    ///
    /// # Errors
    /// [`EncodeError`] for a bad namespace or id.
    pub fn packet(&self, packet: &Packet) -> Result<Encoded, EncodeError> {
        check(&packet.ns, packet.id)?;
        let ns = packet.ns.as_str();
        if let Parser::Custom(custom) = &self.parser {
            let value = as_value(&packet.data)?;
            return self.custom(custom, unbinary(packet.kind), ns, packet.id, value);
        }
        #[cfg(feature = "msgpack")]
        if self.parser == Parser::MsgPack {
            let value = as_value(&packet.data)?;
            let kind = unbinary(packet.kind);
            return Ok(crate::msgpack::encode(kind, ns, packet.id, value.as_ref()));
        }
        match &packet.data {
            Data::None => self.bare(packet.kind, ns, packet.id),
            Data::Query(q) => self.bare(packet.kind, &format!("{ns}?{q}"), packet.id),
            Data::Json(raw) => {
                let json = std::str::from_utf8(raw.as_bytes())
                    .map_err(|e| EncodeError::Serialize(e.to_string()))?;
                Ok(text_packet(unbinary(packet.kind), ns, packet.id, json))
            }
            Data::Value(v) => {
                crate::one_buffer::with_value(unbinary(packet.kind), ns, packet.id, v, false)
            }
        }
    }

    fn custom(
        &self,
        custom: &CustomParser,
        kind: PacketKind,
        ns: &str,
        id: Option<u64>,
        value: Option<Value>,
    ) -> Result<Encoded, EncodeError> {
        let packet = Packet {
            kind,
            ns: Str::from(ns.to_owned()),
            id,
            data: value.map_or(Data::None, Data::Value),
        };
        custom.get().encode(&packet, self.version)
    }

    fn bare(&self, kind: PacketKind, ns: &str, id: Option<u64>) -> Result<Encoded, EncodeError> {
        if let Parser::Custom(custom) = &self.parser {
            return self.custom(custom, kind, ns, id, None);
        }
        #[cfg(feature = "msgpack")]
        if self.parser == Parser::MsgPack {
            return Ok(crate::msgpack::encode(kind, ns, id, None));
        }
        Ok(text_packet(kind, ns, id, ""))
    }

    fn with_data<T: Serialize + ?Sized>(
        &self,
        kind: PacketKind,
        ns: &str,
        data: &T,
    ) -> Result<Encoded, EncodeError> {
        if let Parser::Custom(custom) = &self.parser {
            return self.custom(custom, kind, ns, None, Some(Value::from_serialize(data)?));
        }
        #[cfg(feature = "msgpack")]
        if self.parser == Parser::MsgPack {
            return Ok(crate::msgpack::encode(
                kind,
                ns,
                None,
                Some(&Value::from_serialize(data)?),
            ));
        }
        Ok(text_packet(kind, ns, None, &serde_json::to_string(data)?))
    }
}

/// Arguments as a list of values: a sequence, or nothing for `()`.
fn sequence<T: Serialize + ?Sized>(args: &T) -> Result<Vec<Value>, EncodeError> {
    match Value::from_serialize(args)? {
        Value::Array(items) => Ok(items),
        Value::Null => Ok(Vec::new()),
        _ => Err(EncodeError::NotASequence),
    }
}

/// Packet data as a value tree (parsing raw JSON).
fn as_value(data: &Data) -> Result<Option<Value>, EncodeError> {
    Ok(match data {
        Data::None => None,
        Data::Query(q) => Some(Value::from(q.as_str())),
        Data::Json(raw) => Some(serde_json::from_slice(raw.as_bytes())?),
        Data::Value(v) => Some(v.clone()),
    })
}

fn check(ns: &str, id: Option<u64>) -> Result<(), EncodeError> {
    if !ns.starts_with('/') {
        return Err(EncodeError::BadNamespace);
    }
    if id.is_some_and(|id| id > MAX_ACK_ID) {
        return Err(EncodeError::BadAckId);
    }
    Ok(())
}

/// The non-binary kind; the binary one is chosen from the attachments found.
fn unbinary(kind: PacketKind) -> PacketKind {
    match kind {
        PacketKind::BinaryEvent => PacketKind::Event,
        PacketKind::BinaryAck => PacketKind::Ack,
        other => other,
    }
}

/// `<type>[<ns>,][<id>]<json>`: a text packet without attachments (EVENT
/// and ACK, which may carry some, are written by `one_buffer`).
fn text_packet(kind: PacketKind, ns: &str, id: Option<u64>, json: &str) -> Encoded {
    let frame = TextFrame::with_message(json.len() + ns.len() + 24, |text| {
        crate::one_buffer::header(text, kind, ns, id, 0);
        text.push_str(json);
    });
    Encoded::Text {
        frame,
        attachments: Vec::new(),
    }
}
