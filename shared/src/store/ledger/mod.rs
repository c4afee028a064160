//! The ledger's reads and its one write.
//!
//! - [`Ledger::read_accounts`]: the accounts a set of transactions touches, strongly
//!   consistent, in one `BatchGetItem`.
//! - [`Ledger::commit`] (in `commit`): the only write that applies transactions. Every
//!   account a group of transactions changed is written once, conditioned on the
//!   version it was read at (and on being OPEN), and every transaction moves out of
//!   PENDING under its own condition, and every account a rejection was decided on
//!   but that is not written is checked at the version it was read at, all in one
//!   `TransactWriteItems` (a lone rejection for a missing account is a conditional
//!   `UpdateItem`). The answer is one [`Commit`] value, decoded in `commit` and
//!   nowhere else.
//! - [`Ledger::change_status`] (in `status`): an account's status with its history
//!   entry, in one `TransactWriteItems` decoded by the same code as the commit's.
//! - The pending lookups (in `pending`): PENDING transactions of an account accepted
//!   before a given one (per-account order), and every PENDING transaction older than a
//!   bound (the reconciler), through the sparse `PendingIndex`.
//!
//! No `ClientRequestToken` is set: the SDK generates one per call and reuses it across
//! its own retries, so a retry after a lost response is answered as a success; our
//! retries re-read the accounts, and the transaction's PENDING condition then stops a
//! second application.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;

use super::attrs::{Item, n, s};
use super::schema::attr;
use super::update::UpdateExpression;
use super::{Account, StoreError, TransactionRecord};
use crate::domain::{AccountId, Balance, RejectionReason, TransactionStatus};

mod commit;
mod holds;
mod links;
mod pending;
mod status;

pub use commit::{AccountWrite, Cancelled, Commit, MAX_TRANSACTION_ITEMS, Settle, Versions};
pub use holds::EXPIRY_LOOKBACK_DAYS;
pub use links::LinkWrite;
pub use pending::{PendingKey, PendingScan};

/// Ledger reads and writes on the two tables.
#[derive(Debug, Clone)]
pub struct Ledger {
    client: Client,
    accounts: String,
    transactions: String,
}

impl Ledger {
    /// The ledger over the named tables.
    pub fn new(
        client: Client,
        accounts: impl Into<String>,
        transactions: impl Into<String>,
    ) -> Self {
        Self {
            client,
            accounts: accounts.into(),
            transactions: transactions.into(),
        }
    }

    /// Reads accounts by id, strongly consistent. Missing accounts are absent from the
    /// map.
    pub async fn read_accounts(
        &self,
        ids: &[AccountId],
    ) -> Result<HashMap<AccountId, Account>, StoreError> {
        let keys = ids
            .iter()
            .map(|id| Item::from([(attr::ACCOUNT_ID.to_owned(), s(id.to_string()))]))
            .collect();
        let mut found = HashMap::new();
        for item in self.batch_get(&self.accounts, keys).await? {
            let account = Account::from_item(&item)?;
            found.insert(account.account_id, account);
        }
        Ok(found)
    }

    /// Reads transactions by table key, strongly consistent, keeping those still
    /// PENDING.
    pub async fn read_pending(
        &self,
        keys: &[String],
    ) -> Result<Vec<TransactionRecord>, StoreError> {
        let mut pending = Vec::new();
        for item in self
            .batch_get(&self.transactions, transaction_keys(keys))
            .await?
        {
            let record = TransactionRecord::from_item(&item)?;
            if record.status == TransactionStatus::Pending {
                pending.push(record);
            }
        }
        Ok(pending)
    }

    /// Reads the transactions captures, voids, expiries and reversals act on, by
    /// their table keys, strongly consistent; by id.
    pub async fn read_linked(
        &self,
        keys: &[&str],
    ) -> Result<HashMap<crate::domain::TransactionId, TransactionRecord>, StoreError> {
        Ok(self
            .read_transactions(keys)
            .await?
            .into_iter()
            .map(|record| (record.transaction_id, record))
            .collect())
    }

    /// Reads transactions by table key, strongly consistent (missing ones are left
    /// out).
    pub async fn read_transactions(
        &self,
        keys: &[&str],
    ) -> Result<Vec<TransactionRecord>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.batch_get(&self.transactions, transaction_keys(keys))
            .await?
            .iter()
            .map(TransactionRecord::from_item)
            .collect()
    }

    async fn batch_get(&self, table: &str, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        super::batch::get_consistent(&self.client, table, keys).await
    }
}

/// The transactions table's keys of these table keys (idempotency keys).
fn transaction_keys(keys: &[impl AsRef<str>]) -> Vec<Item> {
    keys.iter()
        .map(|k| Item::from([(attr::IDEMPOTENCY_KEY.to_owned(), s(k.as_ref()))]))
        .collect()
}

/// How a transaction item leaves PENDING.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement<'a> {
    /// Applied: the source's balance after and, for a transfer, the destination's
    /// balance after and its owner.
    Completed {
        balance_after: Option<Balance>,
        destination: Option<(Balance, &'a str)>,
    },
    /// A hold applied: ACTIVE, in the expiry index under its `holdDay`; the
    /// (unchanged) posted balance.
    Held {
        day: Option<String>,
        balance: Balance,
    },
    /// Rejected for `reason`; no balance changed.
    Rejected(RejectionReason),
}

