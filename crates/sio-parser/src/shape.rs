//! Checks that a JSON payload has the shape its packet type requires, and
//! nests no deeper than the limit, without building a value tree.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::DecodeError;
use crate::packet::is_reserved_event;

/// What a packet type requires of its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// CONNECT: an object.
    Object,
    /// CONNECT_ERROR: a string or an object.
    StringOrObject,
    /// ACK: an array.
    Array,
    /// EVENT: a non-empty array whose head is a number or a non-reserved string.
    Event,
}

/// The event name found at the head of an EVENT array.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Head {
    /// The name is this byte range of the payload (no escapes in it).
    Range(std::ops::Range<usize>),
    /// The name had escapes (or was a number): its decoded text.
    Owned(String),
}

/// Checks `json` against `shape`; returns the event name for [`Shape::Event`].
pub(crate) fn check(
    json: &[u8],
    shape: Shape,
    max_depth: usize,
) -> Result<Option<Head>, DecodeError> {
    let ctx = Ctx {
        fault: Cell::new(None),
        max_depth,
    };
    let mut de = serde_json::Deserializer::from_slice(json);
    let result = de
        .deserialize_any(Top {
            shape,
            ctx: &ctx,
            base: json.as_ptr() as usize,
        })
        .and_then(|head| de.end().map(|()| head));
    result.map_err(|e| match ctx.fault.take() {
        Some(fault) => fault,
        None if e.to_string().starts_with("recursion limit exceeded") => {
            DecodeError::TooDeep { limit: max_depth }
        }
        None => DecodeError::Malformed(e.to_string()),
    })
}

struct Ctx {
    fault: Cell<Option<DecodeError>>,
    max_depth: usize,
}

impl Ctx {
    fn fail<E: de::Error>(&self, fault: DecodeError) -> E {
        let msg = fault.to_string();
        self.fault.set(Some(fault));
        E::custom(msg)
    }

    fn enter<E: de::Error>(&self, depth: usize) -> Result<(), E> {
        if depth > self.max_depth {
            Err(self.fail(DecodeError::TooDeep {
                limit: self.max_depth,
            }))
        } else {
            Ok(())
        }
    }
}

/// Skips any value, counting depth (`depth` is the level of a container
/// that would start here).
struct Skip<'c> {
    ctx: &'c Ctx,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Skip<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.ctx.enter(self.depth)?;
        while seq
            .next_element_seed(Skip {
                ctx: self.ctx,
                depth: self.depth + 1,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.ctx.enter(self.depth)?;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Skip {
                ctx: self.ctx,
                depth: self.depth + 1,
            })?;
        }
        Ok(())
    }
}

/// The payload itself.
struct Top<'c> {
    shape: Shape,
    ctx: &'c Ctx,
    base: usize,
}

impl Top<'_> {
    fn wrong<E: de::Error>(&self) -> E {
        self.ctx.fail(DecodeError::InvalidPayload)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = Option<Head>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a payload of shape {:?}", self.shape)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<Head>, E> {
        Err(self.wrong())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<Head>, E> {
        Err(self.wrong())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<Head>, E> {
        Err(self.wrong())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<Head>, E> {
        Err(self.wrong())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<Head>, E> {
        Err(self.wrong())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<Head>, E> {
        match self.shape {
            Shape::StringOrObject => Ok(None),
            _ => Err(self.wrong()),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Head>, A::Error> {
        match self.shape {
            Shape::Object | Shape::StringOrObject => {
                Skip {
                    ctx: self.ctx,
                    depth: 1,
                }
                .visit_map(map)?;
                Ok(None)
            }
            _ => Err(self.wrong()),
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Head>, A::Error> {
        match self.shape {
            Shape::Array => {
                Skip {
                    ctx: self.ctx,
                    depth: 1,
                }
                .visit_seq(seq)?;
                Ok(None)
            }
            Shape::Event => {
                self.ctx.enter(1)?;
                let head = seq
                    .next_element_seed(HeadSeed {
                        ctx: self.ctx,
                        base: self.base,
                    })?
                    .ok_or_else(|| self.wrong())?;
                while seq
                    .next_element_seed(Skip {
                        ctx: self.ctx,
                        depth: 2,
                    })?
                    .is_some()
                {}
                Ok(Some(head))
            }
            _ => Err(self.wrong()),
        }
    }
}

/// The first element of an EVENT array.
struct HeadSeed<'c> {
    ctx: &'c Ctx,
    base: usize,
}

impl HeadSeed<'_> {
    fn named<E: de::Error>(&self, name: &str, head: Head) -> Result<Head, E> {
        if is_reserved_event(name) {
            Err(self.ctx.fail(DecodeError::InvalidPayload))
        } else {
            Ok(head)
        }
    }

    fn number<E: de::Error>(&self, n: serde_json::Number) -> Result<Head, E> {
        Ok(Head::Owned(n.to_string()))
    }
}

impl<'de> DeserializeSeed<'de> for HeadSeed<'_> {
    type Value = Head;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Head, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for HeadSeed<'_> {
    type Value = Head;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event name")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Head, E> {
        let start = (v.as_ptr() as usize).wrapping_sub(self.base);
        self.named(v, Head::Range(start..start.saturating_add(v.len())))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Head, E> {
        self.named(v, Head::Owned(v.to_owned()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Head, E> {
        self.number(v.into())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Head, E> {
        self.number(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Head, E> {
        let n = serde_json::Number::from_f64(v)
            .ok_or_else(|| self.ctx.fail(DecodeError::InvalidPayload))?;
        self.number(n)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Head, E> {
        Err(self.ctx.fail(DecodeError::InvalidPayload))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Head, E> {
        Err(self.ctx.fail(DecodeError::InvalidPayload))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Head, A::Error> {
        Err(self.ctx.fail(DecodeError::InvalidPayload))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Head, A::Error> {
        Err(self.ctx.fail(DecodeError::InvalidPayload))
    }
}
