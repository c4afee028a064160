//! The bank's invariants, checked on the drained system against what the clients saw.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use shared::domain::{Role, TransactionStatus, signed_effect};
use shared::store::{Account, SYSTEM_USER, TransactionRecord};

use super::observe::Sent;
use super::workload::{Outcome, Replay, User};

/// Everything the checks look at.
#[derive(Debug)]
pub struct Facts<'a> {
    pub users: &'a [User],
    pub outcomes: &'a [Outcome],
    pub accounts: &'a [Account],
    pub transactions: &'a [TransactionRecord],
    pub sent: &'a Sent,
    /// Negative balances the sampler saw during the run.
    pub sampled_negatives: &'a [String],
}

/// One invariant's verdict.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub violations: Vec<String>,
}

/// Runs every check.
pub fn check(f: &Facts<'_>) -> Vec<Check> {
    vec![
        Check {
            name: "nothing stuck PENDING",
            violations: stuck(f),
        },
        Check {
            name: "balance = sum of its COMPLETED transactions (stored)",
            violations: balances_from_ledger(f),
        },
        Check {
            name: "balance = sum of the accepted requests that COMPLETED (client side)",
            violations: balances_from_clients(f),
        },
        Check {
            name: "total money moved only by deposits - withdrawals +- adjustments - captures +- reversals",
            violations: conservation(f),
        },
        Check {
            name: "no balance or available balance ever negative (final, sampled, balanceAfter - heldAfter)",
            violations: never_negative(f),
        },
        Check {
            name: "every accepted request is exactly one transaction, and no other exists",
            violations: one_per_request(f),
        },
        Check {
            name: "key reused with another body: 422 IDEMPOTENCY_KEY_REUSED, nothing changed",
            violations: reuse(f),
        },
        Check {
            name: "each account's applied transactions are its versions 1..n, balances following",
            violations: versions(f),
        },
        Check {
            name: "every settled transaction notified each holder once per channel",
            violations: super::notified::notified_once(f),
        },
        Check {
            name: "one account's transactions settle in the order they were accepted",
            violations: super::order::acceptance_order(f),
        },
        Check {
            name: "no debit rejected for funds while an earlier transfer to it was PENDING",
            violations: super::order::no_premature_rejection(f),
        },
        Check {
            name: "every account's entries chain from genesis to its head, in settlement order",
            violations: super::chain::chained(f),
        },
        Check {
            name: "heldAmount = sum of its ACTIVE holds; available = posted - held >= 0",
            violations: super::holds::held_amounts(f),
        },
        Check {
            name: "every hold ends at most once: one COMPLETED capture/void/expiry per ended hold, named by endedBy",
            violations: super::holds::ended_once(f),
        },
        Check {
            name: "a capture never exceeds its hold; a full capture takes all of it",
            violations: super::holds::captures_within(f),
        },
        Check {
            name: "an EXPIRY is the system's, one per hold, COMPLETED only past expiresAt",
            violations: super::holds::expiries(f),
        },
        Check {
            name: "sum of COMPLETED reversals of an original <= its amount, = its reversedAmount",
            violations: super::holds::reversals_bounded(f),
        },
        Check {
            name: "every capture, void and reversal acts on the transaction its client named",
            violations: super::holds::linked_as_asked(f),
        },
    ]
}

fn stuck(f: &Facts<'_>) -> Vec<String> {
    f.transactions
        .iter()
        .filter(|t| t.status == TransactionStatus::Pending)
        .map(|t| format!("{} still PENDING", t.transaction_id))
        .collect()
}

pub(super) fn mine<'a>(f: &'a Facts<'_>) -> impl Iterator<Item = &'a Account> {
    f.accounts.iter().filter(|a| {
        f.users
            .iter()
            .any(|u| u.accounts.contains(&a.account_id.to_string()))
    })
}

fn balances_from_ledger(f: &Facts<'_>) -> Vec<String> {
    let mut sums: HashMap<String, Decimal> = HashMap::new();
    for t in f
        .transactions
        .iter()
        .filter(|t| t.status == TransactionStatus::Completed)
    {
        *sums.entry(t.account_id.to_string()).or_default() += signed_effect(&t.kind, Role::Source);
        if let Some(to) = t.kind.destination() {
            *sums.entry(to.to_string()).or_default() += signed_effect(&t.kind, Role::Destination);
        }
    }
    mine(f)
        .filter_map(|a| {
            let expected = sums
                .get(&a.account_id.to_string())
                .copied()
                .unwrap_or_default();
            (a.balance.as_decimal() != expected).then(|| {
                format!(
                    "{}: balance {} but COMPLETED sum {expected}",
                    a.account_id,
                    a.balance.as_decimal()
                )
            })
        })
        .collect()
}

