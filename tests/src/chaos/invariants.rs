//! The bank's invariants, checked on the drained system against what the clients saw.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use shared::domain::{Role, TransactionStatus, TransactionType, signed_effect};
use shared::store::{Account, TransactionRecord};

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
            name: "total money moved only by deposits - withdrawals +- adjustments",
            violations: conservation(f),
        },
        Check {
            name: "no balance ever negative (final, sampled, balanceAfter)",
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
            name: "each account's COMPLETED transactions are its versions 1..n, balances following",
            violations: versions(f),
        },
        Check {
            name: "every settled transaction notified each holder once per channel",
            violations: notified_once(f),
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
    ]
}

fn stuck(f: &Facts<'_>) -> Vec<String> {
    f.transactions
        .iter()
        .filter(|t| t.status == TransactionStatus::Pending)
        .map(|t| format!("{} still PENDING", t.transaction_id))
        .collect()
}

fn mine<'a>(f: &'a Facts<'_>) -> impl Iterator<Item = &'a Account> {
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

fn by_key<'a>(f: &'a Facts<'_>) -> HashMap<String, &'a TransactionRecord> {
    f.transactions
        .iter()
        .map(|t| (t.idempotency_key.to_string().to_ascii_lowercase(), t))
        .collect()
}

/// Per account, the effect of the accepted requests whose transaction COMPLETED,
/// from the clients' own bodies.
fn client_effects(f: &Facts<'_>) -> HashMap<String, Decimal> {
    let records = by_key(f);
    let mut sums: HashMap<String, Decimal> = HashMap::new();
    for o in f.outcomes.iter().filter(|o| o.accepted()) {
        let completed = records
            .get(&o.op.key.to_ascii_lowercase())
            .is_some_and(|t| t.status == TransactionStatus::Completed);
        if !completed {
            continue;
        }
        let amount = o.op.amount;
        let source = match o.op.kind {
            "DEPOSIT" | "ADJUSTMENT" => amount,
            _ => -amount,
        };
        *sums.entry(o.op.account.clone()).or_default() += source;
        if let Some(to) = &o.op.to {
            *sums.entry(to.clone()).or_default() += amount;
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
    let records = by_key(f);
    let external: Decimal = f
        .outcomes
        .iter()
        .filter(|o| o.accepted() && o.op.kind != "TRANSFER")
        .filter(|o| {
            records
                .get(&o.op.key.to_ascii_lowercase())
                .is_some_and(|t| t.status == TransactionStatus::Completed)
        })
        .map(|o| {
            if o.op.kind == "WITHDRAWAL" {
                -o.op.amount
            } else {
                o.op.amount
            }
        })
        .sum();
    if total == external {
        Vec::new()
    } else {
        vec![format!(
            "total balance {total}, but deposits - withdrawals +- adjustments = {external}"
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
            .filter(|a| a.balance.as_decimal() < Decimal::ZERO)
            .map(|a| format!("final: {} at {}", a.account_id, a.balance.as_decimal())),
    );
    for t in f.transactions {
        for after in [t.balance_after, t.to_balance_after].into_iter().flatten() {
            if after.as_decimal() < Decimal::ZERO {
                out.push(format!(
                    "{}: balance after {}",
                    t.transaction_id,
                    after.as_decimal()
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
    for (key, t) in &records {
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

/// Per account, its COMPLETED transactions by the account version each left, with
/// the balance after it and its signed effect on the account.
fn sequences(f: &Facts<'_>) -> HashMap<String, Vec<(Option<u64>, Decimal, Decimal)>> {
    let mut by_account: HashMap<String, Vec<(Option<u64>, Decimal, Decimal)>> = HashMap::new();
    for t in f
        .transactions
        .iter()
        .filter(|t| t.status == TransactionStatus::Completed)
    {
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

/// An account's version is the number of transactions settled on it, each COMPLETED
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
            out.push(format!("{id}: version {} but {n} COMPLETED", a.version));
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

/// (recipient, text to find) → how many messages it is owed.
type Owed = HashMap<(String, String), usize>;

/// What each recipient is owed: (emails, SMS).
fn owed(f: &Facts<'_>) -> (Owed, Owed) {
    let by_sub = |sub: &str| f.users.iter().find(|u| u.sub == sub);
    let owner = |account: &str| {
        f.accounts
            .iter()
            .find(|a| a.account_id.to_string() == account)
            .and_then(|a| by_sub(&a.owner_id))
    };
    let (mut emails, mut sms) = (HashMap::new(), HashMap::new());
    for t in f
        .transactions
        .iter()
        .filter(|t| t.status != TransactionStatus::Pending)
    {
        let id = t.transaction_id.to_string();
        // The source account's holder (the recorder, or the customer an operator
        // adjusted), found from the accounts table, not from the transaction.
        let mut holders = vec![owner(&t.account_id.to_string())];
        let transfer = t.kind.transaction_type() == TransactionType::Transfer;
        if let (true, TransactionStatus::Completed, Some(to)) =
            (transfer, t.status, t.kind.destination())
        {
            holders.push(owner(&to.to_string()));
        }
        for user in holders.into_iter().flatten() {
            *emails.entry((user.email.clone(), id.clone())).or_insert(0) += 1;
            *sms.entry((user.phone.clone(), format!("Ref {}", &id[..8])))
                .or_insert(0) += 1;
        }
    }
    (emails, sms)
}

fn count(sent: &[(String, String)], recipient: &str, needle: &str) -> usize {
    sent.iter()
        .filter(|(to, text)| to == recipient && text.contains(needle))
        .count()
}

fn notified_once(f: &Facts<'_>) -> Vec<String> {
    let (emails, sms) = owed(f);
    let mut out = Vec::new();
    for (channel, owed, sent) in [
        ("email", &emails, &f.sent.emails),
        ("sms", &sms, &f.sent.sms),
    ] {
        for ((to, needle), n) in owed {
            let got = count(sent, to, needle);
            if got != *n {
                out.push(format!("{channel} about {needle}: {got} sent, {n} owed"));
            }
        }
        let total: usize = owed.values().sum();
        if sent.len() != total {
            out.push(format!(
                "{channel}: {} sent to the run's users, {total} owed",
                sent.len()
            ));
        }
    }
    out
}
