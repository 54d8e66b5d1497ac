//! Reading packet data into user types: the whole array, the arguments after
//! the event name, or one argument, straight from the raw JSON when possible.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, SeqAccess, Visitor};

use crate::error::DataError;
use crate::packet::Data;

/// Deserializes the whole data into `T`.
pub(crate) fn whole<T: DeserializeOwned>(data: &Data) -> Result<T, DataError> {
    match data {
        Data::Json(raw) => Ok(serde_json::from_slice(&raw.json)?),
        Data::Value(value) => T::deserialize(value),
        Data::Query(query) => T::deserialize(de::value::StrDeserializer::<DataError>::new(query)),
        Data::None => Err(DataError::NoArguments),
    }
}

/// Deserializes the elements of the data array after the first `skip`.
pub(crate) fn seq_tail<T: DeserializeOwned>(data: &Data, skip: usize) -> Result<T, DataError> {
    let visitor = TailVisitor::<T> {
        skip,
        marker: PhantomData,
    };
    match data {
        Data::Json(raw) => {
            let mut de = serde_json::Deserializer::from_slice(&raw.json);
            let value = de.deserialize_seq(visitor)?;
            de.end()?;
            Ok(value)
        }
        Data::Value(value) => value.deserialize_seq(visitor),
        Data::None | Data::Query(_) => Err(DataError::NoArguments),
    }
}

/// Deserializes element `skip + index` of the data array.
pub(crate) fn seq_element<T: DeserializeOwned>(
    data: &Data,
    skip: usize,
    index: usize,
) -> Result<T, DataError> {
    let skip_total = skip.saturating_add(index);
    let visitor = ElementVisitor::<T> {
        skip: skip_total,
        marker: PhantomData,
    };
    let found = match data {
        Data::Json(raw) => {
            let mut de = serde_json::Deserializer::from_slice(&raw.json);
            let value = de.deserialize_seq(visitor)?;
            de.end()?;
            value
        }
        Data::Value(value) => value.deserialize_seq(visitor)?,
        Data::None | Data::Query(_) => return Err(DataError::NoArguments),
    };
    found.ok_or(DataError::MissingArgument(index))
}

/// Skips `n` elements; false when the sequence ended first.
fn skip_elements<'de, A: SeqAccess<'de>>(seq: &mut A, n: usize) -> Result<bool, A::Error> {
    for _ in 0..n {
        if seq.next_element::<IgnoredAny>()?.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Drains what the target type did not read, so that extra arguments are
/// ignored rather than reported as trailing data.
fn drain<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

struct TailVisitor<T> {
    skip: usize,
    marker: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> Visitor<'de> for TailVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of arguments")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        if !skip_elements(&mut seq, self.skip)? {
            return Err(de::Error::invalid_length(0, &self));
        }
        let value = T::deserialize(SeqRest(&mut seq))?;
        drain(&mut seq)?;
        Ok(value)
    }
}

struct ElementVisitor<T> {
    skip: usize,
    marker: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ElementVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of arguments")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
        if !skip_elements(&mut seq, self.skip)? {
            return Ok(None);
        }
        let value = seq.next_element::<T>()?;
        drain(&mut seq)?;
        Ok(value)
    }
}

/// The rest of a sequence seen as a sequence of its own.
struct SeqRest<'a, A>(&'a mut A);

impl<'de, A: SeqAccess<'de>> Deserializer<'de> for SeqRest<'_, A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_seq(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}
