//! Paging positions: a query's `LastEvaluatedKey`, handed to clients only sealed
//! ([`crate::paging`]: authenticated encryption bound to the caller and the listing).
//!
//! Defense in depth behind the seal: resuming checks that the position has exactly
//! the query's key attributes and that its partition attribute equals the caller's
//! own value, so even a position that opened cannot read anybody else's items or
//! reach DynamoDB as a malformed `ExclusiveStartKey`.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::StoreError;
use super::attrs::Item;
use crate::paging::BoundSealer;

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

    /// Refuses a combined position with anything not under one of `prefixes` (a
    /// position no combination of these listings produces).
    pub(super) fn only_parts(&self, prefixes: &[&str]) -> Result<(), StoreError> {
        if self
            .0
            .keys()
            .all(|k| prefixes.iter().any(|p| k.starts_with(p)))
        {
            Ok(())
        } else {
            Err(StoreError::InvalidPageToken)
        }
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

    /// The opaque text handed to clients as `nextToken`: this position sealed for
    /// `sealer`'s caller and listing.
    pub fn seal(&self, sealer: &BoundSealer<'_>) -> Result<String, crate::paging::SealError> {
        let json = serde_json::to_vec(&self.0).map_err(|_| crate::paging::SealError)?;
        sealer.seal(&json)
    }

    /// The position in a client's `nextToken`, if it opens for `sealer`'s caller and
    /// listing.
    pub fn open(text: &str, sealer: &BoundSealer<'_>) -> Result<Self, StoreError> {
        let bytes = sealer
            .open(text)
            .map_err(|_| StoreError::InvalidPageToken)?;
        let key: BTreeMap<String, String> =
            serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidPageToken)?;
        if key.is_empty() {
            return Err(StoreError::InvalidPageToken);
        }
        Ok(Self(key))
    }

    /// The `ExclusiveStartKey` for a query keyed by exactly the attributes `keys`
    /// (all non-empty strings) whose partition attribute `bound_attr` must equal
    /// `bound_value` (the caller's own); any other position is refused.
    pub fn start_key(
        &self,
        keys: &[&str],
        bound_attr: &str,
        bound_value: &str,
    ) -> Result<Item, StoreError> {
        let shaped = self.0.len() == keys.len()
            && keys
                .iter()
                .all(|k| self.0.get(*k).is_some_and(|v| !v.is_empty()));
        if !shaped || self.0.get(bound_attr).map(String::as_str) != Some(bound_value) {
            return Err(StoreError::InvalidPageToken);
        }
        Ok(self
            .0
            .iter()
            .map(|(k, v)| (k.clone(), AttributeValue::S(v.clone())))
            .collect())
    }
}

/// A failed query that resumed from a client's position: DynamoDB's
/// `ValidationException` then means the position is unusable (say, issued before a key
/// change), which is the client's 400 `INVALID_NEXT_TOKEN`, not a server fault.
pub(super) fn resumed_query_error(error: StoreError, resumed: bool) -> StoreError {
    match &error {
        StoreError::Service { code, .. } if resumed && code == "ValidationException" => {
            // The code only: the message may quote the start key.
            tracing::warn!(code = %code, "DynamoDB refused a resumed query's start key");
            StoreError::InvalidPageToken
        }
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paging::{Listing, PageSealer};

    const KEYS: [&str; 2] = ["createdAt", "userId"];

    fn token() -> PageToken {
        PageToken::from_key(&Item::from([
            ("userId".to_owned(), AttributeValue::S("alice".to_owned())),
            (
                "createdAt".to_owned(),
                AttributeValue::S("2026-11-25T09:00:00.000000Z".to_owned()),
            ),
        ]))
    }

    fn sealer() -> PageSealer {
        PageSealer::from_secret(&"s".repeat(64)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_token_round_trips_through_its_sealed_text() {
        let sealer = sealer();
        let bound = sealer.bind("alice", Listing::UserTransactions);
        let text = token().seal(&bound).unwrap_or_default();
        assert_eq!(PageToken::open(&text, &bound).ok(), Some(token()));
        assert!(!text.contains("alice"));
    }

    #[test]
    fn a_sealed_token_does_not_open_for_another_caller_or_listing() {
        let sealer = sealer();
        let text = token()
            .seal(&sealer.bind("alice", Listing::UserTransactions))
            .unwrap_or_default();
        for bound in [
            sealer.bind("mallory", Listing::UserTransactions),
            sealer.bind("alice", Listing::Accounts),
        ] {
            assert!(matches!(
                PageToken::open(&text, &bound),
                Err(StoreError::InvalidPageToken)
            ));
        }
    }

    #[test]
    fn a_position_of_another_user_is_refused() {
        assert!(token().start_key(&KEYS, "userId", "mallory").is_err());
        assert!(token().start_key(&KEYS, "userId", "alice").is_ok());
    }

    #[test]
    fn a_position_without_exactly_the_query_keys_is_refused() {
        assert!(
            token()
                .start_key(&["createdAt", "userId", "id"], "userId", "alice")
                .is_err()
        );
        assert!(token().start_key(&["userId"], "userId", "alice").is_err());
        assert!(
            token()
                .start_key(&["accountId", "userId"], "userId", "alice")
                .is_err()
        );
        let empty = PageToken(BTreeMap::from([
            ("userId".to_owned(), "alice".to_owned()),
            ("createdAt".to_owned(), String::new()),
        ]));
        assert!(empty.start_key(&KEYS, "userId", "alice").is_err());
    }

    #[test]
    fn a_validation_failure_of_a_resumed_query_is_an_invalid_token() {
        let refused = || StoreError::service("Query", "ValidationException", "bad start key");
        assert!(matches!(
            resumed_query_error(refused(), true),
            StoreError::InvalidPageToken
        ));
        assert!(matches!(
            resumed_query_error(refused(), false),
            StoreError::Service { .. }
        ));
        let throttled = StoreError::service("Query", "ThrottlingException", "slow down");
        assert!(matches!(
            resumed_query_error(throttled, true),
            StoreError::Service { .. }
        ));
    }

    #[test]
    fn a_combined_position_holds_only_its_parts() {
        let combined = PageToken::combine(&[("o.", Part::At(token())), ("i.", Part::Done)]);
        assert!(combined.only_parts(&["o.", "i."]).is_ok());
        assert!(combined.only_parts(&["o."]).is_err());
        assert!(token().only_parts(&["o.", "i."]).is_err());
    }

    #[test]
    fn garbage_tokens_are_refused() {
        let sealer = sealer();
        let bound = sealer.bind("alice", Listing::Accounts);
        for text in ["", "!!!", "e30", "bnVsbA", &"A".repeat(4096)] {
            assert!(
                PageToken::open(text, &bound).is_err(),
                "{text:?} must be refused"
            );
        }
    }
}
