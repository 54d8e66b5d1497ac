//! What travels: the JSON payload of the `bench` event, the packet the
//! sender writes, and how a connection inflates, recognises and checks
//! what arrives.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;

use sio_ws::{Agreement, Decompressor, Deflate};

use crate::client::{Agreed, Message};
use crate::frame::MAX_PAYLOAD;

/// A JSON object of at most `target` bytes (and within one item of it):
/// a feed update whose items have the same keys and values drawn from
/// small vocabularies, as real JSON repeats itself (not one repeated
/// character, which would compress far better than real data). The same
/// `target` always gives the same object.
pub(crate) fn json_payload(target: usize) -> String {
    const USERS: [&str; 12] = [
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
        "mallory", "oscar",
    ];
    const STATUS: [&str; 4] = ["online", "away", "busy", "offline"];
    const CITIES: [&str; 8] = [
        "Lyon", "Berlin", "Osaka", "Lagos", "Lima", "Oslo", "Austin", "Pune",
    ];
    const TAGS: [&str; 8] = [
        "rust", "web", "chat", "games", "music", "news", "sport", "travel",
    ];
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = |n: usize| {
        // xorshift64: reproducible without a dependency.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        usize::try_from(seed % n as u64).unwrap_or_default()
    };
    let mut out = String::from(r#"{"type":"update","channel":"lobby","seq":1,"items":["#);
    let mut item = String::new();
    for id in 0.. {
        item.clear();
        let _ = write!(
            item,
            r#"{}{{"id":{},"user":"{}{}","status":"{}","score":{},"ratio":{}.{}{},"tags":["{}","{}"],"city":"{}","updated":"2026-12-07T{:02}:{:02}:{:02}Z","active":{}}}"#,
            if id == 0 { "" } else { "," },
            10_000 + id * 7 + next(7),
            USERS[next(USERS.len())],
            next(100),
            STATUS[next(STATUS.len())],
            next(100_000),
            next(10),
            next(10),
            // A last digit of 1–9: the number reads back the same (no
            // trailing zero for a server's JSON writer to drop).
            1 + next(9),
            TAGS[next(TAGS.len())],
            TAGS[next(TAGS.len())],
            CITIES[next(CITIES.len())],
            next(24),
            next(60),
            next(60),
            next(2) == 1,
        );
        if out.len() + item.len() + 2 > target {
            break;
        }
        out.push_str(&item);
    }
    out.push_str("]}");
    out
}

/// Writes the sender's packet: `42["emit-all","bench",<ts>,<payload>]`.
pub(crate) fn emit_all(out: &mut String, ts: u64, payload: &str) {
    out.clear();
    let _ = write!(out, r#"42["emit-all","bench",{ts},{payload}]"#);
}

/// Reads a `42["bench",<ts>,<payload>]` packet: `Some(ts)`, or `None` for
/// any other packet.
///
/// # Errors
/// A `bench` packet without a timestamp, or whose payload is not `payload`
/// byte for byte.
pub(crate) fn parse_bench(text: &[u8], payload: &[u8]) -> Result<Option<u64>, String> {
    let Some(rest) = text.strip_prefix(br#"42["bench","#) else {
        return Ok(None);
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (number, tail) = rest.split_at_checked(digits).unwrap_or_default();
    let ts = std::str::from_utf8(number)
        .ok()
        .and_then(|n| n.parse().ok())
        .ok_or("a bench event without a timestamp")?;
    let body = tail.strip_prefix(b",").and_then(|t| t.strip_suffix(b"]"));
    if body != Some(payload) {
        return Err(format!(
            "a bench event whose payload is not the one sent ({} bytes, not {})",
            text.len(),
            payload.len() + digits + 13
        ));
    }
    Ok(Some(ts))
}

/// A message, as a receiver sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// engine.io's ping (`2`): answer `3`.
    Ping,
    /// A `bench` event.
    Bench {
        /// The timestamp it carries (µs), unless it was left compressed.
        ts: Option<u64>,
        /// It came compressed (RSV1).
        compressed: bool,
        /// Its bytes on the wire: frame headers and payload as received.
        wire: usize,
        /// Its size once inflated, if it was checked.
        size: Option<usize>,
    },
    /// Anything else.
    Other,
}

/// Inflates (when asked to) and classifies the messages of one connection.
#[derive(Debug)]
pub(crate) struct Inspector {
    payload: Arc<str>,
    /// With permessage-deflate agreed.
    inflater: Option<Decompressor>,
    /// Inflate compressed messages; without, a compressed text message is
    /// taken for a `bench` event (nothing else the e2e server sends is
    /// over the 1024-byte threshold).
    inflate: bool,
}

impl Inspector {
    /// An inspector for a connection that agreed on `agreed`, checking for
    /// `payload`. With context takeover every message is inflated,
    /// whatever `inflate` says: skipping one would lose the history the
    /// next ones are compressed against.
    pub(crate) fn new(
        payload: Arc<str>,
        deflate: &Deflate,
        agreed: &Agreed,
        inflate: bool,
    ) -> Self {
        // sio-ws names the sides from the server, whose decompressor
        // inflates the client's messages; here the client inflates the
        // server's, so the server's takeover goes in the client's place.
        let agreement = Agreement {
            server_max_window_bits: 15,
            client_max_window_bits: 15,
            server_no_context_takeover: true,
            client_no_context_takeover: !agreed.server_takeover,
        };
        Self {
            payload,
            inflater: agreed.deflate.then(|| deflate.decompressor(&agreement)),
            inflate: inflate || agreed.server_takeover,
        }
    }

    /// The text of a message, inflated if it came compressed; `None` for a
    /// compressed message left as it is.
    ///
    /// # Errors
    /// A compressed message without permessage-deflate agreed, or one that
    /// does not inflate.
    pub(crate) fn text<'a>(&mut self, msg: Message<'a>) -> Result<Option<Cow<'a, [u8]>>, String> {
        if !msg.compressed {
            return Ok(Some(Cow::Borrowed(msg.data)));
        }
        let Some(inflater) = self.inflater.as_mut() else {
            return Err("a compressed message without permessage-deflate".into());
        };
        if !self.inflate {
            return Ok(None);
        }
        let inflated = inflater
            .inflate(msg.data, MAX_PAYLOAD)
            .map_err(|code| format!("a message that does not inflate (close code {})", code.0))?;
        Ok(Some(Cow::Owned(Vec::from(inflated))))
    }

    /// What a message is.
    ///
    /// # Errors
    /// As [`Inspector::text`], and a `bench` event that fails its check.
    pub(crate) fn classify(&mut self, msg: Message<'_>) -> Result<Event, String> {
        if !msg.text {
            return Ok(Event::Other);
        }
        let (compressed, wire) = (msg.compressed, msg.wire);
        let Some(text) = self.text(msg)? else {
            return Ok(Event::Bench {
                ts: None,
                compressed,
                wire,
                size: None,
            });
        };
        if *text == *b"2" {
            return Ok(Event::Ping);
        }
        Ok(match parse_bench(&text, self.payload.as_bytes())? {
            Some(ts) => Event::Bench {
                ts: Some(ts),
                compressed,
                wire,
                size: Some(text.len()),
            },
            None => Event::Other,
        })
    }
}

#[cfg(test)]
mod tests;
