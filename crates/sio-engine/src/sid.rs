//! [`Sid`]: the Engine.IO session id.

use std::sync::Arc;

/// Longest session id accepted from a client or an id generator hook.
pub const MAX_SID_LEN: usize = 128;

/// The bytes a session id may hold, by value: a table look-up per byte
/// (every request checks its `sid`).
static SID_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~');
        b += 1;
    }
    table
};

/// An Engine.IO session id, as sent in the OPEN packet and the `sid` query
/// parameter. Cheap to clone.
///
/// Generating ids is left to the caller (the `sio` crate uses a CSPRNG),
/// so this crate stays free of I/O and randomness.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid(Arc<str>);

impl Sid {
    /// Accepts an id of 1 to [`MAX_SID_LEN`] bytes of printable ASCII that
    /// needs no escaping in a query string or JSON (`A-Z a-z 0-9 - _ . ~`).
    /// Returns `None` otherwise.
    pub fn new(id: &str) -> Option<Self> {
        Self::is_valid(id).then(|| Self(Arc::from(id)))
    }

    /// True when [`Sid::new`] would accept `id`.
    pub fn is_valid(id: &str) -> bool {
        !id.is_empty()
            && id.len() <= MAX_SID_LEN
            && id
                .bytes()
                .all(|b| SID_BYTE.get(usize::from(b)).copied().unwrap_or(false))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lets a map keyed by `Sid` be searched with the id as text.
impl std::borrow::Borrow<str> for Sid {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Sid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sid({})", &*self.0)
    }
}

impl std::fmt::Display for Sid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
