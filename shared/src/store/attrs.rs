//! Reading and writing attribute values exactly.

use std::collections::HashMap;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;

use super::StoreError;

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// `S` value.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// `N` value from its exact decimal text.
pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A required string attribute.
pub fn req_s<'a>(item: &'a Item, field: &'static str) -> Result<&'a str, StoreError> {
    match item.get(field) {
        Some(AttributeValue::S(value)) => Ok(value),
        Some(_) => Err(StoreError::corrupt(field, "not a string")),
        None => Err(StoreError::corrupt(field, "missing")),
    }
}

/// An optional string attribute.
pub fn opt_s<'a>(item: &'a Item, field: &'static str) -> Result<Option<&'a str>, StoreError> {
    match item.get(field) {
        Some(AttributeValue::S(value)) => Ok(Some(value)),
        Some(AttributeValue::Null(_)) | None => Ok(None),
        Some(_) => Err(StoreError::corrupt(field, "not a string")),
    }
}

/// A required number attribute's exact text.
pub fn req_n<'a>(item: &'a Item, field: &'static str) -> Result<&'a str, StoreError> {
    match item.get(field) {
        Some(AttributeValue::N(value)) => Ok(value),
        Some(_) => Err(StoreError::corrupt(field, "not a number")),
        None => Err(StoreError::corrupt(field, "missing")),
    }
}

/// A required attribute parsed with `T::from_str` (ids, enums, money).
pub fn req_parse<T: FromStr>(item: &Item, field: &'static str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    let text = match item.get(field) {
        Some(AttributeValue::N(value) | AttributeValue::S(value)) => value,
        Some(_) => return Err(StoreError::corrupt(field, "unexpected type")),
        None => return Err(StoreError::corrupt(field, "missing")),
    };
    text.parse()
        .map_err(|e: T::Err| StoreError::corrupt(field, e.to_string()))
}

/// An optional attribute parsed with `T::from_str`.
pub fn opt_parse<T: FromStr>(item: &Item, field: &'static str) -> Result<Option<T>, StoreError>
where
    T::Err: std::fmt::Display,
{
    match item.get(field) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(_) => req_parse(item, field).map(Some),
    }
}
