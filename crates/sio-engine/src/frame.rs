//! [`TextFrame`]: a text message written together with its Engine.IO type
//! digit, so that one buffer is the WebSocket frame of every recipient.

use crate::Str;

/// The Engine.IO type digit of a MESSAGE packet.
const MESSAGE_DIGIT: u8 = b'4';

/// A text message already in its Engine.IO text form: `4` followed by
/// the message. A producer that writes the digit into the buffer it
/// serializes into ([`TextFrame::buffer`]) lets the session send that
/// buffer as it is: a WebSocket text frame, or a record of a polling
/// body, shared by every recipient instead of copied for each.
///
/// ```
/// use sio_engine::TextFrame;
///
/// let mut buf = TextFrame::buffer(16);
/// buf.push_str("2[\"hi\"]");
/// let frame = TextFrame::from_buffer(buf).unwrap();
/// assert_eq!(frame.as_frame().as_str(), "42[\"hi\"]");
/// assert_eq!(frame.text(), "2[\"hi\"]");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TextFrame(Str);

impl TextFrame {
    /// An empty buffer holding only the type digit, with room for
    /// `capacity` more bytes: append the message, then
    /// [`TextFrame::from_buffer`].
    pub fn buffer(capacity: usize) -> String {
        let mut buf = String::with_capacity(capacity.saturating_add(1));
        buf.push(char::from(MESSAGE_DIGIT));
        buf
    }

    /// The frame in `buf`, which must start with the type digit (as a
    /// [`TextFrame::buffer`] does); `None` otherwise.
    pub fn from_buffer(buf: String) -> Option<Self> {
        Self::new(Str::from(buf))
    }

    /// A frame whose message `write` appends to the digit (`capacity`:
    /// the message's expected length).
    pub fn with_message(capacity: usize, write: impl FnOnce(&mut String)) -> Self {
        let mut buf = Self::buffer(capacity);
        write(&mut buf);
        Self(Str::from(buf))
    }

    /// The frame in `frame`, which must start with the type digit; `None`
    /// otherwise.
    pub fn new(frame: Str) -> Option<Self> {
        (frame.as_bytes().first() == Some(&MESSAGE_DIGIT)).then_some(Self(frame))
    }

    /// The whole frame, digit included.
    pub fn as_frame(&self) -> &Str {
        &self.0
    }

    /// The message, without the digit.
    pub fn text(&self) -> &str {
        self.0.as_str().get(1..).unwrap_or_default()
    }

    /// The message as a [`Str`] sharing the frame's buffer.
    pub fn message(&self) -> Str {
        self.0.slice(1..self.0.len()).unwrap_or_default()
    }
}

impl std::fmt::Debug for TextFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TextFrame").field(&self.0.as_str()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_message_frame_is_one() {
        assert!(TextFrame::new(Str::from("3probe")).is_none());
        assert!(TextFrame::new(Str::from("")).is_none());
        let frame = TextFrame::new(Str::from("4é")).unwrap();
        assert_eq!((frame.text(), frame.message().as_str()), ("é", "é"));
    }
}
