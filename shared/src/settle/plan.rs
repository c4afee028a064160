//! The decision for a group of transactions: each decided in order by the pure ledger
//! rule against the balances the earlier ones left, and the final balance of every
//! account they changed (written once). Also how many transactions fit one commit.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};

use crate::clock::Timestamp;
use crate::domain::{AccountId, AccountState, Balance, ChainHead, Outcome, Role, apply};
use crate::store::{
    Account, AccountWrite, EntryStamp, MAX_TRANSACTION_ITEMS, Settle, Settlement,
    TransactionRecord, Versions,
};

/// What the ledger rule needs of an account.
pub fn state(account: &Account) -> AccountState {
    AccountState {
        status: account.status,
        currency: account.currency,
        balance: account.balance,
    }
}

/// A chunk's decisions: one outcome per transaction, and the final balance of every
/// account an applied transaction changed (sorted by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub outcomes: Vec<Outcome>,
    pub written: Vec<(AccountId, Balance)>,
    /// Per transaction, the account versions it leaves (see [`Versions`]).
    pub versions: Vec<Versions>,
    /// The version each written account ends at: the version read plus one per
    /// transaction applied to it.
    pub version_after: HashMap<AccountId, u64>,
    /// Per transaction, its entries in the ledgers it changed (none for a rejection).
    pub entries: Vec<Entries>,
    /// Each written account's chain head after the plan, and the settlement time of
    /// its entries (its new `updatedAt`).
    pub heads: HashMap<AccountId, (ChainHead, Timestamp)>,
}

impl Plan {
    /// Each account the plan changes, at the balance, version and chain head it ends
    /// at: what [`crate::store::Ledger::commit`] writes.
    pub fn account_writes<'a>(
        &'a self,
        accounts: &'a HashMap<AccountId, Account>,
    ) -> Vec<AccountWrite<'a>> {
        self.written
            .iter()
            .filter_map(|(id, after)| {
                let account = accounts.get(id)?;
                let (head, settled_at) = self.heads.get(id)?;
                Some(AccountWrite {
                    account,
                    after: *after,
                    head,
                    settled_at: settled_at.as_str(),
                    version: self
                        .version_after
                        .get(id)
                        .copied()
                        .unwrap_or_else(|| account.version.saturating_add(1)),
                })
            })
            .collect()
    }

    /// Each transaction of `records` (the chunk the plan decided) moving out of
    /// PENDING as the plan decided it.
    pub fn settles<'a>(
        &'a self,
        records: &'a [TransactionRecord],
        accounts: &'a HashMap<AccountId, Account>,
    ) -> Vec<Settle<'a>> {
        records
            .iter()
            .zip(self.outcomes.iter().zip(&self.versions).zip(&self.entries))
            .map(|(record, ((outcome, versions), entries))| Settle {
                record,
                settlement: settlement(record, outcome, accounts),
                versions: *versions,
                source_entry: entries.source.as_ref(),
                destination_entry: entries.destination.as_ref(),
            })
            .collect()
    }
}

fn settlement<'a>(
    record: &TransactionRecord,
    outcome: &Outcome,
    accounts: &'a HashMap<AccountId, Account>,
) -> Settlement<'a> {
    match outcome {
        Outcome::Applied {
            source_after,
            destination_after,
        } => Settlement::Completed {
            balance_after: Some(*source_after),
            destination: destination_after.and_then(|after| {
                let owner = record.kind.destination().and_then(|id| accounts.get(&id))?;
                Some((after, owner.owner_id.as_str()))
            }),
        },
        Outcome::Rejected(reason) => Settlement::Rejected(*reason),
    }
}

/// A transaction's entries: on its source account and, for a transfer, on the
/// destination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entries {
    pub source: Option<EntryStamp>,
    pub destination: Option<EntryStamp>,
}

/// When entries settle on `account` in a plan made at `now`: never before its last
/// change, so an account's entries are in settlement order whatever the consumers'
/// clocks (a later version never has an earlier time).
fn settled_at(account: &Account, now: &Timestamp) -> Timestamp {
    if account.updated_at > *now {
        account.updated_at.clone()
    } else {
        now.clone()
    }
}

/// Extends `account`'s chain in `heads` by `record`'s entry on `side`.
fn stamp(
    heads: &mut HashMap<AccountId, (ChainHead, Timestamp)>,
    record: &TransactionRecord,
    side: Role,
    version: Option<u64>,
    after: Balance,
) -> Option<EntryStamp> {
    let id = match side {
        Role::Source => record.account_id,
        Role::Destination => record.kind.destination()?,
    };
    let (head, at) = heads.get_mut(&id)?;
    let entry = record.entry_at(side, version?, after, at)?;
    *head = head.extend(&entry);
    Some(EntryStamp {
        settled_at: at.clone(),
        hash: head.clone(),
    })
}

