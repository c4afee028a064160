//! Serde support for domain types whose wire form is their `Display` / `FromStr` text.
//!
//! Serialization writes the `Display` text as a string. Deserialization accepts only a
//! string and validates it with `FromStr`, so the domain's own error message (for
//! example "amount must have at most 2 decimal places") reaches the caller. Numbers are
//! deliberately refused: a JSON number deserialized through serde would pass through
//! `f64` for amounts, which is exactly what the domain forbids.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Visitor};

/// Visitor that parses a borrowed or owned string with `T::from_str`.
#[derive(Debug)]
pub(crate) struct FromStrVisitor<T> {
    expecting: &'static str,
    target: PhantomData<fn() -> T>,
}

impl<T> FromStrVisitor<T> {
    /// A visitor whose type-mismatch message says it expected `expecting`.
    pub(crate) const fn new(expecting: &'static str) -> Self {
        Self {
            expecting,
            target: PhantomData,
        }
    }
}

impl<T> Visitor<'_> for FromStrVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        value.parse().map_err(E::custom)
    }
}

/// Implements `Serialize` (as the `Display` text) and `Deserialize` (from a string,
/// through `FromStr`) for a type. The second argument is the "expected ..." phrase
/// serde uses when the input is not a string at all.
macro_rules! impl_string_serde {
    ($type:ty, $expecting:expr) => {
        impl ::serde::Serialize for $type {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $type {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                deserializer
                    .deserialize_str($crate::domain::serde_str::FromStrVisitor::new($expecting))
            }
        }
    };
}

pub(crate) use impl_string_serde;
