//! What every DynamoDB-backed API function holds: who is calling, and the application.

use crate::app::Bank;
use crate::auth::Authenticator;
use crate::aws::SdkConfig;
use crate::store::TableNames;

/// The caller check and the application of an API function, built once per
/// environment.
#[derive(Debug)]
pub struct ApiContext {
    pub auth: Authenticator,
    pub bank: Bank,
}

impl ApiContext {
    /// Authentication from the environment, and the tables named by
    /// `ACCOUNTS_TABLE_NAME` and `TRANSACTIONS_TABLE_NAME`.
    pub fn from_env(config: &SdkConfig) -> Result<Self, String> {
        let names = TableNames::from_env().map_err(|name| format!("{name} is not set"))?;
        Ok(Self::new(Authenticator::from_env(), config, &names))
    }

    /// `auth` and the tables `names`, through one DynamoDB client for `config`.
    pub fn new(auth: Authenticator, config: &SdkConfig, names: &TableNames) -> Self {
        Self {
            auth,
            bank: Bank::new(config, names),
        }
    }
}
