//! [`Str`]: a cheaply cloneable UTF-8 string backed by [`Bytes`].

use bytes::Bytes;
use bytestring::ByteString;

/// An immutable UTF-8 string backed by [`Bytes`], so that one encoded text
/// can be shared by many sessions without copying. Validated once, when it
/// is made from bytes; reading it as `&str` costs nothing (it is
/// `bytestring`'s `ByteString`).
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Str(ByteString);

impl Str {
    /// Wraps bytes that must be valid UTF-8.
    ///
    /// # Errors
    /// Returns the bytes back when they are not valid UTF-8.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, Bytes> {
        ByteString::try_from(bytes.clone())
            .map(Self)
            .map_err(|_| bytes)
    }

    /// A `Str` of a string already checked, without checking it again.
    pub fn from_byte_string(s: ByteString) -> Self {
        Self(s)
    }

    /// A `Str` of a static string, without allocating.
    pub const fn from_static(s: &'static str) -> Self {
        Self(ByteString::from_static(s))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The UTF-8 bytes (a cheap clone of the shared buffer).
    pub fn as_bytes(&self) -> &Bytes {
        self.0.as_bytes()
    }

    /// Turns it back into its bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0.into_bytes()
    }

    /// A sub-string of `self` sharing its buffer; `None` when `range` is out
    /// of bounds or does not fall on character boundaries.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Option<Self> {
        let sub = self.as_str().get(range)?;
        Some(Self(self.0.slice_ref(sub)))
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Self(ByteString::from(s))
    }
}

impl From<&'static str> for Str {
    fn from(s: &'static str) -> Self {
        Self::from_static(s)
    }
}

impl std::fmt::Debug for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
