//! The per-account hash chain: every settled entry on an account extends it.
//!
//! An entry's hash is `SHA-256(previous head ‖ "\n" ‖ canonical entry)`, in lowercase
//! hex; an account's first entry follows [`ChainHead::GENESIS`]. The canonical entry
//! is a fixed, line-per-field text (see [`LedgerEntry::canonical`]), so anyone can
//! recompute a chain from a statement or from the history without this code. Changing
//! one cent, one date or one character of a description anywhere changes every head
//! from there on.

use std::fmt;

use sha2::{Digest, Sha256};

use super::{AccountId, Balance, Currency, SignedAmount, TransactionId, TransactionType};

/// The name and version of the canonical entry text (its first line).
pub const ENTRY_FORMAT: &str = "bank-ledger-entry/v1";

/// A chain head: the hash of an account's latest entry (64 lowercase hex digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChainHead(String);

/// A text that is not 64 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a chain head is 64 lowercase hexadecimal digits")]
pub struct ChainHeadError;

impl ChainHead {
    /// The head of an account with no entry yet: 64 zeros.
    pub const GENESIS: &'static str =
        "0000000000000000000000000000000000000000000000000000000000000000";

    /// The head before an account's first entry.
    pub fn genesis() -> Self {
        Self(Self::GENESIS.to_owned())
    }

    /// `text` if it is 64 lowercase hex digits.
    pub fn parse(text: &str) -> Result<Self, ChainHeadError> {
        if is_lower_hex(text, 64) {
            Ok(Self(text.to_owned()))
        } else {
            Err(ChainHeadError)
        }
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The head after `entry`.
    pub fn extend(&self, entry: &LedgerEntry) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(self.0.as_bytes());
        hasher.update(b"\n");
        hasher.update(entry.canonical().as_bytes());
        Self(hex(&hasher.finalize()))
    }
}

impl TryFrom<String> for ChainHead {
    type Error = ChainHeadError;

    fn try_from(text: String) -> Result<Self, ChainHeadError> {
        Self::parse(&text)
    }
}

impl From<ChainHead> for String {
    fn from(head: ChainHead) -> Self {
        head.0
    }
}

impl fmt::Display for ChainHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ChainHead {
    type Err = ChainHeadError;

    fn from_str(text: &str) -> Result<Self, ChainHeadError> {
        Self::parse(text)
    }
}

/// Whether `text` is exactly `len` lowercase hex digits.
pub fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// One settled movement of money on one account, as the chain hashes it. A transfer
/// is two entries: a debit on the source account and a credit on the destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub account_id: AccountId,
    /// The account's version right after this entry: its place in the sequence.
    pub version: u64,
    /// When it settled on this account (never before the account's previous entry).
    pub settled_at: String,
    pub transaction_id: TransactionId,
    pub entry_type: TransactionType,
    /// Signed: positive pays in, negative pays out.
    pub amount: SignedAmount,
    pub balance_after: Balance,
    pub currency: Currency,
    pub description: Option<String>,
}

impl LedgerEntry {
    /// The canonical text: one `name=value` line per field, in this order, each ending
    /// in `\n`; the description is JSON-escaped (a JSON string, `null` when absent),
    /// so no value can forge a line.
    pub fn canonical(&self) -> String {
        let description = serde_json::to_string(&self.description).unwrap_or_default();
        format!(
            "{ENTRY_FORMAT}\naccount={}\nversion={}\nsettledAt={}\ntransaction={}\ntype={}\namount={}\nbalanceAfter={}\ncurrency={}\ndescription={}\n",
            self.account_id,
            self.version,
            self.settled_at,
            self.transaction_id,
            self.entry_type.as_str(),
            self.amount,
            self.balance_after,
            self.currency.as_str(),
            description,
        )
    }
}