/// Decides `chunk` in order against `accounts`, each transaction seeing the balances
/// the earlier ones left, at `now`. Pure: the same inputs always give the same plan.
pub fn plan<R: Borrow<TransactionRecord>>(
    chunk: &[R],
    accounts: &HashMap<AccountId, Account>,
    now: &Timestamp,
) -> Plan {
    let mut states: HashMap<AccountId, AccountState> =
        accounts.iter().map(|(id, a)| (*id, state(a))).collect();
    let mut changed: HashSet<AccountId> = HashSet::new();
    let mut sequence: HashMap<AccountId, u64> =
        accounts.iter().map(|(id, a)| (*id, a.version)).collect();
    let mut heads: HashMap<AccountId, (ChainHead, Timestamp)> = accounts
        .iter()
        .map(|(id, a)| (*id, (a.chain_head.clone(), settled_at(a, now))))
        .collect();
    let mut outcomes = Vec::with_capacity(chunk.len());
    let mut versions = Vec::with_capacity(chunk.len());
    let mut entries = Vec::with_capacity(chunk.len());
    for record in chunk {
        let record = record.borrow();
        let destination = record.kind.destination();
        let source = states.get(&record.account_id).copied();
        let target = destination.and_then(|id| states.get(&id).copied());
        let outcome = apply(
            &record.kind,
            &record.currency,
            source.as_ref(),
            target.as_ref(),
        );
        if let Outcome::Applied {
            source_after,
            destination_after,
        } = outcome
        {
            set_balance(&mut states, &mut changed, record.account_id, source_after);
            let mut applied = Versions {
                source: next(&mut sequence, record.account_id),
                destination: None,
            };
            let mut stamps = Entries {
                source: stamp(
                    &mut heads,
                    record,
                    Role::Source,
                    applied.source,
                    source_after,
                ),
                destination: None,
            };
            if let (Some(id), Some(after)) = (destination, destination_after) {
                set_balance(&mut states, &mut changed, id, after);
                applied.destination = next(&mut sequence, id);
                stamps.destination = stamp(
                    &mut heads,
                    record,
                    Role::Destination,
                    applied.destination,
                    after,
                );
            }
            versions.push(applied);
            entries.push(stamps);
        } else {
            versions.push(Versions {
                source: sequence.get(&record.account_id).copied(),
                destination: None,
            });
            entries.push(Entries::default());
        }
        outcomes.push(outcome);
    }
    heads.retain(|id, _| changed.contains(id));
    let mut written: Vec<(AccountId, Balance)> = changed
        .into_iter()
        .filter_map(|id| states.get(&id).map(|s| (id, s.balance)))
        .collect();
    written.sort_by_key(|(id, _)| id.to_string());
    let version_after = written
        .iter()
        .filter_map(|(id, _)| sequence.get(id).map(|v| (*id, *v)))
        .collect();
    Plan {
        outcomes,
        written,
        versions,
        version_after,
        entries,
        heads,
    }
}

fn next(sequence: &mut HashMap<AccountId, u64>, id: AccountId) -> Option<u64> {
    sequence.get_mut(&id).map(|version| {
        *version = version.saturating_add(1);
        *version
    })
}

/// The accounts a rejection in `plan` was decided on and that the plan does not write:
/// their versions are checked when the plan is committed, so a rejection is never
/// written after a credit that would have prevented it (an account the plan writes is
/// already conditioned on its version). An account that does not exist has no version.
pub fn rejections_read<R: Borrow<TransactionRecord>>(
    chunk: &[R],
    plan: &Plan,
    accounts: &HashMap<AccountId, Account>,
) -> Vec<AccountId> {
    let written: HashSet<AccountId> = plan.written.iter().map(|(id, _)| *id).collect();
    let mut read: Vec<AccountId> = Vec::new();
    for (record, outcome) in chunk.iter().zip(&plan.outcomes) {
        if !matches!(outcome, Outcome::Rejected(_)) {
            continue;
        }
        let record = record.borrow();
        for id in std::iter::once(record.account_id).chain(record.kind.destination()) {
            if accounts.contains_key(&id) && !written.contains(&id) && !read.contains(&id) {
                read.push(id);
            }
        }
    }
    read
}

fn set_balance(
    states: &mut HashMap<AccountId, AccountState>,
    changed: &mut HashSet<AccountId>,
    id: AccountId,
    balance: Balance,
) {
    if let Some(state) = states.get_mut(&id) {
        state.balance = balance;
        changed.insert(id);
    }
}

/// The end of the chunk starting at `start`: as many transactions as fit in one
/// `TransactWriteItems` with every account they may touch (at least one transaction),
/// stopping before a transaction already in the chunk.
pub fn chunk_end<R: Borrow<TransactionRecord>>(records: &[R], start: usize) -> usize {
    let mut accounts: HashSet<AccountId> = HashSet::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut end = start;
    for record in &records[start.min(records.len())..] {
        let record = record.borrow();
        let new_accounts = std::iter::once(record.account_id)
            .chain(record.kind.destination())
            .filter(|id| !accounts.contains(id))
            .count();
        let items = accounts.len() + keys.len() + new_accounts + 1;
        let key = record.table_key();
        if end > start && (items > MAX_TRANSACTION_ITEMS || keys.contains(&key)) {
            break;
        }
        accounts.insert(record.account_id);
        accounts.extend(record.kind.destination());
        keys.insert(key);
        end += 1;
    }
    end
}

#[cfg(test)]
mod tests;
