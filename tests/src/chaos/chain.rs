//! The hash chain, checked over every account's whole history after the workload:
//! each COMPLETED transaction that posts (not a hold's life cycle) is an entry on each
//! account it changed, an account's entries settle in version order without going
//! back in time, and they chain from genesis to the head stored on the account.

use std::collections::HashMap;

use shared::domain::chain::check_chain;
use shared::domain::{AccountId, ChainHead, LedgerEntry, Role, TransactionStatus};

use super::invariants::Facts;

/// Violations of the chain, per account.
pub fn chained(f: &Facts<'_>) -> Vec<String> {
    let mut violations = Vec::new();
    let mut ledgers: HashMap<AccountId, Vec<(LedgerEntry, ChainHead)>> = HashMap::new();
    for record in f.transactions {
        // A hold's life cycle (HOLD, VOID, EXPIRY) moves no posted money: no entry.
        if record.status != TransactionStatus::Completed || !record.kind.posts() {
            continue;
        }
        let sides = [
            Some(Role::Source),
            record.kind.destination().map(|_| Role::Destination),
        ];
        for side in sides.into_iter().flatten() {
            match record.ledger_entry(side) {
                Some((entry, head)) => ledgers
                    .entry(entry.account_id)
                    .or_default()
                    .push((entry, head)),
                None => violations.push(format!(
                    "{}: COMPLETED without its {side:?} entry",
                    record.transaction_id
                )),
            }
        }
    }
    for account in f.accounts {
        let mut ledger = ledgers.remove(&account.account_id).unwrap_or_default();
        ledger.sort_by_key(|(entry, _)| entry.version);
        let out_of_time = ledger
            .windows(2)
            .find(|pair| pair[1].0.settled_at < pair[0].0.settled_at);
        if let Some(pair) = out_of_time {
            violations.push(format!(
                "{}: version {} settled before version {}",
                account.account_id, pair[1].0.version, pair[0].0.version
            ));
        }
        let pairs = ledger.iter().map(|(entry, head)| (entry, head));
        if let Err(position) = check_chain(&ChainHead::genesis(), pairs, &account.chain_head) {
            violations.push(format!(
                "{}: the chain breaks at entry {position} of {}",
                account.account_id,
                ledger.len()
            ));
        }
    }
    violations.extend(
        ledgers
            .keys()
            .map(|id| format!("{id}: entries for an account that does not exist")),
    );
    violations
}
