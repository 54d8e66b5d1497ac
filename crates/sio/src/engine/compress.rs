//! Compression of polling responses (Node's `httpCompression`): gzip or
//! deflate per `Accept-Encoding`, only above a size threshold.

use std::io::Write as _;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder};
use http::HeaderMap;
use http::header::ACCEPT_ENCODING;

/// A content coding we can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    Deflate,
}

impl Coding {
    /// The `Content-Encoding` value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Deflate => "deflate",
        }
    }
}

/// The coding to use for a response to a request with these headers:
/// gzip if accepted, else deflate if accepted (`q=0` excludes a coding).
pub(crate) fn negotiate(headers: &HeaderMap) -> Option<Coding> {
    let mut gzip = false;
    let mut deflate = false;
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                let p = p.trim();
                p.strip_prefix("q=")
                    .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
            });
            if refused {
                continue;
            }
            if name.eq_ignore_ascii_case("gzip") || name == "*" {
                gzip = true;
            } else if name.eq_ignore_ascii_case("deflate") {
                deflate = true;
            }
        }
    }
    if gzip {
        Some(Coding::Gzip)
    } else if deflate {
        Some(Coding::Deflate)
    } else {
        None
    }
}

/// Compresses `body`; `None` if the encoder failed (send it as is).
pub(crate) fn compress(coding: Coding, body: &[u8]) -> Option<Bytes> {
    let out = Vec::with_capacity(body.len() / 2);
    let out = match coding {
        Coding::Gzip => {
            let mut enc = GzEncoder::new(out, Compression::fast());
            enc.write_all(body).ok()?;
            enc.finish().ok()?
        }
        Coding::Deflate => {
            let mut enc = DeflateEncoder::new(out, Compression::fast());
            enc.write_all(body).ok()?;
            enc.finish().ok()?
        }
    };
    Some(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with(accept: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_ENCODING, HeaderValue::from_static(accept));
        h
    }

    #[test]
    fn prefers_gzip_and_honours_q_zero() {
        assert_eq!(negotiate(&with("deflate, gzip")), Some(Coding::Gzip));
        assert_eq!(negotiate(&with("gzip;q=0, deflate")), Some(Coding::Deflate));
        assert_eq!(negotiate(&with("br")), None);
        assert_eq!(negotiate(&HeaderMap::new()), None);
    }

    #[test]
    fn gzip_round_trips() {
        use std::io::Read as _;
        let body = "4hello".repeat(500);
        let packed = compress(Coding::Gzip, body.as_bytes()).unwrap();
        let mut out = String::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, body);
    }
}
