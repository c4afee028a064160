//! Holds and reversals, checked on the drained system: held amounts add up, every
//! hold ends at most once and as its end says, captures stay within their holds,
//! expiries are the ledger's own, and reversals never add up to more than their
//! original.

use std::collections::HashMap;

use rust_decimal::Decimal;
use shared::domain::{
    Direction, TransactionId, TransactionKind, TransactionStatus, TransactionType,
};
use shared::store::{SYSTEM_USER, TransactionRecord};

use super::invariants::{Facts, by_key, mine};

fn by_id<'a>(f: &'a Facts<'_>) -> HashMap<TransactionId, &'a TransactionRecord> {
    f.transactions
        .iter()
        .map(|t| (t.transaction_id, t))
        .collect()
}

fn hold_amount(t: &TransactionRecord) -> Option<Decimal> {
    match t.kind {
        TransactionKind::Hold { amount } => Some(amount.as_decimal()),
        _ => None,
    }
}

fn amount(t: &TransactionRecord) -> Decimal {
    t.kind.amount_text().parse().unwrap_or_default()
}

/// An account's `heldAmount` is the sum of its ACTIVE holds, and its available
/// balance (posted - held) is not negative. Only holds are ever ACTIVE.
pub fn held_amounts(f: &Facts<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut held: HashMap<String, Decimal> = HashMap::new();
    for t in f
        .transactions
        .iter()
        .filter(|t| t.status == TransactionStatus::Active)
    {
        match hold_amount(t) {
            Some(amount) => *held.entry(t.account_id.to_string()).or_default() += amount,
            None => out.push(format!(
                "{}: a {} is ACTIVE",
                t.transaction_id,
                t.kind.transaction_type()
            )),
        }
    }
    for a in mine(f) {
        let sum = held
            .get(&a.account_id.to_string())
            .copied()
            .unwrap_or_default();
        let (posted, stored) = (a.balance.as_decimal(), a.held.as_decimal());
        if stored != sum {
            out.push(format!(
                "{}: heldAmount {stored} but its ACTIVE holds add up to {sum}",
                a.account_id
            ));
        }
        if posted - sum < Decimal::ZERO {
            out.push(format!(
                "{}: available {posted} - {sum} is negative",
                a.account_id
            ));
        }
    }
    out
}

/// The type of the transaction that ends a hold in `status` (`None`: not ended).
fn ender(status: TransactionStatus) -> Option<TransactionType> {
    match status {
        TransactionStatus::Captured => Some(TransactionType::Capture),
        TransactionStatus::Voided => Some(TransactionType::Void),
        TransactionStatus::Expired => Some(TransactionType::Expiry),
        _ => None,
    }
}

/// A CAPTURED, VOIDED or EXPIRED hold has exactly one COMPLETED capture, void or
/// expiry (of that type), which its `endedBy` names; any other hold has none.
pub fn ended_once(f: &Facts<'_>) -> Vec<String> {
    let ids = by_id(f);
    let mut out = Vec::new();
    let mut ends: HashMap<TransactionId, Vec<&TransactionRecord>> = HashMap::new();
    for t in f
        .transactions
        .iter()
        .filter(|t| t.status == TransactionStatus::Completed)
    {
        if let Some(hold) = t.hold_id() {
            ends.entry(hold).or_default().push(t);
            match ids.get(&hold) {
                Some(h) if hold_amount(h).is_some() && h.account_id == t.account_id => {}
                _ => out.push(format!(
                    "{}: a COMPLETED {} of {hold}, not a hold on its account",
                    t.transaction_id,
                    t.kind.transaction_type()
                )),
            }
        }
    }
    for t in f.transactions {
        let is_hold = hold_amount(t).is_some();
        let expected = ender(t.status);
        if !is_hold {
            if expected.is_some() || t.status == TransactionStatus::Active {
                out.push(format!(
                    "{}: a {} is {}",
                    t.transaction_id,
                    t.kind.transaction_type(),
                    t.status
                ));
            }
            continue;
        }
        let found: Vec<&TransactionRecord> = ends.remove(&t.transaction_id).unwrap_or_default();
        let names = || {
            found
                .iter()
                .map(|e| format!("{} {}", e.kind.transaction_type(), e.transaction_id))
                .collect::<Vec<_>>()
        };
        match (expected, found.as_slice()) {
            (None, []) if t.ended_by.is_none() && t.status != TransactionStatus::Completed => {}
            (None, _) => out.push(format!(
                "hold {} is {}, endedBy {:?}, ended by {:?}",
                t.transaction_id,
                t.status,
                t.ended_by,
                names()
            )),
            (Some(kind), [one])
                if one.kind.transaction_type() == kind
                    && t.ended_by == Some(one.transaction_id) => {}
            (Some(_), _) => out.push(format!(
                "hold {} is {}, endedBy {:?}, but COMPLETED: {:?}",
                t.transaction_id,
                t.status,
                t.ended_by.map(|e| e.to_string()),
                names()
            )),
        }
    }
    out
}

