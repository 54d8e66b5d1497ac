//! The frame header (RFC 6455 §5.2): parsing a client's, writing the
//! server's, and the masking of client payloads.

use crate::CloseCode;
use crate::decoder::ProtocolError;

/// The type of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// 0x0: the next fragment of a message.
    Continuation,
    /// 0x1: a text message (UTF-8).
    Text,
    /// 0x2: a binary message.
    Binary,
    /// 0x8: close.
    Close,
    /// 0x9: ping.
    Ping,
    /// 0xA: pong.
    Pong,
}

impl OpCode {
    fn from_bits(bits: u8) -> Option<Self> {
        Some(match bits {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            _ => return None,
        })
    }

    fn bits(self) -> u8 {
        match self {
            Self::Continuation => 0x0,
            Self::Text => 0x1,
            Self::Binary => 0x2,
            Self::Close => 0x8,
            Self::Ping => 0x9,
            Self::Pong => 0xA,
        }
    }

    /// True for close, ping and pong.
    pub fn is_control(self) -> bool {
        matches!(self, Self::Close | Self::Ping | Self::Pong)
    }
}

/// The largest payload of a control frame.
pub(crate) const MAX_CONTROL_PAYLOAD: u64 = 125;

/// A client frame's header, checked against every rule that needs no
/// connection state: RSV2/RSV3 clear, a known opcode, a mask, a minimal
/// 64-bit length, control frames final and at most 125 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) fin: bool,
    pub(crate) rsv1: bool,
    pub(crate) opcode: OpCode,
    pub(crate) mask: [u8; 4],
    /// Payload length, as declared.
    pub(crate) len: u64,
    /// Header length in bytes (2 to 14).
    pub(crate) size: usize,
}

impl Header {
    /// Parses the header at the start of `buf`; `Ok(None)` when `buf` does
    /// not hold all of it yet.
    ///
    /// # Errors
    /// [`CloseCode::PROTOCOL`] for a header that breaks a rule above.
    pub(crate) fn parse(buf: &[u8]) -> Result<Option<Self>, ProtocolError> {
        let broken = |reason| Err(ProtocolError::new(CloseCode::PROTOCOL, reason));
        let [b0, b1, rest @ ..] = buf else {
            return Ok(None);
        };
        let (fin, rsv1) = (b0 & 0x80 != 0, b0 & 0x40 != 0);
        if b0 & 0x30 != 0 {
            return broken("RSV2 or RSV3 set");
        }
        let Some(opcode) = OpCode::from_bits(b0 & 0x0F) else {
            return broken("a reserved opcode");
        };
        if b1 & 0x80 == 0 {
            // RFC 6455 §5.1: a server must close on an unmasked frame.
            return broken("an unmasked frame from the client");
        }
        let (len, ext) = match b1 & 0x7F {
            126 => match rest {
                [a, b, ..] => (u64::from(u16::from_be_bytes([*a, *b])), 2),
                _ => return Ok(None),
            },
            127 => match rest.first_chunk::<8>() {
                Some(bytes) => (u64::from_be_bytes(*bytes), 8),
                None => return Ok(None),
            },
            n => (u64::from(n), 0),
        };
        if len >> 63 != 0 {
            return broken("a length with its top bit set");
        }
        if opcode.is_control() && !fin {
            return broken("a fragmented control frame");
        }
        if opcode.is_control() && len > MAX_CONTROL_PAYLOAD {
            return broken("a control frame over 125 bytes");
        }
        let Some(mask) = rest.get(ext..).and_then(|m| m.first_chunk::<4>()) else {
            return Ok(None);
        };
        Ok(Some(Self {
            fin,
            rsv1,
            opcode,
            mask: *mask,
            len,
            size: 2 + ext + 4,
        }))
    }
}

/// The header of a frame the server sends: final, unmasked, RSV1 set for
/// a compressed message.
///
/// ```
/// use sio_ws::{FrameHead, OpCode};
///
/// assert_eq!(FrameHead::new(OpCode::Text, false, 5).as_bytes(), &[0x81, 5]);
/// assert_eq!(FrameHead::new(OpCode::Binary, true, 300).as_bytes(), &[0xC2, 126, 1, 44]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHead {
    bytes: [u8; 10],
    len: u8,
}

