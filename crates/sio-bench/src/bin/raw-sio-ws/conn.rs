//! One connection: the reader decodes client frames with `sio_ws::Decoder`
//! and acts on them; a writer task, fed by an unbounded channel, frames
//! what is queued into one buffer and writes it with one call.

use std::collections::HashMap;
use std::future::poll_fn;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use bytes::Bytes;
use parking_lot::RwLock;
use sio_ws::{Decoder, FrameHead, Incoming, Limits, OpCode, close_payload};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

use crate::handshake;

/// Bytes read through the stack at a time (as sio's WebSocket does); a
/// frame that still needs more is read straight into the decoder.
const STACK_READ: usize = 8 * 1024;

/// A write buffer at most this large is kept between batches (the 4 KiB
/// of `raw-fws`'s `BufWriter`); a larger one is given back.
const KEEP_WRITE_BUFFER: usize = 4 * 1024;

/// A frame for the writer: the payload of a text or binary message (shared
/// by every recipient of a broadcast), a pong, or a close frame's payload.
#[derive(Debug)]
enum Out {
    Text(Bytes),
    Binary(Bytes),
    Pong(Bytes),
    Close(Vec<u8>),
}

type Tx = mpsc::UnboundedSender<Out>;

/// Who is connected, and the rooms. The locks are held only to clone
/// senders or queue frames, never across an await.
#[derive(Debug, Default)]
pub(crate) struct State {
    clients: RwLock<HashMap<u64, Tx>>,
    rooms: RwLock<HashMap<String, Vec<(u64, Tx)>>>,
}

/// Serves one TCP connection: the handshake, then frames until either
/// side closes.
pub(crate) async fn run(mut stream: TcpStream, id: u64, state: Arc<State>) {
    let _ = stream.set_nodelay(true);
    let Some(early) = handshake::accept(&mut stream).await else {
        return;
    };
    let (mut read, write) = stream.into_split();
    let (tx, rx) = mpsc::unbounded_channel();
    // The writer ends once every sender is dropped (this task's, and the
    // clones in `state`), after writing what was queued.
    tokio::spawn(write_frames(write, rx));
    state.clients.write().insert(id, tx.clone());
    let mut decoder = Decoder::new(Limits::default(), None);
    decoder.extend(&early);
    let mut joined = Vec::new();
    loop {
        let item = match decoder.decode() {
            Ok(Some(item)) => item,
            Ok(None) => match read_more(&mut read, &mut decoder).await {
                Ok(1..) => continue,
                Ok(0) | Err(_) => break,
            },
            Err(e) => {
                let _ = tx.send(Out::Close(close_payload(e.code, e.reason)));
                break;
            }
        };
        match item {
            Incoming::Text(text) => on_text(text.into_bytes(), id, &tx, &state, &mut joined),
            Incoming::Binary(data) => {
                let _ = tx.send(Out::Binary(data));
            }
            Incoming::Ping(data) => {
                let _ = tx.send(Out::Pong(data));
            }
            Incoming::Pong(_) => {}
            Incoming::Close(frame) => {
                // Echo the code (RFC 6455 §5.5.1), without the reason.
                let payload = frame.map(|f| close_payload(f.code, "")).unwrap_or_default();
                let _ = tx.send(Out::Close(payload));
                break;
            }
        }
    }
    state.clients.write().remove(&id);
    if !joined.is_empty() {
        let mut rooms = state.rooms.write();
        for room in joined {
            if let Some(members) = rooms.get_mut(&room) {
                members.retain(|(member, _)| *member != id);
                if members.is_empty() {
                    rooms.remove(&room);
                }
            }
        }
    }
}

/// Acts on a text message: echo, broadcast, join, or send to a room.
fn on_text(text: Bytes, id: u64, tx: &Tx, state: &State, joined: &mut Vec<String>) {
    match text.first() {
        Some(b'B') => {
            for client in state.clients.read().values() {
                let _ = client.send(Out::Text(text.clone()));
            }
        }
        Some(b'T') => {
            if let Some(members) = state.rooms.read().get(room_of(&text)) {
                for (_, member) in members {
                    let _ = member.send(Out::Text(text.clone()));
                }
            }
        }
        Some(b'J') => {
            // The decoder checked the UTF-8 of the whole message.
            let room = String::from_utf8_lossy(text.get(1..).unwrap_or_default()).into_owned();
            {
                let mut rooms = state.rooms.write();
                let members = rooms.entry(room.clone()).or_default();
                if !members.iter().any(|(member, _)| *member == id) {
                    members.push((id, tx.clone()));
                }
            }
            if !joined.contains(&room) {
                joined.push(room);
            }
            let _ = tx.send(Out::Text(text));
        }
        _ => {
            let _ = tx.send(Out::Text(text));
        }
    }
}

/// The room of a `T<room>|…` message: what lies between the `T` and the
/// first `|` (all of the rest without one).
fn room_of(text: &[u8]) -> &str {
    let rest = text.get(1..).unwrap_or_default();
    let end = rest.iter().position(|&b| b == b'|').unwrap_or(rest.len());
    // Cut before an ASCII byte of valid UTF-8: still valid.
    std::str::from_utf8(rest.get(..end).unwrap_or_default()).unwrap_or_default()
}