/// No capture (whatever became of it) asks for more than its hold; a CAPTURED hold's
/// `capturedAmount` is its capture's amount; a capture without an amount took the
/// whole hold.
pub fn captures_within(f: &Facts<'_>) -> Vec<String> {
    let ids = by_id(f);
    let mut out = Vec::new();
    for c in f
        .transactions
        .iter()
        .filter(|t| t.kind.transaction_type() == TransactionType::Capture)
    {
        let hold = c.hold_id().and_then(|h| ids.get(&h)).copied();
        match hold.and_then(hold_amount) {
            Some(held) if amount(c) <= held => {}
            held => out.push(format!(
                "capture {} of {} for {}: hold of {held:?}",
                c.transaction_id,
                c.hold_id().map(|h| h.to_string()).unwrap_or_default(),
                amount(c)
            )),
        }
    }
    for h in f
        .transactions
        .iter()
        .filter(|t| t.status == TransactionStatus::Captured)
    {
        let capture = h.ended_by.and_then(|e| ids.get(&e)).copied();
        let captured = h.captured_amount.map(|m| m.as_decimal());
        if capture.map(amount) != captured {
            out.push(format!(
                "hold {}: capturedAmount {captured:?}, its capture took {:?}",
                h.transaction_id,
                capture.map(amount)
            ));
        }
    }
    let records = by_key(f);
    for o in f
        .outcomes
        .iter()
        .filter(|o| o.accepted() && o.op.kind == "CAPTURE" && !o.op.explicit)
    {
        let stored = records
            .get(&o.op.key.to_ascii_lowercase())
            .map(|t| amount(t));
        if stored != Some(o.op.amount) {
            out.push(format!(
                "key {}: a full capture of a hold of {} stored {stored:?}",
                o.op.key, o.op.amount
            ));
        }
    }
    out
}

/// Every EXPIRY is recorded by the system under its hold's id (so one per hold), on
/// the hold's account, and COMPLETED only once the hold's `expiresAt` had passed.
pub fn expiries(f: &Facts<'_>) -> Vec<String> {
    let ids = by_id(f);
    let mut out = Vec::new();
    let mut per_hold: HashMap<TransactionId, usize> = HashMap::new();
    for e in f
        .transactions
        .iter()
        .filter(|t| t.kind.transaction_type() == TransactionType::Expiry)
    {
        let Some(hold) = e.hold_id().and_then(|h| ids.get(&h)).copied() else {
            out.push(format!("expiry {}: no hold", e.transaction_id));
            continue;
        };
        *per_hold.entry(hold.transaction_id).or_default() += 1;
        if e.user_id.as_str() != SYSTEM_USER
            || e.idempotency_key.to_string() != hold.transaction_id.to_string()
            || e.account_id != hold.account_id
        {
            out.push(format!(
                "expiry {}: by {}, key {}, account {}; hold {} on {}",
                e.transaction_id,
                e.user_id.as_str(),
                e.idempotency_key,
                e.account_id,
                hold.transaction_id,
                hold.account_id
            ));
        }
        if e.status == TransactionStatus::Completed {
            let early = match (&hold.expires_at, &e.processed_at) {
                (Some(at), Some(done)) => done < at,
                _ => true,
            };
            if early {
                out.push(format!(
                    "expiry {} COMPLETED at {:?}, hold {} expires at {:?}",
                    e.transaction_id,
                    e.processed_at.as_deref(),
                    hold.transaction_id,
                    hold.expires_at.as_deref()
                ));
            }
        }
    }
    out.extend(
        per_hold
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(hold, n)| format!("hold {hold}: {n} expiries")),
    );
    out
}

