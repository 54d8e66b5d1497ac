//! [`WsConn`]: one WebSocket connection's I/O over the upgraded HTTP
//! connection, on the sans-IO codec of `sio-ws`: reads decoded into
//! messages, frames written into one buffer per batch (compressed where the
//! client agreed on permessage-deflate), and the closing handshake.
//!
//! An idle connection holds no buffer: reads go through the stack and only
//! an incomplete frame is kept, and the write buffer is given back after
//! every flush that leaves it larger than [`KEEP_WRITE_BUFFER`].

use std::future::poll_fn;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use sio_engine::{Compression, WsFrame};
use sio_ws::{
    Agreement, CloseCode, Compressor, Decoder, Deflate, FrameHead, Incoming, Limits, OpCode,
    ProtocolError, close_payload,
};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _, ReadBuf};

/// Bytes read through the stack at a time; a frame that still needs more
/// than this is read straight into the decoder's buffer.
const STACK_READ: usize = 8 * 1024;

/// A write buffer at most this large is kept between batches.
const KEEP_WRITE_BUFFER: usize = 512;

/// How long a closed connection is given to read our close frame and
/// close its side before the socket is dropped, and how much of what it
/// still sends is read (and thrown away) meanwhile.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;

/// The upgraded connection.
type Io = TokioIo<Upgraded>;

/// What reading the WebSocket gave.
#[derive(Debug)]
pub(crate) enum WsRead {
    /// A message or control frame.
    Frame(Incoming),
    /// The client broke the protocol or a limit.
    Failed(ProtocolError),
    /// The connection ended without a close frame (`error`: with an I/O
    /// error other than the peer going away).
    Ended { error: bool },
}

/// One WebSocket connection.
pub(crate) struct WsConn {
    io: Io,
    decoder: Decoder,
    compressor: Option<Compressor>,
    /// Frames queued and not written yet.
    out: Vec<u8>,
    /// A close frame was read or sent: nothing more is read.
    closing: bool,
}

impl std::fmt::Debug for WsConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsConn")
            .field("buffered_in", &self.decoder.buffered())
            .field("buffered_out", &self.out.len())
            .field("deflate", &self.compressor.is_some())
            .finish_non_exhaustive()
    }
}

impl WsConn {
    /// A connection that agreed on permessage-deflate when `deflate` is
    /// given.
    pub(crate) fn new(io: Io, limits: Limits, deflate: Option<(&Deflate, Agreement)>) -> Self {
        let (compressor, decompressor) = match deflate {
            Some((deflate, agreement)) => (
                Some(deflate.compressor(&agreement)),
                Some(deflate.decompressor(&agreement)),
            ),
            None => (None, None),
        };
        Self {
            io,
            decoder: Decoder::new(limits, decompressor),
            compressor,
            out: Vec::new(),
            closing: false,
        }
    }

    /// The next frame. Cancel-safe: bytes read are kept in the decoder.
    pub(crate) async fn read(&mut self) -> WsRead {
        loop {
            match self.decoder.decode() {
                Ok(Some(frame)) => {
                    if matches!(frame, Incoming::Close(_)) {
                        self.closing = true;
                    }
                    return WsRead::Frame(frame);
                }
                Ok(None) if self.closing => return std::future::pending().await,
                Ok(None) => {}
                Err(e) => {
                    self.closing = true;
                    return WsRead::Failed(e);
                }
            }
            let needed = self.decoder.needed();
            let read = if needed > STACK_READ {
                // The rest of a large frame (bounded by the size limit),
                // read into one allocation.
                let buf = self.decoder.buffer_mut();
                buf.reserve(needed);
                self.io.read_buf(buf).await
            } else {
                self.read_small().await
            };
            match read {
                Ok(0) => return WsRead::Ended { error: false },
                Ok(_) => {}
                Err(e) => {
                    return WsRead::Ended {
                        error: !is_abrupt(&e),
                    };
                }
            }
        }
    }

