//! Drawing the workload: the operations, their amounts, replays and follow-ups.

use super::*;

fn cents(rng: &mut Rng, low: u64, high: u64) -> Decimal {
    let span = high.saturating_sub(low).max(1);
    Decimal::new(i64::try_from(low + rng.below(span)).unwrap_or(1), 2)
}

/// `amount` in cents.
fn in_cents(amount: Decimal) -> i64 {
    (amount * Decimal::ONE_HUNDRED).to_i64().unwrap_or(0)
}

/// A uniform draw in `1..=n` (1 when `n` < 1).
fn one_to(rng: &mut Rng, n: i64) -> i64 {
    1 + i64::try_from(rng.below(u64::try_from(n).unwrap_or(0))).unwrap_or(0)
}

/// Percent of the reversible deposits, withdrawals, transfers and captures an
/// operator reverses.
const REVERSED_PERCENT: u64 = 25;

/// How an operation is replayed (`other_body`: whether another body with the same
/// key can be told apart before anything is recorded).
fn replay(rng: &mut Rng, other_body: bool) -> Replay {
    match rng.below(100) {
        0..=9 => Replay::Concurrent(2 + usize::try_from(rng.below(2)).unwrap_or(0)),
        10..=19 => Replay::Later(100 + rng.below(1_500)),
        20..=24 if other_body => Replay::OtherBody,
        _ => Replay::Once,
    }
}

fn key(rng: &mut Rng) -> String {
    uuid::Uuid::from_u128(u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())).to_string()
}

/// An operation with its key and replay drawn, and nothing planned on its answer.
fn op(
    rng: &mut Rng,
    user: usize,
    kind: &'static str,
    (account, to): (String, Option<String>),
    amount: Option<Decimal>,
    whole: Decimal,
) -> Op {
    let explicit = amount.is_some() && kind != "VOID";
    let amount = amount.unwrap_or(whole);
    // Another body must still be valid: a cent less is, when it is not zero.
    let other_body = explicit && (!matches!(kind, "CAPTURE" | "REVERSAL") || in_cents(amount) > 1);
    Op {
        user,
        key: key(rng),
        kind,
        account,
        to,
        amount,
        explicit,
        replay: replay(rng, other_body),
        expires_in_ms: None,
        reverses: None,
        delay_ms: 0,
        then: Vec::new(),
        race: false,
    }
}

/// The operator's reversals of `original` (amount `a` cents, at least 2): the whole,
/// a part, a part then the rest, two parts adding up to more (one after the other or
/// racing), or the whole then one cent more.
fn reversals(rng: &mut Rng, operator: usize, original: &Op) -> (Vec<Op>, bool) {
    let a = in_cents(original.amount);
    let sides = match (original.kind, &original.to) {
        ("TRANSFER", Some(to)) => (to.clone(), Some(original.account.clone())),
        _ => (original.account.clone(), None),
    };
    let p1 = (a * 6 / 10).max(1);
    let (amounts, race): (Vec<Option<i64>>, bool) = match rng.below(6) {
        0 => (vec![Some(a)], false),
        1 => (vec![Some(one_to(rng, a - 1))], false),
        2 => (vec![Some(one_to(rng, a - 1)), None], false),
        3 | 4 => {
            let p2 = a - p1 + one_to(rng, p1);
            (vec![Some(p1), Some(p2)], rng.chance(50))
        }
        _ => (vec![None, Some(1)], false),
    };
    let ops = amounts
        .into_iter()
        .map(|cents| {
            let amount = cents.map(|c| Decimal::new(c, 2));
            let mut reversal = op(
                rng,
                operator,
                "REVERSAL",
                sides.clone(),
                amount,
                original.amount,
            );
            reversal.reverses = Some(original.kind);
            reversal
        })
        .collect();
    (ops, race)
}

/// What the holder does with `hold`: a full or partial capture, a void, both at
/// once, or nothing; a hold expiring soon is left to expire, or captured or voided
/// only once it has (racing the reconciler's expiry). Some captures are then reversed
/// (when `operator` may: not on its own account).
fn hold_followups(rng: &mut Rng, hold: &mut Op, operator: Option<usize>) {
    let a = in_cents(hold.amount);
    let sides = (hold.account.clone(), None);
    let partial = |rng: &mut Rng| (a > 1).then(|| Decimal::new(one_to(rng, a - 1), 2));
    let (then, race) = match (hold.expires_in_ms, rng.below(100)) {
        (Some(_), 0..=49) => (Vec::new(), false),
        (Some(_), 50..=79) => (vec![(None, "CAPTURE")], false),
        (Some(_), _) => (vec![(None, "VOID")], false),
        (None, 0..=29) => (vec![(None, "CAPTURE")], false),
        (None, 30..=54) => (vec![(partial(rng), "CAPTURE")], false),
        (None, 55..=71) => (vec![(None, "VOID")], false),
        (None, 72..=81) => {
            let capture = if rng.chance(50) { partial(rng) } else { None };
            (vec![(capture, "CAPTURE"), (None, "VOID")], true)
        }
        (None, _) => (Vec::new(), false),
    };
    let late = hold.expires_in_ms.map_or(0, |ms| ms + 500);
    hold.race = race;
    hold.then = then
        .into_iter()
        .map(|(amount, kind)| {
            let mut next = op(rng, hold.user, kind, sides.clone(), amount, hold.amount);
            next.delay_ms = late;
            let reversible = kind == "CAPTURE" && in_cents(next.amount) > 1;
            if let Some(operator) = operator.filter(|_| reversible)
                && rng.chance(REVERSED_PERCENT)
            {
                (next.then, next.race) = reversals(rng, operator, &next);
            }
            next
        })
        .collect();
}

