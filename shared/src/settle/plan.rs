//! The decision for a group of transactions: each decided in order by the pure ledger
//! rule against the balances the earlier ones left, and the final balance of every
//! account they changed (written once). Also how many transactions fit one commit.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};

use crate::clock::Timestamp;
use crate::domain::{
    AccountId, AccountState, Balance, ChainHead, Outcome, Role, TransactionId, TransactionKind,
    apply_linked,
};
use crate::store::{
    Account, AccountWrite, EntryStamp, LinkWrite, MAX_TRANSACTION_ITEMS, Settle, Settlement,
    TransactionRecord, Versions, hold_day,
};

mod links;

pub use links::link;
use links::{held_left, link_write};

/// What the ledger rule needs of an account.
pub fn state(account: &Account) -> AccountState {
    AccountState {
        status: account.status,
        currency: account.currency,
        balance: account.balance,
        held: account.held,
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
    /// Each written account's held amount after the plan.
    pub held_after: HashMap<AccountId, Balance>,
    /// Per transaction, the write on the transaction it acts on (a hold ended, an
    /// original's reversed amount), when it is applied.
    pub links: Vec<Option<LinkWrite>>,
    /// Per transaction, the held amounts it leaves on its source and destination
    /// accounts: recorded when not zero, or when it changed them.
    pub held: Vec<[Option<Balance>; 2]>,
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
                    held: self.held_after.get(id).copied().unwrap_or(account.held),
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
            .zip(self.links.iter().zip(&self.held))
            .map(
                |((record, ((outcome, versions), entries)), (link, held))| Settle {
                    record,
                    settlement: settlement(record, outcome, accounts),
                    versions: *versions,
                    source_entry: entries.source.as_ref(),
                    destination_entry: entries.destination.as_ref(),
                    link: link.as_ref(),
                    held: *held,
                },
            )
            .collect()
    }
}

fn settlement<'a>(
    record: &TransactionRecord,
    outcome: &Outcome,
    accounts: &'a HashMap<AccountId, Account>,
) -> Settlement<'a> {
    match outcome {
        Outcome::Applied { source_after, .. }
            if matches!(record.kind, TransactionKind::Hold { .. }) =>
        {
            Settlement::Held {
                day: record.expires_at.as_ref().map(hold_day),
                balance: *source_after,
            }
        }
        Outcome::Applied {
            source_after,
            destination_after,
            ..
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
    plan_linked(chunk, accounts, &HashMap::new(), now)
}

/// [`plan`] with the transactions the chunk's captures, voids, expiries and
/// reversals act on (`linked`, by id). A chunk never holds two transactions acting on
/// the same one, nor one and the transaction it acts on (see [`chunk_end`]).
pub fn plan_linked<R: Borrow<TransactionRecord>>(
    chunk: &[R],
    accounts: &HashMap<AccountId, Account>,
    linked: &HashMap<TransactionId, TransactionRecord>,
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
    let mut links = Vec::with_capacity(chunk.len());
    let mut held = Vec::with_capacity(chunk.len());
    for record in chunk {
        let record = record.borrow();
        let destination = record.kind.destination();
        let source = states.get(&record.account_id).copied();
        let target = destination.and_then(|id| states.get(&id).copied());
        let found = record.kind.link().and_then(|id| linked.get(&id));
        let outcome = apply_linked(
            &record.kind,
            &record.currency,
            source.as_ref(),
            target.as_ref(),
            found.and_then(|l| link(record, l, now)).as_ref(),
        );
        links.push(match outcome {
            Outcome::Applied { .. } => found.and_then(|l| link_write(record, l)),
            Outcome::Rejected(_) => None,
        });
        if let Outcome::Applied {
            source_after,
            held_after,
            destination_after,
        } = outcome
        {
            set_balance(&mut states, &mut changed, record.account_id, source_after);
            if let Some(state) = states.get_mut(&record.account_id) {
                state.held = held_after;
            }
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
        held.push(held_left(record, &outcome, &states));
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
    let held_after = written
        .iter()
        .filter_map(|(id, _)| states.get(id).map(|s| (*id, s.held)))
        .collect();
    Plan {
        outcomes,
        written,
        versions,
        version_after,
        entries,
        heads,
        held_after,
        links,
        held,
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
/// `TransactWriteItems` with every account they may touch and every transaction they
/// act on (at least one transaction), stopping before a transaction already in the
/// chunk, one acting on a transaction in the chunk or acted on by one, and a second
/// acting on the same transaction (each is decided on what the chunk read).
pub fn chunk_end<R: Borrow<TransactionRecord>>(records: &[R], start: usize) -> usize {
    let mut accounts: HashSet<AccountId> = HashSet::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut ids: HashSet<TransactionId> = HashSet::new();
    let mut end = start;
    for record in &records[start.min(records.len())..] {
        let record = record.borrow();
        let new_accounts = std::iter::once(record.account_id)
            .chain(record.kind.destination())
            .filter(|id| !accounts.contains(id))
            .count();
        let link = record.kind.link();
        let items = accounts.len() + keys.len() + new_accounts + 1 + usize::from(link.is_some());
        let key = record.table_key();
        let tangled =
            link.is_some_and(|l| ids.contains(&l)) || ids.contains(&record.transaction_id);
        if end > start && (items > MAX_TRANSACTION_ITEMS || keys.contains(&key) || tangled) {
            break;
        }
        accounts.insert(record.account_id);
        accounts.extend(record.kind.destination());
        keys.insert(key);
        ids.insert(record.transaction_id);
        if let Some(link) = link {
            ids.insert(link);
            keys.insert(format!("link#{link}"));
        }
        end += 1;
    }
    end
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod linked_tests;
