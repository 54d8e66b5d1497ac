//! Engine events a user can hook into: the response-header hooks (Node's
//! `initial_headers` and `headers` events) and refused requests (Node's
//! `connection_error` event), stored type-erased and run with panics
//! contained so that a buggy hook never takes a request down.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use http::header::SET_COOKIE;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode};
use sio_engine::{RequestError, Sid};

use super::EngineConfig;

/// The type-erased header hook.
type HeadersFn = dyn Fn(&mut HeaderMap, &Parts) + Send + Sync;

/// Edits the headers of an engine response before it is sent.
#[derive(Clone)]
pub(crate) struct HeadersHook(Arc<HeadersFn>);

impl HeadersHook {
    pub(crate) fn new<F>(f: F) -> Self
    where
        F: Fn(&mut HeaderMap, &Parts) + Send + Sync + 'static,
    {
        Self(Arc::new(f))
    }

    /// Runs the hook; a panic is logged and the headers are sent as the
    /// hook left them.
    pub(crate) fn run(&self, headers: &mut HeaderMap, parts: &Parts) {
        if std::panic::catch_unwind(AssertUnwindSafe(|| (self.0)(headers, parts))).is_err() {
            tracing::warn!("headers hook panicked");
        }
    }
}

impl fmt::Debug for HeadersHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HeadersHook(..)")
    }
}

/// Sets the headers of a successful response: on a handshake (`handshake`
/// is the new session's id) the `io` cookie when it is on, and the
/// `initial_headers` hook; then, on every response, the `headers` hook, as
/// Node emits them.
pub(crate) fn apply(
    config: &EngineConfig,
    headers: &mut HeaderMap,
    req: &Parts,
    handshake: Option<&Sid>,
) {
    if let Some(sid) = handshake {
        if config.cookie {
            let cookie = format!("io={sid}; Path=/; HttpOnly; SameSite=Lax");
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                headers.insert(SET_COOKIE, value);
            }
        }
        if let Some(hook) = &config.initial_headers {
            hook.run(headers, req);
        }
    }
    if let Some(hook) = &config.headers {
        hook.run(headers, req);
    }
}

/// A request the engine refused, as Node's `connection_error` event
/// reports it: the Engine.IO error code and message, and the request head.
///
/// Reported for the checks made before a session exists or is reached
/// (transport, protocol, session id, method, WebSocket headers, origin,
/// allow-request, id generation, the session cap); errors of a live
/// session's transport (an oversized or overlapping POST) close that
/// session instead and are not reported here, as in Node.
#[derive(Debug)]
#[non_exhaustive]
pub struct ConnectionError<'a> {
    /// The Engine.IO code: 0 transport unknown, 1 session id unknown, 2
    /// bad handshake method, 3 bad request, 4 forbidden, 5 unsupported
    /// protocol version.
    pub code: u8,
    /// Node's message for the code, e.g. `"Session ID unknown"`.
    pub message: &'static str,
    /// Why, when the code alone does not say it: `"ID_GENERATION_ERROR"`
    /// (the id generator failed, code 3 as in Node, answered 500) or
    /// `"TOO_MANY_SESSIONS"` (sio's `max_sessions` cap, code 3, answered
    /// 503) or `"SERVER_SHUTTING_DOWN"` (a handshake during a shutdown,
    /// code 3, answered 503). `None` otherwise.
    pub context: Option<&'static str>,
    /// The HTTP status of the refusal.
    pub status: StatusCode,
    /// The request head: method, URI with its query, headers, and the
    /// extensions the server added (e.g. axum's `ConnectInfo`).
    pub req: &'a Parts,
}

impl<'a> ConnectionError<'a> {
    /// The report of `error` refusing `req`.
    pub(crate) fn request(error: RequestError, req: &'a Parts) -> Self {
        let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        Self {
            code: error.code(),
            message: message(error.code()),
            context: None,
            status,
            req,
        }
    }

    /// A refusal Node reports as code 3 with a context name.
    pub(crate) fn bad_request(context: &'static str, status: StatusCode, req: &'a Parts) -> Self {
        Self {
            code: RequestError::BadRequest.code(),
            message: message(RequestError::BadRequest.code()),
            context: Some(context),
            status,
            req,
        }
    }
}

/// Node's `Server.errorMessages`.
fn message(code: u8) -> &'static str {
    match code {
        0 => "Transport unknown",
        1 => "Session ID unknown",
        2 => "Bad handshake method",
        4 => "Forbidden",
        5 => "Unsupported protocol version",
        _ => "Bad request",
    }
}

/// The type-erased connection-error hook.
type ErrorFn = dyn Fn(&ConnectionError<'_>) + Send + Sync;

/// Hears every refused request.
#[derive(Clone)]
pub(crate) struct ErrorHook(Arc<ErrorFn>);

impl ErrorHook {
    pub(crate) fn new<F>(f: F) -> Self
    where
        F: Fn(&ConnectionError<'_>) + Send + Sync + 'static,
    {
        Self(Arc::new(f))
    }

    /// Runs the hook; a panic is logged and the refusal is sent anyway.
    pub(crate) fn run(&self, error: &ConnectionError<'_>) {
        if std::panic::catch_unwind(AssertUnwindSafe(|| (self.0)(error))).is_err() {
            tracing::warn!("connection-error hook panicked");
        }
    }
}

impl fmt::Debug for ErrorHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorHook(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_nodes() {
        let (parts, ()) = http::Request::new(()).into_parts();
        let e = ConnectionError::request(RequestError::UnknownSid, &parts);
        assert_eq!(
            (e.code, e.message, e.status.as_u16()),
            (1, "Session ID unknown", 400)
        );
        let e = ConnectionError::request(RequestError::Forbidden, &parts);
        assert_eq!(
            (e.code, e.message, e.status.as_u16()),
            (4, "Forbidden", 403)
        );
        for err in [
            RequestError::UnknownTransport,
            RequestError::BadHandshakeMethod,
            RequestError::BadRequest,
            RequestError::UnsupportedProtocolVersion,
        ] {
            assert_eq!(message(err.code()), err.to_string());
        }
    }

    #[test]
    fn panicking_hooks_are_contained() {
        let (parts, ()) = http::Request::new(()).into_parts();
        let hook = HeadersHook::new(|h, _| {
            h.insert("x-a", http::HeaderValue::from_static("1"));
            panic!("boom")
        });
        let mut headers = HeaderMap::new();
        hook.run(&mut headers, &parts);
        assert_eq!(headers["x-a"], "1");
        let errors = ErrorHook::new(|_| panic!("boom"));
        errors.run(&ConnectionError::request(RequestError::BadRequest, &parts));
    }
}
