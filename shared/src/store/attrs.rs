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

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pairs: &[(&str, AttributeValue)]) -> Item {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    /// The field and reason of a corrupt-item error, which is permanent (a retry reads
    /// the same item).
    fn corrupt<T: std::fmt::Debug>(result: Result<T, StoreError>) -> (&'static str, String) {
        match result {
            Err(error @ StoreError::Corrupt { .. }) => {
                assert!(!error.is_retryable(), "{error}");
                let StoreError::Corrupt { field, reason } = error else {
                    unreachable!()
                };
                (field, reason)
            }
            other => panic!("not a corrupt item: {other:?}"),
        }
    }

    #[test]
    fn a_missing_or_mistyped_attribute_is_a_permanent_error_naming_the_field() {
        let stored = item(&[
            ("name", s("Savings")),
            ("balance", n("12.50")),
            ("flag", AttributeValue::Bool(true)),
            ("note", AttributeValue::Null(true)),
        ]);
        assert_eq!(req_s(&stored, "name").ok(), Some("Savings"));
        assert_eq!(
            corrupt(req_s(&stored, "owner")),
            ("owner", "missing".to_owned())
        );
        assert_eq!(
            corrupt(req_s(&stored, "balance")),
            ("balance", "not a string".to_owned())
        );

        assert_eq!(opt_s(&stored, "note").ok(), Some(None));
        assert_eq!(opt_s(&stored, "owner").ok(), Some(None));
        assert_eq!(
            corrupt(opt_s(&stored, "flag")),
            ("flag", "not a string".to_owned())
        );

        assert_eq!(req_n(&stored, "balance").ok(), Some("12.50"));
        assert_eq!(
            corrupt(req_n(&stored, "name")),
            ("name", "not a number".to_owned())
        );
        assert_eq!(
            corrupt(req_n(&stored, "count")),
            ("count", "missing".to_owned())
        );
    }

    #[test]
    fn parsed_attributes_read_numbers_and_strings_exactly_and_name_a_bad_one() {
        let stored = item(&[
            ("version", n("7")),
            ("limit", s("25")),
            ("flag", AttributeValue::Bool(true)),
            ("word", s("seven")),
            ("gone", AttributeValue::Null(true)),
        ]);
        assert_eq!(req_parse::<u32>(&stored, "version").ok(), Some(7));
        assert_eq!(req_parse::<u32>(&stored, "limit").ok(), Some(25));
        assert_eq!(
            corrupt(req_parse::<u32>(&stored, "flag")),
            ("flag", "unexpected type".to_owned())
        );
        assert_eq!(
            corrupt(req_parse::<u32>(&stored, "absent")),
            ("absent", "missing".to_owned())
        );
        assert_eq!(
            corrupt(req_parse::<u32>(&stored, "word")),
            ("word", "invalid digit found in string".to_owned())
        );
        assert_eq!(opt_parse::<u32>(&stored, "gone").ok(), Some(None));
        assert_eq!(opt_parse::<u32>(&stored, "absent").ok(), Some(None));
        assert_eq!(opt_parse::<u32>(&stored, "version").ok(), Some(Some(7)));
    }
}
