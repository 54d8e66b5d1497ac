//! Close codes (RFC 6455 §7.4) and the payload of a close frame.

/// A close status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: normal closure.
    pub const NORMAL: Self = Self(1000);
    /// 1001: the endpoint is going away (server shutting down).
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: the peer broke the protocol.
    pub const PROTOCOL: Self = Self(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED: Self = Self(1003);
    /// 1007: data inconsistent with the message type (text that is not
    /// UTF-8, a compressed payload that does not inflate).
    pub const INVALID_DATA: Self = Self(1007);
    /// 1008: a message that violates the endpoint's policy.
    pub const POLICY: Self = Self(1008);
    /// 1009: a message too big to process.
    pub const TOO_BIG: Self = Self(1009);
    /// 1011: the server met an unexpected condition.
    pub const INTERNAL: Self = Self(1011);

    /// True for a code a peer may send in a close frame (RFC 6455 §7.4.1
    /// and the IANA registry): 1000–1003, 1007–1014, 3000–4999. 1004–1006
    /// and 1015 are reserved for reports and never travel on the wire.
    pub fn is_sendable(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

/// A close frame's payload: a code and a reason of at most 123 bytes of
/// UTF-8 (it must fit a control frame).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code.
    pub code: CloseCode,
    /// Why, for people; may be empty.
    pub reason: String,
}

impl CloseFrame {
    /// The longest reason a close frame holds.
    pub const MAX_REASON: usize = 123;

    /// A close frame with `code` and no reason.
    pub fn new(code: CloseCode) -> Self {
        Self {
            code,
            reason: String::new(),
        }
    }

    /// Parses a close frame's payload (already unmasked).
    ///
    /// # Errors
    /// [`CloseCode::PROTOCOL`] for a one-byte payload or a code no peer may
    /// send; [`CloseCode::INVALID_DATA`] for a reason that is not UTF-8.
    pub(crate) fn parse(payload: &[u8]) -> Result<Option<Self>, CloseCode> {
        let (code, reason) = match payload {
            [] => return Ok(None),
            [hi, lo, reason @ ..] => (CloseCode(u16::from_be_bytes([*hi, *lo])), reason),
            [_] => return Err(CloseCode::PROTOCOL),
        };
        if !code.is_sendable() {
            return Err(CloseCode::PROTOCOL);
        }
        let reason = std::str::from_utf8(reason).map_err(|_| CloseCode::INVALID_DATA)?;
        Ok(Some(Self {
            code,
            reason: reason.to_owned(),
        }))
    }

    /// The payload to send: the code, then the reason cut to
    /// [`Self::MAX_REASON`] bytes at a character boundary.
    pub(crate) fn payload(&self) -> Vec<u8> {
        let mut end = self.reason.len().min(Self::MAX_REASON);
        while !self.reason.is_char_boundary(end) {
            end -= 1;
        }
        let mut out = Vec::with_capacity(2 + end);
        out.extend_from_slice(&self.code.0.to_be_bytes());
        out.extend_from_slice(&self.reason.as_bytes()[..end]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_a_peer_may_send() {
        for ok in [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999] {
            assert!(CloseCode(ok).is_sendable(), "{ok}");
        }
        for bad in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, u16::MAX] {
            assert!(!CloseCode(bad).is_sendable(), "{bad}");
        }
    }

    #[test]
    fn parses_close_payloads() {
        assert_eq!(CloseFrame::parse(&[]), Ok(None));
        assert_eq!(CloseFrame::parse(&[3]), Err(CloseCode::PROTOCOL));
        assert_eq!(CloseFrame::parse(&[3, 237]), Err(CloseCode::PROTOCOL)); // 1005
        assert_eq!(
            CloseFrame::parse(&[3, 232, 0xff]),
            Err(CloseCode::INVALID_DATA)
        );
        let frame = CloseFrame::parse(&[3, 232, b'b', b'y', b'e'])
            .unwrap()
            .unwrap();
        assert_eq!(
            (frame.code, frame.reason.as_str()),
            (CloseCode::NORMAL, "bye")
        );
    }

    #[test]
    fn a_long_reason_is_cut_at_a_character_boundary() {
        let frame = CloseFrame {
            code: CloseCode::NORMAL,
            reason: "é".repeat(100),
        };
        let payload = frame.payload();
        assert!(payload.len() <= 125);
        assert!(std::str::from_utf8(&payload[2..]).is_ok());
    }
}
