//! What the PDF tests share: statements built entry by entry, and the PDF read back
//! as text by poppler's `pdftotext -layout`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub use shared::domain::TransactionType;
use shared::domain::{AccountId, Balance, ChainHead, Currency, SignedAmount, TransactionId};
pub use shared::statement::Statement;
use shared::statement::{
    FORMAT, FORMAT_V1, StatementAccount, StatementEntry, StatementHold, StatementSignature,
};

// ---------------------------------------------------------------------------------------
// Building statements

/// A statement for May 2026 built entry by entry, balances and totals kept consistent.
pub struct Builder {
    pub statement: Statement,
}

impl Builder {
    pub fn new(name: &str, opening: &str) -> Self {
        let opening: Balance = opening.parse().unwrap();
        let head = fake_head(0);
        Self {
            statement: Statement {
                format: FORMAT.to_owned(),
                period: "2026-05".to_owned(),
                from: "2026-05-01T00:00:00.000000Z".to_owned(),
                to: "2026-06-01T00:00:00.000000Z".to_owned(),
                account: StatementAccount {
                    account_id: AccountId::parse("3f2c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47").unwrap(),
                    name: name.to_owned(),
                    holder_id: "7d1e5b2a-4c3f-4e8d-9a6b-0f2e1d3c4b5a".to_owned(),
                },
                currency: Currency::parse("EUR").unwrap(),
                opening_balance: opening,
                closing_balance: opening,
                total_in: Balance::ZERO,
                total_out: Balance::ZERO,
                opening_head: head.clone(),
                closing_head: head,
                opening_version: 40,
                closing_version: 40,
                closing_held: None,
                closing_available: None,
                holds: Some(Vec::new()),
                entries: Vec::new(),
                generated_at: "2026-06-01T00:05:12.345678Z".to_owned(),
                signature: None,
            },
        }
    }

    /// An entry settled at `settled_at` (RFC 3339) moving `amount` (signed).
    pub fn entry(
        mut self,
        settled_at: &str,
        kind: TransactionType,
        amount: &str,
        text: &str,
    ) -> Self {
        let s = &mut self.statement;
        let amount: SignedAmount = amount.parse().unwrap();
        let balance_after = s.closing_balance.checked_adjust(amount).unwrap();
        if amount.is_negative() {
            s.total_out = s.total_out.checked_credit(amount.magnitude()).unwrap();
        } else {
            s.total_in = s.total_in.checked_credit(amount.magnitude()).unwrap();
        }
        s.closing_version += 1;
        let hash = fake_head(s.closing_version);
        s.entries.push(StatementEntry {
            transaction_id: TransactionId::parse(&format!(
                "00000000-0000-4000-8000-{:012}",
                s.closing_version
            ))
            .unwrap(),
            version: s.closing_version,
            settled_at: settled_at.to_owned(),
            entry_type: kind,
            amount,
            balance_after,
            description: (!text.is_empty()).then(|| text.to_owned()),
            hash: hash.clone(),
        });
        s.closing_balance = balance_after;
        s.closing_head = hash;
        self
    }

    pub fn signed(mut self) -> Self {
        self.statement.signature = Some(StatementSignature {
            key_id: "arn:aws:kms:eu-west-1:123456789012:key/0b6a5c1e-2f4d-4e7a-9c3b-8d1f6e2a4b7c"
                .to_owned(),
            algorithm: "ECDSA_SHA_256".to_owned(),
            value: "MEUCIQDx1pJ0cU2h6mZ2n3o4p5q6r7s8t9u0v1w2x3y4z5A6BwIgc2lnbmF0dXJl".to_owned(),
        });
        self
    }

    /// A hold active at the closing: `n` numbers its id, `amount` two decimals.
    pub fn hold(mut self, n: u64, amount: &str, expires_at: &str) -> Self {
        let hold = StatementHold {
            transaction_id: TransactionId::parse(&format!("{n:08x}-4c1d-4e2f-8a3b-5c6d7e8f9a0b"))
                .unwrap(),
            amount: amount.parse().unwrap(),
            expires_at: expires_at.to_owned(),
        };
        self.statement.holds.get_or_insert_with(Vec::new).push(hold);
        self
    }

