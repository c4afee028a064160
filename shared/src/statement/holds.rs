//! The amount on hold at a statement's closing (`bank-statement/v2`): the holds ACTIVE
//! at `to`, their sum (`closingHeld`) and what is left to spend (`closingAvailable` =
//! `closingBalance − closingHeld`). A hold makes no ledger entry, so these figures are
//! not covered by the chain: the signature covers them (see [`digest`](super::digest))
//! and [`verify`](super::verify) checks that they add up.

use chrono::DateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::build::BuildError;
use super::{FORMAT_V1, FORMAT_V2, Statement};
use crate::domain::{Balance, Money, TransactionId};

/// One hold ACTIVE at the statement's closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatementHold {
    /// The HOLD transaction.
    pub transaction_id: TransactionId,
    /// The amount it reserves.
    pub amount: Money,
    /// When it ends by itself (RFC 3339).
    pub expires_at: String,
}

/// The held figures a set of holds leads to.
#[derive(Debug, Clone)]
pub(super) struct Held {
    /// The sum of the holds' amounts.
    pub(super) sum: Decimal,
    /// What is wrong with the holds themselves (their `expiresAt`).
    pub(super) problems: Vec<BuildError>,
}

/// Sums `holds`, checking each one's `expiresAt`.
pub(super) fn sum_holds(holds: &[StatementHold]) -> Held {
    let mut held = Held {
        sum: Decimal::ZERO,
        problems: Vec::new(),
    };
    for (index, hold) in holds.iter().enumerate() {
        held.sum = held.sum.saturating_add(hold.amount.as_decimal());
        if DateTime::parse_from_rfc3339(&hold.expires_at).is_err() {
            held.problems.push(BuildError::HoldExpiresAtInvalid {
                position: index + 1,
                transaction_id: hold.transaction_id,
                expires_at: hold.expires_at.clone(),
            });
        }
    }
    held
}

/// `closingHeld` and `closingAvailable` for a closing balance of `balance` and holds
/// summing to `sum`; refused when the holds are more than the balance.
pub(super) fn closing_figures(
    balance: Balance,
    sum: Decimal,
) -> Result<(Balance, Balance), BuildError> {
    let held = Balance::try_from_decimal(sum).map_err(|_| BuildError::TotalTooLarge {
        field: "closingHeld",
    })?;
    let available = Balance::try_from_decimal(balance.as_decimal() - sum)
        .map_err(|_| BuildError::HeldOverBalance { held: sum, balance })?;
    Ok((held, available))
}

/// What does not add up in the statement's held figures, given its format: a v1
/// statement has none of them; a v2 one has all three, and they add up.
pub(super) fn held_problems(statement: &Statement) -> Vec<String> {
    let fields = [
        ("closingHeld", statement.closing_held.is_some()),
        ("closingAvailable", statement.closing_available.is_some()),
        ("holds", statement.holds.is_some()),
    ];
    if statement.format == FORMAT_V1 {
        return fields
            .iter()
            .filter(|(_, present)| *present)
            .map(|(field, _)| format!("{field} is not part of {FORMAT_V1}"))
            .collect();
    }
    if statement.format != FORMAT_V2 {
        return Vec::new();
    }
    let mut problems: Vec<String> = fields
        .iter()
        .filter(|(_, present)| !*present)
        .map(|(field, _)| format!("{field} is missing (a {FORMAT_V2} statement states it)"))
        .collect();
    let (Some(held), Some(available), Some(holds)) = (
        statement.closing_held,
        statement.closing_available,
        statement.holds.as_deref(),
    ) else {
        return problems;
    };
    let summed = sum_holds(holds);
    problems.extend(summed.problems.iter().map(ToString::to_string));
    if held.as_decimal() != summed.sum {
        problems.push(format!(
            "closingHeld is {held}, but the holds sum to {}",
            summed.sum
        ));
    }
    let balance = statement.closing_balance;
    if held > balance {
        problems.push(format!(
            "closingHeld is {held}, more than closingBalance ({balance})"
        ));
    }
    let left = balance.as_decimal() - held.as_decimal();
    if available.as_decimal() != left {
        problems.push(format!(
            "closingAvailable is {available}, but closingBalance minus closingHeld is {left}"
        ));
    }
    problems
}
