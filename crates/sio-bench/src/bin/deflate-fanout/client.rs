//! A small WebSocket client, cheap per message so that the load generator
//! costs less than the server it loads: the opening handshake (with the
//! permessage-deflate offer of Chromium and Node's `ws`, or none), one
//! read buffer per connection with frames parsed in place, and writes
//! queued into one buffer and sent with one call.

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::frame::{self, Head};

/// The handshake key of every connection (the server checks its form
/// only; any 16 bytes in base64 do).
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// The extension offer: Chromium's, and Node's `ws` (socket.io-client).
pub(crate) const OFFER: &str = "permessage-deflate; client_max_window_bits";

/// The read buffer a connection starts with; it grows for a larger frame.
const READ_BUFFER: usize = 16 * 1024;

/// The longest response head read.
const MAX_HEAD: usize = 16 * 1024;

/// What the server's 101 agreed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Agreed {
    /// The `Sec-WebSocket-Extensions` of the response, if any.
    pub(crate) extension: Option<String>,
    /// permessage-deflate is on.
    pub(crate) deflate: bool,
    /// The server keeps its compression history between messages (no
    /// `server_no_context_takeover`): every message must be inflated, in
    /// order.
    pub(crate) server_takeover: bool,
}

/// A whole message from the server.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Message<'a> {
    /// Text, not binary.
    pub(crate) text: bool,
    /// RSV1 was set on its first frame.
    pub(crate) compressed: bool,
    /// Its frames' bytes on the wire, headers included.
    pub(crate) wire: usize,
    /// Its payload, as received (still compressed if it was).
    pub(crate) data: &'a [u8],
}

/// A message being reassembled from fragments (in `Client::frag`).
#[derive(Debug)]
struct Partial {
    text: bool,
    compressed: bool,
    wire: usize,
}

/// What the bytes buffered so far give.
enum Step {
    /// More bytes are needed: the whole frame is this long (0: unknown).
    Need(usize),
    /// A control frame or a fragment was handled; look again.
    Again,
    /// A message in one frame, at `at..at + len` of the buffer.
    Whole { msg: Partial, at: usize, len: usize },
    /// A message reassembled in `frag`.
    Reassembled(Partial),
}

/// One WebSocket connection.
#[derive(Debug)]
pub(crate) struct Client {
    tcp: TcpStream,
    /// Bytes read; `start..end` are not parsed yet.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    partial: Option<Partial>,
    frag: Vec<u8>,
    /// Frames queued for the next `flush`.
    out: Vec<u8>,
    /// What the handshake agreed to.
    pub(crate) agreed: Agreed,
}

impl Client {
    /// Opens a WebSocket on `path` at `addr`, offering permessage-deflate
    /// if `offer`.
    ///
    /// # Errors
    /// The connection failed, or the server did not answer with a valid
    /// 101.
    pub(crate) async fn connect(addr: &str, path: &str, offer: bool) -> Result<Self, String> {
        let mut tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = tcp.set_nodelay(true);
        tcp.write_all(request(addr, path, offer).as_bytes())
            .await
            .map_err(|e| format!("upgrade: {e}"))?;
        let mut client = Self {
            tcp,
            buf: vec![0; READ_BUFFER],
            start: 0,
            end: 0,
            partial: None,
            frag: Vec::new(),
            out: Vec::new(),
            agreed: Agreed::default(),
        };
        loop {
            let read = client.buf.get(..client.end).unwrap_or_default();
            if let Some(at) = read.windows(4).position(|w| w == b"\r\n\r\n") {
                client.agreed = parse_response(read.get(..at).unwrap_or_default(), offer)?;
                client.start = at + 4;
                return Ok(client);
            }
            if client.end >= MAX_HEAD {
                return Err("a response head over 16 KiB".into());
            }
            client.fill(0).await?;
        }
    }

