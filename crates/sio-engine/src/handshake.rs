//! The query string of an Engine.IO request: `EIO`, `transport`, `sid`,
//! `b64`, parsed with a real query parser (`form_urlencoded`).

use std::borrow::Cow;

use crate::{RequestError, Sid};

/// Engine.IO protocol revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Protocol 3 (socket.io-client 2.x).
    V3,
    /// Protocol 4 (socket.io-client 3.x and 4.x).
    V4,
}

/// The transport a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
}

impl TransportKind {
    /// The name used on the wire (`polling`, `websocket`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Polling => "polling",
            Self::WebSocket => "websocket",
        }
    }
}

/// The Engine.IO parameters of a request's query string, borrowing from
/// it where nothing was escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeQuery<'q> {
    /// `EIO`: exactly `3` or `4`.
    pub protocol: Protocol,
    /// `transport`: `polling` or `websocket`.
    pub transport: TransportKind,
    /// `sid`, absent on a handshake; always a well-formed id (see
    /// [`Sid::is_valid`]), looked up without being copied.
    pub sid: Option<Cow<'q, str>>,
    /// `b64=1` (protocol 3 clients that cannot take binary polling bodies).
    pub b64: bool,
}

impl<'q> HandshakeQuery<'q> {
    /// Parses the query string (without the leading `?`).
    ///
    /// Every parameter is read once: a repeated `EIO`, `transport` or `sid`
    /// is refused, not resolved by position.
    ///
    /// # Errors
    /// [`RequestError::UnsupportedProtocolVersion`] when `EIO` is missing or
    /// not exactly `3`/`4`; [`RequestError::UnknownTransport`] when
    /// `transport` is missing or unknown; [`RequestError::UnknownSid`] when
    /// `sid` is not a well-formed id.
    pub fn parse(query: Option<&'q str>) -> Result<Self, RequestError> {
        let mut eio = Param::default();
        let mut transport = Param::default();
        let mut sid = Param::default();
        let mut b64 = false;
        for (key, value) in pairs(query.unwrap_or_default()) {
            match &*key {
                "EIO" => eio.set(value),
                "transport" => transport.set(value),
                "sid" => sid.set(value),
                "b64" => b64 = matches!(&*value, "1" | "true"),
                _ => {}
            }
        }
        let transport = match transport.single() {
            Some("polling") => TransportKind::Polling,
            Some("websocket") => TransportKind::WebSocket,
            _ => return Err(RequestError::UnknownTransport),
        };
        let protocol = match eio.single() {
            Some("4") => Protocol::V4,
            Some("3") => Protocol::V3,
            _ => return Err(RequestError::UnsupportedProtocolVersion),
        };
        let sid = match sid {
            Param::Absent => None,
            Param::Once(id) if Sid::is_valid(&id) => Some(id),
            Param::Once(_) => return Err(RequestError::UnknownSid),
            Param::Repeated => return Err(RequestError::UnknownSid),
        };
        Ok(Self {
            protocol,
            transport,
            sid,
            b64,
        })
    }
}

/// The `key=value` pairs of a query. A query with nothing escaped in it
/// (no `%`, no `+`: every request of a client) is cut as it is, borrowing
/// every piece; any other is decoded by `form_urlencoded`, which cuts it
/// the same way.
///
/// The query is cut at ASCII bytes with `memchr` (`str::split` with a
/// `char` pattern costs several times more on a query this short).
fn pairs(query: &str) -> Pairs<'_> {
    if memchr::memchr2(b'%', b'+', query.as_bytes()).is_some() {
        Pairs::Escaped(form_urlencoded::parse(query.as_bytes()))
    } else {
        Pairs::Plain(query)
    }
}

/// See [`pairs`]: what is left of a plain query, or an escaped one being
/// decoded.
enum Pairs<'q> {
    Plain(&'q str),
    Escaped(form_urlencoded::Parse<'q>),
}

impl<'q> Iterator for Pairs<'q> {
    type Item = (Cow<'q, str>, Cow<'q, str>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Escaped(parse) => parse.next(),
            Self::Plain(rest) => {
                while !rest.is_empty() {
                    let (pair, tail) = cut(rest, b'&');
                    *rest = tail;
                    if !pair.is_empty() {
                        let (key, value) = cut(pair, b'=');
                        return Some((Cow::Borrowed(key), Cow::Borrowed(value)));
                    }
                }
                None
            }
        }
    }
}

/// `s` before and after the first `sep` (an ASCII byte), or all of `s` and
/// nothing when there is none.
fn cut(s: &str, sep: u8) -> (&str, &str) {
    let at = memchr::memchr(sep, s.as_bytes());
    at.and_then(|at| {
        let (head, tail) = s.split_at_checked(at)?;
        Some((head, tail.get(1..)?))
    })
    .unwrap_or((s, ""))
}

/// A query parameter that must appear at most once.
#[derive(Debug, Default)]
enum Param<'a> {
    #[default]
    Absent,
    Once(Cow<'a, str>),
    Repeated,
}

impl<'a> Param<'a> {
    fn set(&mut self, value: Cow<'a, str>) {
        *self = match self {
            Self::Absent => Self::Once(value),
            Self::Once(_) | Self::Repeated => Self::Repeated,
        };
    }

    /// The value when given exactly once.
    fn single(&self) -> Option<&str> {
        match self {
            Self::Once(value) => Some(value),
            Self::Absent | Self::Repeated => None,
        }
    }
}

#[cfg(test)]
#[path = "handshake_tests.rs"]
mod tests;
