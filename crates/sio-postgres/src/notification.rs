//! What one notification holds: a whole message (JSON), or the header of a
//! message stored in the attachments table.
//!
//! Node's header is `{"uid":…,"type":…,"attachmentId":"42"}`: `node-pg`
//! reads a `bigserial` id as a string, so the id is written as a string and
//! read as a string or a number.

/// A parsed notification payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Notification {
    /// A whole message, as its JSON text.
    Message {
        /// The sender's uid, if it gave one.
        uid: Option<String>,
        /// The JSON text.
        json: String,
    },
    /// A message stored as msgpack in row `attachment_id` of the table.
    Header {
        /// The sender's uid, if it gave one.
        uid: Option<String>,
        /// The row to read.
        attachment_id: i64,
    },
}

/// Why a notification is dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Malformed {
    /// Not a JSON object.
    #[error("not a JSON object")]
    NotAnObject,
    /// `attachmentId` is neither a non-negative integer nor its decimal text.
    #[error("invalid attachmentId")]
    BadAttachmentId,
}

/// Reads `payload`: whole message or header.
pub(crate) fn parse(payload: String) -> Result<Notification, Malformed> {
    let mut object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&payload).map_err(|_| Malformed::NotAnObject)?;
    let uid = match object.remove("uid") {
        Some(serde_json::Value::String(uid)) => Some(uid),
        _ => None,
    };
    match object.remove("attachmentId") {
        None | Some(serde_json::Value::Null) => Ok(Notification::Message { uid, json: payload }),
        Some(id) => {
            let id = match &id {
                serde_json::Value::String(s) => s.parse::<i64>().ok(),
                serde_json::Value::Number(n) => n.as_i64(),
                _ => None,
            };
            match id {
                Some(attachment_id) if attachment_id >= 0 => {
                    Ok(Notification::Header { uid, attachment_id })
                }
                _ => Err(Malformed::BadAttachmentId),
            }
        }
    }
}

/// The header Node writes for a message stored in row `attachment_id`.
pub(crate) fn header(uid: &str, kind: u8, attachment_id: i64) -> String {
    // Key order as Node writes it (serde_json's map would sort the keys).
    let uid = serde_json::Value::from(uid);
    format!(r#"{{"uid":{uid},"type":{kind},"attachmentId":"{attachment_id}"}}"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_matches_node() {
        // Captured from @socket.io/postgres-adapter 0.5.0 (golden/node-0.5.0.json).
        let node = r#"{"uid":"591e21dbd73a62be","type":3,"attachmentId":"1"}"#;
        assert_eq!(header("591e21dbd73a62be", 3, 1), node);
        assert_eq!(
            parse(node.to_owned()),
            Ok(Notification::Header {
                uid: Some("591e21dbd73a62be".into()),
                attachment_id: 1
            })
        );
    }

    #[test]
    fn ids_as_numbers_and_garbage() {
        assert_eq!(
            parse(r#"{"type":3,"attachmentId":12}"#.into()),
            Ok(Notification::Header {
                uid: None,
                attachment_id: 12
            })
        );
        let full = r#"{"type":2,"uid":"a","nsp":"/"}"#;
        assert_eq!(
            parse(full.into()),
            Ok(Notification::Message {
                uid: Some("a".into()),
                json: full.into()
            })
        );
        for bad in ["", "[]", "12", "{", "\"x\""] {
            assert_eq!(parse(bad.into()), Err(Malformed::NotAnObject), "{bad}");
        }
        for bad in [
            r#"{"attachmentId":"x"}"#,
            r#"{"attachmentId":-1}"#,
            r#"{"attachmentId":1.5}"#,
            r#"{"attachmentId":{}}"#,
        ] {
            assert_eq!(parse(bad.into()), Err(Malformed::BadAttachmentId), "{bad}");
        }
    }
}
