//! What every DynamoDB-backed API function holds: who is calling, and the two tables.

use crate::auth::Authenticator;
use crate::aws::SdkConfig;
use crate::store::{AccountsTable, Ledger, TableNames, TransactionsTable};

/// The caller check and the tables of an API function, built once per environment.
#[derive(Debug)]
pub struct ApiContext {
    pub auth: Authenticator,
    pub accounts: AccountsTable,
    pub transactions: TransactionsTable,
    /// Both tables together (an account's status change and its history entry).
    pub ledger: Ledger,
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
        let client = crate::aws::dynamodb(config);
        Self {
            auth,
            accounts: AccountsTable::new(client.clone(), &names.accounts),
            transactions: TransactionsTable::new(client.clone(), &names.transactions),
            ledger: Ledger::new(client, &names.accounts, &names.transactions),
        }
    }
}
