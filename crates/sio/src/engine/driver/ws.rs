//! The WebSocket side of the session task: reading frames into the
//! session, writing its frames with a time limit, closing.

use std::future::{Future, pending};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use sio_engine::{Str, WsFrame};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::{self, Utf8Bytes};

use super::{Driver, now};
use crate::engine::handler::ConnHandler;

/// The WebSocket of a session, over a hyper upgrade.
pub(crate) type WsStream = WebSocketStream<TokioIo<Upgraded>>;

/// What reading the WebSocket gave.
pub(super) type WsRead = Option<Result<tungstenite::Message, tungstenite::Error>>;

impl<C: ConnHandler> Driver<C> {
    /// Hands what the WebSocket read to the session.
    pub(super) async fn on_ws(&mut self, frame: WsRead) {
        let now = now();
        match frame {
            Some(Ok(tungstenite::Message::Text(text))) => match Str::from_utf8(Bytes::from(text)) {
                Ok(text) => self.session.handle_ws_text(now, text),
                Err(_) => self.drop_ws(now, true).await,
            },
            Some(Ok(tungstenite::Message::Binary(data))) => {
                self.session.handle_ws_binary(now, data)
            }
            Some(Ok(tungstenite::Message::Close(_))) => {
                if let Some(ws) = self.ws.as_mut() {
                    // Sends tungstenite's queued reply to the close frame.
                    let _ = within(self.write_timeout, ws.flush()).await;
                }
                self.drop_ws(now, false).await;
            }
            Some(Ok(_)) => {
                // Ping: tungstenite queued the pong; send it now.
                if let Some(ws) = self.ws.as_mut() {
                    if !within(self.write_timeout, ws.flush()).await {
                        self.drop_ws(now, true).await;
                    }
                }
            }
            Some(Err(tungstenite::Error::Capacity(e))) => {
                tracing::debug!(sid = %self.shared.sid, "websocket message too big: {e}");
                if let Some(ws) = self.ws.as_mut() {
                    let frame = CloseFrame {
                        code: CloseCode::Size,
                        reason: Utf8Bytes::from_static(""),
                    };
                    let _ = within(
                        self.write_timeout,
                        WebSocketStream::close(&mut **ws, Some(frame)),
                    )
                    .await;
                }
                self.drop_ws(now, true).await;
            }
            // A connection that ends without a close frame is a close, as
            // Node's `ws` reports it ("transport close"); a frame that
            // breaks the protocol is an error ("transport error").
            Some(Err(e)) => self.drop_ws(now, !is_abrupt_close(&e)).await,
            None => self.drop_ws(now, false).await,
        }
    }

    /// Forgets the WebSocket and tells the session (`error`: it failed).
    pub(super) async fn drop_ws(&mut self, now: Instant, error: bool) {
        if self.ws.take().is_some() {
            self.session.handle_ws_closed(now, error);
        }
    }

    /// Queues one frame; true when it is waiting for a flush. A WebSocket
    /// that fails (or stays full past the write timeout) is dropped.
    pub(super) async fn feed_ws(&mut self, frame: WsFrame) -> bool {
        let Some(ws) = self.ws.as_mut() else {
            return false;
        };
        let msg = match frame {
            // A `Str` is valid UTF-8 already: handed over as a text frame,
            // its bytes (shared by every recipient of a broadcast) are not
            // checked again, as `Message::Text` would.
            WsFrame::Text(text) => tungstenite::Message::Frame(Frame::message(
                text.into_bytes(),
                OpCode::Data(Data::Text),
                true,
            )),
            WsFrame::Binary(data) => tungstenite::Message::Binary(data),
        };
        if within(self.write_timeout, ws.feed(msg)).await {
            true
        } else {
            self.drop_ws(now(), true).await;
            false
        }
    }

    /// Sends what was queued.
    pub(super) async fn flush_ws(&mut self) {
        if let Some(ws) = self.ws.as_mut()
            && !within(self.write_timeout, ws.flush()).await
        {
            self.drop_ws(now(), true).await;
        }
    }

    /// Closes the WebSocket after sending what was queued (`dirty`).
    pub(super) async fn close_ws(&mut self, dirty: bool) {
        if dirty && let Some(ws) = self.ws.as_mut() {
            let _ = within(self.write_timeout, ws.flush()).await;
        }
        if let Some(mut ws) = self.ws.take() {
            let _ = within(self.write_timeout, WebSocketStream::close(&mut *ws, None)).await;
        }
    }
}

/// True for a read error that only means the peer went away (reset, end of
/// stream without a close frame).
fn is_abrupt_close(e: &tungstenite::Error) -> bool {
    use std::io::ErrorKind;
    use tungstenite::error::ProtocolError;
    match e {
        tungstenite::Error::ConnectionClosed
        | tungstenite::Error::AlreadyClosed
        | tungstenite::Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => true,
        tungstenite::Error::Io(io) => matches!(
            io.kind(),
            ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof
        ),
        _ => false,
    }
}

/// Runs a WebSocket write with a time limit; true when it succeeded. Most
/// writes complete at once: only one that has to wait pays for a timer.
pub(super) async fn within<F>(limit: Duration, write: F) -> bool
where
    F: Future<Output = Result<(), tungstenite::Error>>,
{
    let mut write = std::pin::pin!(write);
    match std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await {
        Poll::Ready(result) => result.is_ok(),
        Poll::Pending => matches!(tokio::time::timeout(limit, write).await, Ok(Ok(()))),
    }
}

/// The next frame, or never when there is no WebSocket.
pub(super) async fn ws_next(ws: &mut Option<Box<WsStream>>) -> WsRead {
    match ws {
        Some(ws) => ws.next().await,
        None => pending().await,
    }
}