/// Whether `entries` chain from `opening` to `closing`, each carrying the hash it
/// claims: `Err` names the first entry (by position) whose hash does not follow, or
/// `entries.len()` when the last head is not `closing`.
pub fn check_chain<'a>(
    opening: &ChainHead,
    entries: impl IntoIterator<Item = (&'a LedgerEntry, &'a ChainHead)>,
    closing: &ChainHead,
) -> Result<(), usize> {
    let mut head = opening.clone();
    let mut count = 0;
    for (position, (entry, claimed)) in entries.into_iter().enumerate() {
        head = head.extend(entry);
        if &head != claimed {
            return Err(position);
        }
        count = position + 1;
    }
    if &head == closing { Ok(()) } else { Err(count) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: u64, amount: &str, after: &str) -> LedgerEntry {
        LedgerEntry {
            account_id: AccountId::parse("6f9619ff-8b86-4d11-b42d-00c04fc964ff")
                .unwrap_or_else(|_| AccountId::new_random()),
            version,
            settled_at: format!("2026-11-0{version}T10:00:00.000000Z"),
            transaction_id: TransactionId::parse("1b4e28ba-2fa1-4d3b-883f-0016d3cca427")
                .unwrap_or_else(|_| TransactionId::new_random()),
            entry_type: TransactionType::Deposit,
            amount: amount.parse().unwrap_or_else(|_| unreachable!("{amount}")),
            balance_after: after.parse().unwrap_or(Balance::ZERO),
            currency: crate::domain::DEFAULT_CURRENCY,
            description: Some("rent \"May\"\nline".to_owned()),
        }
    }

    #[test]
    fn the_canonical_text_is_one_line_per_field_and_escapes_the_description() {
        let text = entry(1, "-5.00", "10.00").canonical();
        assert_eq!(text.lines().count(), 10);
        assert!(text.starts_with("bank-ledger-entry/v1\naccount=6f9619ff-"));
        assert!(text.contains("\nversion=1\n"));
        assert!(text.contains("\namount=-5.00\nbalanceAfter=10.00\n"));
        assert!(text.ends_with("description=\"rent \\\"May\\\"\\nline\"\n"));
    }

    #[test]
    fn a_head_is_the_sha256_of_the_previous_head_and_the_entry() {
        let first = entry(1, "10.00", "10.00");
        let head = ChainHead::genesis().extend(&first);
        let mut hasher = Sha256::new();
        hasher.update(format!("{}\n{}", ChainHead::GENESIS, first.canonical()));
        assert_eq!(head.as_str(), hex(&hasher.finalize()));
        assert!(ChainHead::parse(head.as_str()).is_ok());
    }

    #[test]
    fn one_cent_anywhere_breaks_the_chain_from_there_on() {
        let entries = [
            entry(1, "10.00", "10.00"),
            entry(2, "-2.50", "7.50"),
            entry(3, "1.00", "8.50"),
        ];
        let mut heads = Vec::new();
        let mut head = ChainHead::genesis();
        for e in &entries {
            head = head.extend(e);
            heads.push(head.clone());
        }
        let genesis = ChainHead::genesis();
        assert_eq!(
            check_chain(&genesis, entries.iter().zip(&heads), &head),
            Ok(())
        );
        let mut forged = entries.clone();
        forged[1].amount = "-2.51".parse().unwrap_or(forged[1].amount);
        assert_eq!(
            check_chain(&genesis, forged.iter().zip(&heads), &head),
            Err(1)
        );
        let wrong_close = ChainHead::genesis();
        assert_eq!(
            check_chain(&genesis, entries.iter().zip(&heads), &wrong_close),
            Err(3)
        );
    }

    #[test]
    fn only_64_lowercase_hex_digits_are_a_head() {
        for bad in ["", "00", &"A".repeat(64), &"g".repeat(64), &"0".repeat(65)] {
            assert_eq!(ChainHead::parse(bad), Err(ChainHeadError), "{bad}");
        }
        assert!(ChainHead::parse(&"ab".repeat(32)).is_ok());
    }
}