pub(super) fn by_key<'a>(f: &'a Facts<'_>) -> HashMap<String, &'a TransactionRecord> {
    f.transactions
        .iter()
        .map(|t| (t.idempotency_key.to_string().to_ascii_lowercase(), t))
        .collect()
}

/// The accepted requests whose transaction COMPLETED, with the amount it moved (the
/// client's own, but for a reversal of what was left: the stored one).
fn completed_requests<'a>(f: &'a Facts<'_>) -> Vec<(&'a Outcome, Decimal)> {
    let records = by_key(f);
    f.outcomes
        .iter()
        .filter(|o| o.accepted())
        .filter_map(|o| {
            let t = records
                .get(&o.op.key.to_ascii_lowercase())
                .filter(|t| t.status == TransactionStatus::Completed)?;
            let stored = || Decimal::from_str(&t.kind.amount_text()).ok();
            Some((o, o.op.known_amount().or_else(stored)?))
        })
        .collect()
}

/// Per account, the effect of the accepted requests whose transaction COMPLETED,
/// from the clients' own bodies.
fn client_effects(f: &Facts<'_>) -> HashMap<String, Decimal> {
    let mut sums: HashMap<String, Decimal> = HashMap::new();
    for (o, amount) in completed_requests(f) {
        for (account, effect) in o.op.effects(amount) {
            *sums.entry(account).or_default() += effect;
        }
    }
    sums
}

fn balances_from_clients(f: &Facts<'_>) -> Vec<String> {
    let sums = client_effects(f);
    mine(f)
        .filter_map(|a| {
            let expected = sums
                .get(&a.account_id.to_string())
                .copied()
                .unwrap_or_default();
            (a.balance.as_decimal() != expected).then(|| {
                format!(
                    "{}: balance {} but clients' COMPLETED sum {expected}",
                    a.account_id,
                    a.balance.as_decimal()
                )
            })
        })
        .collect()
}

fn conservation(f: &Facts<'_>) -> Vec<String> {
    let total: Decimal = mine(f).map(|a| a.balance.as_decimal()).sum();
    // Transfers and their reversals move money inside the bank: their effects cancel.
    let external: Decimal = completed_requests(f)
        .into_iter()
        .flat_map(|(o, amount)| o.op.effects(amount))
        .map(|(_, effect)| effect)
        .sum();
    if total == external {
        Vec::new()
    } else {
        vec![format!(
            "total balance {total}, but deposits - withdrawals +- adjustments - captures +- reversals = {external}"
        )]
    }
}

fn never_negative(f: &Facts<'_>) -> Vec<String> {
    let mut out: Vec<String> = f
        .sampled_negatives
        .iter()
        .map(|n| format!("sampled: {n}"))
        .collect();
    out.extend(
        mine(f)
            .filter(|a| a.balance.as_decimal() - a.held.as_decimal() < Decimal::ZERO)
            .map(|a| {
                format!(
                    "final: {} at {} with {} held",
                    a.account_id,
                    a.balance.as_decimal(),
                    a.held.as_decimal()
                )
            }),
    );
    let decimal = |b: Option<shared::domain::Balance>| b.map(|b| b.as_decimal());
    for t in f.transactions {
        // Not recorded: nothing held.
        let sides = [
            (t.balance_after, t.held_after),
            (t.to_balance_after, t.to_held_after),
        ];
        for (after, held) in sides {
            let Some(after) = decimal(after) else {
                continue;
            };
            let held = decimal(held).unwrap_or_default();
            if after < Decimal::ZERO || after - held < Decimal::ZERO {
                out.push(format!(
                    "{}: balance after {after}, held after {held}",
                    t.transaction_id
                ));
            }
        }
    }
    out
}

