//! Holders' contact details ([`Contact`], looked up in Cognito by `sub`: see
//! [`shared::contacts`]), through a per-environment cache so Cognito's low `ListUsers`
//! quota stays off the hot path.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::Client;

use crate::failure::{SdkFailure, cognito_class};
use shared::cache::{CacheStats, DEFAULT_CAPACITY, TtlCache};
pub use shared::contacts::Contact;

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
        // Every Cognito failure (throttling, a missing pool) is retried: the queue's
        // redrive policy keeps the message if it never succeeds.
        shared::contacts::lookup(&self.client, &self.user_pool_id, sub)
            .await
            .map_err(|e| SdkFailure::from_sdk(&e, cognito_class))
    }
}
