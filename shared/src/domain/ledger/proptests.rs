#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::domain::ids::AccountId;
use crate::domain::money::{MAX_AMOUNT, MAX_BALANCE, SignedAmount};
use crate::domain::transaction::{DEFAULT_CURRENCY, Role, signed_effect};

const MAX_BALANCE_CENTS: i64 = 100_000_000_000_000_000;
const MAX_AMOUNT_CENTS: i64 = 100_000_000_000;

/// One step of a random history on two accounts (index 0 and 1).
#[derive(Debug, Clone)]
enum Op {
    Deposit(usize, i64),
    Withdrawal(usize, i64),
    Adjustment(usize, i64),
    /// From the given account to the other one.
    Transfer(usize, i64),
}

fn amount_cents() -> impl Strategy<Value = i64> {
    prop_oneof![1_i64..=10_000, 1_i64..=MAX_AMOUNT_CENTS]
}

fn signed_cents() -> impl Strategy<Value = i64> {
    (amount_cents(), any::<bool>())
        .prop_map(|(cents, negative)| if negative { -cents } else { cents })
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0_usize..2;
    prop_oneof![
        (who.clone(), amount_cents()).prop_map(|(i, c)| Op::Deposit(i, c)),
        (who.clone(), amount_cents()).prop_map(|(i, c)| Op::Withdrawal(i, c)),
        (who.clone(), signed_cents()).prop_map(|(i, c)| Op::Adjustment(i, c)),
        (who, amount_cents()).prop_map(|(i, c)| Op::Transfer(i, c)),
    ]
}

/// Starting balances: small ones, and ones close to the ledger limit.
fn start_cents() -> impl Strategy<Value = i64> {
    prop_oneof![
        0_i64..=1_000_000,
        (MAX_BALANCE_CENTS - 3 * MAX_AMOUNT_CENTS)..=MAX_BALANCE_CENTS
    ]
}

fn cents(value: i64) -> Decimal {
    Decimal::new(value, 2)
}

fn money(value: i64) -> Money {
    Money::try_from_decimal(cents(value)).unwrap()
}

/// The intent, its source index and its destination index (transfers only).
fn kind_of(op: &Op, ids: &[AccountId; 2]) -> (TransactionKind, usize, Option<usize>) {
    match *op {
        Op::Deposit(i, c) => (TransactionKind::Deposit { amount: money(c) }, i, None),
        Op::Withdrawal(i, c) => (TransactionKind::Withdrawal { amount: money(c) }, i, None),
        Op::Adjustment(i, c) => {
            let amount = SignedAmount::try_from_decimal(cents(c)).unwrap();
            (TransactionKind::Adjustment { amount }, i, None)
        }
        Op::Transfer(i, c) => {
            let kind = TransactionKind::transfer(&ids[i], ids[1 - i], money(c)).unwrap();
            (kind, i, Some(1 - i))
        }
    }
}

/// An independent integer model of the rule: the expected new balances in cents.
fn model(op: &Op, balances: [i64; 2]) -> Result<[i64; 2], RejectionReason> {
    let mut next = balances;
    let (debit, credit) = match *op {
        Op::Deposit(i, c) => (None, Some((i, c))),
        Op::Withdrawal(i, c) => (Some((i, c)), None),
        Op::Adjustment(i, c) if c < 0 => (Some((i, -c)), None),
        Op::Adjustment(i, c) => (None, Some((i, c))),
        Op::Transfer(i, c) => (Some((i, c)), Some((1 - i, c))),
    };
    if let Some((i, c)) = debit {
        next[i] = next[i]
            .checked_sub(c)
            .filter(|b| *b >= 0)
            .ok_or(RejectionReason::InsufficientFunds)?;
    }
    if let Some((i, c)) = credit {
        next[i] = next[i]
            .checked_add(c)
            .filter(|b| *b <= MAX_BALANCE_CENTS)
            .ok_or(RejectionReason::BalanceLimitExceeded)?;
    }
    Ok(next)
}

/// Two open USD accounts, the integer model of their balances, and the transactions
/// applied so far (intent, source index, destination index).
#[derive(Debug)]
struct History {
    ids: [AccountId; 2],
    start: [i64; 2],
    states: [AccountState; 2],
    model: [i64; 2],
    applied: Vec<(TransactionKind, usize, Option<usize>)>,
}

