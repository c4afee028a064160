//! Holders' contact details, looked up in Cognito (the source of truth) by `sub`,
//! through a per-environment cache so Cognito's low `ListUsers` quota stays off the
//! hot path.
//!
//! Policy: an address is used unless Cognito marks it explicitly unverified
//! (`email_verified` / `phone_number_verified` = `"false"`). Account details must not
//! go to an address the holder never proved they own; an absent flag (pools that do
//! not track verification, federated users) counts as verified.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::AttributeType;

use crate::failure::{SdkFailure, cognito_class};
use shared::cache::{CacheStats, DEFAULT_CAPACITY, TtlCache};

const EMAIL: &str = "email";
const EMAIL_VERIFIED: &str = "email_verified";
const PHONE: &str = "phone_number";
const PHONE_VERIFIED: &str = "phone_number_verified";

/// Where a holder can be reached. `Debug` never shows the address or number.
#[derive(Clone, PartialEq, Eq)]
pub struct Contact {
    email: Option<String>,
    phone: Option<String>,
}

impl Contact {
    /// A contact from explicit values (tests).
    pub fn new(email: Option<String>, phone: Option<String>) -> Self {
        Self { email, phone }
    }

    /// The verified (or not explicitly unverified) email address.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The verified (or not explicitly unverified) phone number, E.164.
    pub fn phone(&self) -> Option<&str> {
        self.phone.as_deref()
    }

    /// Reads a Cognito user's attributes, applying the verification policy.
    pub fn from_attributes(attributes: &[AttributeType]) -> Self {
        let get = |name: &str| {
            attributes
                .iter()
                .find(|a| a.name() == name)
                .and_then(AttributeType::value)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let usable = |value: &str, flag: &str| {
            let unverified = get(flag).is_some_and(|v| v.eq_ignore_ascii_case("false"));
            (!unverified).then(|| value.to_owned())
        };
        Self {
            email: get(EMAIL).and_then(|v| usable(v, EMAIL_VERIFIED)),
            phone: get(PHONE).and_then(|v| usable(v, PHONE_VERIFIED)),
        }
    }
}

impl fmt::Debug for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |value: &Option<String>| {
            if value.is_some() {
                "<redacted>"
            } else {
                "none"
            }
        };
        f.debug_struct("Contact")
            .field("email", &shown(&self.email))
            .field("phone", &shown(&self.phone))
            .finish()
    }
}

/// Cognito lookups by `sub`, cached per execution environment.
#[derive(Debug)]
pub struct Directory {
    client: Client,
    user_pool_id: String,
    cache: TtlCache<Option<Contact>>,
    lookups: AtomicU64,
}

impl Directory {
    /// A directory over `user_pool_id`, serving answers for at most `ttl`.
    pub fn new(client: Client, user_pool_id: impl Into<String>, ttl: Duration) -> Self {
        Self {
            client,
            user_pool_id: user_pool_id.into(),
            cache: TtlCache::new(ttl, DEFAULT_CAPACITY),
            lookups: AtomicU64::new(0),
        }
    }

    /// The holder's contact, `None` when the pool has no user with this `sub`.
    /// `sub` must already be validated (a UUID): it is placed in a Cognito filter.
    pub async fn contact(&self, sub: &str) -> Result<Option<Contact>, SdkFailure> {
        self.cache.get_or_fetch(sub, || self.fetch(sub)).await
    }

    /// `ListUsers` calls made so far.
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    /// Cache hits and misses so far.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    async fn fetch(&self, sub: &str) -> Result<Option<Contact>, SdkFailure> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let output = self
            .client
            .list_users()
            .user_pool_id(&self.user_pool_id)
            .filter(format!("sub = \"{sub}\""))
            .limit(1)
            .attributes_to_get(EMAIL)
            .attributes_to_get(EMAIL_VERIFIED)
            .attributes_to_get(PHONE)
            .attributes_to_get(PHONE_VERIFIED)
            .send()
            .await
            // Every Cognito failure (throttling, a missing pool) is retried: the queue's
            // redrive policy keeps the message if it never succeeds.
            .map_err(|e| SdkFailure::from_sdk(&e, cognito_class))?;
        Ok(output
            .users()
            .first()
            .map(|user| Contact::from_attributes(user.attributes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Vec<AttributeType> {
        pairs
            .iter()
            .filter_map(|(n, v)| AttributeType::builder().name(*n).value(*v).build().ok())
            .collect()
    }

    #[test]
    fn verified_or_unflagged_addresses_are_used() {
        let contact = Contact::from_attributes(&attrs(&[
            (EMAIL, "a@holder.example"),
            (EMAIL_VERIFIED, "true"),
            (PHONE, "+15550100"),
        ]));
        assert_eq!(contact.email(), Some("a@holder.example"));
        assert_eq!(contact.phone(), Some("+15550100"));
    }

    #[test]
    fn explicitly_unverified_addresses_are_not_used() {
        let contact = Contact::from_attributes(&attrs(&[
            (EMAIL, "a@holder.example"),
            (EMAIL_VERIFIED, "false"),
            (PHONE, "+15550100"),
            (PHONE_VERIFIED, "False"),
        ]));
        assert_eq!(contact, Contact::new(None, None));
    }

    #[test]
    fn blank_attributes_count_as_absent() {
        let contact = Contact::from_attributes(&attrs(&[(EMAIL, " "), (PHONE, "")]));
        assert_eq!(contact, Contact::new(None, None));
    }

    #[test]
    fn debug_output_never_shows_the_address_or_number() {
        let contact = Contact::new(Some("a@holder.example".into()), Some("+15550100".into()));
        let shown = format!("{contact:?}");
        assert!(!shown.contains("holder.example") && !shown.contains("5550100"));
        assert!(shown.contains("<redacted>"));
    }
}
