//! Putting binary attachments back in place of their placeholders
//! (`{"_placeholder":true,"num":N}`), strictly: every placeholder must be
//! exactly that object with an in-range index used once, and every
//! attachment must be referenced.

use bytes::Bytes;

use crate::error::DecodeError;
use crate::packet::PacketKind;
use crate::value::Value;

/// Parses the JSON of a binary packet and substitutes its attachments.
pub(crate) fn resolve(
    kind: PacketKind,
    json: &[u8],
    attachments: &[Bytes],
) -> Result<Value, DecodeError> {
    // Shape and depth were checked when the text frame arrived.
    let mut value: Value =
        serde_json::from_slice(json).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let mut used = vec![false; attachments.len()];
    substitute(&mut value, attachments, &mut used)?;
    if used.iter().any(|u| !u) {
        return Err(DecodeError::BadPlaceholder);
    }
    if kind.is_event() {
        name_head(&mut value);
    }
    Ok(value)
}

/// A numeric event name (allowed by socket.io-parser) becomes its text.
pub(crate) fn name_head(value: &mut Value) {
    if let Value::Array(items) = value {
        if let Some(head @ Value::Number(_)) = items.first_mut() {
            if let Value::Number(n) = head {
                *head = Value::String(n.to_string());
            }
        }
    }
}

fn substitute(
    value: &mut Value,
    attachments: &[Bytes],
    used: &mut [bool],
) -> Result<(), DecodeError> {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|v| substitute(v, attachments, used)),
        Value::Object(entries) if is_placeholder(entries) => {
            let num = match entries.as_slice() {
                [(k1, Value::Bool(true)), (k2, Value::Number(n))]
                    if k1 == "_placeholder" && k2 == "num" =>
                {
                    n
                }
                [(k2, Value::Number(n)), (k1, Value::Bool(true))]
                    if k1 == "_placeholder" && k2 == "num" =>
                {
                    n
                }
                _ => return Err(DecodeError::BadPlaceholder),
            };
            let index = num
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or(DecodeError::BadPlaceholder)?;
            let slot = used.get_mut(index).ok_or(DecodeError::BadPlaceholder)?;
            let bytes = attachments.get(index).ok_or(DecodeError::BadPlaceholder)?;
            if std::mem::replace(slot, true) {
                return Err(DecodeError::BadPlaceholder);
            }
            *value = Value::Binary(bytes.clone());
            Ok(())
        }
        Value::Object(entries) => entries
            .iter_mut()
            .try_for_each(|(_, v)| substitute(v, attachments, used)),
        _ => Ok(()),
    }
}

fn is_placeholder(entries: &[(String, Value)]) -> bool {
    entries
        .iter()
        .any(|(k, v)| k == "_placeholder" && *v == Value::Bool(true))
}