impl History {
    fn new(start: [i64; 2]) -> Self {
        let states = start.map(|c| AccountState {
            status: AccountStatus::Open,
            currency: DEFAULT_CURRENCY,
            balance: Balance::try_from_decimal(cents(c)).unwrap(),
            held: Balance::ZERO,
        });
        let ids = [AccountId::new_random(), AccountId::new_random()];
        Self {
            ids,
            start,
            states,
            model: start,
            applied: Vec::new(),
        }
    }

    fn total(&self) -> Decimal {
        self.states.iter().map(|s| s.balance.as_decimal()).sum()
    }

    /// Applies one step, keeping only an `Applied` outcome, and checks it against the
    /// integer model.
    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let (kind, src, dst) = kind_of(op, &self.ids);
        let total_before = self.total();
        let destination = dst.map(|d| &self.states[d]);
        let outcome = apply(
            &kind,
            &DEFAULT_CURRENCY,
            Some(&self.states[src]),
            destination,
        );
        let expected = model(op, self.model);
        match outcome {
            Outcome::Applied {
                source_after,
                destination_after,
                ..
            } => {
                prop_assert_eq!(destination_after.is_some(), dst.is_some());
                self.states[src].balance = source_after;
                if let (Some(d), Some(after)) = (dst, destination_after) {
                    self.states[d].balance = after;
                    prop_assert_eq!(self.total(), total_before, "a transfer changed the total");
                }
                self.model = expected.map_err(|r| TestCaseError::fail(format!("model: {r}")))?;
                self.applied.push((kind, src, dst));
            }
            Outcome::Rejected(reason) => prop_assert_eq!(Err(reason), expected),
        }
        self.check_balances()
    }

    /// Every balance is within bounds, has scale 2 and matches the model.
    fn check_balances(&self) -> Result<(), TestCaseError> {
        for (state, model) in self.states.iter().zip(self.model) {
            let value = state.balance.as_decimal();
            prop_assert!(value >= Decimal::ZERO && value <= MAX_BALANCE);
            prop_assert_eq!(value.scale(), 2);
            prop_assert_eq!(value, cents(model));
        }
        Ok(())
    }

    /// Each final balance is its start plus the effects of its applied transactions.
    fn check_effects(&self) -> Result<(), TestCaseError> {
        for (index, state) in self.states.iter().enumerate() {
            let effects: Decimal = self
                .applied
                .iter()
                .map(|(kind, src, dst)| {
                    let source = (*src == index).then(|| signed_effect(kind, Role::Source));
                    let destination =
                        (*dst == Some(index)).then(|| signed_effect(kind, Role::Destination));
                    source.unwrap_or_default() + destination.unwrap_or_default()
                })
                .sum();
            prop_assert_eq!(
                state.balance.as_decimal(),
                cents(self.start[index]) + effects
            );
        }
        Ok(())
    }
}

fn open_state(value: i64) -> AccountState {
    AccountState {
        status: AccountStatus::Open,
        currency: DEFAULT_CURRENCY,
        balance: Balance::try_from_decimal(cents(value)).unwrap(),
        held: Balance::ZERO,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_histories_keep_balances_valid_and_equal_to_their_effects(
        start in [start_cents(), start_cents()],
        ops in prop::collection::vec(op(), 0..60),
    ) {
        let mut history = History::new(start);
        for op in &ops {
            history.step(op)?;
        }
        history.check_effects()?;
    }

    #[test]
    fn a_transfer_applies_to_both_accounts_or_to_neither(
        source in 0_i64..=MAX_AMOUNT_CENTS,
        amount in 1_i64..=MAX_AMOUNT_CENTS,
    ) {
        let ids = [AccountId::new_random(), AccountId::new_random()];
        let kind = TransactionKind::transfer(&ids[0], ids[1], money(amount)).unwrap();
        let (from, to) = (open_state(source), open_state(0));
        let outcome = apply(&kind, &DEFAULT_CURRENCY, Some(&from), Some(&to));
        if amount > source {
            prop_assert_eq!(outcome, Outcome::Rejected(RejectionReason::InsufficientFunds));
        } else {
            prop_assert_eq!(outcome, Outcome::Applied {
                source_after: open_state(source - amount).balance,
                held_after: Balance::ZERO,
                destination_after: Some(open_state(amount).balance),
            });
        }
        prop_assert!(cents(amount) <= MAX_AMOUNT);
    }
}
