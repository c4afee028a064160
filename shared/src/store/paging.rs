//! Opaque paging tokens: a query's `LastEvaluatedKey`, base64url-encoded JSON.
//!
//! A token is bound to the caller: decoding checks that the key's partition attribute
//! equals the caller's own value, so a token (forged, or taken from another user)
//! cannot read anybody else's items.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::StoreError;
use super::attrs::Item;

/// Longest token accepted (keys here are a few hundred bytes).
const MAX_TOKEN_LEN: usize = 2048;

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<PageToken>,
}

impl<T> Page<T> {
    /// A page from a query that asked for `limit + 1` items: at most `limit` items, and
    /// a token (the `keys` of the last item returned) only when another item exists.
    pub fn from_items(
        items: &[Item],
        limit: i32,
        keys: &[&str],
        read: impl Fn(&Item) -> Result<T, StoreError>,
    ) -> Result<Self, StoreError> {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = items.len() > limit;
        let shown = &items[..items.len().min(limit)];
        let next = match shown.last() {
            Some(last) if more => Some(PageToken::from_item_keys(last, keys)),
            _ => None,
        };
        Ok(Self {
            items: shown.iter().map(read).collect::<Result<_, _>>()?,
            next,
        })
    }
}

/// One listing's position inside a combined token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    /// Nothing left.
    Done,
    /// From the beginning.
    Start,
    /// After this key.
    At(PageToken),
}

/// A position in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageToken(BTreeMap<String, String>);

impl PageToken {
    /// The token for a query's `LastEvaluatedKey` (all key attributes here are `S`).
    pub fn from_key(key: &Item) -> Self {
        Self(
            key.iter()
                .filter_map(|(k, v)| v.as_s().ok().map(|s| (k.clone(), s.clone())))
                .collect(),
        )
    }

    /// The token that resumes after `item`, keyed by the table and index `keys`.
    pub fn from_item_keys(item: &Item, keys: &[&str]) -> Self {
        Self(
            keys.iter()
                .filter_map(|k| {
                    item.get(*k)
                        .and_then(|v| v.as_s().ok())
                        .map(|v| ((*k).to_owned(), v.clone()))
                })
                .collect(),
        )
    }

    /// Combines the positions of several listings into one token, each under its
    /// own prefix.
    pub(super) fn combine(parts: &[(&str, Part)]) -> Self {
        let mut map = BTreeMap::new();
        for (prefix, part) in parts {
            match part {
                Part::Done => {
                    map.insert(format!("{prefix}done"), "1".to_owned());
                }
                Part::Start => {
                    map.insert(format!("{prefix}start"), "1".to_owned());
                }
                Part::At(token) => {
                    map.extend(
                        token
                            .0
                            .iter()
                            .map(|(k, v)| (format!("{prefix}{k}"), v.clone())),
                    );
                }
            }
        }
        Self(map)
    }

    /// The position stored under `prefix` by [`PageToken::combine`].
    pub(super) fn part(&self, prefix: &str) -> Part {
        if self.0.contains_key(&format!("{prefix}done")) {
            return Part::Done;
        }
        let sub: BTreeMap<String, String> = self
            .0
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_owned(), v.clone())))
            .filter(|(k, _)| k != "start")
            .collect();
        if sub.is_empty() {
            Part::Start
        } else {
            Part::At(Self(sub))
        }
    }

    /// The opaque text handed to clients as `nextToken`.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(&self.0).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Decodes a client's `nextToken`.
    pub fn decode(text: &str) -> Result<Self, StoreError> {
        if text.is_empty() || text.len() > MAX_TOKEN_LEN {
            return Err(StoreError::InvalidPageToken);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| StoreError::InvalidPageToken)?;
        let key: BTreeMap<String, String> =
            serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidPageToken)?;
        if key.is_empty() {
            return Err(StoreError::InvalidPageToken);
        }
        Ok(Self(key))
    }

    /// The `ExclusiveStartKey` for a query whose partition attribute `bound_attr` must
    /// equal `bound_value` (the caller's own); any other token is refused.
    pub fn start_key(&self, bound_attr: &str, bound_value: &str) -> Result<Item, StoreError> {
        if self.0.get(bound_attr).map(String::as_str) != Some(bound_value) {
            return Err(StoreError::InvalidPageToken);
        }
        Ok(self
            .0
            .iter()
            .map(|(k, v)| (k.clone(), AttributeValue::S(v.clone())))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> PageToken {
        PageToken::from_key(&Item::from([
            ("userId".to_owned(), AttributeValue::S("alice".to_owned())),
            (
                "createdAt".to_owned(),
                AttributeValue::S("2026-11-25T09:00:00.000000Z".to_owned()),
            ),
        ]))
    }

    #[test]
    fn a_token_round_trips_through_its_text() {
        let decoded = PageToken::decode(&token().encode());
        assert_eq!(decoded.ok(), Some(token()));
    }

    #[test]
    fn a_token_of_another_user_is_refused() {
        assert!(token().start_key("userId", "mallory").is_err());
        assert!(token().start_key("userId", "alice").is_ok());
    }

    #[test]
    fn garbage_tokens_are_refused() {
        for text in ["", "!!!", "e30", "bnVsbA", &"A".repeat(4096)] {
            assert!(PageToken::decode(text).is_err(), "{text:?} must be refused");
        }
    }
}
