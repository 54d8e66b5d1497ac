//! [`Decoder`]: a client's bytes into messages and control frames. It
//! enforces every rule of RFC 6455 (§5) and RFC 7692 that a server must,
//! and bounds what a peer can make it hold: a frame or message over
//! [`Limits::max_message`] (inflated size included) and a message in more
//! than [`Limits::max_fragments`] pieces fail at once, before their
//! payload is buffered.

use bytes::{Buf as _, Bytes, BytesMut};
use bytestring::ByteString;

use crate::close::{CloseCode, CloseFrame};
use crate::deflate::Decompressor;
use crate::frame::{Header, OpCode, apply_mask};

/// What a peer may send, at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message (and frame), in bytes, after inflating. Node:
    /// `maxHttpBufferSize`, 1,000,000 by default.
    pub max_message: usize,
    /// Most frames one message may be split into. Default 1,024: browsers
    /// and the official clients send one frame per message.
    pub max_fragments: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message: 1_000_000,
            max_fragments: 1024,
        }
    }
}

/// A message or control frame from the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A text message (checked: valid UTF-8).
    Text(ByteString),
    /// A binary message.
    Binary(Bytes),
    /// A ping: answer with a pong carrying the same bytes.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// The client closes: answer with a close frame (the same code, or
    /// none when it sent none), then close the connection. Nothing more is
    /// decoded.
    Close(Option<CloseFrame>),
}

/// The client broke the protocol or a limit: send a close frame with
/// `code`, then close the connection (RFC 6455 §7.1.7, "fail the WebSocket
/// connection"). Nothing more is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{reason} (close code {})", code.0)]
pub struct ProtocolError {
    /// The code of the close frame to send: 1002 for a broken rule, 1007
    /// for text that is not UTF-8 or a payload that does not inflate, 1009
    /// for a limit.
    pub code: CloseCode,
    /// What happened, for logs.
    pub reason: &'static str,
}

impl ProtocolError {
    pub(crate) fn new(code: CloseCode, reason: &'static str) -> Self {
        Self { code, reason }
    }
}

/// Decodes the frames a client sends on one connection.
///
/// Feed it what the connection reads ([`Decoder::extend`]), then call
/// [`Decoder::decode`] until it returns `Ok(None)`:
///
/// ```
/// use sio_ws::{Decoder, Incoming, Limits};
///
/// let mut decoder = Decoder::new(Limits::default(), None);
/// // A masked text frame "hi" (mask 0,0,0,0), in two reads.
/// decoder.extend(&[0x81, 0x82, 0, 0]);
/// assert_eq!(decoder.decode(), Ok(None));
/// decoder.extend(&[0, 0, b'h', b'i']);
/// assert_eq!(decoder.decode(), Ok(Some(Incoming::Text("hi".into()))));
/// assert_eq!(decoder.decode(), Ok(None));
/// ```
#[derive(Debug)]
pub struct Decoder {
    limits: Limits,
    inflate: Option<Decompressor>,
    /// Bytes read and not decoded yet.
    buf: BytesMut,
    /// The frame at the start of `buf` needs this many bytes in all.
    want: usize,
    /// A fragmented message being assembled.
    partial: Option<Partial>,
    /// A close frame or an error ended the stream.
    done: bool,
}

#[derive(Debug)]
struct Partial {
    text: bool,
    compressed: bool,
    data: BytesMut,
    fragments: usize,
    /// Bytes of `data` known to be UTF-8 (uncompressed text).
    checked: usize,
}

impl Decoder {
    /// A decoder for a connection that agreed on permessage-deflate if
    /// `inflate` is given.
    pub fn new(limits: Limits, inflate: Option<Decompressor>) -> Self {
        Self {
            limits,
            inflate,
            buf: BytesMut::new(),
            want: 0,
            partial: None,
            done: false,
        }
    }