impl FrameHead {
    /// The header of a final frame of `opcode` carrying `payload_len`
    /// bytes; `compressed` sets RSV1 (permessage-deflate).
    pub fn new(opcode: OpCode, compressed: bool, payload_len: usize) -> Self {
        let mut bytes = [0; 10];
        bytes[0] = 0x80 | (u8::from(compressed) << 6) | opcode.bits();
        let len = if payload_len < 126 {
            // In range: fits the 7-bit length.
            bytes[1] = payload_len as u8;
            2
        } else if let Ok(short) = u16::try_from(payload_len) {
            bytes[1] = 126;
            bytes[2..4].copy_from_slice(&short.to_be_bytes());
            4
        } else {
            bytes[1] = 127;
            bytes[2..10].copy_from_slice(&(payload_len as u64).to_be_bytes());
            10
        };
        Self { bytes, len }
    }

    /// The header's bytes (2, 4 or 10).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// XORs `buf` with the 4-byte `mask`, eight bytes at a time.
pub(crate) fn apply_mask(buf: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    // The remainder starts at a multiple of 8, so the mask starts over.
    for (byte, m) in chunks.into_remainder().iter_mut().zip(mask.iter().cycle()) {
        *byte ^= m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(b0: u8, len_bytes: &[u8]) -> Vec<u8> {
        let mut v = vec![b0];
        v.extend_from_slice(len_bytes);
        v[1] |= 0x80;
        v.extend_from_slice(&[1, 2, 3, 4]);
        v
    }

    #[test]
    fn parses_the_three_length_forms() {
        let h = Header::parse(&masked(0x81, &[5])).unwrap().unwrap();
        assert_eq!((h.fin, h.opcode, h.len, h.size), (true, OpCode::Text, 5, 6));
        let h = Header::parse(&masked(0x02, &[126, 1, 0])).unwrap().unwrap();
        assert_eq!(
            (h.fin, h.opcode, h.len, h.size),
            (false, OpCode::Binary, 256, 8)
        );
        let h = Header::parse(&masked(0x82, &[127, 0, 0, 0, 0, 0, 1, 0, 0]))
            .unwrap()
            .unwrap();
        assert_eq!((h.len, h.size, h.mask), (65536, 14, [1, 2, 3, 4]));
    }

    #[test]
    fn waits_for_a_whole_header() {
        let full = masked(0x82, &[127, 0, 0, 0, 0, 0, 1, 0, 0]);
        for cut in 0..full.len() {
            assert_eq!(Header::parse(&full[..cut]), Ok(None), "{cut}");
        }
    }

    #[test]
    fn refuses_what_rfc_6455_forbids() {
        let bad = [
            masked(0xA1, &[0]),                              // RSV2
            masked(0x91, &[0]),                              // RSV3
            masked(0x83, &[0]),                              // reserved opcode
            masked(0x8B, &[0]),                              // reserved control opcode
            vec![0x81, 0x00],                                // unmasked
            masked(0x09, &[0]),                              // fragmented ping
            masked(0x89, &[126, 0, 126]),                    // ping over 125 bytes
            masked(0x82, &[127, 0x80, 0, 0, 0, 0, 0, 0, 0]), // length's top bit
        ];
        for frame in bad {
            let code = Header::parse(&frame).map_err(|e| e.code);
            assert_eq!(code, Err(CloseCode::PROTOCOL), "{frame:?}");
        }
    }

    #[test]
    fn masking_twice_gives_the_input_back() {
        for len in 0..40 {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut buf = data.clone();
            apply_mask(&mut buf, [9, 8, 7, 6]);
            for (i, (a, b)) in buf.iter().zip(&data).enumerate() {
                assert_eq!(*a, b ^ [9, 8, 7, 6][i % 4]);
            }
            apply_mask(&mut buf, [9, 8, 7, 6]);
            assert_eq!(buf, data);
        }
    }

    #[test]
    fn writes_headers() {
        let h = FrameHead::new(OpCode::Text, false, 70_000);
        assert_eq!(h.as_bytes(), &[0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
        assert_eq!(
            FrameHead::new(OpCode::Close, false, 2).as_bytes(),
            &[0x88, 2]
        );
        assert_eq!(
            FrameHead::new(OpCode::Pong, false, 125).as_bytes(),
            &[0x8A, 125]
        );
    }
}
