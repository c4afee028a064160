//! A monthly statement: what it says (opening and closing balances, every settled
//! entry with its balance after, totals, the chain heads at both ends, and since
//! `bank-statement/v2` the amount on hold at the closing with the holds making it),
//! its canonical bytes and digest (what is signed), and how a third party checks it.
//!
//! The JSON form is the contract (`DESIGN.md` §3d); amounts are two-decimal strings.
//!
//! * [`Period`]: the month covered, `YYYY-MM`, and its `[from, to)` bounds;
//! * [`build`]: the statement from the opening state, the period's entries and the
//!   holds active at its end, refused ([`BuildError`]) unless it adds up;
//! * [`digest`]: the canonical text, its SHA-256 and the message the bank signs;
//! * [`verify`]: the signature and the consistency, as a third party checks them.

use serde::{Deserialize, Serialize};

mod build;
pub mod digest;
mod holds;
mod job;
mod period;
mod verify;

#[cfg(test)]
mod tests;

pub use build::{BuildError, EntryAt, Opening, build};
pub use holds::StatementHold;
pub use job::Job;
pub use period::{Period, PeriodError};
pub use verify::{SIGNATURE_ALGORITHM, Verification, verify};

use crate::domain::{
    AccountId, Balance, ChainHead, Currency, SignedAmount, TransactionId, TransactionType,
};

/// The name and version of the statement format: what [`build`] makes.
pub const FORMAT: &str = FORMAT_V2;

/// The first format: no held amount. Still verified exactly as it was.
pub const FORMAT_V1: &str = "bank-statement/v1";

/// The format with the amount on hold at the closing (`closingHeld`,
/// `closingAvailable`, `holds`).
pub const FORMAT_V2: &str = "bank-statement/v2";

/// One account's statement for one calendar month (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Statement {
    /// [`FORMAT_V2`] (what [`build`] makes) or [`FORMAT_V1`] (made before holds).
    pub format: String,
    /// `YYYY-MM`.
    pub period: String,
    /// The first instant of the period (inclusive), RFC 3339 UTC.
    pub from: String,
    /// The first instant after the period (exclusive).
    pub to: String,
    pub account: StatementAccount,
    pub currency: Currency,
    /// The balance after every entry settled before `from`.
    pub opening_balance: Balance,
    /// The balance after every entry settled before `to`.
    pub closing_balance: Balance,
    /// The sum of the positive entries.
    pub total_in: Balance,
    /// The sum of the negative entries, as a positive amount.
    pub total_out: Balance,
    /// The chain head after the last entry before `from` (genesis when none).
    pub opening_head: ChainHead,
    /// The chain head after the last entry of the period (the opening head when none).
    pub closing_head: ChainHead,
    /// The account's version at the opening and at the closing.
    pub opening_version: u64,
    pub closing_version: u64,
    /// v2: the sum of the holds ACTIVE at `to` (absent in v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_held: Option<Balance>,
    /// v2: `closingBalance − closingHeld` (absent in v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_available: Option<Balance>,
    /// v2: the holds ACTIVE at `to`, in the order they were placed (absent in v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds: Option<Vec<StatementHold>>,
    /// Every entry settled in `[from, to)`, in settlement order.
    pub entries: Vec<StatementEntry>,
    /// When the statement was made.
    pub generated_at: String,
    /// The bank's signature over [`Statement::signing_message`] (which carries
    /// [`Statement::digest`]); absent before signing, never part of the digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<StatementSignature>,
}

/// Who and what the statement is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatementAccount {
    pub account_id: AccountId,
    /// The account's name.
    pub name: String,
    /// The holder's Cognito `sub`.
    pub holder_id: String,
}

/// One settled movement on the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatementEntry {
    pub transaction_id: TransactionId,
    /// The account's version right after it.
    pub version: u64,
    pub settled_at: String,
    #[serde(rename = "type")]
    pub entry_type: TransactionType,
    /// Signed: positive pays in, negative pays out.
    pub amount: SignedAmount,
    pub balance_after: Balance,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The chain head after this entry.
    pub hash: ChainHead,
}

/// A KMS signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatementSignature {
    /// The KMS key's ARN (or id locally).
    pub key_id: String,
    /// Always `ECDSA_SHA_256` (KMS `ECC_NIST_P256`).
    pub algorithm: String,
    /// The DER signature, standard base64.
    pub value: String,
}
