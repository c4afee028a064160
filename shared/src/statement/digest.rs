//! The bytes a statement's signature covers.
//!
//! # Canonical text (`bank-statement/v1`)
//!
//! The format of the statements made before holds, still verified as it was.
//! UTF-8, every line ending in a single `\n` (the last one too), no other whitespace
//! added. The first line is `bank-statement/v1`; then one `name=value` line per header
//! field, in exactly this order, the value being the JSON statement's field:
//!
//! ```text
//! bank-statement/v1
//! period=<period>                 2026-11
//! from=<from>                     2026-11-01T00:00:00.000000Z
//! to=<to>                         2026-12-01T00:00:00.000000Z
//! account=<account.accountId>     6f9619ff-8b86-4d11-b42d-00c04fc964ff
//! name=<account.name>             "Everyday \"main\"" (a JSON string, see below)
//! holder=<account.holderId>
//! currency=<currency>             USD
//! openingBalance=<openingBalance> 100.00
//! closingBalance=<closingBalance>
//! totalIn=<totalIn>
//! totalOut=<totalOut>
//! openingHead=<openingHead>       64 lowercase hex digits
//! closingHead=<closingHead>
//! openingVersion=<openingVersion> a decimal integer, no leading zeros
//! closingVersion=<closingVersion>
//! generatedAt=<generatedAt>
//! entries=<number of entries>
//! ```
//!
//! then, for each entry in the statement's order, `entry=<version>|<hash>` (for
//! example `entry=17|3f1c…` with the 64-digit hash).
//!
//! (The aligned examples above are commentary, not part of the lines.) String values
//! are written verbatim as the JSON statement holds them (after JSON unescaping),
//! amounts as their two-decimal strings (`150.75`, `0.00`). The one exception is
//! `name`, which is written as a JSON string literal: in double quotes, with `"` and
//! `\` escaped by a backslash, `\n`, `\r`, `\t`, `\b`, `\f` for those characters,
//! other characters below U+0020 as `\u00xx` (lowercase hex), and everything else
//! (including non-ASCII) as its UTF-8 bytes. The other strings never hold a control
//! character (a statement whose `holderId` or `generatedAt` does is refused).
//!
//! An entry's content (its settledAt, transaction, type, amount, balanceAfter and
//! description) is not written here: its `hash` covers it, as the chain head after
//! the canonical ledger entry (`bank-ledger-entry/v1`, see
//! [`LedgerEntry::canonical`](crate::domain::LedgerEntry::canonical)), and the chain
//! runs from `openingHead` through every entry's hash to `closingHead`. Checking the
//! chain (see [`verify`](super::verify)) is therefore part of checking a statement.
//! The `signature` field is not part of the text; `format` only picks the text (v1
//! or v2, below) and its first line.
//!
//! # Canonical text (`bank-statement/v2`)
//!
//! The v1 text with `bank-statement/v2` as its first line and, right after
//! `closingVersion=`, the amount on hold at the closing (`to`) and the holds making
//! it, before `generatedAt=`:
//!
//! ```text
//! bank-statement/v2
//! period=<period>
//! ...                             (every v1 line through closingVersion, as above)
//! closingVersion=<closingVersion>
//! closingHeld=<closingHeld>       25.00 (the sum of the holds ACTIVE at `to`)
//! closingAvailable=<closingAvailable>  114.50 (closingBalance − closingHeld)
//! holds=<number of holds>
//! hold=<transactionId>|<amount>|<expiresAt>   one line per hold, in the statement's
//!                                 order (the order they were placed)
//! generatedAt=<generatedAt>
//! entries=<number of entries>
//! entry=<version>|<hash>          one line per entry, as in v1
//! ```
//!
//! for example
//! `hold=0b6a5c1e-2f4d-4e7a-9c3b-8d1f6e2a4b7c|25.00|2026-12-03T10:00:00.000000Z`.
//! Amounts are two-decimal strings and `expiresAt` is written verbatim, as in v1 (a
//! statement whose `expiresAt` is not RFC 3339 is refused). A hold makes no ledger
//! entry, so the chain does not cover these lines: the signature does, and
//! [`verify`](super::verify) checks that `closingHeld` is the sum of the holds'
//! amounts, at most `closingBalance`, and that `closingAvailable` is `closingBalance`
//! minus `closingHeld`. A v2 statement lacking one of `closingHeld`,
//! `closingAvailable`, `holds` has an empty value (or `holds=0`) in its place and
//! fails verification.
//!
//! # Digest and signed message
//!
//! The digest is the SHA-256 of the canonical text. The signed message is the ASCII
//! text `<format>\ndigest=<digest as 64 lowercase hex digits>\n`, `<format>` being
//! the text's first line (`bank-statement/v1` or `bank-statement/v2`); the
//! signature is ECDSA over the NIST P-256 curve with SHA-256 of that message (AWS KMS
//! `Sign`, `MessageType` `RAW`, `SigningAlgorithm` `ECDSA_SHA_256`), DER-encoded and
//! written in standard base64 (with padding) in `signature.value`.