/// Reads once more into the decoder: through the stack, or straight into
/// its buffer for the rest of a large frame. Returns the bytes read.
async fn read_more(read: &mut OwnedReadHalf, decoder: &mut Decoder) -> io::Result<usize> {
    let needed = decoder.needed();
    if needed > STACK_READ {
        let buf = decoder.buffer_mut();
        buf.reserve(needed);
        return read.read_buf(buf).await;
    }
    poll_fn(|cx| {
        let mut chunk = [MaybeUninit::<u8>::uninit(); STACK_READ];
        let mut buf = ReadBuf::uninit(&mut chunk);
        match Pin::new(&mut *read).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => {
                decoder.extend(buf.filled());
                Poll::Ready(Ok(buf.filled().len()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// The writer task: waits for a frame, takes every other one already
/// queued, and writes them all with one call. Ends after a close frame,
/// when the channel closes, or on a write error.
async fn write_frames(mut write: OwnedWriteHalf, mut rx: mpsc::UnboundedReceiver<Out>) {
    let mut out = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut closing = push(&mut out, first);
        while !closing {
            match rx.try_recv() {
                Ok(next) => closing = push(&mut out, next),
                Err(_) => break,
            }
        }
        if write.write_all(&out).await.is_err() {
            return;
        }
        if out.capacity() > KEEP_WRITE_BUFFER {
            out = Vec::new();
        } else {
            out.clear();
        }
        if closing {
            let _ = write.shutdown().await;
            return;
        }
    }
}

/// Appends one frame to `out`; true for a close frame.
fn push(out: &mut Vec<u8>, frame: Out) -> bool {
    let (opcode, payload): (OpCode, &[u8]) = match &frame {
        Out::Text(data) => (OpCode::Text, &data[..]),
        Out::Binary(data) => (OpCode::Binary, &data[..]),
        Out::Pong(data) => (OpCode::Pong, &data[..]),
        Out::Close(data) => (OpCode::Close, &data[..]),
    };
    let head = FrameHead::new(opcode, false, payload.len());
    out.reserve(head.as_bytes().len() + payload.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(payload);
    opcode == OpCode::Close
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    #[test]
    fn finds_the_room_of_a_message() {
        assert_eq!(room_of(b"Troom-3|123|xxxx"), "room-3");
        assert_eq!(room_of(b"Troom-3"), "room-3");
        assert_eq!(room_of(b"T|x"), "");
        assert_eq!(room_of(b"T"), "");
        assert_eq!(room_of("Tsalle-é|x".as_bytes()), "salle-é");
    }

    #[test]
    fn frames_what_the_writer_sends() {
        let mut out = Vec::new();
        assert!(!push(&mut out, Out::Text(Bytes::from_static(b"hi"))));
        assert!(!push(&mut out, Out::Pong(Bytes::new())));
        assert!(push(&mut out, Out::Close(vec![3, 232])));
        assert_eq!(out, b"\x81\x02hi\x8a\x00\x88\x02\x03\xe8");
    }

    /// The whole server on a real socket: a broadcast reaches both
    /// clients, a room message only its member, a ping gets its pong.
    #[tokio::test]
    async fn serves_the_raw_protocol() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let served = state.clone();
        tokio::spawn(async move {
            for id in 1.. {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(run(stream, id, served.clone()));
            }
        });
        let mut a = client(addr).await;
        let mut b = client(addr).await;
        send(&mut a, 0x1, b"Jroom").await;
        assert_eq!(recv(&mut a).await, (0x81, b"Jroom".to_vec()));
        send(&mut b, 0x1, b"B|1|x").await;
        assert_eq!(recv(&mut a).await, (0x81, b"B|1|x".to_vec()));
        assert_eq!(recv(&mut b).await, (0x81, b"B|1|x".to_vec()));
        send(&mut b, 0x1, b"Troom|2|y").await;
        send(&mut b, 0x9, b"p").await;
        assert_eq!(recv(&mut b).await, (0x8A, b"p".to_vec()));
        assert_eq!(recv(&mut a).await, (0x81, b"Troom|2|y".to_vec()));
        send(&mut a, 0x8, &[3, 232]).await;
        assert_eq!(recv(&mut a).await, (0x88, vec![3, 232]));
    }

    async fn client(addr: std::net::SocketAddr) -> TcpStream {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .await
        .unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(tcp.read_u8().await.unwrap());
        }
        assert!(head.starts_with(b"HTTP/1.1 101 "));
        tcp
    }

    /// Sends one small masked frame.
    async fn send(tcp: &mut TcpStream, opcode: u8, payload: &[u8]) {
        let mask = [1, 2, 3, 4];
        let mut frame = vec![0x80 | opcode, 0x80 | payload.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
        tcp.write_all(&frame).await.unwrap();
    }

    /// Reads one small server frame: its first byte and payload.
    async fn recv(tcp: &mut TcpStream) -> (u8, Vec<u8>) {
        let b0 = tcp.read_u8().await.unwrap();
        let len = tcp.read_u8().await.unwrap();
        let mut payload = vec![0; usize::from(len)];
        tcp.read_exact(&mut payload).await.unwrap();
        (b0, payload)
    }
}
