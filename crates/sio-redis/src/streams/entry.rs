//! Stream entries as Node's Streams adapter writes them
//! (`uid`, `nsp`, `type` as decimal text, `data` as JSON text or base64 of
//! msgpack), read leniently and within limits from `XREAD` and `XRANGE`
//! replies, which are untrusted: any Redis client may `XADD` to the stream.

use base64::Engine as _;
use sio_parser::Value;

use sio_cluster::msgpack;

/// One entry of the stream, its fields checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// Its id (`ms-seq`): the offset of what it carries.
    pub(crate) id: String,
    /// The uid of the adapter that wrote it.
    pub(crate) uid: String,
    /// Its namespace.
    pub(crate) nsp: String,
    /// The message type, parsed as Node does (`parseInt`).
    pub(crate) kind: u8,
    /// The `data` field, undecoded.
    pub(crate) data: Option<Vec<u8>>,
}

/// What an `XREAD` or `XRANGE` reply holds: the id of each entry (also of
/// those that are not ours, so that a reader moves past them) and the
/// entry when it has a namespace and a type.
pub(crate) type Read = Vec<(String, Option<Entry>)>;

/// The entries of an `XRANGE` reply (an array of `[id, [field, value…]]`).
/// Entries larger than `max_size` (their fields summed) come back as
/// `None`, as do entries without `nsp` (Node skips those) or with a bad
/// `type`.
pub(crate) fn parse_range(reply: &redis::Value, max_size: usize) -> Read {
    let mut out = Vec::new();
    let redis::Value::Array(items) = reply else {
        return out;
    };
    for item in items {
        let redis::Value::Array(pair) = item else {
            continue;
        };
        let (Some(id), Some(fields)) = (pair.first().and_then(text), pair.get(1)) else {
            continue;
        };
        let entry = parse_fields(&id, fields, max_size);
        out.push((id, entry));
    }
    out
}

/// The entries of an `XREAD` reply for one stream (`nil` when it timed
/// out; RESP2 arrays or a RESP3 map).
pub(crate) fn parse_read(reply: &redis::Value, max_size: usize) -> Read {
    match reply {
        redis::Value::Array(streams) => streams
            .iter()
            .filter_map(|s| match s {
                redis::Value::Array(pair) => pair.get(1),
                _ => None,
            })
            .flat_map(|entries| parse_range(entries, max_size))
            .collect(),
        redis::Value::Map(streams) => streams
            .iter()
            .flat_map(|(_, entries)| parse_range(entries, max_size))
            .collect(),
        _ => Vec::new(),
    }
}

fn text(value: &redis::Value) -> Option<String> {
    match value {
        redis::Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        redis::Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn bytes(value: &redis::Value) -> Option<&[u8]> {
    match value {
        redis::Value::BulkString(b) => Some(b),
        redis::Value::SimpleString(s) => Some(s.as_bytes()),
        _ => None,
    }
}

fn parse_fields(id: &str, fields: &redis::Value, max_size: usize) -> Option<Entry> {
    let pairs: Vec<(&[u8], &[u8])> = match fields {
        redis::Value::Array(flat) => flat
            .chunks_exact(2)
            .filter_map(|kv| Some((bytes(kv.first()?)?, bytes(kv.get(1)?)?)))
            .collect(),
        redis::Value::Map(map) => map
            .iter()
            .filter_map(|(k, v)| Some((bytes(k)?, bytes(v)?)))
            .collect(),
        _ => return None,
    };
    let size: usize = pairs.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > max_size {
        tracing::debug!(id, size, "redis streams adapter: entry too large, skipped");
        return None;
    }
    // The last value of a repeated field wins, as in a JavaScript object.
    let field = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| *k == name.as_bytes())
            .map(|(_, v)| *v)
    };
    let nsp = std::str::from_utf8(field("nsp")?).ok()?;
    if nsp.is_empty() {
        return None;
    }
    let kind = parse_int(field("type")?)?;
    Some(Entry {
        id: id.to_owned(),
        uid: field("uid")
            .and_then(|u| std::str::from_utf8(u).ok())
            .unwrap_or_default()
            .to_owned(),
        nsp: nsp.to_owned(),
        kind,
        data: field("data").filter(|d| !d.is_empty()).map(<[u8]>::to_vec),
    })
}

/// `parseInt(text, 10)` for the message types (1 to 13): leading digits.
fn parse_int(text: &[u8]) -> Option<u8> {
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(text.get(..digits)?).ok()?.parse().ok()
}

