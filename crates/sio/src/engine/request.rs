//! Checks an Engine.IO request in Node's order and routes it to the
//! polling or WebSocket side: transport (code 0), protocol (5), session id
//! (1), handshake method (2), WebSocket headers (3), origin (3 / 4), then
//! the session caps (503, then 429 per address), the allow-request hook and
//! the id generator on handshakes (4, 3).
//! Refusals at this stage go to the connection-error hook.

use std::sync::Arc;

use bytes::Bytes;
use http::header::ORIGIN;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::Full;
use sio_engine::{HandshakeQuery, Protocol, RequestError, Sid, TransportKind};

use super::events::ConnectionError;
use super::registry::Entry;
use super::response::Reject;
use super::service::BoxError;
use super::{Engine, EngineConfig, EngineHandler, polling, websocket};
use crate::limit::AddrPermit;

/// Answers one request for the engine's path. Never fails: every refusal
/// becomes its response in [`Reject::into_response`].
pub(crate) async fn handle<H, B>(engine: Arc<Engine<H>>, req: Request<B>) -> Response<Full<Bytes>>
where
    H: EngineHandler,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let (parts, body) = req.into_parts();
    match route(&engine, parts, body).await {
        Ok(res) => res,
        Err(reject) => {
            tracing::debug!(?reject, "engine.io request refused");
            reject.into_response()
        }
    }
}

/// What a request that passed every check goes on to do.
enum Step {
    /// A request for a live session (a poll, a POST or an upgrade).
    Session {
        entry: Entry,
        accept: Option<HeaderValue>,
    },
    /// A handshake, with the id of the session it will open.
    Handshake {
        query: HandshakeQuery<'static>,
        sid: Sid,
        accept: Option<HeaderValue>,
        permit: Option<AddrPermit>,
    },
}

async fn route<H, B>(
    engine: &Arc<Engine<H>>,
    mut parts: Parts,
    body: B,
) -> Result<Response<Full<Bytes>>, Reject>
where
    H: EngineHandler,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let step = match check(engine, &parts).await {
        Ok(step) => step,
        Err(reject) => {
            report(&engine.config, &reject, &parts);
            return Err(reject);
        }
    };
    match step {
        Step::Session { entry, accept } => match accept {
            Some(accept) => websocket::upgrade(engine, &entry, &mut parts, accept).await,
            None if parts.method == Method::GET => polling::get(engine, &entry, &parts).await,
            None if parts.method == Method::POST => {
                polling::post(engine, &entry, &parts, body).await
            }
            None => Err(RequestError::BadRequest.into()),
        },
        Step::Handshake {
            query,
            sid,
            accept,
            permit,
        } => match accept {
            Some(accept) => websocket::handshake(engine, &query, sid, parts, accept, permit).await,
            None => polling::handshake(engine, &query, sid, parts, permit).await,
        },
    }
}

/// Every check made before a session is reached or opened, in Node's
/// order; its refusals are the ones reported as connection errors.
async fn check<H: EngineHandler>(engine: &Engine<H>, parts: &Parts) -> Result<Step, Reject> {
    let config = &engine.config;
    let query = HandshakeQuery::parse(parts.uri.query())?;
    let enabled = match query.transport {
        TransportKind::Polling => config.polling,
        TransportKind::WebSocket => config.session.websocket_enabled,
    };
    if !enabled {
        return Err(RequestError::UnknownTransport.into());
    }
    if query.protocol == Protocol::V3 && !config.allow_eio3 {
        return Err(RequestError::UnsupportedProtocolVersion.into());
    }
    let is_ws = query.transport == TransportKind::WebSocket;
    if let Some(sid) = &query.sid {
        let entry = engine.registry.get(sid).ok_or(RequestError::UnknownSid)?;
        let accept = if is_ws {
            Some(websocket::accept_key(parts)?)
        } else {
            None
        };
        check_origin(&parts.headers, config)?;
        return Ok(Step::Session { entry, accept });
    }
    if parts.method != Method::GET {
        return Err(RequestError::BadHandshakeMethod.into());
    }
    let accept = if is_ws {
        Some(websocket::accept_key(parts)?)
    } else {
        None
    };
    check_origin(&parts.headers, config)?;
    if engine.registry.is_closing() {
        return Err(Reject::ShuttingDown);
    }
    // Checked again where the session registers (a WebSocket does so
    // after its 101).
    if engine.registry.len() >= config.max_sessions {
        return Err(Reject::Overloaded);
    }
    let permit = match &config.connection_limit {
        Some(limiter) => match limiter.client_ip(parts) {
            Some(ip) => Some(
                limiter
                    .admit(ip, tokio::time::Instant::now().into_std())
                    .ok_or(Reject::TooManyRequests)?,
            ),
            None => None,
        },
        None => None,
    };
    if let Some(hook) = &config.allow_request {
        if !hook.check(parts).await {
            return Err(RequestError::Forbidden.into());
        }
    }
    let sid = engine.new_sid(parts).await?;
    // A handshake has no `sid`: the query holds nothing borrowed.
    let query = HandshakeQuery { sid: None, ..query };
    Ok(Step::Handshake {
        query,
        sid,
        accept,
        permit,
    })
}

/// Tells the connection-error hook, if any, about a refusal.
fn report(config: &EngineConfig, reject: &Reject, parts: &Parts) {
    let Some(hook) = &config.connection_error else {
        return;
    };
    let error = match reject {
        Reject::Request(e) => ConnectionError::request(e.clone(), parts),
        Reject::Internal => ConnectionError::bad_request(
            "ID_GENERATION_ERROR",
            StatusCode::INTERNAL_SERVER_ERROR,
            parts,
        ),
        Reject::Overloaded => ConnectionError::bad_request(
            "TOO_MANY_SESSIONS",
            StatusCode::SERVICE_UNAVAILABLE,
            parts,
        ),
        Reject::ShuttingDown => ConnectionError::bad_request(
            "SERVER_SHUTTING_DOWN",
            StatusCode::SERVICE_UNAVAILABLE,
            parts,
        ),
        Reject::TooManyRequests => {
            ConnectionError::bad_request("TOO_MANY_REQUESTS", StatusCode::TOO_MANY_REQUESTS, parts)
        }
        Reject::PayloadTooLarge => return,
    };
    hook.run(&error);
}

/// The `Origin` check: control characters are a bad request (code 3); an
/// origin missing from a configured allow-list is forbidden (code 4).
fn check_origin(headers: &HeaderMap, config: &EngineConfig) -> Result<(), RequestError> {
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let bytes = origin.as_bytes();
    if bytes.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(RequestError::BadRequest);
    }
    match &config.allowed_origins {
        Some(list) if !list.iter().any(|allowed| allowed.as_bytes() == bytes) => {
            Err(RequestError::Forbidden)
        }
        _ => Ok(()),
    }
}
