//! Negotiating permessage-deflate (RFC 7692 §5 and §7.1): reading the
//! client's offers from `Sec-WebSocket-Extensions` and writing the answer.
//!
//! The first offer the server can honour is accepted; an offer it cannot
//! honour (an unknown or repeated parameter, a bad value, a window of 8
//! bits for the server, which zlib cannot keep to) is passed over, and when
//! none is left the connection goes on without compression. The upgrade
//! itself never fails over an offer.

use http::header::{HeaderMap, HeaderValue, SEC_WEBSOCKET_EXTENSIONS};

use crate::deflate::{Agreement, PerMessageDeflate};

/// The extension's name.
const NAME: &str = "permessage-deflate";

/// Most extension offers read from one request, and most parameters read
/// from one offer: past them the rest is ignored (no real client sends
/// more than three offers of four parameters).
const MAX_OFFERS: usize = 16;
const MAX_PARAMS: usize = 8;

/// Reads the client's permessage-deflate offers in `headers` and picks
/// the first one `config` can honour: the agreement and the value of the
/// response's `Sec-WebSocket-Extensions`, or `None` (no compression).
///
/// ```
/// use http::HeaderMap;
/// use sio_ws::{PerMessageDeflate, negotiate};
///
/// let mut headers = HeaderMap::new();
/// headers.insert(
///     "sec-websocket-extensions",
///     "permessage-deflate; client_max_window_bits".parse().unwrap(),
/// );
/// let (agreement, answer) = negotiate(&PerMessageDeflate::default(), &headers).unwrap();
/// assert_eq!(
///     answer,
///     "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
/// );
/// assert!(agreement.server_no_context_takeover);
/// ```
pub fn negotiate(
    config: &PerMessageDeflate,
    headers: &HeaderMap,
) -> Option<(Agreement, HeaderValue)> {
    let offers = headers
        .get_all(SEC_WEBSOCKET_EXTENSIONS)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(split_unquoted(b','))
        .take(MAX_OFFERS);
    for offer in offers {
        let mut parts = split_unquoted(b';')(offer);
        let name = parts.next().unwrap_or_default().trim();
        if !name.eq_ignore_ascii_case(NAME) {
            continue;
        }
        if let Some(params) = Params::parse(parts)
            && let Some(accepted) = accept(config, &params)
        {
            return Some(accepted);
        }
    }
    None
}

/// The parameters of one offer. `Some(None)` for a window parameter given
/// without a value.
#[derive(Debug, Default, PartialEq, Eq)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    client_max_window_bits: Option<Option<u8>>,
}

impl Params {
    /// `None` when the offer cannot be accepted: an unknown or repeated
    /// parameter, or a bad value.
    fn parse<'a>(params: impl Iterator<Item = &'a str>) -> Option<Self> {
        let mut out = Self::default();
        let mut seen = [false; 4];
        for (i, param) in params.enumerate() {
            if i == MAX_PARAMS {
                return None;
            }
            let (key, value) = match param.split_once('=') {
                Some((k, v)) => (k.trim(), Some(unquote(v.trim())?)),
                None => (param.trim(), None),
            };
            let slot = match key.to_ascii_lowercase().as_str() {
                "server_no_context_takeover" if value.is_none() => {
                    out.server_no_context_takeover = true;
                    0
                }
                "client_no_context_takeover" if value.is_none() => {
                    out.client_no_context_takeover = true;
                    1
                }
                "server_max_window_bits" => {
                    out.server_max_window_bits = Some(window_bits(value?)?);
                    2
                }
                "client_max_window_bits" => {
                    let bits = match value {
                        Some(v) => Some(window_bits(v)?),
                        None => None,
                    };
                    out.client_max_window_bits = Some(bits);
                    3
                }
                _ => return None,
            };
            if std::mem::replace(&mut seen[slot], true) {
                return None;
            }
        }
        Some(out)
    }
}

/// A window size: 8 to 15, digits only (RFC 7692 §7.1.2).
fn window_bits(value: &str) -> Option<u8> {
    if value.is_empty() || value.len() > 2 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok().filter(|bits| (8..=15).contains(bits))
}

/// A token or a quoted string (without escapes inside: a window value is
/// digits).
fn unquote(value: &str) -> Option<&str> {
    match value.strip_prefix('"') {
        Some(inner) => inner.strip_suffix('"').filter(|v| !v.contains('"')),
        None => Some(value),
    }
}

/// The response to an offer, if `config` can honour it.
fn accept(config: &PerMessageDeflate, offer: &Params) -> Option<(Agreement, HeaderValue)> {
    // The server may always compress with a smaller window than asked, but
    // zlib cannot keep to a window of 8 bits.
    let server_window = match (offer.server_max_window_bits, config.server_max_window_bits) {
        (Some(8), _) => return None,
        (Some(asked), Some(ours)) => Some(asked.min(ours)),
        (asked, ours) => asked.or(ours),
    };
    // A limit on the client's window can only be set if it offered one.
    let client_window = match (offer.client_max_window_bits, config.client_max_window_bits) {
        (None, Some(_)) => return None,
        (None, None) => None,
        (Some(asked), ours) => match (asked, ours) {
            (Some(a), Some(o)) => Some(a.min(o)),
            (a, o) => a.or(o),
        },
    };
    let agreement = Agreement {
        server_max_window_bits: server_window.unwrap_or(15),
        client_max_window_bits: client_window.unwrap_or(15),
        server_no_context_takeover: config.server_no_context_takeover
            || offer.server_no_context_takeover,
        client_no_context_takeover: config.client_no_context_takeover,
    };
    let mut answer = String::from(NAME);
    if agreement.server_no_context_takeover {
        answer.push_str("; server_no_context_takeover");
    }
    if agreement.client_no_context_takeover {
        answer.push_str("; client_no_context_takeover");
    }
    if let Some(bits) = server_window {
        answer.push_str(&format!("; server_max_window_bits={bits}"));
    }
    if let Some(bits) = client_window {
        answer.push_str(&format!("; client_max_window_bits={bits}"));
    }
    let answer = HeaderValue::from_str(&answer).ok()?;
    Some((agreement, answer))
}

/// Splits on `sep` outside double quotes, lazily (a long header is read
/// only as far as needed).
fn split_unquoted(sep: u8) -> impl Fn(&str) -> Unquoted<'_> {
    move |s| Unquoted { rest: Some(s), sep }
}

struct Unquoted<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for Unquoted<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let mut quoted = false;
        let cut = rest.bytes().position(|b| {
            quoted ^= b == b'"';
            b == self.sep && !quoted
        });
        match cut {
            // `sep` is ASCII, so both sides are on character boundaries.
            Some(at) => {
                self.rest = rest.get(at + 1..);
                rest.get(..at)
            }
            None => self.rest.take(),
        }
    }
}

#[cfg(test)]
mod tests;