    /// The next message; pings are answered (with the next flush), pongs
    /// skipped, a close frame is an error. Cancel-safe: the only await is
    /// a read whose bytes are kept.
    ///
    /// # Errors
    /// The connection ended or the server broke the protocol.
    pub(crate) async fn recv(&mut self) -> Result<Message<'_>, String> {
        loop {
            match self.step()? {
                Step::Need(total) => self.fill(total).await?,
                Step::Again => {}
                Step::Whole { msg, at, len } => {
                    let data = self.buf.get(at..at + len).unwrap_or_default();
                    return Ok(message(msg, data));
                }
                Step::Reassembled(msg) => return Ok(message(msg, &self.frag)),
            }
        }
    }

    fn step(&mut self) -> Result<Step, String> {
        let ready = self.buf.get(self.start..self.end).unwrap_or_default();
        let Some(head) = Head::parse(ready)? else {
            return Ok(Step::Need(0));
        };
        if ready.len() < head.total() {
            return Ok(Step::Need(head.total()));
        }
        let (at, len, wire) = (self.start + head.size, head.len, head.total());
        self.start += wire;
        let payload = self.buf.get(at..at + len).unwrap_or_default();
        match head.opcode {
            frame::TEXT | frame::BINARY => {
                if self.partial.is_some() {
                    return Err("a new message inside a fragmented one".into());
                }
                let msg = Partial {
                    text: head.opcode == frame::TEXT,
                    compressed: head.rsv1,
                    wire,
                };
                if head.fin {
                    return Ok(Step::Whole { msg, at, len });
                }
                self.frag.clear();
                self.frag.extend_from_slice(payload);
                self.partial = Some(msg);
            }
            frame::CONTINUATION => {
                let Some(partial) = self.partial.as_mut() else {
                    return Err("a continuation of no message".into());
                };
                if head.rsv1 || self.frag.len() + len > frame::MAX_PAYLOAD {
                    return Err("RSV1 on a continuation, or a message over the limit".into());
                }
                self.frag.extend_from_slice(payload);
                partial.wire += wire;
                if head.fin
                    && let Some(done) = self.partial.take()
                {
                    return Ok(Step::Reassembled(done));
                }
            }
            frame::PING => frame::write_client(&mut self.out, frame::PONG, payload),
            frame::CLOSE => return Err(closed(payload)),
            // Pongs: nothing else gets through `Head::parse`.
            _ => {}
        }
        Ok(Step::Again)
    }

    /// Reads once more, first making room for a frame of `need` bytes.
    async fn fill(&mut self, need: usize) -> Result<(), String> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        let want = need.max(self.end - self.start + 1);
        if self.start + want > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
            if want > self.buf.len() {
                self.buf.resize(want, 0);
            }
        }
        let free = self.buf.get_mut(self.end..).unwrap_or_default();
        match self.tcp.read(free).await {
            Ok(0) => Err("the server closed the connection".into()),
            Ok(n) => {
                self.end += n;
                Ok(())
            }
            Err(e) => Err(format!("read: {e}")),
        }
    }

    /// Queues a text message for the next [`Client::flush`].
    pub(crate) fn queue_text(&mut self, text: &[u8]) {
        frame::write_client(&mut self.out, frame::TEXT, text);
    }

    /// True when frames wait for [`Client::flush`] (pongs, queued text).
    pub(crate) fn has_queued(&self) -> bool {
        !self.out.is_empty()
    }

    /// Writes every queued frame with one call.
    ///
    /// # Errors
    /// The write failed.
    pub(crate) async fn flush(&mut self) -> Result<(), String> {
        if !self.out.is_empty() {
            self.tcp
                .write_all(&self.out)
                .await
                .map_err(|e| format!("write: {e}"))?;
            self.out.clear();
        }
        Ok(())
    }

    /// Sends one text message (and whatever was queued before it).
    ///
    /// # Errors
    /// The write failed.
    pub(crate) async fn send_text(&mut self, text: &[u8]) -> Result<(), String> {
        self.queue_text(text);
        self.flush().await
    }
}

/// The error for a close frame with `payload`: its code and reason.
fn closed(payload: &[u8]) -> String {
    match payload.split_first_chunk::<2>() {
        Some((code, reason)) => format!(
            "the server closed the WebSocket with {} {:?}",
            u16::from_be_bytes(*code),
            String::from_utf8_lossy(reason)
        ),
        None => "the server closed the WebSocket (no code)".to_owned(),
    }
}

fn message(msg: Partial, data: &[u8]) -> Message<'_> {
    Message {
        text: msg.text,
        compressed: msg.compressed,
        wire: msg.wire,
        data,
    }
}

/// The upgrade request.
fn request(addr: &str, path: &str, offer: bool) -> String {
    let extensions = if offer {
        format!("Sec-WebSocket-Extensions: {OFFER}\r\n")
    } else {
        String::new()
    };
    format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extensions}\r\n"
    )
}

/// Checks the response head (without its blank line) and reads what it
/// agreed to.
///
/// # Errors
/// Not a 101, a wrong accept key, or an extension that was not offered.
fn parse_response(head: &[u8], offered: bool) -> Result<Agreed, String> {
    let text = std::str::from_utf8(head).map_err(|_| "a response head that is not UTF-8")?;
    let mut lines = text.split("\r\n");
    let status = lines.next().unwrap_or_default();
    if status != "HTTP/1.1 101" && !status.starts_with("HTTP/1.1 101 ") {
        return Err(format!("upgrade refused: {status}"));
    }
    let (mut accept, mut extensions) = (None, Vec::new());
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("a header line without a colon: {line:?}"))?;
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("sec-websocket-accept") {
            accept = Some(value);
        } else if name.eq_ignore_ascii_case("sec-websocket-extensions") {
            extensions.push(value);
        }
    }
    if accept.map(str::as_bytes) != Some(sio_ws::accept_key(KEY.as_bytes()).as_bytes()) {
        return Err(format!("a wrong Sec-WebSocket-Accept: {accept:?}"));
    }
    let extension = match extensions[..] {
        [] => return Ok(Agreed::default()),
        [one] => one,
        _ => return Err("more than one Sec-WebSocket-Extensions header".into()),
    };
    let mut params = extension.split(';').map(str::trim);
    if !offered || params.next() != Some("permessage-deflate") || extension.contains(',') {
        return Err(format!("an extension that was not offered: {extension}"));
    }
    let mut agreed = Agreed {
        extension: Some(extension.to_owned()),
        deflate: true,
        server_takeover: true,
    };
    for param in params {
        match param.split_once('=').map_or(param, |(key, _)| key).trim() {
            "server_no_context_takeover" => agreed.server_takeover = false,
            // The client never compresses, and inflates with the largest
            // window, which reads every smaller one.
            "client_no_context_takeover" | "server_max_window_bits" | "client_max_window_bits" => {}
            other => return Err(format!("an unknown permessage-deflate parameter: {other}")),
        }
    }
    Ok(agreed)
}

#[cfg(test)]
mod tests;