/// One operation drawn from `rng`, with what is planned on its answer.
fn draw(rng: &mut Rng, users: &[User], operator: Option<usize>) -> Op {
    let user_index = usize::try_from(rng.below(users.len() as u64)).unwrap_or(0);
    let user = &users[user_index];
    let account = rng.pick(&user.accounts).cloned().unwrap_or_default();
    let roll = rng.below(100);
    let mut planned = if roll < 24 {
        let amount = cents(rng, 100, 50_000);
        op(
            rng,
            user_index,
            "DEPOSIT",
            (account, None),
            Some(amount),
            amount,
        )
    } else if roll < 42 {
        // Half of the withdrawals ask for far more than a typical balance.
        let high = if rng.chance(50) { 500_000 } else { 20_000 };
        let amount = cents(rng, 100, high);
        op(
            rng,
            user_index,
            "WITHDRAWAL",
            (account, None),
            Some(amount),
            amount,
        )
    } else if roll < 66 || (roll >= 84 && !user.admin) {
        // Between the same pairs, both ways: the user's own other account, or the
        // same-position account of the next user (who sends back the other way).
        let to = if rng.chance(50) {
            user.accounts.iter().find(|a| **a != account).cloned()
        } else {
            let next = &users[(user_index + 1) % users.len()];
            let prev = &users[(user_index + users.len() - 1) % users.len()];
            let peer = if rng.chance(50) { next } else { prev };
            peer.accounts.first().cloned()
        };
        match to.filter(|t| *t != account) {
            Some(to) => {
                let amount = cents(rng, 100, 40_000);
                op(
                    rng,
                    user_index,
                    "TRANSFER",
                    (account, Some(to)),
                    Some(amount),
                    amount,
                )
            }
            None => {
                let amount = cents(rng, 100, 10_000);
                op(
                    rng,
                    user_index,
                    "DEPOSIT",
                    (account, None),
                    Some(amount),
                    amount,
                )
            }
        }
    } else if roll < 84 {
        let amount = cents(rng, 100, 30_000);
        let mut hold = op(
            rng,
            user_index,
            "HOLD",
            (account, None),
            Some(amount),
            amount,
        );
        if rng.chance(20) {
            hold.expires_in_ms = Some(1_500 + rng.below(3_500));
        }
        let operator = operator.filter(|o| *o != user_index);
        hold_followups(rng, &mut hold, operator);
        hold
    } else {
        // An operator corrects someone else's account, never their own.
        let customers: Vec<&User> = users.iter().filter(|u| !u.admin).collect();
        let customer = rng.pick(&customers).copied();
        match customer.and_then(|c| rng.pick(&c.accounts).cloned()) {
            Some(target) => {
                let amount = cents(rng, 100, 30_000);
                let signed = if rng.chance(40) { -amount } else { amount };
                op(
                    rng,
                    user_index,
                    "ADJUSTMENT",
                    (target, None),
                    Some(signed),
                    signed,
                )
            }
            None => {
                let amount = cents(rng, 100, 10_000);
                op(
                    rng,
                    user_index,
                    "DEPOSIT",
                    (account, None),
                    Some(amount),
                    amount,
                )
            }
        }
    };
    // An operator reverses a deposit, withdrawal or transfer, never on their own
    // accounts (separation of duties).
    let theirs: HashSet<&String> = operator
        .map(|o| users[o].accounts.iter().collect())
        .unwrap_or_default();
    let reversible = matches!(planned.kind, "DEPOSIT" | "WITHDRAWAL" | "TRANSFER")
        && !theirs.contains(&planned.account)
        && planned.to.as_ref().is_none_or(|to| !theirs.contains(to))
        && in_cents(planned.amount) > 1;
    if let Some(operator) = operator.filter(|_| reversible && rng.chance(REVERSED_PERCENT)) {
        (planned.then, planned.race) = reversals(rng, operator, &planned);
    }
    planned
}

/// Operations drawn from `rng` until `n` requests (follow-ups included) are planned:
/// the mix is deterministic for a seed.
pub fn plan(rng: &mut Rng, users: &[User], n: usize) -> Vec<Op> {
    let operator = users.iter().position(|u| u.admin);
    let mut ops = Vec::new();
    let mut planned = 0;
    while planned < n {
        let op = draw(rng, users, operator);
        planned += op.all().len();
        ops.push(op);
    }
    ops
}