/// Which way a reversal of `original` must move money, and the account it is
/// recorded on; `None` for a type that cannot be reversed.
fn reversal_of(original: &TransactionRecord) -> Option<(Direction, String)> {
    let on = original.account_id.to_string();
    match original.kind {
        TransactionKind::Deposit { .. } => Some((Direction::Debit, on)),
        TransactionKind::Withdrawal { .. } | TransactionKind::Capture { .. } => {
            Some((Direction::Credit, on))
        }
        TransactionKind::Transfer { to, .. } => Some((
            Direction::Transfer {
                to: original.account_id,
            },
            to.to_string(),
        )),
        _ => None,
    }
}

/// Each reversal moves its original's money back the right way, only a COMPLETED
/// original's, and the COMPLETED reversals of an original add up to its
/// `reversedAmount`, never more than its amount.
pub fn reversals_bounded(f: &Facts<'_>) -> Vec<String> {
    let ids = by_id(f);
    let mut out = Vec::new();
    let mut sums: HashMap<TransactionId, Decimal> = HashMap::new();
    for r in f.transactions {
        let TransactionKind::Reversal { of, direction, .. } = r.kind else {
            continue;
        };
        let Some(original) = ids.get(&of).copied() else {
            out.push(format!(
                "reversal {}: original {of} not found",
                r.transaction_id
            ));
            continue;
        };
        let expected = reversal_of(original);
        if expected != Some((direction, r.account_id.to_string())) {
            out.push(format!(
                "reversal {} ({direction:?} on {}) of a {} on {}",
                r.transaction_id,
                r.account_id,
                original.kind.transaction_type(),
                original.account_id
            ));
        }
        if r.status == TransactionStatus::Completed {
            if original.status != TransactionStatus::Completed {
                out.push(format!(
                    "reversal {} COMPLETED, original {of} is {}",
                    r.transaction_id, original.status
                ));
            }
            *sums.entry(of).or_default() += amount(r);
        }
    }
    for o in f.transactions {
        let sum = sums.remove(&o.transaction_id);
        if sum.is_none() && o.reversed_amount.is_none() {
            continue;
        }
        let sum = sum.unwrap_or_default();
        let stored = o
            .reversed_amount
            .map(|m| m.as_decimal())
            .unwrap_or_default();
        if sum > amount(o) || sum != stored {
            out.push(format!(
                "{} {} of {}: COMPLETED reversals add up to {sum}, reversedAmount {stored}",
                o.kind.transaction_type(),
                o.transaction_id,
                amount(o)
            ));
        }
    }
    out
}

/// Every accepted capture, void and reversal is stored acting on the transaction its
/// client sent it to.
pub fn linked_as_asked(f: &Facts<'_>) -> Vec<String> {
    let records = by_key(f);
    f.outcomes
        .iter()
        .filter(|o| o.accepted() && o.target.is_some())
        .filter_map(|o| {
            let stored = records
                .get(&o.op.key.to_ascii_lowercase())
                .and_then(|t| t.kind.link())
                .map(|l| l.to_string());
            (stored != o.target).then(|| {
                format!(
                    "{} with key {}: sent to {:?}, stored acting on {stored:?}",
                    o.op.kind, o.op.key, o.target
                )
            })
        })
        .collect()
}

/// What became of the holds, captures, voids, expiries and reversals: how much the
/// checks above had to look at.
pub fn tally(transactions: &[TransactionRecord]) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for t in transactions {
        let kind = t.kind.transaction_type();
        if !matches!(
            kind,
            TransactionType::Hold
                | TransactionType::Capture
                | TransactionType::Void
                | TransactionType::Expiry
                | TransactionType::Reversal
        ) {
            continue;
        }
        let how = match t.rejection_reason {
            Some(reason) => format!("{kind} {} {reason}", t.status),
            None => format!("{kind} {}", t.status),
        };
        *counts.entry(how).or_default() += 1;
    }
    let partial = transactions
        .iter()
        .filter(|t| t.status == TransactionStatus::Captured)
        .filter(|t| t.captured_amount.map(|m| m.as_decimal()) != hold_amount(t))
        .count();
    let reversed = transactions
        .iter()
        .filter(|t| t.reversed_amount.is_some())
        .count();
    let mut parts: Vec<String> = counts
        .into_iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect();
    parts.push(format!("holds captured in part: {partial}"));
    parts.push(format!("originals reversed: {reversed}"));
    parts.join(", ")
}
