//! The function's settings, read once from the environment at init.

use std::time::Duration;

/// DynamoDB table of notification claims and sent records (hash key `notificationId`).
pub const ENV_LOG_TABLE: &str = "NOTIFICATION_LOG_TABLE_NAME";
/// The Cognito user pool holding the holders' contact details.
pub const ENV_USER_POOL: &str = "COGNITO_USER_POOL_ID";
/// `true` (default) or `false`: whether email is sent at all.
pub const ENV_SES_ENABLED: &str = "SES_ENABLED";
/// The From address of notification emails (a verified SES identity).
pub const ENV_SENDER: &str = "SENDER_EMAIL";
/// Optional SES configuration set (event publishing, dedicated IPs).
pub const ENV_CONFIGURATION_SET: &str = "SES_CONFIGURATION_SET";
/// How long a holder's contact details may be served from memory.
pub const ENV_CONTACT_CACHE_TTL: &str = "CONTACT_CACHE_TTL_SECONDS";
/// How long a claim protects an attempt before another may take over.
pub const ENV_IN_PROGRESS_TTL: &str = "NOTIFICATION_IN_PROGRESS_TTL_SECONDS";
/// How long sent and failed records are kept (DynamoDB TTL).
pub const ENV_RETENTION_DAYS: &str = "NOTIFICATION_RETENTION_DAYS";
/// The AppSync Events HTTP endpoint live events are published to (`https://.../event`);
/// unset or empty: no live events.
pub const ENV_EVENTS_URL: &str = shared::events::publish::EVENTS_URL_ENV;

/// Default staleness bound of the contact cache.
pub const DEFAULT_CONTACT_CACHE_TTL: Duration = Duration::from_secs(300);
/// Default lifetime of an in-progress claim. Keep it well below the queue's
/// visibility timeout, so a crashed attempt's claim has expired when SQS redelivers.
pub const DEFAULT_IN_PROGRESS_TTL: Duration = Duration::from_secs(60);
/// Default retention of sent records: longer than any redelivery (SQS keeps a message
/// at most 14 days, DLQ redrive included).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Default bound on one AWS call of any client (all SDK retries included): Cognito,
/// DynamoDB, SES, SNS. A claim must outlive the calls it protects, so
/// [`CALLS_WHILE_CLAIMED`] of these stay below the in-progress lifetime.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// Calls made one after the other while a claim is held, each bounded by the send
/// timeout: the claim write itself (its stored expiry is fixed before the call, so the
/// call's duration counts), the email and SMS sends (made at the same time: one
/// bound), and the settle write, which must land before another attempt may take over.
/// The Cognito contact lookup happens before the claim and does not count.
pub const CALLS_WHILE_CLAIMED: u32 = 3;
/// Of those, the calls still to make once the claim call has returned: the sends and
/// the settle write (see [`crate::claims::Lease`]).
pub const CALLS_AFTER_CLAIM: u32 = 2;
/// Messages of one batch processed at the same time.
pub const DEFAULT_MAX_CONCURRENCY: usize = 10;

const SECONDS_PER_DAY: u64 = 24 * 60 * 60;

/// A setting that is missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable holds a value this function does not accept.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        name: &'static str,
        reason: &'static str,
    },
    /// The in-progress claim lifetime does not cover the worst case of the calls it
    /// protects.
    #[error(
        "{name} is invalid: the in-progress claim lifetime ({in_progress_ttl:?}) must exceed \
         {worst_case:?}, the worst case of the calls made while a claim is held (the claim \
         write, the email and SMS sends, made at the same time, and the settle write), each \
         bounded by the send timeout ({send_timeout:?}); raise {name}",
        name = ENV_IN_PROGRESS_TTL
    )]
    ClaimShorterThanCalls {
        in_progress_ttl: Duration,
        send_timeout: Duration,
        worst_case: Duration,
    },
}

/// What notify needs besides its clients. Construct with [`NotifyConfig::new`] (defaults)
/// or [`NotifyConfig::from_env`]; every field is public so tests can adjust one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    /// The dedupe table (`NOTIFICATION_LOG_TABLE_NAME`).
    pub log_table: String,
    /// The Cognito user pool (`COGNITO_USER_POOL_ID`).
    pub user_pool_id: String,
    /// Email enabled (`SES_ENABLED`); when false, email is skipped, not failed.
    pub ses_enabled: bool,
    /// The bank's From address (`SENDER_EMAIL`), required when email is enabled.
    pub sender_email: String,
    /// SES configuration set (`SES_CONFIGURATION_SET`).
    pub configuration_set: Option<String>,
    /// Staleness bound of the contact cache (`CONTACT_CACHE_TTL_SECONDS`); zero disables it.
    pub contact_cache_ttl: Duration,
    /// Lifetime of an in-progress claim (`NOTIFICATION_IN_PROGRESS_TTL_SECONDS`).
    pub in_progress_ttl: Duration,
    /// Retention of sent and failed records (`NOTIFICATION_RETENTION_DAYS`).
    pub retention: Duration,
    /// Bound on one provider call; see [`DEFAULT_SEND_TIMEOUT`].
    pub send_timeout: Duration,
    /// Messages processed concurrently.
    pub max_concurrency: usize,
    /// Where live events are published (`EVENTS_HTTP_URL`); `None`: not published.
    pub events_url: Option<String>,
}