    /// One read through a stack buffer, appended to the decoder.
    async fn read_small(&mut self) -> io::Result<usize> {
        poll_fn(|cx| {
            let mut chunk = [const { MaybeUninit::<u8>::uninit() }; STACK_READ];
            let mut buf = ReadBuf::uninit(&mut chunk);
            match Pin::new(&mut self.io).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) => {
                    self.decoder.extend(buf.filled());
                    Poll::Ready(Ok(buf.filled().len()))
                }
                other => other.map(|r| r.map(|()| 0)),
            }
        })
        .await
    }

    /// Queues a frame of the session, compressed if the connection agreed
    /// on it, `compression` allows it and it is over the threshold.
    pub(crate) fn queue(&mut self, frame: WsFrame, compression: Compression) {
        let (opcode, payload) = match frame {
            WsFrame::Text(text) => (OpCode::Text, text.into_bytes()),
            WsFrame::Binary(data) => (OpCode::Binary, data),
        };
        let packed = self
            .compressor
            .as_mut()
            .and_then(|c| compressed(c, &payload, compression));
        match packed {
            Some(packed) => self.push(opcode, true, &packed),
            None => self.push(opcode, false, &payload),
        }
    }

    /// Queues a pong answering a ping's `payload`.
    pub(crate) fn queue_pong(&mut self, payload: &[u8]) {
        self.push(OpCode::Pong, false, payload);
    }

    /// Queues a close frame: `code` with `reason`, or an empty one (which
    /// the client reports as 1005, as with Node's `ws` when a session
    /// closes). Nothing more is read.
    pub(crate) fn queue_close(&mut self, code: Option<CloseCode>, reason: &str) {
        let payload = code.map(|c| close_payload(c, reason)).unwrap_or_default();
        self.push(OpCode::Close, false, &payload);
        self.closing = true;
    }

    fn push(&mut self, opcode: OpCode, compressed: bool, payload: &[u8]) {
        let head = FrameHead::new(opcode, compressed, payload.len());
        self.out.reserve(head.as_bytes().len() + payload.len());
        self.out.extend_from_slice(head.as_bytes());
        self.out.extend_from_slice(payload);
    }

    /// Bytes of frames queued and not written yet.
    pub(crate) fn buffered(&self) -> usize {
        self.out.len()
    }

    /// Writes what was queued.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.io.write_all(&self.out).await?;
            if self.out.capacity() > KEEP_WRITE_BUFFER {
                self.out = Vec::new();
            } else {
                self.out.clear();
            }
        }
        self.io.flush().await
    }

    /// Ends the connection: what was queued (a close frame, normally) is
    /// written, then the connection is shut and given [`LINGER`] to close
    /// its side, on a task of its own, so that the client reads our close
    /// frame before the socket goes (dropping a socket with unread data
    /// would reset it).
    pub(crate) fn finish(mut self, write_timeout: Duration) {
        tokio::spawn(async move {
            let ended = async {
                if tokio::time::timeout(write_timeout, self.flush())
                    .await
                    .is_err()
                {
                    return;
                }
                let _ = self.io.shutdown().await;
                let mut seen = 0;
                let mut sink = [0u8; 4096];
                while let Ok(n @ 1..) = self.io.read(&mut sink).await {
                    seen += n;
                    if seen > LINGER_BYTES {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(LINGER, ended).await;
        });
    }
}

/// The compressed payload, if this frame is to be compressed: over the
/// threshold and allowed by `compression`; a shared frame is compressed by
/// the first connection that sends it and reused by the others of the same
/// window.
fn compressed(
    compressor: &mut Compressor,
    payload: &Bytes,
    compression: Compression,
) -> Option<Bytes> {
    if payload.len() < compressor.threshold() {
        return None;
    }
    match compression {
        Compression::Off => None,
        Compression::On => compressor.compress(payload),
        Compression::Shared(cache) => match compressor.shareable_window() {
            // With context takeover the bytes are this connection's own.
            None => compressor.compress(payload),
            Some(window) => match cache.get(window) {
                Some(done) => done,
                None => {
                    let packed = compressor.compress(payload);
                    cache.set(window, packed.clone());
                    packed
                }
            },
        },
    }
}

/// True for a read error that only means the peer went away.
fn is_abrupt(e: &io::Error) -> bool {
    use io::ErrorKind;
    matches!(
        e.kind(),
        ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof
    )
}

#[cfg(test)]
mod tests {
    use sio_engine::DeflateCache;
    use sio_ws::PerMessageDeflate;

    use super::*;

    fn agreement(window: u8, takeover: bool) -> Agreement {
        Agreement {
            server_max_window_bits: window,
            client_max_window_bits: 15,
            server_no_context_takeover: !takeover,
            client_no_context_takeover: true,
        }
    }

    #[test]
    fn a_shared_frame_is_compressed_once_per_window() {
        let deflate = Deflate::new(PerMessageDeflate::default());
        let payload = Bytes::from("42[\"news\",\"".to_owned() + &"abc ".repeat(500) + "\"]");
        let cache = DeflateCache::default();
        let mut first = None;
        for _ in 0..100 {
            let mut c = deflate.compressor(&agreement(15, false));
            let out = compressed(&mut c, &payload, Compression::Shared(cache.clone()));
            assert!(out.is_some());
            assert_eq!(*first.get_or_insert(out.clone()), out);
        }
        assert_eq!(deflate.stats().compressed, 1);
        // Another window, or context takeover: compressed on their own.
        let mut narrow = deflate.compressor(&agreement(10, false));
        assert!(compressed(&mut narrow, &payload, Compression::Shared(cache.clone())).is_some());
        let mut takeover = deflate.compressor(&agreement(15, true));
        assert!(compressed(&mut takeover, &payload, Compression::Shared(cache)).is_some());
        assert_eq!(deflate.stats().compressed, 3);
    }

    #[test]
    fn off_and_small_frames_are_not_compressed() {
        let deflate = Deflate::new(PerMessageDeflate::default().threshold(100));
        let mut c = deflate.compressor(&agreement(15, false));
        let big = Bytes::from("x".repeat(100));
        assert_eq!(compressed(&mut c, &big, Compression::Off), None);
        assert_eq!(compressed(&mut c, &big.slice(..99), Compression::On), None);
        assert!(compressed(&mut c, &big, Compression::On).is_some());
        assert_eq!(deflate.stats().compressed, 1);
    }
}