    /// Appends bytes read from the connection.
    pub fn extend(&mut self, bytes: &[u8]) {
        if !self.done {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// How many more bytes the frame being read needs, when its header
    /// has arrived and its payload has not (0 otherwise): worth reading
    /// straight into [`Decoder::buffer_mut`] when large.
    pub fn needed(&self) -> usize {
        self.want.saturating_sub(self.buf.len())
    }

    /// The buffer [`Decoder::extend`] appends to, to read into directly.
    pub fn buffer_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Bytes read and not decoded yet.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next message or control frame, or `Ok(None)` when more bytes
    /// are needed (or the stream has ended).
    ///
    /// # Errors
    /// [`ProtocolError`]: send its close code and close the connection.
    pub fn decode(&mut self) -> Result<Option<Incoming>, ProtocolError> {
        if self.done {
            return Ok(None);
        }
        let result = self.next_item();
        if matches!(result, Err(_) | Ok(Some(Incoming::Close(_)))) {
            self.done = true;
            self.buf = BytesMut::new();
            self.partial = None;
        }
        result
    }

    fn next_item(&mut self) -> Result<Option<Incoming>, ProtocolError> {
        loop {
            let Some(header) = Header::parse(&self.buf)? else {
                self.want = 0;
                return Ok(None);
            };
            let len = self.check(&header)?;
            let total = header.size.saturating_add(len);
            if self.buf.len() < total {
                self.want = total;
                return Ok(None);
            }
            self.want = 0;
            self.buf.advance(header.size);
            let mut payload = self.buf.split_to(len);
            if self.buf.is_empty() {
                // Let go of the read's allocation once the payloads do.
                self.buf = BytesMut::new();
            }
            apply_mask(&mut payload, header.mask);
            if let Some(item) = self.on_frame(&header, payload)? {
                return Ok(Some(item));
            }
        }
    }

    /// The rules that depend on the connection's state, checked as soon
    /// as the header is in (so that a frame over a limit is refused before
    /// its payload is read). Returns the payload length.
    fn check(&self, h: &Header) -> Result<usize, ProtocolError> {
        let protocol = |reason| ProtocolError::new(CloseCode::PROTOCOL, reason);
        let too_big = |reason| ProtocolError::new(CloseCode::TOO_BIG, reason);
        if h.rsv1 {
            if h.opcode.is_control() {
                return Err(protocol("RSV1 set on a control frame"));
            }
            if self.inflate.is_none() {
                return Err(protocol("RSV1 set without permessage-deflate"));
            }
            if h.opcode == OpCode::Continuation {
                return Err(protocol("RSV1 set on a continuation frame"));
            }
        }
        let so_far = match (h.opcode, &self.partial) {
            (OpCode::Text | OpCode::Binary, Some(_)) => {
                return Err(protocol("a new message inside a fragmented one"));
            }
            (OpCode::Continuation, None) => return Err(protocol("a continuation of no message")),
            (OpCode::Continuation, Some(p)) => {
                if p.fragments >= self.limits.max_fragments {
                    return Err(too_big("a message in too many fragments"));
                }
                p.data.len()
            }
            _ => 0,
        };
        let len = usize::try_from(h.len).map_err(|_| too_big("a frame over the size limit"))?;
        if len > self.limits.max_message.saturating_sub(so_far) {
            return Err(too_big("a message over the size limit"));
        }
        Ok(len)
    }

    fn on_frame(
        &mut self,
        h: &Header,
        payload: BytesMut,
    ) -> Result<Option<Incoming>, ProtocolError> {
        let text = match h.opcode {
            OpCode::Ping => return Ok(Some(Incoming::Ping(payload.freeze()))),
            OpCode::Pong => return Ok(Some(Incoming::Pong(payload.freeze()))),
            OpCode::Close => {
                return CloseFrame::parse(&payload)
                    .map(|frame| Some(Incoming::Close(frame)))
                    .map_err(|code| ProtocolError::new(code, "an invalid close frame"));
            }
            OpCode::Text => true,
            OpCode::Binary => false,
            OpCode::Continuation => {
                let Some(partial) = self.partial.as_mut() else {
                    // `check` refused it already.
                    return Err(ProtocolError::new(
                        CloseCode::PROTOCOL,
                        "a continuation of no message",
                    ));
                };
                partial.data.extend_from_slice(&payload);
                partial.fragments += 1;
                partial.check_utf8(h.fin)?;
                if !h.fin {
                    return Ok(None);
                }
                let Some(done) = self.partial.take() else {
                    return Ok(None);
                };
                return self.finish(done.text, done.compressed, done.data).map(Some);
            }
        };
        if h.fin {
            return self.finish(text, h.rsv1, payload).map(Some);
        }
        let mut partial = Partial {
            text,
            compressed: h.rsv1,
            data: payload,
            fragments: 1,
            checked: 0,
        };
        partial.check_utf8(false)?;
        self.partial = Some(partial);
        Ok(None)
    }

    /// A whole message: inflated if compressed, checked if text.
    fn finish(
        &mut self,
        text: bool,
        compressed: bool,
        data: BytesMut,
    ) -> Result<Incoming, ProtocolError> {
        let data = match (compressed, self.inflate.as_mut()) {
            (true, Some(inflate)) => {
                inflate
                    .inflate(&data, self.limits.max_message)
                    .map_err(|code| match code {
                        CloseCode::TOO_BIG => {
                            ProtocolError::new(code, "a message over the size limit once inflated")
                        }
                        code => {
                            ProtocolError::new(code, "a compressed message that does not inflate")
                        }
                    })?
            }
            _ => data,
        };
        if !text {
            return Ok(Incoming::Binary(data.freeze()));
        }
        ByteString::try_from(data.freeze())
            .map(Incoming::Text)
            .map_err(|_| ProtocolError::new(CloseCode::INVALID_DATA, "text that is not UTF-8"))
    }
}

impl Partial {
    /// Checks the UTF-8 of uncompressed text as its fragments arrive, so
    /// that bad text fails on the fragment that carries it; a character
    /// may be split between fragments, but not across the end.
    fn check_utf8(&mut self, fin: bool) -> Result<(), ProtocolError> {
        if !self.text || self.compressed {
            return Ok(());
        }
        let rest = self.data.get(self.checked..).unwrap_or_default();
        match std::str::from_utf8(rest) {
            Ok(_) => self.checked = self.data.len(),
            Err(e) if e.error_len().is_none() && !fin => self.checked += e.valid_up_to(),
            Err(_) => {
                return Err(ProtocolError::new(
                    CloseCode::INVALID_DATA,
                    "text that is not UTF-8",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
