//! DynamoDB adapters: the accounts and transactions tables, their item layout, and
//! opaque paging tokens.
//!
//! Money is written as DynamoDB `N` from its exact decimal text and read back by
//! parsing the `N` string exactly (never through `f64`).

mod accounts;
mod attrs;
mod batch;
mod entries;
mod error;
mod history;
mod holds;
mod insert;
mod ledger;
mod paging;
mod record;
mod schema;
mod sdk_failure;
mod statements;
mod status_change;
mod transactions;
mod update;

pub use accounts::{Account, AccountsTable, Opened};
pub use attrs::{Item, n, s};
pub use entries::EntryRange;
pub use error::{ErrorClass, StoreError, TRANSPORT_ERROR, classify};
pub use history::{HistoryEntry, HistoryRequest};
pub use ledger::{
    AccountWrite, Cancelled, Commit, EXPIRY_LOOKBACK_DAYS, Ledger, LinkWrite,
    MAX_TRANSACTION_ITEMS, PendingKey, PendingScan, Settle, Settlement, Versions,
};
pub use paging::{Page, PageToken};
pub use record::{EntryStamp, SYSTEM_USER, TransactionRecord, View, hold_day};
pub use schema::{TableNames, attr, index};
pub use sdk_failure::SdkFailure;
pub use statements::{MAX_STATEMENTS_PAGE, StatementRecord, StatementsTable};
pub use status_change::{STATUS_CHANGE, StatusChange};
pub use transactions::{Inserted, TransactionsTable};
pub use update::UpdateExpression;
