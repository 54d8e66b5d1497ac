//! Every refusal of the engine becomes an HTTP response here, and only
//! here: Engine.IO's `{"code":N,"message":"…"}` JSON bodies, 413 for an
//! oversized POST, 500 for a failing id generator, 503 past `max_sessions`
//! or during a shutdown, 429 past a per-address
//! [`ConnectionLimit`](crate::ConnectionLimit).

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use sio_engine::RequestError;

/// Why the engine refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reject {
    /// An Engine.IO error: 400 or 403 with its code.
    Request(RequestError),
    /// A polling body over `max_payload`: 413.
    PayloadTooLarge,
    /// The server could not do its part (the id generator failed): 500.
    Internal,
    /// `max_sessions` are open: 503.
    Overloaded,
    /// The endpoint is shutting down: 503 with an Engine.IO body (code 3,
    /// the code Node gives a refused request when no other fits).
    ShuttingDown,
    /// The client's address is over its
    /// [`ConnectionLimit`](crate::ConnectionLimit): 429 with
    /// `{"code":429,"message":"Too Many Requests"}`.
    TooManyRequests,
}

impl From<RequestError> for Reject {
    fn from(e: RequestError) -> Self {
        Self::Request(e)
    }
}

impl Reject {
    /// The response for this refusal.
    pub(crate) fn into_response(self) -> Response<Full<Bytes>> {
        match self {
            Self::Request(e) => json(
                StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
                e.json_body(),
            ),
            Self::PayloadTooLarge => status_only(StatusCode::PAYLOAD_TOO_LARGE),
            Self::Internal => status_only(StatusCode::INTERNAL_SERVER_ERROR),
            Self::Overloaded => status_only(StatusCode::SERVICE_UNAVAILABLE),
            Self::ShuttingDown => json(
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"code":3,"message":"Server shutting down"}"#.into(),
            ),
            Self::TooManyRequests => json(
                StatusCode::TOO_MANY_REQUESTS,
                r#"{"code":429,"message":"Too Many Requests"}"#.into(),
            ),
        }
    }

    /// The close code for a WebSocket whose session was refused after its
    /// 101: 1001 (going away) during a shutdown, 1013 (try again later)
    /// past `max_sessions`, 1011 (internal error) otherwise.
    pub(crate) fn ws_close_code(&self) -> sio_ws::CloseCode {
        match self {
            Self::ShuttingDown => sio_ws::CloseCode::GOING_AWAY,
            Self::Overloaded => sio_ws::CloseCode(1013),
            _ => sio_ws::CloseCode(1011),
        }
    }
}

fn json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from(body)));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

fn status_only(status: StatusCode) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::new()));
    *res.status_mut() = status;
    res
}

/// `200 ok` with `text/html`, the answer to an accepted POST (text/html
/// rather than text/plain keeps some user agents from offering a download).
pub(crate) fn post_ok() -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from_static(b"ok")));
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_is_403_json() {
        let res = Reject::Request(RequestError::Forbidden).into_response();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    }

    #[test]
    fn too_many_requests_is_429_json() {
        let res = Reject::TooManyRequests.into_response();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    }

    #[test]
    fn too_large_is_413() {
        assert_eq!(
            Reject::PayloadTooLarge.into_response().status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }
}
