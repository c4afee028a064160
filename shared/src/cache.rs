//! A small in-process cache with bounded staleness and single-flight fetches: however
//! many tasks ask for one key at once, one fetch runs and the others wait for it.
//!
//! It lives as long as the execution environment (one Lambda sandbox), so each
//! environment fetches a key at most once per `ttl`. A failed fetch is not cached.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::OnceCell;
use tokio::time::Instant;

/// Entries kept at most; when full, expired entries go first, then everything.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// Hits and misses since the cache was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Answers served without a fetch (including joins of a fetch in flight).
    pub hits: u64,
    /// Fetches started.
    pub misses: u64,
}

#[derive(Debug)]
struct Slot<V> {
    value: OnceCell<(Instant, V)>,
}

impl<V> Slot<V> {
    fn is_stale(&self, now: Instant, ttl: Duration) -> bool {
        self.value
            .get()
            .is_some_and(|(fetched, _)| now.saturating_duration_since(*fetched) >= ttl)
    }
}

/// Values of type `V` by string key, each served for at most `ttl` after its fetch.
#[derive(Debug)]
pub struct TtlCache<V> {
    ttl: Duration,
    capacity: usize,
    slots: Mutex<HashMap<String, Arc<Slot<V>>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl<V: Clone> TtlCache<V> {
    /// An empty cache; `ttl` zero makes every call fetch (concurrent calls still share).
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity: capacity.max(1),
            slots: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The value of `key`: cached if fresh, else fetched once by `fetch` for every
    /// concurrent caller. A fetch error is returned and not cached.
    pub async fn get_or_fetch<F, Fut, E>(&self, key: &str, fetch: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let slot = self.slot(key);
        let mut fetched = false;
        let flag = &mut fetched;
        let (_, value) = slot
            .value
            .get_or_try_init(move || async move {
                *flag = true;
                fetch().await.map(|value| (Instant::now(), value))
            })
            .await?;
        let counter = if fetched { &self.misses } else { &self.hits };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(value.clone())
    }

    /// Counters since creation.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    /// The slot of `key`, replaced by an empty one when its value is stale.
    fn slot(&self, key: &str) -> Arc<Slot<V>> {
        let now = Instant::now();
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.get(key).filter(|s| !s.is_stale(now, self.ttl)) {
            return Arc::clone(slot);
        }
        if slots.len() >= self.capacity && !slots.contains_key(key) {
            slots.retain(|_, slot| !slot.is_stale(now, self.ttl));
            if slots.len() >= self.capacity {
                slots.clear();
            }
        }
        let slot = Arc::new(Slot {
            value: OnceCell::new(),
        });
        slots.insert(key.to_owned(), Arc::clone(&slot));
        slot
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    async fn fetch_counted(calls: &AtomicUsize, value: &str) -> Result<String, String> {
        calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(value.to_owned())
    }

    #[tokio::test]
    async fn concurrent_requests_for_one_key_share_a_single_fetch() {
        let cache = Arc::new(TtlCache::new(Duration::from_secs(60), 10));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (cache, calls) = (Arc::clone(&cache), Arc::clone(&calls));
            tasks.spawn(async move {
                cache
                    .get_or_fetch("holder", || fetch_counted(&calls, "v"))
                    .await
            });
        }
        while let Some(result) = tasks.join_next().await {
            assert_eq!(result.ok().and_then(Result::ok).as_deref(), Some("v"));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(cache.stats(), CacheStats { hits: 7, misses: 1 });
    }

    #[tokio::test]
    async fn a_value_older_than_the_ttl_is_fetched_again() {
        let cache = TtlCache::new(Duration::from_millis(30), 10);
        let calls = AtomicUsize::new(0);
        let first = cache
            .get_or_fetch("k", || fetch_counted(&calls, "old"))
            .await;
        tokio::time::sleep(Duration::from_millis(40)).await;
        let second = cache
            .get_or_fetch("k", || fetch_counted(&calls, "new"))
            .await;
        assert_eq!(first.as_deref(), Ok("old"));
        assert_eq!(second.as_deref(), Ok("new"));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_fetch_is_not_cached() {
        let cache: TtlCache<String> = TtlCache::new(Duration::from_secs(60), 10);
        let failed = cache
            .get_or_fetch("k", || async { Err::<String, _>("throttled") })
            .await;
        assert_eq!(failed, Err("throttled"));
        let ok = cache
            .get_or_fetch("k", || async { Ok::<_, &str>("v".to_owned()) })
            .await;
        assert_eq!(ok.as_deref(), Ok("v"));
    }

    #[tokio::test]
    async fn the_cache_never_holds_more_than_its_capacity() {
        let cache = TtlCache::new(Duration::from_secs(60), 3);
        for key in ["a", "b", "c", "d", "e"] {
            let value = cache
                .get_or_fetch(key, || async { Ok::<_, ()>(key.to_owned()) })
                .await;
            assert_eq!(value.as_deref(), Ok(key));
        }
        let len = cache
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        assert!(len <= 3, "{len} entries");
    }
}
