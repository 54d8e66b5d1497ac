//! The opening handshake (RFC 6455 §4.2): checking a client's upgrade
//! request and computing the `Sec-WebSocket-Accept` answer.

use base64::Engine as _;
use http::Method;
use http::header::{
    CONNECTION, HeaderMap, HeaderName, HeaderValue, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION,
    UPGRADE,
};
use sha1::{Digest as _, Sha1};

/// The GUID every accept key is derived with (RFC 6455 §1.3).
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Why a request is not a WebSocket opening handshake. Answer it with 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The method is not GET.
    #[error("a WebSocket handshake must be a GET")]
    Method,
    /// `Upgrade` does not name `websocket`, or `Connection` does not name
    /// `upgrade`.
    #[error("missing Upgrade: websocket or Connection: upgrade")]
    Upgrade,
    /// `Sec-WebSocket-Version` is missing or not 13.
    #[error("missing or unsupported Sec-WebSocket-Version (13 is supported)")]
    Version,
    /// `Sec-WebSocket-Key` is missing, repeated, or not 16 bytes in base64.
    #[error("missing or invalid Sec-WebSocket-Key")]
    Key,
}

/// Checks that a request is a WebSocket opening handshake and returns the
/// value of the `Sec-WebSocket-Accept` header for its 101 response.
///
/// ```
/// use http::{HeaderMap, Method};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("upgrade", "websocket".parse().unwrap());
/// headers.insert("connection", "keep-alive, Upgrade".parse().unwrap());
/// headers.insert("sec-websocket-version", "13".parse().unwrap());
/// headers.insert("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==".parse().unwrap());
/// let accept = sio_ws::check_handshake(&Method::GET, &headers).unwrap();
/// assert_eq!(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
///
/// headers.insert("sec-websocket-key", "c2hvcnQ=".parse().unwrap());
/// assert!(sio_ws::check_handshake(&Method::GET, &headers).is_err());
/// ```
///
/// # Errors
/// [`HandshakeError`] says which requirement is not met.
pub fn check_handshake(
    method: &Method,
    headers: &HeaderMap,
) -> Result<HeaderValue, HandshakeError> {
    if method != Method::GET {
        return Err(HandshakeError::Method);
    }
    if !has_token(headers, UPGRADE, "websocket") || !has_token(headers, CONNECTION, "upgrade") {
        return Err(HandshakeError::Upgrade);
    }
    let mut versions = headers.get_all(SEC_WEBSOCKET_VERSION).iter();
    if versions
        .next()
        .is_none_or(|v| v.as_bytes().trim_ascii() != b"13")
        || versions.next().is_some()
    {
        return Err(HandshakeError::Version);
    }
    let mut keys = headers.get_all(SEC_WEBSOCKET_KEY).iter();
    let key = keys.next().ok_or(HandshakeError::Key)?;
    if keys.next().is_some() || !is_valid_key(key.as_bytes()) {
        return Err(HandshakeError::Key);
    }
    Ok(accept_key(key.as_bytes()))
}

/// A key is 16 bytes in padded base64: 22 characters of the alphabet and
/// `==` (the check Node's `ws` makes).
fn is_valid_key(key: &[u8]) -> bool {
    match key.strip_suffix(b"==") {
        Some(head) if head.len() == 22 => head
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/'),
        _ => false,
    }
}

/// `Sec-WebSocket-Accept` for `key`: base64 of SHA-1 of the key and the
/// GUID.
pub fn accept_key(key: &[u8]) -> HeaderValue {
    let digest = Sha1::new().chain_update(key).chain_update(GUID).finalize();
    let encoded = base64::engine::general_purpose::STANDARD.encode(digest);
    // Base64 is always a valid header value.
    HeaderValue::from_str(&encoded).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// True when the comma-separated header `name` holds `token` (any case).
fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(key: &str, version: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(UPGRADE, HeaderValue::from_static("WebSocket"));
        h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        h.insert(
            SEC_WEBSOCKET_VERSION,
            HeaderValue::from_str(version).unwrap(),
        );
        if !key.is_empty() {
            h.insert(SEC_WEBSOCKET_KEY, HeaderValue::from_str(key).unwrap());
        }
        h
    }

    #[test]
    fn accepts_a_handshake_and_derives_the_rfc_example_key() {
        let h = request("dGhlIHNhbXBsZSBub25jZQ==", "13");
        assert_eq!(
            check_handshake(&Method::GET, &h).unwrap(),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn refuses_bad_keys_versions_and_methods() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        for bad_key in [
            "",
            "c2hvcnQ=",
            "!!!!!!!!!!!!!!!!!!!!!!==",
            "dGhlIHNhbXBsZSBub25jZQ",
            &"A".repeat(10_000),
        ] {
            assert_eq!(
                check_handshake(&Method::GET, &request(bad_key, "13")),
                Err(HandshakeError::Key),
                "{bad_key}"
            );
        }
        for bad_version in ["12", "8", "", "13, 8"] {
            assert_eq!(
                check_handshake(&Method::GET, &request(key, bad_version)),
                Err(HandshakeError::Version)
            );
        }
        assert_eq!(
            check_handshake(&Method::POST, &request(key, "13")),
            Err(HandshakeError::Method)
        );
        let mut no_upgrade = request(key, "13");
        no_upgrade.remove(UPGRADE);
        assert_eq!(
            check_handshake(&Method::GET, &no_upgrade),
            Err(HandshakeError::Upgrade)
        );
        let mut two_keys = request(key, "13");
        two_keys.append(
            SEC_WEBSOCKET_KEY,
            HeaderValue::from_static("dGhlIHNhbXBsZSBub25jZQ=="),
        );
        assert_eq!(
            check_handshake(&Method::GET, &two_keys),
            Err(HandshakeError::Key)
        );
    }
}
