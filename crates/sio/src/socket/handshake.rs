//! [`Handshake`]: what the client sent when it connected (Node's
//! `socket.handshake`).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use http::request::Parts;

use crate::engine::EngineSocket;

/// The headers of a session's first request: a [`HeaderMap`] (it derefs
/// to one), shared with the engine session that keeps that request's
/// head, not a copy per socket.
#[derive(Clone)]
pub struct RequestHeaders(Source);

#[derive(Clone)]
enum Source {
    /// The head the engine session keeps.
    Session(EngineSocket),
    /// Headers of their own.
    Own(Arc<HeaderMap>),
}

impl Deref for RequestHeaders {
    type Target = HeaderMap;

    fn deref(&self) -> &HeaderMap {
        match &self.0 {
            Source::Session(engine) => &engine.parts().headers,
            Source::Own(headers) => headers,
        }
    }
}

impl fmt::Debug for RequestHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl From<HeaderMap> for RequestHeaders {
    fn from(headers: HeaderMap) -> Self {
        Self(Source::Own(Arc::new(headers)))
    }
}

/// The details of a connection, shared by every handler of the socket.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Handshake {
    /// The headers of the first HTTP request of the session (shared with
    /// the session: it derefs to a [`HeaderMap`]).
    pub headers: RequestHeaders,
    /// When the socket connected, as text (RFC 3339, UTC).
    pub time: String,
    /// When the socket connected, in milliseconds since the Unix epoch.
    pub issued: u64,
    /// The client's IP address when the request extensions hold a
    /// `std::net::SocketAddr` or axum's `ConnectInfo<SocketAddr>` (serve
    /// with `into_make_service_with_connect_info::<SocketAddr>()`), else
    /// the empty string.
    pub address: String,
    /// Whether the request came from another origin (an `Origin` header
    /// unlike `Host`).
    pub xdomain: bool,
    /// Whether the connection is TLS (scheme `https`/`wss` or
    /// `X-Forwarded-Proto: https`).
    pub secure: bool,
    /// The URL of the first request (path and query).
    pub url: String,
    /// The query parameters of the first request, in order.
    pub query: Vec<(String, String)>,
    /// The auth payload of the CONNECT packet (`{}` when the client sent
    /// none); for protocol 4 clients, the query of the namespace.
    pub auth: serde_json::Value,
}

impl Handshake {
    /// Builds the handshake of a socket from its session's first request.
    pub(crate) fn new(engine: &EngineSocket, auth: serde_json::Value) -> Self {
        let headers = RequestHeaders(Source::Session(engine.clone()));
        Self::from_parts(engine.parts(), headers, auth)
    }

    /// Builds a handshake from a request head whose headers are `headers`.
    fn from_parts(parts: &Parts, headers: RequestHeaders, auth: serde_json::Value) -> Self {
        let issued = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let address = crate::limit::peer_addr(parts)
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        let host = headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok());
        let xdomain = headers
            .get(http::header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|origin| host.is_none_or(|host| origin.rsplit("//").next() != Some(host)));
        let secure = matches!(parts.uri.scheme_str(), Some("https" | "wss"))
            || headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes() == b"https");
        let url = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.to_string());
        let mut query: Vec<(String, String)> =
            form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        // Kept for the socket's life: no room to spare (collect reserved
        // for 4 pairs where there are usually 2 or 3).
        query.shrink_to_fit();
        Self {
            headers,
            time: rfc3339(issued),
            issued,
            address,
            xdomain,
            secure,
            url,
            query,
            auth,
        }
    }

    /// The value of query parameter `key` (the first one).
    pub fn query_param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The handshake as Node describes it (for `fetch_sockets`).
    pub fn to_json(&self) -> serde_json::Value {
        let headers: serde_json::Map<String, serde_json::Value> = self
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into(),
                )
            })
            .collect();
        let query: serde_json::Map<String, serde_json::Value> = self
            .query
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        serde_json::json!({
            "headers": headers,
            "time": self.time,
            "address": self.address,
            "xdomain": self.xdomain,
            "secure": self.secure,
            "issued": self.issued,
            "url": self.url,
            "query": query,
            "auth": self.auth,
        })
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a time in milliseconds since the epoch.
pub(crate) fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }

    #[test]
    fn reads_the_request() {
        let req = http::Request::builder()
            .uri("/socket.io/?EIO=4&transport=polling&x=1")
            .header("host", "example.com")
            .header("origin", "http://other.com")
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        let headers = RequestHeaders::from(parts.headers.clone());
        let hs = Handshake::from_parts(&parts, headers, serde_json::json!({}));
        assert_eq!(hs.headers.get("host").unwrap(), "example.com");
        assert_eq!(hs.query_param("x"), Some("1"));
        assert!(hs.xdomain);
        assert!(!hs.secure);
        assert_eq!(hs.url, "/socket.io/?EIO=4&transport=polling&x=1");
        assert_eq!(hs.to_json()["auth"], serde_json::json!({}));
    }
}
