//! The statements API's settings, read once from the environment at init.

/// The statement records (hash `accountId`, range `period`).
pub const ENV_STATEMENTS_TABLE: &str = "STATEMENTS_TABLE_NAME";
/// The statements' JSON and PDF objects.
pub const ENV_BUCKET: &str = "STATEMENTS_BUCKET";
/// Where on-demand statements are queued for the worker.
pub const ENV_QUEUE_URL: &str = "STATEMENTS_QUEUE_URL";
/// The signing key whose public half verifies statements.
pub const ENV_KEY_ID: &str = "STATEMENT_KEY_ID";

/// What the API needs besides its clients and the accounts and transactions tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    pub statements_table: String,
    pub bucket: String,
    pub queue_url: String,
    pub key_id: String,
}

impl ApiConfig {
    /// From `lookup` (the environment, or a template function's resolved variables);
    /// the error names the first missing variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let required = |name: &'static str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{name} is not set"))
        };
        Ok(Self {
            statements_table: required(ENV_STATEMENTS_TABLE)?,
            bucket: required(ENV_BUCKET)?,
            queue_url: required(ENV_QUEUE_URL)?,
            key_id: required(ENV_KEY_ID)?,
        })
    }
}
