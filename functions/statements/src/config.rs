//! The worker's settings, read once from the environment at init.

/// DynamoDB table of statement records (hash `accountId`, range `period`).
pub const ENV_STATEMENTS_TABLE: &str = "STATEMENTS_TABLE_NAME";
/// S3 bucket of the statements' JSON and PDF objects.
pub const ENV_BUCKET: &str = "STATEMENTS_BUCKET";
/// The StatementsQueue URL: where a run fans out to, and where its next page goes.
pub const ENV_QUEUE_URL: &str = "STATEMENTS_QUEUE_URL";
/// The KMS key (id or ARN) that signs statements (ECC_NIST_P256).
pub const ENV_KEY_ID: &str = "STATEMENT_KEY_ID";
/// The accounts table (scanned by a run) and the ledger (read per account).
pub const ENV_ACCOUNTS_TABLE: &str = "ACCOUNTS_TABLE_NAME";
pub const ENV_TRANSACTIONS_TABLE: &str = "TRANSACTIONS_TABLE_NAME";
/// The From address of statement emails (a verified SES identity).
pub const ENV_SENDER: &str = "SENDER_EMAIL";
/// The Cognito user pool holding the holders' email addresses.
pub const ENV_USER_POOL: &str = "COGNITO_USER_POOL_ID";
/// `true` (default) or `false`: whether statement emails are sent at all.
pub const ENV_SES_ENABLED: &str = "SES_ENABLED";
/// Accounts read per run message (1..=1000, default [`DEFAULT_FANOUT_PAGE`]).
pub const ENV_FANOUT_PAGE: &str = "STATEMENTS_FANOUT_PAGE_SIZE";

/// Accounts one run message scans and fans out.
pub const DEFAULT_FANOUT_PAGE: i32 = 200;
/// The most accounts one run message may scan.
pub const MAX_FANOUT_PAGE: i32 = 1_000;

/// A setting that is missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid {
        name: &'static str,
        reason: &'static str,
    },
}

/// What the worker needs besides its clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerConfig {
    pub statements_table: String,
    pub bucket: String,
    pub queue_url: String,
    pub key_id: String,
    pub accounts_table: String,
    pub transactions_table: String,
    pub sender_email: String,
    pub user_pool_id: String,
    pub ses_enabled: bool,
    pub fanout_page: i32,
}

impl WorkerConfig {
    /// From the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From `lookup` (the environment, or a template function's resolved variables).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let ses_enabled = match lookup(ENV_SES_ENABLED).as_deref().map(str::trim) {
            None | Some("" | "true" | "TRUE" | "True") => true,
            Some("false" | "FALSE" | "False") => false,
            Some(_) => {
                return Err(ConfigError::Invalid {
                    name: ENV_SES_ENABLED,
                    reason: "must be true or false",
                });
            }
        };
        let fanout_page = match lookup(ENV_FANOUT_PAGE).filter(|v| !v.trim().is_empty()) {
            None => DEFAULT_FANOUT_PAGE,
            Some(text) => text
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=MAX_FANOUT_PAGE).contains(n))
                .ok_or(ConfigError::Invalid {
                    name: ENV_FANOUT_PAGE,
                    reason: "must be a whole number from 1 to 1000",
                })?,
        };
        Ok(Self {
            statements_table: required(ENV_STATEMENTS_TABLE)?,
            bucket: required(ENV_BUCKET)?,
            queue_url: required(ENV_QUEUE_URL)?,
            key_id: required(ENV_KEY_ID)?,
            accounts_table: required(ENV_ACCOUNTS_TABLE)?,
            transactions_table: required(ENV_TRANSACTIONS_TABLE)?,
            sender_email: if ses_enabled {
                required(ENV_SENDER)?
            } else {
                lookup(ENV_SENDER).unwrap_or_default()
            },
            user_pool_id: if ses_enabled {
                required(ENV_USER_POOL)?
            } else {
                lookup(ENV_USER_POOL).unwrap_or_default()
            },
            ses_enabled,
            fanout_page,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn full() -> HashMap<&'static str, String> {
        [
            ENV_STATEMENTS_TABLE,
            ENV_BUCKET,
            ENV_QUEUE_URL,
            ENV_KEY_ID,
            ENV_ACCOUNTS_TABLE,
            ENV_TRANSACTIONS_TABLE,
            ENV_SENDER,
            ENV_USER_POOL,
        ]
        .into_iter()
        .map(|k| (k, format!("{k}-value")))
        .collect()
    }

    #[test]
    fn every_required_variable_is_named_when_missing() {
        for name in full().keys() {
            let mut vars = full();
            vars.remove(name);
            let error = WorkerConfig::from_lookup(|k| vars.get(k).cloned());
            assert_eq!(error, Err(ConfigError::Missing(name)), "{name}");
        }
    }

    #[test]
    fn the_fanout_page_size_is_bounded() {
        let mut vars = full();
        vars.insert(ENV_FANOUT_PAGE, "0".to_owned());
        assert!(WorkerConfig::from_lookup(|k| vars.get(k).cloned()).is_err());
        vars.insert(ENV_FANOUT_PAGE, "10".to_owned());
        let config = WorkerConfig::from_lookup(|k| vars.get(k).cloned());
        assert_eq!(config.map(|c| c.fanout_page), Ok(10));
    }
}