fn one_per_request(f: &Facts<'_>) -> Vec<String> {
    let records = by_key(f);
    let mut out = Vec::new();
    for o in f.outcomes {
        let key = o.op.key.to_ascii_lowercase();
        let Some(first) = o.transaction_ids.first() else {
            out.push(format!(
                "key {key}: never accepted (statuses {:?})",
                o.statuses
            ));
            continue;
        };
        if o.statuses.iter().any(|s| *s != 201) || o.transaction_ids.iter().any(|id| id != first) {
            out.push(format!(
                "key {key}: answers {:?} name {:?}",
                o.statuses, o.transaction_ids
            ));
        }
        match records.get(&key) {
            Some(t) if t.transaction_id.to_string() == *first => {}
            Some(t) => out.push(format!(
                "key {key}: client saw {first}, table holds {}",
                t.transaction_id
            )),
            None => out.push(format!(
                "key {key}: accepted as {first} but no transaction item"
            )),
        }
        if matches!(o.op.replay, Replay::Later(_)) && o.replayed == 0 {
            out.push(format!(
                "key {key}: later replay not marked Idempotent-Replayed"
            ));
        }
    }
    let accepted: std::collections::HashSet<String> = f
        .outcomes
        .iter()
        .filter(|o| o.accepted())
        .map(|o| o.op.key.to_ascii_lowercase())
        .collect();
    // The ledger's own (a hold's EXPIRY) has no request: checked with the holds.
    for (key, t) in records
        .iter()
        .filter(|(_, t)| t.user_id.as_str() != SYSTEM_USER)
    {
        if !accepted.contains(key) {
            out.push(format!(
                "{} exists without an accepted request (key {key})",
                t.transaction_id
            ));
        }
    }
    if f.transactions.len() != records.len() {
        out.push(format!(
            "{} items for {} distinct keys",
            f.transactions.len(),
            records.len()
        ));
    }
    out
}

fn reuse(f: &Facts<'_>) -> Vec<String> {
    let records = by_key(f);
    let mut out = Vec::new();
    for o in f
        .outcomes
        .iter()
        .filter(|o| o.op.replay == Replay::OtherBody)
    {
        if o.reuse_status != Some(422) || o.reuse_code.as_deref() != Some("IDEMPOTENCY_KEY_REUSED")
        {
            out.push(format!(
                "key {}: reuse answered {:?} {:?}",
                o.op.key, o.reuse_status, o.reuse_code
            ));
        }
        let stored = records
            .get(&o.op.key.to_ascii_lowercase())
            .and_then(|t| Decimal::from_str(&t.kind.amount_text()).ok());
        if stored != Some(o.op.amount) {
            out.push(format!(
                "key {}: stored amount {stored:?}, first body {}",
                o.op.key, o.op.amount
            ));
        }
    }
    out
}

/// Whether `t` was applied to its accounts: COMPLETED, or a hold that became ACTIVE
/// (and may have ended since).
pub fn applied(t: &TransactionRecord) -> bool {
    matches!(
        t.status,
        TransactionStatus::Completed
            | TransactionStatus::Active
            | TransactionStatus::Captured
            | TransactionStatus::Voided
            | TransactionStatus::Expired
    )
}

/// Per account, its applied transactions by the account version each left, with the
/// balance after it and its signed effect on the account (none for a hold's life
/// cycle, which moves only the held amount).
fn sequences(f: &Facts<'_>) -> HashMap<String, Vec<(Option<u64>, Decimal, Decimal)>> {
    let mut by_account: HashMap<String, Vec<(Option<u64>, Decimal, Decimal)>> = HashMap::new();
    for t in f.transactions.iter().filter(|t| applied(t)) {
        let after =
            |b: Option<shared::domain::Balance>| b.map(|b| b.as_decimal()).unwrap_or_default();
        by_account
            .entry(t.account_id.to_string())
            .or_default()
            .push((
                t.account_version,
                after(t.balance_after),
                signed_effect(&t.kind, Role::Source),
            ));
        if let Some(to) = t.kind.destination() {
            by_account.entry(to.to_string()).or_default().push((
                t.to_account_version,
                after(t.to_balance_after),
                signed_effect(&t.kind, Role::Destination),
            ));
        }
    }
    by_account
}

/// An account's version is the number of transactions applied to it, each applied
/// transaction has its own version in 1..=n, and its balance after is the one before
/// it plus its effect: one sequence, no gap, no double.
fn versions(f: &Facts<'_>) -> Vec<String> {
    let mut sequences = sequences(f);
    let mut out = Vec::new();
    for a in mine(f) {
        let id = a.account_id.to_string();
        let mut entries = sequences.remove(&id).unwrap_or_default();
        entries.sort_by_key(|(v, _, _)| *v);
        let n = entries.len() as u64;
        if a.version != n {
            out.push(format!("{id}: version {} but {n} applied", a.version));
        }
        let mut balance = Decimal::ZERO;
        for (i, (version, after, effect)) in entries.iter().enumerate() {
            balance += effect;
            if *version != Some(i as u64 + 1) || *after != balance {
                out.push(format!(
                    "{id}: entry {} has version {version:?}, balance after {after}, expected {} and {balance}",
                    i + 1,
                    i + 1
                ));
                break;
            }
        }
    }
    out
}
