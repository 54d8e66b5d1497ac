//! Limits applied to everything a peer sends, with their defaults.

/// Limits of a [`Decoder`](crate::Decoder). Every count, size and depth a
/// peer controls is bounded here.
///
/// | limit | default | bounds |
/// |---|---|---|
/// | [`max_attachments`](Self::max_attachments) | 10 | attachments announced by one binary packet (socket.io-parser's `maxAttachments`) |
/// | [`max_attachment_bytes`](Self::max_attachment_bytes) | 1 000 000 | total bytes of the attachments of one packet (Engine.IO's default `maxHttpBufferSize`) |
/// | [`max_depth`](Self::max_depth) | 128 | nesting of arrays and objects in a payload (JSON is also held to serde_json's own limit of 128) |
/// | [`allow_connect_error`](Self::allow_connect_error) | `false` | whether CONNECT_ERROR packets are accepted (a server never receives them) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecoderConfig {
    pub(crate) max_attachments: usize,
    pub(crate) max_attachment_bytes: usize,
    pub(crate) max_depth: usize,
    pub(crate) allow_connect_error: bool,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        Self {
            max_attachments: 10,
            max_attachment_bytes: 1_000_000,
            max_depth: 128,
            allow_connect_error: false,
        }
    }
}

impl DecoderConfig {
    /// The defaults (see the table above).
    pub fn new() -> Self {
        Self::default()
    }

    /// Most attachments one binary packet may announce (default 10).
    pub fn max_attachments(mut self, n: usize) -> Self {
        self.max_attachments = n;
        self
    }

    /// Most bytes the attachments of one packet may hold together
    /// (default 1 000 000).
    pub fn max_attachment_bytes(mut self, n: usize) -> Self {
        self.max_attachment_bytes = n;
        self
    }

    /// Deepest nesting of arrays and objects in a payload (default 128).
    pub fn max_depth(mut self, n: usize) -> Self {
        self.max_depth = n;
        self
    }

    /// Accept CONNECT_ERROR packets (default `false`: a server refuses them
    /// as an unknown packet type; a client or a test decoding server output
    /// turns this on).
    pub fn allow_connect_error(mut self, allow: bool) -> Self {
        self.allow_connect_error = allow;
        self
    }

    /// The attachment count limit (for a custom decoder).
    pub fn attachments_limit(&self) -> usize {
        self.max_attachments
    }

    /// The attachment bytes limit (for a custom decoder).
    pub fn attachment_bytes_limit(&self) -> usize {
        self.max_attachment_bytes
    }

    /// The nesting depth limit (for a custom decoder).
    pub fn depth_limit(&self) -> usize {
        self.max_depth
    }

    /// Whether CONNECT_ERROR packets are accepted.
    pub fn connect_error_allowed(&self) -> bool {
        self.allow_connect_error
    }
}