    /// As a `bank-statement/v1` statement: no held figures.
    pub fn v1(mut self) -> Self {
        self.statement.format = FORMAT_V1.to_owned();
        self.statement.holds = None;
        self
    }

    /// The statement, its held figures (v2) summed from its holds.
    pub fn build(mut self) -> Statement {
        let s = &mut self.statement;
        if let Some(holds) = &s.holds {
            let held = holds
                .iter()
                .try_fold(Balance::ZERO, |sum, h| sum.checked_credit(h.amount))
                .unwrap();
            let left = s.closing_balance.as_decimal() - held.as_decimal();
            s.closing_held = Some(held);
            s.closing_available = Some(Balance::try_from_decimal(left).unwrap());
        }
        self.statement
    }
}

/// A valid, recognisable chain head for rendering (not a real chain).
pub fn fake_head(n: u64) -> ChainHead {
    ChainHead::parse(&format!("{:016x}{:048x}", 0xc0ffee_u64 + n, n * 7919)).unwrap()
}

/// `n` entries spread over May: deposits and withdrawals taking turns.
pub fn month_of(n: usize) -> Statement {
    let mut builder = Builder::new("Everyday account", "5000.00");
    for i in 0..n {
        let (day, minute) = (1 + (i * 30) / n.max(1), i % 1440);
        let at = format!(
            "2026-05-{day:02}T{:02}:{:02}:07.000000Z",
            minute / 60,
            minute % 60
        );
        let cents = 100 + (i * 37) % 9000;
        let amount = format!("{}.{:02}", cents / 100, cents % 100);
        builder = if i % 2 == 0 {
            builder.entry(
                &at,
                TransactionType::Deposit,
                &amount,
                &format!("Deposit no. {i}"),
            )
        } else {
            let out = format!("-{amount}");
            builder.entry(
                &at,
                TransactionType::Withdrawal,
                &out,
                &format!("Card payment {i}"),
            )
        };
    }
    builder.build()
}

// ---------------------------------------------------------------------------------------
// Reading PDFs back

/// A fresh directory for one test's files.
pub fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("statements-pdf-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a poppler tool, failing with how to get it when it is not installed.
pub fn poppler(tool: &str, args: &[&Path]) {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run `{tool}` ({error}): these tests read the PDF with poppler; install \
             poppler-utils (Debian/Ubuntu: `apt-get install poppler-utils`)"
            )
        });
    assert!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The PDF's text as `pdftotext -layout` lays it out (pages end with a form feed).
pub fn read_text(pdf: &[u8], test: &str) -> String {
    let dir = scratch_dir(test);
    let (input, output) = (dir.join("statement.pdf"), dir.join("statement.txt"));
    std::fs::write(&input, pdf).unwrap();
    poppler("pdftotext", &[Path::new("-layout"), &input, &output]);
    let text = std::fs::read_to_string(&output).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    text
}

/// Asserts that `needles` appear in `text` in this order; returns where the last ended.
pub fn assert_in_order(text: &str, from: usize, needles: &[&str]) -> usize {
    let mut at = from;
    for needle in needles {
        match text[at..].find(needle) {
            Some(found) => at += found + needle.len(),
            None => panic!(
                "{needle:?} not found after byte {at}; the text from there:\n{}",
                &text[at..text.len().min(at + 2_000)]
            ),
        }
    }
    at
}

/// Every entry's row, in order from `from`: the line that starts with its settlement
/// date ends with its amount and its balance after.
pub fn assert_entries_in_order(text: &str, from: usize, statement: &Statement) -> usize {
    let mut at = from;
    for entry in &statement.entries {
        let date = format!(
            "{} {} UTC",
            &entry.settled_at[..10],
            &entry.settled_at[11..16]
        );
        let start = at
            + text[at..].find(&date).unwrap_or_else(|| {
                panic!(
                    "no row dated {date} after byte {at}:\n{}",
                    &text[at..text.len().min(at + 2_000)]
                )
            });
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |end| start + end);
        let line = &text[start..end];
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let (amount, after) = (entry.amount.to_string(), entry.balance_after.to_string());
        assert_eq!(
            tokens[tokens.len() - 2..],
            [amount.as_str(), after.as_str()],
            "{line}"
        );
        at = end;
    }
    at
}

pub fn page_count(text: &str) -> usize {
    text.matches('\u{c}').count()
}
