//! WebSocket frames from the client's side (RFC 6455 §5.2): parsing the
//! header of a server frame in place, and writing a client frame.

/// The largest frame payload (and message) accepted from the server:
/// 16 MiB, far above the e2e server's 1 MB limit.
pub(crate) const MAX_PAYLOAD: usize = 16 << 20;

/// Opcode of the next fragment of a message.
pub(crate) const CONTINUATION: u8 = 0x0;
/// Opcode of a text message.
pub(crate) const TEXT: u8 = 0x1;
/// Opcode of a binary message.
pub(crate) const BINARY: u8 = 0x2;
/// Opcode of a close frame.
pub(crate) const CLOSE: u8 = 0x8;
/// Opcode of a ping.
pub(crate) const PING: u8 = 0x9;
/// Opcode of a pong.
pub(crate) const PONG: u8 = 0xA;

/// The header of a server frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) fin: bool,
    /// RSV1: a compressed message (permessage-deflate), on its first frame.
    pub(crate) rsv1: bool,
    pub(crate) opcode: u8,
    /// Header bytes: 2, 4 or 10.
    pub(crate) size: usize,
    /// Payload bytes.
    pub(crate) len: usize,
}

impl Head {
    /// Header and payload: the frame's bytes on the wire.
    pub(crate) fn total(&self) -> usize {
        self.size + self.len
    }

    /// Parses the header at the start of `buf`: `Ok(None)` while it is
    /// incomplete.
    ///
    /// # Errors
    /// A frame no server may send: masked, RSV2 or RSV3 set, a reserved
    /// opcode, a control frame that is fragmented, compressed or over 125
    /// bytes, or a payload over [`MAX_PAYLOAD`].
    pub(crate) fn parse(buf: &[u8]) -> Result<Option<Self>, &'static str> {
        let [b0, b1, rest @ ..] = buf else {
            return Ok(None);
        };
        let (fin, rsv1, opcode) = (b0 & 0x80 != 0, b0 & 0x40 != 0, b0 & 0x0F);
        if b0 & 0x30 != 0 {
            return Err("a server frame with RSV2 or RSV3 set");
        }
        if b1 & 0x80 != 0 {
            return Err("a masked server frame");
        }
        let control = match opcode {
            CONTINUATION | TEXT | BINARY => false,
            CLOSE | PING | PONG => true,
            _ => return Err("a server frame with a reserved opcode"),
        };
        let (len, size) = match b1 & 0x7F {
            126 => match rest.first_chunk::<2>() {
                Some(bytes) => (u64::from(u16::from_be_bytes(*bytes)), 4),
                None => return Ok(None),
            },
            127 => match rest.first_chunk::<8>() {
                Some(bytes) => (u64::from_be_bytes(*bytes), 10),
                None => return Ok(None),
            },
            n => (u64::from(n), 2),
        };
        if control && (!fin || rsv1 || len > 125) {
            return Err("a fragmented, compressed or long control frame");
        }
        let len = usize::try_from(len)
            .ok()
            .filter(|len| *len <= MAX_PAYLOAD)
            .ok_or("a server frame over the size limit")?;
        Ok(Some(Self {
            fin,
            rsv1,
            opcode,
            size,
            len,
        }))
    }
}

/// Appends a final client frame to `out`, masked with the all-zero key
/// (legal, and the payload goes out unchanged; the server unmasks it as
/// any other, so it costs the server the same).
pub(crate) fn write_client(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    out.push(0x80 | opcode);
    let len = payload.len();
    if len < 126 {
        // In range: fits the 7-bit length.
        out.push(0x80 | len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        out.push(0x80 | 126);
        out.extend_from_slice(&short.to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_length_forms() {
        let h = Head::parse(&[0x81, 5]).unwrap().unwrap();
        assert_eq!(
            (h.fin, h.rsv1, h.opcode, h.size, h.len),
            (true, false, TEXT, 2, 5)
        );
        let h = Head::parse(&[0xC1, 126, 0x10, 0x00]).unwrap().unwrap();
        assert_eq!((h.rsv1, h.size, h.len, h.total()), (true, 4, 4096, 4100));
        let h = Head::parse(&[0x02, 127, 0, 0, 0, 0, 0, 1, 0, 0])
            .unwrap()
            .unwrap();
        assert_eq!((h.fin, h.opcode, h.size, h.len), (false, BINARY, 10, 65536));
    }

    #[test]
    fn waits_for_the_whole_header() {
        let full = [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0];
        for cut in 0..full.len() {
            assert_eq!(Head::parse(&full[..cut]), Ok(None), "{cut}");
        }
        assert_eq!(Head::parse(&[0x81, 126, 1]), Ok(None));
    }

    #[test]
    fn refuses_what_no_server_may_send() {
        for frame in [
            &[0x81, 0x85][..],                       // masked
            &[0xA1, 0],                              // RSV2
            &[0x91, 0],                              // RSV3
            &[0x83, 0],                              // reserved opcode
            &[0x8B, 0],                              // reserved control opcode
            &[0x09, 0],                              // fragmented ping
            &[0xC9, 0],                              // compressed ping
            &[0x89, 126, 0, 126],                    // ping over 125 bytes
            &[0x82, 127, 0, 0, 0, 0, 1, 0, 0, 1],    // over MAX_PAYLOAD
            &[0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0], // length's top bit
        ] {
            assert!(Head::parse(frame).is_err(), "{frame:?}");
        }
    }

    #[test]
    fn writes_masked_client_frames() {
        let mut out = Vec::new();
        write_client(&mut out, TEXT, b"3");
        assert_eq!(out, [0x81, 0x81, 0, 0, 0, 0, b'3']);
        out.clear();
        write_client(&mut out, TEXT, &[b'x'; 300]);
        assert_eq!(out[..8], [0x81, 0xFE, 1, 44, 0, 0, 0, 0]);
        assert_eq!(out.len(), 308);
        out.clear();
        write_client(&mut out, BINARY, &[0; 70_000]);
        assert_eq!(out[..2], [0x82, 0xFF]);
        assert_eq!(out[2..10], 70_000u64.to_be_bytes());
        assert_eq!(out.len(), 70_014);
    }

    /// What the header parser reads back is what a server writes.
    #[test]
    fn reads_back_sio_ws_headers() {
        for len in [0, 1, 125, 126, 4096, 65535, 65536, 1_000_000] {
            for compressed in [false, true] {
                let head = sio_ws::FrameHead::new(sio_ws::OpCode::Text, compressed, len);
                let h = Head::parse(head.as_bytes()).unwrap().unwrap();
                assert_eq!(
                    (h.rsv1, h.len, h.size),
                    (compressed, len, head.as_bytes().len())
                );
            }
        }
    }
}
