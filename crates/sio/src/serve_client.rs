//! Serving the JavaScript client bundle (Node's `serveClient`): the files
//! of `socket.io-client/dist` under the server's path, with Node's caching
//! headers, so a page can load `/socket.io/socket.io.js`.
//!
//! The files are read once, when the server is built, from the directory
//! the user points to (no bundle ships with sio). Only the names in
//! [`CLIENT_FILES`] are served: no other path, no listing, no traversal.

use std::collections::HashMap;
use std::path::Path;

use bytes::Bytes;
use http::header::{
    CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, HeaderValue, IF_NONE_MATCH, VARY,
};
use http::{HeaderMap, Method, Response, StatusCode};
use http_body_util::Full;

use crate::engine::compress::{Coding, compress, negotiate};

/// The file names served, as Node serves them.
pub(crate) const CLIENT_FILES: [&str; 8] = [
    "socket.io.js",
    "socket.io.js.map",
    "socket.io.min.js",
    "socket.io.min.js.map",
    "socket.io.esm.min.js",
    "socket.io.esm.min.js.map",
    "socket.io.msgpack.min.js",
    "socket.io.msgpack.min.js.map",
];

/// Largest client file read; a bigger one is skipped (answered 404) with a
/// warning. The 4.8 bundle with its map is under 1 MiB.
pub(crate) const MAX_CLIENT_FILE: u64 = 8 * 1024 * 1024;

/// One file, kept plain and gzip-compressed.
#[derive(Debug)]
struct Asset {
    plain: Bytes,
    gzip: Option<Bytes>,
    etag: HeaderValue,
    is_map: bool,
}

/// The client files loaded from a directory, served under `base`.
#[derive(Debug)]
pub(crate) struct ClientFiles {
    /// The server's path without its trailing `/` (e.g. `/socket.io`).
    base: String,
    files: HashMap<&'static str, Asset>,
}

impl ClientFiles {
    /// Reads the client files from `dir` for a server at `path`. Missing or
    /// oversized files are logged and later answered 404. The ETag is the
    /// client's version (from `dir/../package.json`, as Node uses its own
    /// version), else a hash of the file.
    pub(crate) fn load(dir: &Path, path: &str) -> Self {
        let version = read_version(dir);
        let mut files = HashMap::new();
        for name in CLIENT_FILES {
            let file = dir.join(name);
            let plain = match std::fs::metadata(&file) {
                Ok(meta) if meta.len() > MAX_CLIENT_FILE => {
                    tracing::warn!(file = %file.display(), "client file over {MAX_CLIENT_FILE} bytes, not served");
                    continue;
                }
                Ok(_) => match std::fs::read(&file) {
                    Ok(bytes) => Bytes::from(bytes),
                    Err(e) => {
                        tracing::warn!(file = %file.display(), "client file not served: {e}");
                        continue;
                    }
                },
                Err(_) => continue,
            };
            let tag = match &version {
                Some(v) => format!("\"{v}\""),
                None => format!("\"{:016x}\"", fnv1a(&plain)),
            };
            let Ok(etag) = HeaderValue::from_str(&tag) else {
                continue;
            };
            let gzip = compress(Coding::Gzip, &plain).filter(|z| z.len() < plain.len());
            let is_map = name.ends_with(".map");
            files.insert(
                name,
                Asset {
                    plain,
                    gzip,
                    etag,
                    is_map,
                },
            );
        }
        if files.is_empty() {
            tracing::warn!(dir = %dir.display(), "serve_client: no client file found");
        }
        Self {
            base: path.trim_end_matches('/').to_owned(),
            files,
        }
    }

    /// True when this request is for one of the client files (GET or HEAD
    /// on `<base>/<name>`), whether or not the file was found.
    pub(crate) fn claims(&self, method: &Method, path: &str) -> bool {
        (method == Method::GET || method == Method::HEAD) && self.name(path).is_some()
    }

    fn name(&self, path: &str) -> Option<&'static str> {
        let name = path.strip_prefix(&self.base)?.strip_prefix('/')?;
        CLIENT_FILES.into_iter().find(|f| *f == name)
    }

    /// The answer to a request that [`claims`](Self::claims) accepted: 200
    /// with the file, 304 when `If-None-Match` matches, 404 when the file
    /// was not loaded.
    pub(crate) fn respond(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
    ) -> Response<Full<Bytes>> {
        let Some(asset) = self.name(path).and_then(|n| self.files.get(n)) else {
            return status(StatusCode::NOT_FOUND);
        };
        if headers
            .get(IF_NONE_MATCH)
            .is_some_and(|v| matches(v, &asset.etag))
        {
            return status(StatusCode::NOT_MODIFIED);
        }
        let kind = if asset.is_map { "json" } else { "javascript" };
        let mut builder = Response::builder()
            .header(CACHE_CONTROL, "public, max-age=0")
            .header(CONTENT_TYPE, format!("application/{kind}; charset=utf-8"))
            .header(ETAG, asset.etag.clone())
            .header(VARY, "Accept-Encoding");
        let gzip = asset
            .gzip
            .as_ref()
            .filter(|_| negotiate(headers) == Some(Coding::Gzip));
        let body = match gzip {
            Some(z) => {
                builder = builder.header(CONTENT_ENCODING, "gzip");
                z.clone()
            }
            None => asset.plain.clone(),
        };
        let body = if method == Method::HEAD {
            Bytes::new()
        } else {
            body
        };
        builder
            .body(Full::new(body))
            .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR))
    }
}

/// Node's check: the exact tag, or its weak form `W/"…"`.
fn matches(given: &HeaderValue, etag: &HeaderValue) -> bool {
    let given = given.as_bytes();
    given == etag.as_bytes() || given.strip_prefix(b"W/") == Some(etag.as_bytes())
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::default());
    *res.status_mut() = code;
    res
}

/// The `version` of `dir/../package.json`, if it is a plain token.
fn read_version(dir: &Path) -> Option<String> {
    let text = std::fs::read(dir.parent()?.join("package.json")).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&text).ok()?;
    let version = json.get("version")?.as_str()?;
    let plain = version
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-+".contains(&b));
    (plain && !version.is_empty() && version.len() <= 64).then(|| version.to_owned())
}

/// FNV-1a, 64 bits: a stable content tag when there is no version.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
