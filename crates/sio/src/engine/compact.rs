//! The head of a handshake request, copied for the life of its session.
//!
//! hyper parses a request head without copying: the URI and every header
//! value are slices of the connection's read buffer (8 to 16 KiB). Keeping
//! them for as long as the session lives would keep that whole buffer too,
//! long after the connection became a WebSocket: two thirds of the memory
//! of an idle connection. The session keeps compact copies instead. Of the
//! extensions, axum's `OriginalUri` (a clone of the URI) is replaced by a
//! copy as well, when the `axum` feature is on; other extensions are kept
//! as they are.

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Uri};

/// `parts` with the URI and header values in buffers of their own.
pub(crate) fn compact(mut parts: Parts) -> Parts {
    parts.uri = compact_uri(&parts.uri);
    parts.headers = compact_headers(&parts.headers);
    #[cfg(feature = "axum")]
    if let Some(original) = parts.extensions.get_mut::<axum::extract::OriginalUri>() {
        original.0 = compact_uri(&original.0);
    }
    parts
}

fn compact_uri(uri: &Uri) -> Uri {
    let text = Bytes::copy_from_slice(uri.to_string().as_bytes());
    // A URI printed by `http` parses again; should it not, the original is
    // kept (it only costs memory).
    Uri::from_maybe_shared(text).unwrap_or_else(|_| uri.clone())
}

fn compact_headers(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let mut copy = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        copy.set_sensitive(value.is_sensitive());
        out.append(name.clone(), copy);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_share_nothing_with_the_request_buffer() {
        let buffer = Bytes::from_static(b"GET /socket.io/?EIO=4 x-token: secret");
        let value = HeaderValue::from_maybe_shared(buffer.slice(31..)).unwrap();
        let (mut parts, ()) = http::Request::new(()).into_parts();
        parts.uri = Uri::from_maybe_shared(buffer.slice(4..21)).unwrap();
        parts.headers.append("x-token", value.clone());
        parts
            .headers
            .append("x-token", HeaderValue::from_static("second"));
        let compacted = compact(parts);

        assert_eq!(compacted.uri, "/socket.io/?EIO=4");
        let values: Vec<_> = compacted.headers.get_all("x-token").iter().collect();
        assert_eq!(values, ["secret", "second"]);
        let range = buffer.as_ptr_range();
        let copied = values[0].as_bytes().as_ptr();
        assert!(!range.contains(&copied), "the header value was not copied");
        let path = compacted.uri.path().as_ptr();
        assert!(!range.contains(&path), "the URI was not copied");
    }
}