impl NotifyConfig {
    /// Email enabled, every duration at its default.
    pub fn new(
        log_table: impl Into<String>,
        user_pool_id: impl Into<String>,
        sender_email: impl Into<String>,
    ) -> Self {
        Self {
            log_table: log_table.into(),
            user_pool_id: user_pool_id.into(),
            ses_enabled: true,
            sender_email: sender_email.into(),
            configuration_set: None,
            contact_cache_ttl: DEFAULT_CONTACT_CACHE_TTL,
            in_progress_ttl: DEFAULT_IN_PROGRESS_TTL,
            retention: DEFAULT_RETENTION,
            send_timeout: DEFAULT_SEND_TIMEOUT,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            events_url: None,
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));
        let ses_enabled = match get(ENV_SES_ENABLED) {
            None => true,
            Some(value) => parse_bool(&value).ok_or(ConfigError::Invalid {
                name: ENV_SES_ENABLED,
                reason: "expected true or false",
            })?,
        };
        let sender_email = if ses_enabled {
            required(ENV_SENDER)?
        } else {
            get(ENV_SENDER).unwrap_or_default()
        };
        let seconds = |name: &'static str, default: Duration| match get(name) {
            None => Ok(default),
            Some(value) => parse_u64(name, &value).map(Duration::from_secs),
        };
        let retention = match get(ENV_RETENTION_DAYS) {
            None => DEFAULT_RETENTION,
            Some(value) => {
                let days = parse_u64(ENV_RETENTION_DAYS, &value)?;
                Duration::from_secs(days.saturating_mul(SECONDS_PER_DAY))
            }
        };
        let config = Self {
            log_table: required(ENV_LOG_TABLE)?,
            user_pool_id: required(ENV_USER_POOL)?,
            ses_enabled,
            sender_email,
            configuration_set: get(ENV_CONFIGURATION_SET),
            contact_cache_ttl: seconds(ENV_CONTACT_CACHE_TTL, DEFAULT_CONTACT_CACHE_TTL)?,
            in_progress_ttl: seconds(ENV_IN_PROGRESS_TTL, DEFAULT_IN_PROGRESS_TTL)?,
            retention,
            send_timeout: DEFAULT_SEND_TIMEOUT,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            events_url: get(ENV_EVENTS_URL).map(|url| url.trim().to_owned()),
        };
        config.validate()?;
        Ok(config)
    }

    /// The worst case of the calls made while a claim is held (see
    /// [`CALLS_WHILE_CLAIMED`]).
    pub fn claim_worst_case(&self) -> Duration {
        self.send_timeout.saturating_mul(CALLS_WHILE_CLAIMED)
    }

    /// The worst case of the calls made once the claim call has returned (see
    /// [`CALLS_AFTER_CLAIM`]): an attempt starts its sends only if this much of its
    /// claim is left.
    pub fn after_claim_worst_case(&self) -> Duration {
        self.send_timeout.saturating_mul(CALLS_AFTER_CLAIM)
    }

    /// Checks the relations between settings.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let worst_case = self.claim_worst_case();
        if self.in_progress_ttl <= worst_case {
            return Err(ConfigError::ClaimShorterThanCalls {
                in_progress_ttl: self.in_progress_ttl,
                send_timeout: self.send_timeout,
                worst_case,
            });
        }
        if let Some(url) = &self.events_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ConfigError::Invalid {
                name: ENV_EVENTS_URL,
                reason: "expected an http(s) URL",
            });
        }
        if self.retention <= self.in_progress_ttl {
            return Err(ConfigError::Invalid {
                name: ENV_RETENTION_DAYS,
                reason: "must exceed the in-progress lifetime",
            });
        }
        Ok(())
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim() {
        v if v.eq_ignore_ascii_case("true") => Some(true),
        v if v.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn parse_u64(name: &'static str, value: &str) -> Result<u64, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::Invalid {
        name,
        reason: "expected a whole number",
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<NotifyConfig, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        NotifyConfig::from_lookup(|name| map.get(name).cloned())
    }

    const BASE: [(&str, &str); 3] = [
        (ENV_LOG_TABLE, "notification-log"),
        (ENV_USER_POOL, "us-east-1_abc"),
        (ENV_SENDER, "no-reply@bank.example"),
    ];

    #[test]
    fn required_settings_alone_give_the_documented_defaults() {
        let config = from(&BASE).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            config,
            NotifyConfig::new("notification-log", "us-east-1_abc", "no-reply@bank.example")
        );
        assert!(config.ses_enabled);
        assert_eq!(config.contact_cache_ttl, Duration::from_secs(300));
    }

    #[test]
    fn optional_settings_are_read() {
        let mut pairs = BASE.to_vec();
        pairs.extend([
            (ENV_SES_ENABLED, "FALSE"),
            (ENV_CONFIGURATION_SET, "bank-transactional"),
            (ENV_CONTACT_CACHE_TTL, "0"),
            (ENV_IN_PROGRESS_TTL, "90"),
            (ENV_RETENTION_DAYS, "7"),
        ]);
        let config = from(&pairs).unwrap_or_else(|e| panic!("{e}"));
        assert!(!config.ses_enabled);
        assert_eq!(
            config.configuration_set.as_deref(),
            Some("bank-transactional")
        );
        assert_eq!(config.contact_cache_ttl, Duration::ZERO);
        assert_eq!(config.in_progress_ttl, Duration::from_secs(90));
        assert_eq!(config.retention, Duration::from_secs(7 * 86_400));
    }

    #[test]
    fn a_missing_table_or_pool_is_named() {
        assert_eq!(from(&BASE[1..]), Err(ConfigError::Missing(ENV_LOG_TABLE)));
        assert_eq!(
            from(&[BASE[0], BASE[2]]),
            Err(ConfigError::Missing(ENV_USER_POOL))
        );
    }

    #[test]
    fn the_sender_is_required_only_when_email_is_enabled() {
        assert_eq!(from(&BASE[..2]), Err(ConfigError::Missing(ENV_SENDER)));
        let mut pairs = BASE[..2].to_vec();
        pairs.push((ENV_SES_ENABLED, "false"));
        assert!(from(&pairs).is_ok());
    }

    #[test]
    fn unreadable_values_are_refused_rather_than_guessed() {
        for (name, value) in [
            (ENV_SES_ENABLED, "yes"),
            (ENV_CONTACT_CACHE_TTL, "5m"),
            (ENV_IN_PROGRESS_TTL, "-1"),
        ] {
            let mut pairs = BASE.to_vec();
            pairs.push((name, value));
            assert!(
                matches!(from(&pairs), Err(ConfigError::Invalid { name: n, .. }) if n == name),
                "{name}={value}"
            );
        }
    }

    #[test]
    fn a_claim_shorter_than_the_send_it_protects_is_refused() {
        let mut pairs = BASE.to_vec();
        pairs.push((ENV_IN_PROGRESS_TTL, "10"));
        assert!(matches!(
            from(&pairs),
            Err(ConfigError::ClaimShorterThanCalls { .. })
        ));
    }

    #[test]
    fn a_claim_outliving_one_send_but_not_every_call_it_protects_is_refused_by_name() {
        // 40 s outlives one 15 s send, but not the claim write, the sends and the
        // settle write one after the other: 45 s.
        let mut pairs = BASE.to_vec();
        pairs.push((ENV_IN_PROGRESS_TTL, "40"));
        let error = from(&pairs)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("NOTIFICATION_IN_PROGRESS_TTL_SECONDS is invalid"),
            "{error}"
        );
        for part in [
            "(40s)",
            "exceed 45s",
            "send timeout (15s)",
            "claim write",
            "settle write",
        ] {
            assert!(error.contains(part), "{part} in {error}");
        }
        pairs.pop();
        pairs.push((ENV_IN_PROGRESS_TTL, "46"));
        assert!(from(&pairs).is_ok());
    }

    #[test]
    fn the_worst_cases_count_the_calls_made_under_a_claim() {
        let config = NotifyConfig::new("t", "p", "s");
        assert_eq!(config.claim_worst_case(), Duration::from_secs(45));
        assert_eq!(config.after_claim_worst_case(), Duration::from_secs(30));
        let mut config = config;
        config.send_timeout = Duration::MAX;
        assert_eq!(config.claim_worst_case(), Duration::MAX);
        assert!(config.validate().is_err());
    }

    #[test]
    fn live_events_are_on_only_with_an_http_url() {
        assert_eq!(from(&BASE).unwrap().events_url, None);
        let with = |url: &str| {
            let mut pairs = BASE.to_vec();
            pairs.push((ENV_EVENTS_URL, url));
            from(&pairs)
        };
        assert_eq!(
            with("https://x.appsync-api.us-east-1.amazonaws.com/event")
                .unwrap()
                .events_url
                .as_deref(),
            Some("https://x.appsync-api.us-east-1.amazonaws.com/event")
        );
        assert_eq!(with("  ").unwrap().events_url, None);
        assert_eq!(
            with("x.appsync-api.us-east-1.amazonaws.com/event"),
            Err(ConfigError::Invalid {
                name: ENV_EVENTS_URL,
                reason: "expected an http(s) URL"
            })
        );
    }
}
