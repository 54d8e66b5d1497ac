//! The WebSocket side of the session task: frames read handed to the
//! session, its frames written with a time limit, the closing handshake
//! (RFC 6455 §7: a close frame with the right code, then the connection
//! shut with a bound on how long the client may take).

use std::future::{Future, pending};
use std::task::Poll;
use std::time::{Duration, Instant};

use sio_engine::{Compression, Str, WsFrame};
use sio_ws::{CloseCode, Incoming};

use super::{Driver, now};
use crate::engine::handler::ConnHandler;
use crate::engine::wsconn::{WsConn, WsRead};

/// Frames queued past this many bytes are written before more are queued,
/// so that a burst to a slow reader does not pile up in memory.
const FLUSH_AT: usize = 64 * 1024;

impl<C: ConnHandler> Driver<C> {
    /// Hands what the WebSocket read to the session.
    pub(super) async fn on_ws(&mut self, read: WsRead) {
        let now = now();
        match read {
            WsRead::Frame(Incoming::Text(text)) => {
                // Checked once, by the decoder.
                self.session
                    .handle_ws_text(now, Str::from_byte_string(text));
            }
            WsRead::Frame(Incoming::Binary(data)) => self.session.handle_ws_binary(now, data),
            WsRead::Frame(Incoming::Ping(payload)) => {
                if let Some(ws) = self.ws.as_mut() {
                    ws.queue_pong(&payload);
                }
                self.flush_ws().await;
            }
            WsRead::Frame(Incoming::Pong(_)) => {}
            WsRead::Frame(Incoming::Close(frame)) => {
                // Answered with the client's code (RFC 6455 §5.5.1): the
                // client closed, a "transport close".
                if let Some(ws) = self.ws.as_mut() {
                    ws.queue_close(frame.map(|f| f.code), "");
                }
                self.end_ws(now, None);
            }
            WsRead::Failed(e) => {
                tracing::debug!(sid = %self.shared.sid, "websocket failed: {e}");
                self.end_ws(now, Some((e.code, e.reason)));
            }
            WsRead::Ended { error } => self.drop_ws(now, error),
        }
    }

    /// Closes the WebSocket after a close frame read or a protocol error
    /// (`failed`: the code and reason to send, a "transport error").
    fn end_ws(&mut self, now: Instant, failed: Option<(CloseCode, &str)>) {
        if let Some(mut ws) = self.ws.take() {
            if let Some((code, reason)) = failed {
                ws.queue_close(Some(code), reason);
            }
            ws.finish(self.write_timeout);
            self.session.handle_ws_closed(now, failed.is_some());
        }
    }

    /// Forgets a WebSocket that ended or failed, and tells the session
    /// (`error`: it failed).
    pub(super) fn drop_ws(&mut self, now: Instant, error: bool) {
        if self.ws.take().is_some() {
            self.session.handle_ws_closed(now, error);
        }
    }

    /// Queues one frame; true when it waits for a flush. A WebSocket that
    /// cannot take a full buffer within the write timeout is dropped.
    pub(super) async fn feed_ws(&mut self, frame: WsFrame, compression: Compression) -> bool {
        let Some(ws) = self.ws.as_mut() else {
            return false;
        };
        ws.queue(frame, compression);
        if ws.buffered() >= FLUSH_AT {
            self.flush_ws().await;
            return false;
        }
        true
    }

    /// Writes what was queued.
    pub(super) async fn flush_ws(&mut self) {
        // A slow reader keeps the task here: what waits counts meanwhile.
        self.publish_bytes();
        if let Some(ws) = self.ws.as_mut()
            && !within(self.write_timeout, ws.flush()).await
        {
            self.drop_ws(now(), true);
        }
    }

    /// Closes the WebSocket when the session closes it: what was queued,
    /// then an empty close frame (the client sees 1005, as from Node).
    pub(super) fn close_ws(&mut self) {
        if let Some(mut ws) = self.ws.take() {
            ws.queue_close(None, "");
            ws.finish(self.write_timeout);
        }
    }
}

/// Runs a WebSocket write with a time limit; true when it succeeded. Most
/// writes complete at once: only one that has to wait pays for a timer.
pub(super) async fn within<F>(limit: Duration, write: F) -> bool
where
    F: Future<Output = std::io::Result<()>>,
{
    let mut write = std::pin::pin!(write);
    match std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await {
        Poll::Ready(result) => result.is_ok(),
        Poll::Pending => matches!(tokio::time::timeout(limit, write).await, Ok(Ok(()))),
    }
}

/// The next frame, or never when there is no WebSocket.
pub(super) async fn ws_next(ws: &mut Option<Box<WsConn>>) -> WsRead {
    match ws {
        Some(ws) => ws.read().await,
        None => pending().await,
    }
}