use std::fmt::Write as _;

use sha2::{Digest as _, Sha256};

use super::{FORMAT_V1, FORMAT_V2, Statement};
use crate::domain::chain::hex;

impl Statement {
    /// The version of the text this statement is signed in: v1 for a statement that
    /// says it is v1, v2 for anything else.
    fn text_format(&self) -> &'static str {
        if self.format == FORMAT_V1 {
            FORMAT_V1
        } else {
            FORMAT_V2
        }
    }

    /// The canonical text described in the [module documentation](self).
    pub fn canonical_text(&self) -> String {
        let format = self.text_format();
        let name = serde_json::to_string(&self.account.name).unwrap_or_default();
        let mut text = format!(
            "{format}\nperiod={}\nfrom={}\nto={}\naccount={}\nname={name}\nholder={}\ncurrency={}\n",
            self.period,
            self.from,
            self.to,
            self.account.account_id,
            self.account.holder_id,
            self.currency.as_str(),
        );
        let _ = write!(
            text,
            "openingBalance={}\nclosingBalance={}\ntotalIn={}\ntotalOut={}\n",
            self.opening_balance, self.closing_balance, self.total_in, self.total_out,
        );
        let _ = write!(
            text,
            "openingHead={}\nclosingHead={}\nopeningVersion={}\nclosingVersion={}\n",
            self.opening_head, self.closing_head, self.opening_version, self.closing_version,
        );
        if format == FORMAT_V2 {
            self.held_lines(&mut text);
        }
        let _ = write!(
            text,
            "generatedAt={}\nentries={}\n",
            self.generated_at,
            self.entries.len(),
        );
        for entry in &self.entries {
            let _ = writeln!(text, "entry={}|{}", entry.version, entry.hash);
        }
        text
    }

    /// The v2 lines: `closingHeld`, `closingAvailable`, `holds` and each hold.
    fn held_lines(&self, text: &mut String) {
        let shown = |value: Option<crate::domain::Balance>| {
            value.map(|v| v.to_string()).unwrap_or_default()
        };
        let holds = self.holds.as_deref().unwrap_or_default();
        let _ = write!(
            text,
            "closingHeld={}\nclosingAvailable={}\nholds={}\n",
            shown(self.closing_held),
            shown(self.closing_available),
            holds.len(),
        );
        for hold in holds {
            let _ = writeln!(
                text,
                "hold={}|{}|{}",
                hold.transaction_id, hold.amount, hold.expires_at
            );
        }
    }

    /// The SHA-256 of [`Statement::canonical_text`].
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.canonical_text().as_bytes()).into()
    }

    /// What the bank signs: `<format>\ndigest=<hex digest>\n`.
    pub fn signing_message(&self) -> Vec<u8> {
        format!("{}\ndigest={}\n", self.text_format(), hex(&self.digest())).into_bytes()
    }
}
