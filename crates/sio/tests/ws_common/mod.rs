//! A raw WebSocket client for tests: any request headers, frames built bit
//! by bit (RSV bits, masks, opcodes, lengths), server frames read with their
//! header bits, and a view of how the connection ends.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// A key of 16 bytes in base64.
pub const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// Chromium's (and Node `ws`'s) permessage-deflate offer.
pub const CHROMIUM_OFFER: &str = "permessage-deflate; client_max_window_bits";

/// A server frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub fin: bool,
    pub rsv1: bool,
    pub opcode: u8,
    pub payload: Vec<u8>,
}

impl Frame {
    /// The code of a close frame, if it has one.
    pub fn close_code(&self) -> Option<u16> {
        (self.opcode == 8 && self.payload.len() >= 2)
            .then(|| u16::from_be_bytes([self.payload[0], self.payload[1]]))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.payload.clone()).unwrap()
    }
}

/// How reading ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    Frame(Frame),
    /// The server closed the TCP connection (FIN).
    Eof,
    /// The connection was reset.
    Reset,
    /// Nothing within the time limit.
    Timeout,
}

pub struct RawWs {
    pub tcp: TcpStream,
    /// The response head (status line and headers), lowercased names.
    pub head: String,
    buf: Vec<u8>,
}

/// Sends an upgrade request for `path_query` with `extra` header lines
/// (each ending in `\r\n`) and reads the response head.
pub async fn upgrade(addr: SocketAddr, path_query: &str, extra: &str) -> RawWs {
    upgrade_with(addr, path_query, KEY, "13", extra).await
}

pub async fn upgrade_with(
    addr: SocketAddr,
    path_query: &str,
    key: &str,
    version: &str,
    extra: &str,
) -> RawWs {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let mut req = format!(
        "GET {path_query} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: {version}\r\n"
    );
    if !key.is_empty() {
        req.push_str(&format!("Sec-WebSocket-Key: {key}\r\n"));
    }
    req.push_str(extra);
    req.push_str("\r\n");
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0; 4096];
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut chunk))
            .await
            .expect("no response head")
            .unwrap();
        assert!(n > 0, "closed before the response head");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let rest = buf[head_end + 4..].to_vec();
    RawWs {
        tcp,
        head,
        buf: rest,
    }
}

impl RawWs {
    /// The status code of the response.
    pub fn status(&self) -> u16 {
        self.head.split(' ').nth(1).unwrap().parse().unwrap()
    }

    /// A response header's value (name in any case).
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    /// The body of a non-101 response (`Content-Length` bytes).
    pub async fn body(&mut self) -> String {
        let len: usize = self
            .header("content-length")
            .map_or(0, |v| v.parse().unwrap());
        let mut chunk = [0; 4096];
        while self.buf.len() < len {
            let n = tokio::time::timeout(Duration::from_secs(5), self.tcp.read(&mut chunk))
                .await
                .expect("body")
                .unwrap();
            assert!(n > 0, "closed in the body");
            self.buf.extend_from_slice(&chunk[..n]);
        }
        String::from_utf8_lossy(&self.buf).into_owned()
    }

    /// Sends raw bytes.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        let _ = self.tcp.write_all(bytes).await;
    }

    /// Sends a final, masked frame.
    pub async fn send(&mut self, opcode: u8, payload: &[u8]) {
        self.send_raw(&frame(0x80 | opcode, payload, true)).await;
    }

    /// The next frame, or how the connection ended, within `limit`.
    pub async fn next(&mut self, limit: Duration) -> End {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some((frame, used)) = parse(&self.buf) {
                self.buf.drain(..used);
                return End::Frame(frame);
            }
            let mut chunk = vec![0; 64 * 1024];
            match tokio::time::timeout_at(deadline, self.tcp.read(&mut chunk)).await {
                Err(_) => return End::Timeout,
                Ok(Ok(0)) => return End::Eof,
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
                Ok(Err(_)) => return End::Reset,
            }
        }
    }

    /// The next frame; panics on anything else.
    pub async fn frame(&mut self) -> Frame {
        match self.next(Duration::from_secs(5)).await {
            End::Frame(f) => f,
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    /// The next text frame that is not a ping (`2`) of the engine.
    pub async fn message(&mut self) -> Frame {
        loop {
            let f = self.frame().await;
            if !(f.opcode == 1 && f.payload == b"2") {
                return f;
            }
            self.send(1, b"3").await;
        }
    }
}

/// A client frame: first byte `b0` as given (FIN, RSV, opcode), masked
/// with a fixed key when `mask`.
pub fn frame(b0: u8, payload: &[u8], mask: bool) -> Vec<u8> {
    let key = [0x11, 0x22, 0x33, 0x44];
    let m = if mask { 0x80 } else { 0 };
    let mut out = vec![b0];
    match payload.len() {
        n if n < 126 => out.push(m | n as u8),
        n if n < 65536 => {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if mask {
        out.extend_from_slice(&key);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    } else {
        out.extend_from_slice(payload);
    }
    out
}

/// A server frame at the start of `buf`, and its length.
fn parse(buf: &[u8]) -> Option<(Frame, usize)> {
    let (b0, b1) = (*buf.first()?, *buf.get(1)?);
    assert_eq!(b1 & 0x80, 0, "a server frame must not be masked");
    let (len, at) = match b1 & 0x7f {
        126 => (u16::from_be_bytes([*buf.get(2)?, *buf.get(3)?]) as usize, 4),
        127 => (
            u64::from_be_bytes(buf.get(2..10)?.try_into().unwrap()) as usize,
            10,
        ),
        n => (n as usize, 2),
    };
    let payload = buf.get(at..at + len)?.to_vec();
    Some((
        Frame {
            fin: b0 & 0x80 != 0,
            rsv1: b0 & 0x40 != 0,
            opcode: b0 & 0x0f,
            payload,
        },
        at + len,
    ))
}

/// Inflates a message compressed with permessage-deflate.
pub fn inflate(data: &[u8]) -> Vec<u8> {
    let mut d = flate2::Decompress::new(false);
    let mut input = data.to_vec();
    input.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut out = Vec::with_capacity(data.len() * 8 + 64);
    loop {
        let before = d.total_in();
        d.decompress_vec(
            &input[before as usize..],
            &mut out,
            flate2::FlushDecompress::Sync,
        )
        .unwrap();
        if d.total_in() as usize == input.len() && out.len() < out.capacity() {
            return out;
        }
        out.reserve(out.capacity());
    }
}

/// Compresses a message as a client with permessage-deflate would.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut c = flate2::Compress::new(flate2::Compression::default(), false);
    let mut out = Vec::with_capacity(data.len() + 64);
    c.compress_vec(data, &mut out, flate2::FlushCompress::Sync)
        .unwrap();
    while c.total_in() as usize != data.len() || out.len() == out.capacity() {
        out.reserve(out.capacity());
        let before = c.total_in() as usize;
        c.compress_vec(&data[before..], &mut out, flate2::FlushCompress::Sync)
            .unwrap();
    }
    assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
    out.truncate(out.len() - 4);
    out
}
