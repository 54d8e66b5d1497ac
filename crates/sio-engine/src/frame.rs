//! [`TextFrame`]: a text message written together with its Engine.IO type
//! digit, so that one buffer is the WebSocket frame of every recipient;
//! and [`DeflateCache`], where the first recipient that compresses it
//! leaves the compressed bytes for the others.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;

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
///
/// A frame sent to many connections can carry a [`DeflateCache`]
/// ([`TextFrame::share_compression`]), so that it is compressed once for
/// all of them. Equality is by text.
#[derive(Clone)]
pub struct TextFrame {
    frame: Str,
    deflated: Option<DeflateCache>,
}

impl PartialEq for TextFrame {
    fn eq(&self, other: &Self) -> bool {
        self.frame == other.frame
    }
}

impl Eq for TextFrame {}

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
        Self::plain(Str::from(buf))
    }

    fn plain(frame: Str) -> Self {
        Self {
            frame,
            deflated: None,
        }
    }

    /// The frame in `frame`, which must start with the type digit; `None`
    /// otherwise.
    pub fn new(frame: Str) -> Option<Self> {
        (frame.as_bytes().first() == Some(&MESSAGE_DIGIT)).then(|| Self::plain(frame))
    }

    /// The whole frame, digit included.
    pub fn as_frame(&self) -> &Str {
        &self.frame
    }

    /// The message, without the digit.
    pub fn text(&self) -> &str {
        self.frame.as_str().get(1..).unwrap_or_default()
    }

    /// The message as a [`Str`] sharing the frame's buffer.
    pub fn message(&self) -> Str {
        self.frame.slice(1..self.frame.len()).unwrap_or_default()
    }

    /// Gives the frame a [`DeflateCache`] (once), so that its clones,
    /// sent to many WebSockets, are compressed once for all of them.
    pub fn share_compression(&mut self) {
        self.deflated.get_or_insert_with(DeflateCache::default);
    }

    /// The frame's compression cache, if it was given one.
    pub fn deflate_cache(&self) -> Option<&DeflateCache> {
        self.deflated.as_ref()
    }
}

/// The compressed form of one frame, computed by the first WebSocket that
/// sends it and reused by the others that compress with the same window.
/// Clones share the slot; equality is identity.
#[derive(Clone, Default)]
pub struct DeflateCache(Arc<OnceLock<(u8, Option<Bytes>)>>);

impl DeflateCache {
    /// What was left for `window`: `Some(Some(bytes))` the compressed
    /// frame, `Some(None)` "not worth compressing", `None` nothing yet (or
    /// only for another window).
    pub fn get(&self, window: u8) -> Option<Option<Bytes>> {
        self.0
            .get()
            .filter(|(w, _)| *w == window)
            .map(|(_, bytes)| bytes.clone())
    }

    /// Leaves the compressed frame (or `None`: not worth it) for `window`.
    /// Only the first call counts.
    pub fn set(&self, window: u8, compressed: Option<Bytes>) {
        let _ = self.0.set((window, compressed));
    }
}

impl PartialEq for DeflateCache {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for DeflateCache {}

impl std::fmt::Debug for DeflateCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.0.get().map(|(w, b)| (w, b.as_ref().map(Bytes::len)));
        f.debug_tuple("DeflateCache").field(&state).finish()
    }
}

impl std::fmt::Debug for TextFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TextFrame")
            .field(&self.frame.as_str())
            .finish()
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

    #[test]
    fn clones_share_one_compression_cache() {
        let mut frame = TextFrame::with_message(4, |s| s.push_str("abc"));
        assert!(frame.deflate_cache().is_none());
        frame.share_compression();
        let copy = frame.clone();
        let cache = frame.deflate_cache().unwrap();
        assert_eq!(cache.get(15), None);
        cache.set(15, Some(Bytes::from_static(b"z")));
        cache.set(15, None);
        let seen = copy.deflate_cache().unwrap();
        assert_eq!(seen.get(15), Some(Some(Bytes::from_static(b"z"))));
        assert_eq!(seen.get(10), None);
        assert_eq!(seen, cache);
    }
}
