//! The polling side of a session: pending GETs, POST bodies, batching.

use std::time::Instant;

use bytes::Bytes;

use super::upgrade::Upgrade;
use super::{CloseReason, Farewell, PollReply, Session, Transmit};
use crate::payload::{self, EncodedPayload, PayloadLimits};
use crate::{Packet, RequestError, TransportKind};

impl Session {
    /// A polling GET arrived.
    ///
    /// While an upgrade is probed the GET is answered at once with a NOOP.
    ///
    /// # Errors
    /// [`RequestError::BadRequest`] when the session is closed (unless it
    /// keeps its last words for this GET, see [`Session::close`]) or on
    /// WebSocket, or a GET is already pending (the session then closes with
    /// [`CloseReason::TransportError`] and the older GET is answered with a
    /// CLOSE packet). The I/O layer answers *this* request with the error.
    pub fn handle_poll(&mut self, now: Instant) -> Result<(), RequestError> {
        let _ = now;
        if self.closed && self.last_words_until.is_some() && !self.poll_pending {
            // The GET that takes the last words (see `Session::close`).
            self.poll_pending = true;
            return Ok(());
        }
        if self.closed || self.transport == TransportKind::WebSocket {
            return Err(RequestError::BadRequest);
        }
        if self.poll_pending {
            self.shutdown(CloseReason::TransportError, Farewell::Close);
            return Err(RequestError::BadRequest);
        }
        self.poll_pending = true;
        if let Upgrade::Probed { .. } = self.upgrade {
            self.end_poll_with_noop();
        }
        Ok(())
    }

    /// The pending GET was dropped by the client before it was answered:
    /// the session closes with [`CloseReason::TransportClose`]. Without a
    /// pending GET (it was answered already) this does nothing.
    pub fn handle_poll_cancelled(&mut self, now: Instant) {
        let _ = now;
        if !self.poll_pending {
            return;
        }
        if self.closed {
            // It was to take the last words: nobody will.
            self.poll_pending = false;
            self.drop_last_words();
            return;
        }
        self.poll_pending = false;
        self.shutdown(CloseReason::TransportClose, Farewell::Silent);
    }

    /// A polling POST body arrived, already bounded by `max_payload` by the
    /// I/O layer. `binary_body`: the content type was
    /// `application/octet-stream`.
    ///
    /// Messages before a CLOSE packet in the body are delivered; what
    /// follows it is not.
    ///
    /// # Errors
    /// [`RequestError::BadRequest`] when the session is closed or on
    /// WebSocket, or the body does not decode (the session then closes with
    /// [`CloseReason::ParseError`]; with [`CloseReason::TransportError`]
    /// for a body over `max_payload`). The I/O layer answers the POST with
    /// the error, or with `200 ok` on success.
    pub fn handle_post(
        &mut self,
        now: Instant,
        body: Bytes,
        binary_body: bool,
    ) -> Result<(), RequestError> {
        if self.closed || self.transport == TransportKind::WebSocket {
            return Err(RequestError::BadRequest);
        }
        if u64::try_from(body.len()).map_or(true, |len| len > self.config.max_payload) {
            self.shutdown(CloseReason::TransportError, Farewell::Close);
            return Err(RequestError::BadRequest);
        }
        let limits = PayloadLimits {
            max_packets: self.config.max_packets_per_payload,
        };
        match payload::decode(self.protocol, body, binary_body, limits) {
            Ok(packets) => self.handle_post_packets(now, packets),
            Err(_) => {
                self.shutdown(CloseReason::ParseError, Farewell::Close);
                Err(RequestError::BadRequest)
            }
        }
    }

    /// The packets of a polling POST body that the I/O layer decoded
    /// itself, with [`payload::decode`] and this session's protocol and
    /// limits (a body that does not decode closes the session with
    /// [`CloseReason::ParseError`], see [`Session::close`]). Lets a driver
    /// answer the POST without waiting for the session.
    ///
    /// # Errors
    /// [`RequestError::BadRequest`] when the session is closed or on
    /// WebSocket; nothing is delivered then.
    pub fn handle_post_packets(
        &mut self,
        now: Instant,
        packets: Vec<Packet>,
    ) -> Result<(), RequestError> {
        if self.closed || self.transport == TransportKind::WebSocket {
            return Err(RequestError::BadRequest);
        }
        for packet in packets {
            if self.closed {
                break;
            }
            self.handle_packet(now, packet);
        }
        Ok(())
    }

    /// Hands every buffered packet to a GET that the I/O layer answers
    /// by itself, encoding them with [`payload::encode`] (this session's
    /// protocol and [`Session::supports_binary`]): the GET is served as if
    /// it had been pending. Only while on polling, open, with no GET
    /// pending, no upgrade under way, nothing else decided to send and
    /// something buffered; otherwise `None`.
    ///
    /// The driver must give back what no GET took, with
    /// [`Session::restore_polled`], before the session handles anything
    /// else, so that a pending GET, an upgrade or a close finds them.
    pub fn take_for_poll(&mut self) -> Option<Vec<Packet>> {
        if self.closed
            || self.transport != TransportKind::Polling
            || self.poll_pending
            || self.upgrade != Upgrade::Idle
            || !self.transmits.is_empty()
            || self.outbox.is_empty()
            // Packets staged lose their flag: keep the rare uncompressed
            // ones for a GET the task answers (or a WebSocket).
            || self.outbox.iter().any(|(_, compress)| !compress)
        {
            return None;
        }
        self.outbox_bytes = 0;
        Some(self.outbox.drain(..).map(|(p, _)| p).collect())
    }

    /// Puts back packets from [`Session::take_for_poll`] that no GET took,
    /// ahead of anything buffered since.
    pub fn restore_polled(&mut self, packets: Vec<Packet>) {
        for packet in packets.into_iter().rev() {
            self.outbox_bytes = self.outbox_bytes.saturating_add(packet.message_len());
            self.outbox.push_front((packet, true));
        }
    }

    /// Answers the pending GET with everything buffered, unless an upgrade
    /// holds the packets back for the WebSocket.
    pub(super) fn flush_poll(&mut self) -> Option<Transmit> {
        if !self.poll_pending || self.outbox.is_empty() {
            return None;
        }
        if let Upgrade::Probed { .. } = self.upgrade {
            return None;
        }
        self.poll_pending = false;
        self.outbox_bytes = 0;
        self.last_words_until = None;
        let packets: Vec<Packet> = self.outbox.drain(..).map(|(p, _)| p).collect();
        Some(Transmit::Poll(PollReply::Payload(
            self.encode_payload(&packets),
        )))
    }

    /// A polling body of `packets` for this client.
    pub(super) fn encode_payload(&self, packets: &[Packet]) -> EncodedPayload {
        payload::encode(self.protocol, packets, self.supports_binary)
    }
}