/// The `data` field of an entry: JSON text when it starts with `{`, else
/// base64 of msgpack (Node's test). `None` for anything malformed.
pub(crate) fn decode_data(data: &[u8]) -> Option<Value> {
    if data.first() == Some(&b'{') {
        // Into `Value` directly: keys stay in their order.
        return serde_json::from_slice(data).ok();
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(data)
        .ok()?;
    msgpack::decode(&raw).ok()
}

/// The `data` field for `value`: base64 of msgpack with `binary` (Node:
/// the type may carry binary, the data does, and `onlyPlaintext` is off),
/// else JSON text.
pub(crate) fn encode_data(value: &Value, binary: bool) -> Vec<u8> {
    if binary {
        return base64::engine::general_purpose::STANDARD
            .encode(sio_cluster::encode_msgpack(value))
            .into_bytes();
    }
    sio_cluster::encode_json(value)
}

/// Whether `offset` is a stream entry id (`^[0-9]+-[0-9]+$`).
pub(crate) fn is_entry_id(offset: &str) -> bool {
    offset.split_once('-').is_some_and(|(ms, seq)| {
        [ms, seq]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// The id right after `id` (`ms-(seq+1)`), for an exclusive `XRANGE` start
/// as Node computes it (Redis < 6.2 has no `(`).
pub(crate) fn next_id(id: &str) -> Option<String> {
    let (ms, seq) = id.split_once('-')?;
    let ms: u64 = ms.parse().ok()?;
    let seq: u64 = seq.parse().ok()?;
    Some(match seq.checked_add(1) {
        Some(seq) => format!("{ms}-{seq}"),
        None => format!("{}-0", ms.checked_add(1)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis::Value as R;

    fn bulk(s: &str) -> R {
        R::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn reads_entries_and_skips_garbage() {
        let reply = R::Array(vec![R::Array(vec![
            bulk("socket.io"),
            R::Array(vec![
                R::Array(vec![
                    bulk("1-0"),
                    R::Array(vec![
                        bulk("uid"),
                        bulk("abc"),
                        bulk("nsp"),
                        bulk("/"),
                        bulk("type"),
                        bulk("3"),
                        bulk("data"),
                        bulk("{}"),
                    ]),
                ]),
                // no nsp: moved past, not dispatched
                R::Array(vec![bulk("2-0"), R::Array(vec![bulk("x"), bulk("y")])]),
                // bad type
                R::Array(vec![
                    bulk("3-0"),
                    R::Array(vec![bulk("nsp"), bulk("/"), bulk("type"), bulk("x")]),
                ]),
                R::Int(4),
                R::Array(vec![R::Int(1)]),
            ]),
        ])]);
        let read = parse_read(&reply, 1024);
        assert_eq!(read.len(), 3);
        let first = read[0].1.as_ref().unwrap();
        assert_eq!(
            (first.uid.as_str(), first.nsp.as_str(), first.kind),
            ("abc", "/", 3)
        );
        assert_eq!(first.data.as_deref(), Some(&b"{}"[..]));
        assert!(read[1].1.is_none() && read[2].1.is_none());
        assert_eq!(read[2].0, "3-0");
        // too large
        assert!(parse_read(&reply, 8)[0].1.is_none());
        assert!(parse_read(&R::Nil, 8).is_empty());
    }

    #[test]
    fn data_codec_matches_node() {
        // streams:05 of the captures (base64 of @msgpack/msgpack).
        let b64 = "gqZwYWNrZXSCpHR5cGUCpGRhdGGTo2JpbsQDAQIDg6Fuyz/4AAAAAAAAo25lZ/+jYmlnzwAAAAEAAAAApG9wdHODpXJvb21zkKZleGNlcHSQpWZsYWdzgA==";
        let value = decode_data(b64.as_bytes()).unwrap();
        assert!(value.has_binary());
        assert_eq!(encode_data(&value, true), b64.as_bytes());
        // streams:01
        let json = r#"{"packet":{"type":2,"data":["hello","world",1]},"opts":{"rooms":[],"except":[],"flags":{}}}"#;
        let value = decode_data(json.as_bytes()).unwrap();
        assert_eq!(encode_data(&value, false), json.as_bytes());
        assert!(decode_data(b"!!").is_none() && decode_data(b"{oops").is_none());
    }

    #[test]
    fn offsets() {
        assert!(is_entry_id("1795630281485-0"));
        for bad in ["", "-", "1-", "-1", "1-a", "1", "1-2-3", "x1-2"] {
            assert!(!is_entry_id(bad), "{bad}");
        }
        assert_eq!(next_id("5-9").as_deref(), Some("5-10"));
        assert_eq!(next_id(&format!("5-{}", u64::MAX)).as_deref(), Some("6-0"));
        assert_eq!(next_id("x-1"), None);
    }
}
