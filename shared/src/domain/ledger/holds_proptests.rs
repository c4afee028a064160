#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Holds under any sequence of operations on one account: the held amount is the sum
//! of the ACTIVE holds, never more than the posted balance (so the available balance
//! is never negative), a hold ends at most once, a capture never exceeds its hold, and
//! the posted balance moves only by deposits, withdrawals and captures.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::domain::ids::TransactionId;
use crate::domain::transaction::DEFAULT_CURRENCY;

#[derive(Debug, Clone)]
enum Op {
    Deposit(i64),
    Withdrawal(i64),
    Hold(i64),
    /// The n-th hold ever placed (modulo), for this many cents.
    Capture(usize, i64),
    Void(usize),
    Expire(usize, bool),
}

fn cents() -> impl Strategy<Value = i64> {
    1_i64..=5_000
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        cents().prop_map(Op::Deposit),
        cents().prop_map(Op::Withdrawal),
        cents().prop_map(Op::Hold),
        (0_usize..8, cents()).prop_map(|(i, c)| Op::Capture(i, c)),
        (0_usize..8).prop_map(Op::Void),
        (0_usize..8, any::<bool>()).prop_map(|(i, due)| Op::Expire(i, due)),
    ]
}

fn money(cents: i64) -> Money {
    Money::try_from_decimal(Decimal::new(cents, 2)).unwrap()
}

/// A placed hold: its amount and whether it is still ACTIVE.
struct Placed {
    id: TransactionId,
    amount: Money,
    active: bool,
}

proptest! {
    #[test]
    fn held_is_the_sum_of_active_holds_and_never_exceeds_the_balance(ops in prop::collection::vec(op(), 1..60)) {
        let mut state = AccountState::new(AccountStatus::Open, DEFAULT_CURRENCY, Balance::ZERO);
        let mut holds: Vec<Placed> = Vec::new();
        let mut posted = Decimal::ZERO;
        for op in ops {
            let pick = |i: usize| (!holds.is_empty()).then(|| i % holds.len());
            let (kind, index, expired) = match op {
                Op::Deposit(c) => (TransactionKind::Deposit { amount: money(c) }, None, false),
                Op::Withdrawal(c) => (TransactionKind::Withdrawal { amount: money(c) }, None, false),
                Op::Hold(c) => (TransactionKind::Hold { amount: money(c) }, None, false),
                Op::Capture(i, c) => match pick(i) {
                    Some(i) => (TransactionKind::Capture { amount: money(c), hold: holds[i].id }, Some(i), false),
                    None => continue,
                },
                Op::Void(i) => match pick(i) {
                    Some(i) => (TransactionKind::Void { amount: holds[i].amount, hold: holds[i].id }, Some(i), false),
                    None => continue,
                },
                Op::Expire(i, due) => match pick(i) {
                    Some(i) => (TransactionKind::Expiry { amount: holds[i].amount, hold: holds[i].id }, Some(i), due),
                    None => continue,
                },
            };
            let link = index.map(|i| Link::Hold { active: holds[i].active, amount: holds[i].amount, expired });
            let outcome = apply_linked(&kind, &DEFAULT_CURRENCY, Some(&state), None, link.as_ref());
            if let Outcome::Applied { source_after, held_after, .. } = outcome {
                posted += source_after.as_decimal() - state.balance.as_decimal();
                state.balance = source_after;
                state.held = held_after;
                match (kind, index) {
                    (TransactionKind::Hold { amount }, _) => holds.push(Placed { id: TransactionId::new_random(), amount, active: true }),
                    (TransactionKind::Capture { amount, .. }, Some(i)) => {
                        prop_assert!(holds[i].active, "a hold ends once");
                        prop_assert!(amount.as_decimal() <= holds[i].amount.as_decimal());
                        holds[i].active = false;
                    }
                    (TransactionKind::Void { .. } | TransactionKind::Expiry { .. }, Some(i)) => {
                        prop_assert!(holds[i].active, "a hold ends once");
                        holds[i].active = false;
                    }
                    _ => {}
                }
            }
            let active: Decimal = holds.iter().filter(|h| h.active).map(|h| h.amount.as_decimal()).sum();
            prop_assert_eq!(state.held.as_decimal(), active);
            prop_assert!(state.held.as_decimal() <= state.balance.as_decimal());
            prop_assert_eq!(state.balance.as_decimal(), posted);
        }
    }
}
