//! HTTP long-polling: the handshake GET; data GETs, answered from what the
//! session's task set out or else by the task; POST bodies read with a
//! hard cap while streaming and decoded in the request's own task.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use http::request::Parts;
use http::{HeaderValue, Response};
use http_body::Body;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use sio_engine::{
    CloseReason, HandshakeQuery, Packet, PayloadLimits, PollReply, Protocol, RequestError, Session,
    Sid, TransportKind, payload,
};
use tokio::sync::oneshot;

use super::driver::Command;
use super::registry::Entry;
use super::response::{Reject, post_ok};
use super::service::BoxError;
use super::{Engine, EngineHandler};
use super::{compress, events};
use crate::limit::AddrPermit;

/// A polling handshake: opens a session whose OPEN packet answers this GET.
pub(crate) async fn handshake<H: EngineHandler>(
    engine: &Arc<Engine<H>>,
    query: &HandshakeQuery<'_>,
    sid: Sid,
    parts: Parts,
    permit: Option<AddrPermit>,
) -> Result<Response<Full<Bytes>>, Reject> {
    let now = tokio::time::Instant::now().into_std();
    let session = Session::new(
        sid.clone(),
        query.protocol,
        TransportKind::Polling,
        query.b64,
        engine.config.session.clone(),
        now,
    );
    let (tx, rx) = oneshot::channel();
    let shared = engine.start(session, parts, Some(tx), &mut None, permit)?;
    let mut res = answer(engine, &shared.parts.headers, rx.await)?;
    events::apply(&engine.config, res.headers_mut(), &shared.parts, Some(&sid));
    Ok(res)
}

/// A data GET: takes what the session's task set out for it or, when
/// nothing was, waits for the task to answer it.
pub(crate) async fn get<H: EngineHandler>(
    engine: &Arc<Engine<H>>,
    entry: &Entry,
    parts: &Parts,
) -> Result<Response<Full<Bytes>>, Reject> {
    let shared = &entry.shared;
    let ready = {
        let mut ready = shared.ready.lock();
        let packets = ready.take();
        // Under the lock the task stages with: they are the GET's now.
        let bytes = packets.iter().map(Packet::message_len).sum();
        shared.outbox.release_task_bytes(bytes);
        packets
    };
    let reply = if ready.is_empty() {
        let (tx, rx) = oneshot::channel();
        entry.command(Command::Poll(tx), false)?;
        rx.await
    } else {
        let body = payload::encode(shared.protocol, &ready, shared.supports_binary);
        Ok(Ok(PollReply::Payload(body)))
    };
    let mut res = answer(engine, &parts.headers, reply)?;
    events::apply(&engine.config, res.headers_mut(), parts, None);
    Ok(res)
}

/// Turns the task's answer into the response, compressing large bodies.
fn answer<H>(
    engine: &Engine<H>,
    req_headers: &http::HeaderMap,
    reply: Result<Result<PollReply, RequestError>, oneshot::error::RecvError>,
) -> Result<Response<Full<Bytes>>, Reject> {
    let payload = match reply {
        Ok(Ok(PollReply::Payload(payload))) => payload,
        Ok(Ok(PollReply::Closed)) | Err(_) => return Err(RequestError::UnknownSid.into()),
        Ok(Err(e)) => return Err(e.into()),
    };
    let mut body = payload.body;
    let mut encoding = None;
    if let Some(threshold) = engine.config.compression_threshold {
        if body.len() >= threshold {
            if let Some(coding) = compress::negotiate(req_headers) {
                if let Some(packed) = compress::compress(coding, &body) {
                    body = packed;
                    encoding = Some(coding);
                }
            }
        }
    }
    let mut res = Response::new(Full::new(body));
    let headers = res.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(payload.content_type));
    if let Some(coding) = encoding {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static(coding.as_str()));
        headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    Ok(res)
}

/// A data POST: reads the body (at most `max_payload` bytes, counted while
/// it streams), decodes it, hands the packets to the session's task and
/// answers `200 ok` without waiting for it. A body that does not decode
/// closes the session (`parse error`) and is answered `400`.
pub(crate) async fn post<H, B>(
    engine: &Arc<Engine<H>>,
    entry: &Entry,
    parts: &Parts,
    body: B,
) -> Result<Response<Full<Bytes>>, Reject>
where
    H: EngineHandler,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    // A session on WebSocket takes no POST; refused, not closed (Node:
    // "unexpected transport without upgrade").
    if entry.shared.initial == TransportKind::WebSocket
        || entry.shared.upgraded.load(Ordering::Acquire)
    {
        return Err(RequestError::BadRequest.into());
    }
    let Some(_guard) = entry.begin_post() else {
        entry.close(CloseReason::TransportError);
        return Err(RequestError::BadRequest.into());
    };
    let binary = parts.headers.get(CONTENT_TYPE).is_some_and(|ct| {
        ct.as_bytes()
            .eq_ignore_ascii_case(b"application/octet-stream")
    });
    if binary && entry.shared.protocol == Protocol::V4 {
        entry.close(CloseReason::TransportError);
        return Err(RequestError::BadRequest.into());
    }
    let max = usize::try_from(engine.config.session.max_payload).unwrap_or(usize::MAX);
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > engine.config.session.max_payload) {
        entry.close(CloseReason::TransportError);
        return Err(Reject::PayloadTooLarge);
    }
    let body = match Limited::new(body, max).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            entry.close(CloseReason::TransportError);
            return Err(if e.downcast_ref::<LengthLimitError>().is_some() {
                Reject::PayloadTooLarge
            } else {
                RequestError::BadRequest.into()
            });
        }
    };
    let limits = PayloadLimits {
        max_packets: engine.config.session.max_packets_per_payload,
    };
    let Ok(packets) = payload::decode(entry.shared.protocol, body, binary, limits) else {
        entry.close(CloseReason::ParseError);
        return Err(RequestError::BadRequest.into());
    };
    // The POST is answered before the task handles its packets, but not
    // before the task took those of the previous one: a client posting
    // faster than its handlers run waits, as it did when every POST waited
    // for the task, instead of filling the outbox.
    let permit = entry.post_permit().await?;
    entry.command(Command::Post(packets, permit), false)?;
    let mut res = post_ok();
    events::apply(&engine.config, res.headers_mut(), parts, None);
    Ok(res)
}
