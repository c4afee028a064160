//! What never changes about an account, its owner and its currency, cached per
//! execution environment: a client recording many transactions on its accounts costs
//! one `GetItem` per account per environment (and per hour), not one per request.
//!
//! Only existing accounts are cached (an unknown id is looked up every time), and the
//! cache never decides anything that can change: the account's status and balance are
//! checked by the stream consumer when the transaction is applied.

use std::time::Duration;

use crate::cache::{CacheStats, DEFAULT_CAPACITY, TtlCache};
use crate::domain::{AccountId, Currency, UserId};
use crate::store::{AccountsTable, StoreError};

/// How long an account's facts are served without reading the table again.
pub const FACTS_TTL: Duration = Duration::from_secs(3600);

/// An account's owner (Cognito `sub`) and currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub owner_id: UserId,
    pub currency: Currency,
}

/// Why an account's facts could not be served.
enum Miss {
    NotFound,
    Store(StoreError),
}

/// The accounts table behind a cache of immutable facts.
#[derive(Debug)]
pub struct AccountFacts {
    cache: TtlCache<Facts>,
}

impl Default for AccountFacts {
    fn default() -> Self {
        Self {
            cache: TtlCache::new(FACTS_TTL, DEFAULT_CAPACITY),
        }
    }
}

impl AccountFacts {
    /// The owner and currency of account `id`, if it exists.
    pub async fn lookup(
        &self,
        table: &AccountsTable,
        id: &AccountId,
    ) -> Result<Option<Facts>, StoreError> {
        let fetched = self
            .cache
            .get_or_fetch(&id.to_string(), || async {
                match table.get(id).await {
                    Ok(Some(account)) => Ok(Facts {
                        owner_id: account.owner_id,
                        currency: account.currency,
                    }),
                    Ok(None) => Err(Miss::NotFound),
                    Err(error) => Err(Miss::Store(error)),
                }
            })
            .await;
        match fetched {
            Ok(facts) => Ok(Some(facts)),
            Err(Miss::NotFound) => Ok(None),
            Err(Miss::Store(error)) => Err(error),
        }
    }

    /// Lookups served from the cache and from the table since the environment started.
    pub fn stats(&self) -> CacheStats {
        self.cache.stats()
    }
}
