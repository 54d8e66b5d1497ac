//! Conversions between [`Value`] and `serde_json::Value`, so that the two
//! meet in one program without thought: `.into()` either way.

use super::Value;

/// Every JSON value is a packet value (objects keep their key order as
/// `serde_json` gives it).
impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Self::Null,
            serde_json::Value::Bool(b) => Self::Bool(b),
            serde_json::Value::Number(n) => Self::Number(n),
            serde_json::Value::String(s) => Self::String(s),
            serde_json::Value::Array(items) => {
                Self::Array(items.into_iter().map(Self::from).collect())
            }
            serde_json::Value::Object(map) => {
                Self::Object(map.into_iter().map(|(k, v)| (k, Self::from(v))).collect())
            }
        }
    }
}

/// A packet value as JSON. Binary data has no JSON form: it becomes an
/// array of its bytes (as `serde_json::to_value` writes bytes); a repeated
/// object key keeps its last value, as in JavaScript.
impl From<Value> for serde_json::Value {
    fn from(v: Value) -> Self {
        match v {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(b),
            Value::Number(n) => Self::Number(n),
            Value::String(s) => Self::String(s),
            Value::Binary(b) => Self::Array(b.iter().map(|&x| Self::from(x)).collect()),
            Value::Array(items) => Self::Array(items.into_iter().map(Self::from).collect()),
            Value::Object(entries) => Self::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, Self::from(v)))
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use serde_json::json;

    use super::*;

    #[test]
    fn json_and_packet_values_convert_both_ways() {
        let j = json!({ "a": [1, "two", null, true], "b": { "c": 1.5 } });
        let v: Value = j.clone().into();
        assert_eq!(
            v.get("a"),
            Some(&Value::Array(vec![
                1.into(),
                "two".into(),
                Value::Null,
                true.into()
            ]))
        );
        let back: serde_json::Value = v.into();
        assert_eq!(back, j);
        let bin: serde_json::Value = Value::Binary(Bytes::from_static(&[1, 2])).into();
        assert_eq!(bin, json!([1, 2]));
    }
}