/// The update of a settlement, conditioned by the caller on `#st = :pending`. It also
/// removes the item from the sparse `PendingIndex` and, when it completes, writes its
/// ledger entries (the sparse `LedgerIndex` and `IncomingLedgerIndex`).
fn status_change(settle: &Settle<'_>, now: &str) -> UpdateExpression {
    let (settlement, versions) = (&settle.settlement, settle.versions);
    let mut change = UpdateExpression::new();
    let status = match settlement {
        Settlement::Completed { .. } => TransactionStatus::Completed,
        Settlement::Held { .. } => TransactionStatus::Active,
        Settlement::Rejected(_) => TransactionStatus::Rejected,
    };
    change
        .set("st", attr::STATUS, s(status.as_str()))
        .set("pa", attr::PROCESSED_AT, s(now))
        .value("pending", s(TransactionStatus::Pending.as_str()));
    match settlement {
        Settlement::Completed {
            balance_after,
            destination,
        } => {
            if let Some(after) = balance_after {
                change.set("ba", attr::BALANCE_AFTER, n(after));
            }
            if let Some((after, owner)) = destination {
                change.set("tba", attr::TO_BALANCE_AFTER, n(after)).set(
                    "tu",
                    attr::TO_USER_ID,
                    s(*owner),
                );
            }
        }
        Settlement::Held { day, balance } => {
            change.set("ba", attr::BALANCE_AFTER, n(balance));
            if let Some(day) = day {
                change.set("hd", attr::HOLD_DAY, s(day));
            }
        }
        Settlement::Rejected(reason) => {
            change.set("rr", attr::REJECTION_REASON, s(reason.as_str()));
        }
    }
    if let Some(version) = versions.source {
        change.set("av", attr::ACCOUNT_VERSION, n(version));
    }
    if let Some(version) = versions.destination {
        change.set("tav", attr::TO_ACCOUNT_VERSION, n(version));
    }
    if let (Some(entry), Some(version)) = (settle.source_entry, versions.source) {
        change
            .set("ek", attr::ENTRY_KEY, s(entry.key(version)))
            .set("eh", attr::ENTRY_HASH, s(entry.hash.as_str()));
    }
    if let (Some(entry), Some(version)) = (settle.destination_entry, versions.destination) {
        change
            .set("tek", attr::TO_ENTRY_KEY, s(entry.key(version)))
            .set("teh", attr::TO_ENTRY_HASH, s(entry.hash.as_str()));
    }
    if let Some(held) = settle.held[0] {
        change.set("ha", attr::HELD_AFTER, n(held));
    }
    if let Some(held) = settle.held[1] {
        change.set("tha", attr::TO_HELD_AFTER, n(held));
    }
    change.remove("pacc", attr::PENDING_ACCOUNT_ID);
    change
}

#[cfg(all(test, feature = "settle"))]
mod tests {
    use super::*;
    use crate::domain::{AccountId, ChainHead, Money, TransactionKind};
    use crate::store::EntryStamp;

    fn record() -> TransactionRecord {
        let account = AccountId::new_random();
        let amount: Money = "10.00".parse().unwrap_or_else(|_| unreachable!());
        let kind = TransactionKind::transfer(&account, AccountId::new_random(), amount)
            .unwrap_or_else(|_| unreachable!());
        crate::settle::testing::pending(account, kind, "2026-11-30T00:00:00Z")
    }

    #[test]
    fn a_settlement_leaves_the_pending_index_and_records_its_outcome() {
        let record = record();
        let settle = Settle {
            record: &record,
            settlement: Settlement::Rejected(RejectionReason::InsufficientFunds),
            versions: Versions {
                source: Some(4),
                destination: None,
            },
            source_entry: None,
            destination_entry: None,
            link: None,
            held: [None, None],
        };
        let change = status_change(&settle, "2026-11-30T00:00:00.000000Z");
        assert_eq!(
            change.expression(),
            "SET #st = :st, #pa = :pa, #rr = :rr, #av = :av REMOVE #pacc"
        );
        assert_eq!(change.values()[":av"], n(4));
        assert_eq!(change.names()["#pacc"], attr::PENDING_ACCOUNT_ID);
        assert_eq!(change.values()[":st"], s("REJECTED"));
        assert_eq!(change.values()[":pending"], s("PENDING"));
    }

    #[test]
    fn a_completed_transfer_records_both_balances_the_receiver_and_both_entries() {
        let record = record();
        let after: Balance = "10.00".parse().unwrap_or_default();
        let stamp = |at: &str| EntryStamp {
            settled_at: crate::clock::Timestamp::parse(at).unwrap_or_else(|_| unreachable!()),
            hash: ChainHead::genesis(),
        };
        let (out, into) = (
            stamp("2026-11-30T00:00:00.000000Z"),
            stamp("2026-11-30T00:00:01.000000Z"),
        );
        let settle = Settle {
            record: &record,
            settlement: Settlement::Completed {
                balance_after: Some(after),
                destination: Some((after, "receiver")),
            },
            versions: Versions {
                source: Some(5),
                destination: Some(9),
            },
            source_entry: Some(&out),
            destination_entry: Some(&into),
            link: None,
            held: [None, None],
        };
        let change = status_change(&settle, "2026-11-30T00:00:00.000000Z");
        assert!(change.expression().contains("#tba = :tba, #tu = :tu"));
        assert!(change.expression().contains("#av = :av, #tav = :tav"));
        assert_eq!(change.values()[":tav"], n(9));
        assert_eq!(change.values()[":tu"], s("receiver"));
        assert_eq!(change.values()[":st"], s("COMPLETED"));
        assert_eq!(
            change.values()[":ek"],
            s("2026-11-30T00:00:00.000000Z#00000000000000000005")
        );
        assert_eq!(
            change.values()[":tek"],
            s("2026-11-30T00:00:01.000000Z#00000000000000000009")
        );
        assert_eq!(change.values()[":teh"], s(ChainHead::GENESIS));
    }
}
