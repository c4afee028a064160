//! Changing a signed statement: what [`verify`] says about each change.

use proptest::prelude::*;

use super::*;

/// The problem reported for a signature that is not over this statement.
pub(super) const SIGNATURE: &str = "the signature does not match this statement and the bank's key";

/// A change to the genuine statement (not re-signed) and what verify must report.
pub(super) struct Case {
    pub(super) what: &'static str,
    pub(super) change: fn(&mut Statement),
    /// Whether the change is inside the signed text.
    pub(super) signed: bool,
    /// Every consistency problem, in order (none: the chain is still valid).
    pub(super) problems: &'static [&'static str],
}

/// Each case applied to the (v2) genuine statement.
pub(super) fn check(cases: &[Case]) {
    check_changes(genuine, cases);
}

/// Each case applied to the statement `genuine` makes.
pub(super) fn check_changes(genuine: fn() -> (Statement, Vec<u8>), cases: &[Case]) {
    let (genuine, der) = genuine();
    for case in cases {
        let mut statement = genuine.clone();
        (case.change)(&mut statement);
        let mut problems: Vec<String> = case.problems.iter().map(|p| (*p).to_owned()).collect();
        if case.signed {
            problems.insert(0, SIGNATURE.to_owned());
        }
        let expected = Verification {
            signature_valid: !case.signed,
            chain_valid: case.problems.is_empty(),
            problems,
        };
        assert_eq!(verify(&statement, &der), expected, "{}", case.what);
    }
}

#[test]
fn entry_contents_are_covered_by_the_chain_so_changing_them_breaks_the_chain() {
    // The signed text holds each entry's version and hash, not its content: the
    // signature still matches, but the content no longer hashes to the signed chain.
    check(&[
        Case {
            what: "one cent more paid out",
            change: |s| s.entries[1].amount = cents("-20.01"),
            signed: false,
            problems: &[
                "entry 2 (version 7): balanceAfter is 130.25, but the balance before it plus the amount is 130.24",
                "entry 2 (version 7): hash does not follow the chain",
                "totalOut is 20.75, but the entries sum to 20.76",
            ],
        },
        Case {
            what: "one cent more left",
            change: |s| s.entries[2].balance_after = plus_cent(s.entries[2].balance_after),
            signed: false,
            problems: &[
                "entry 3 (version 9): balanceAfter is 129.51, but the balance before it plus the amount is 129.50",
                "entry 3 (version 9): hash does not follow the chain",
                "entry 4 (version 11): balanceAfter is 139.50, but the balance before it plus the amount is 139.51",
            ],
        },
        Case {
            what: "description",
            change: |s| s.entries[3].description = Some("refund".to_owned()),
            signed: false,
            problems: &["entry 4 (version 11): hash does not follow the chain"],
        },
        Case {
            what: "settledAt, one microsecond later",
            change: |s| s.entries[0].settled_at = "2026-11-01T10:00:00.000001Z".to_owned(),
            signed: false,
            problems: &["entry 1 (version 5): hash does not follow the chain"],
        },
        Case {
            what: "settledAt, outside the period",
            change: |s| s.entries[0].settled_at = "2026-12-01T10:00:00.000000Z".to_owned(),
            signed: false,
            problems: &[
                "entry 1 (version 5): settled at 2026-12-01T10:00:00.000000Z, outside the period 2026-11",
                "entry 1 (version 5): hash does not follow the chain",
            ],
        },
        Case {
            what: "type",
            change: |s| s.entries[0].entry_type = TransactionType::Adjustment,
            signed: false,
            problems: &["entry 1 (version 5): hash does not follow the chain"],
        },
        Case {
            what: "transaction id",
            change: |s| s.entries[0].transaction_id = uuid::Uuid::from_u128(7).into(),
            signed: false,
            problems: &["entry 1 (version 5): hash does not follow the chain"],
        },
        Case {
            what: "format",
            change: |s| s.format = "bank-statement/v3".to_owned(),
            signed: false,
            problems: &["format is neither bank-statement/v2 nor bank-statement/v1"],
        },
    ]);
}

#[test]
fn header_figures_are_signed_and_checked_so_changing_them_breaks_both() {
    check(&[
        Case {
            what: "opening balance",
            change: |s| s.opening_balance = plus_cent(s.opening_balance),
            signed: true,
            problems: &[
                "entry 1 (version 5): balanceAfter is 150.25, but the balance before it plus the amount is 150.26",
            ],
        },
        Case {
            what: "closing balance",
            change: |s| s.closing_balance = plus_cent(s.closing_balance),
            signed: true,
            problems: &[
                "closingBalance is 139.51, but the last entry leaves 139.50",
                "closingAvailable is 114.00, but closingBalance minus closingHeld is 114.01",
            ],
        },
        Case {
            what: "total in",
            change: |s| s.total_in = plus_cent(s.total_in),
            signed: true,
            problems: &["totalIn is 60.26, but the entries sum to 60.25"],
        },
        Case {
            what: "total out",
            change: |s| s.total_out = plus_cent(s.total_out),
            signed: true,
            problems: &["totalOut is 20.76, but the entries sum to 20.75"],
        },
        Case {
            what: "closing version",
            change: |s| s.closing_version = 12,
            signed: true,
            problems: &["closingVersion is 12, but the last entry is at version 11"],
        },
    ]);
}

#[test]
fn chain_anchors_and_identity_are_signed_and_checked_so_changing_them_breaks_both() {
    check(&[
        Case {
            what: "closing head",
            change: |s| s.closing_head = s.entries[2].hash.clone(),
            signed: true,
            problems: &["closingHead is not the chain head of the last entry"],
        },
        Case {
            what: "opening head",
            change: |s| s.opening_head = ChainHead::genesis(),
            signed: true,
            problems: &["entry 1 (version 5): hash does not follow the chain"],
        },
        Case {
            what: "an entry's hash",
            change: |s| s.entries[1].hash = ChainHead::genesis(),
            signed: true,
            problems: &[
                "entry 2 (version 7): hash does not follow the chain",
                "entry 3 (version 9): hash does not follow the chain",
            ],
        },
        Case {
            what: "currency",
            change: |s| s.currency = "EUR".parse().unwrap(),
            signed: true,
            problems: &[
                "entry 1 (version 5): hash does not follow the chain",
                "entry 2 (version 7): hash does not follow the chain",
                "entry 3 (version 9): hash does not follow the chain",
                "entry 4 (version 11): hash does not follow the chain",
            ],
        },
        Case {
            what: "account id",
            change: |s| s.account.account_id = uuid::Uuid::from_u128(5).into(),
            signed: true,
            problems: &[
                "entry 1 (version 5): hash does not follow the chain",
                "entry 2 (version 7): hash does not follow the chain",
                "entry 3 (version 9): hash does not follow the chain",
                "entry 4 (version 11): hash does not follow the chain",
            ],
        },
        Case {
            what: "to",
            change: |s| s.to = "2026-12-02T00:00:00.000000Z".to_owned(),
            signed: true,
            problems: &["to is not the end of 2026-11 (2026-12-01T00:00:00.000000Z)"],
        },
        Case {
            what: "period",
            change: |s| s.period = "2026-13".to_owned(),
            signed: true,
            problems: &["period month must be between 01 and 12, such as 2026-11"],
        },
    ]);
}

#[test]
fn dropping_or_reordering_entries_breaks_both() {
    check(&[
        Case {
            what: "an entry dropped",
            change: |s| drop(s.entries.remove(1)),
            signed: true,
            problems: &[
                "entry 2 (version 9): balanceAfter is 129.50, but the balance before it plus the amount is 149.50",
                "entry 2 (version 9): hash does not follow the chain",
                "totalOut is 20.75, but the entries sum to 0.75",
            ],
        },
        Case {
            what: "the last entry dropped",
            change: |s| drop(s.entries.pop()),
            signed: true,
            problems: &[
                "closingBalance is 139.50, but the last entry leaves 129.50",
                "closingHead is not the chain head of the last entry",
                "closingVersion is 11, but the last entry is at version 9",
                "totalIn is 60.25, but the entries sum to 50.25",
            ],
        },
        Case {
            what: "two entries swapped",
            change: |s| s.entries.swap(1, 2),
            signed: true,
            problems: &[
                "entry 2 (version 9): balanceAfter is 129.50, but the balance before it plus the amount is 149.50",
                "entry 2 (version 9): hash does not follow the chain",
                "entry 3 (version 7): version does not increase (the version before it is 9)",
                "entry 3 (version 7): balanceAfter is 130.25, but the balance before it plus the amount is 109.50",
                "entry 3 (version 7): hash does not follow the chain",
                "entry 4 (version 11): balanceAfter is 139.50, but the balance before it plus the amount is 140.25",
                "entry 4 (version 11): hash does not follow the chain",
            ],
        },
    ]);
}

#[test]
fn descriptive_header_fields_are_signed_but_do_not_affect_the_sums() {
    check(&[
        Case {
            what: "name",
            change: |s| s.account.name = "Savings".to_owned(),
            signed: true,
            problems: &[],
        },
        Case {
            what: "holder",
            change: |s| s.account.holder_id = "someone-else".to_owned(),
            signed: true,
            problems: &[],
        },
        Case {
            what: "holder with a line break",
            change: |s| s.account.holder_id = "a1b2c3d4-holder\n".to_owned(),
            signed: true,
            problems: &["account.holderId must not contain control characters such as line breaks"],
        },
        Case {
            what: "generatedAt",
            change: |s| s.generated_at = "2026-12-02T00:00:00.000000Z".to_owned(),
            signed: true,
            problems: &[],
        },
    ]);
}

/// Amounts in cents as texts, each payment out only when the balance (from the
/// opening 100.00) covers it, else paid in.
fn affordable(moves: &[(i64, bool)]) -> Vec<String> {
    let mut balance = 10_000;
    let mut amounts = Vec::new();
    for &(cents, out) in moves {
        let signed = if out && cents <= balance {
            -cents
        } else {
            cents
        };
        balance += signed;
        let sign = if signed < 0 { "-" } else { "" };
        amounts.push(format!("{sign}{}.{:02}", cents / 100, cents % 100));
    }
    amounts
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_one_cent_change_to_any_entry_amount_is_detected(
        moves in prop::collection::vec((1i64..=500_000, any::<bool>()), 1..8),
        pick in any::<prop::sample::Index>(),
        up in any::<bool>(),
    ) {
        let amounts = affordable(&moves);
        let refs: Vec<&str> = amounts.iter().map(String::as_str).collect();
        let mut statement = make(&refs).unwrap();
        let bank = key(7);
        sign(&mut statement, &bank);
        let index = pick.index(statement.entries.len());
        let entry = &mut statement.entries[index];
        let cent = rust_decimal::Decimal::new(if up { 1 } else { -1 }, 2);
        let changed = SignedAmount::try_from_decimal(entry.amount.as_decimal() + cent)
            .or_else(|_| SignedAmount::try_from_decimal(entry.amount.as_decimal() - cent))
            .unwrap();
        entry.amount = changed;
        let verification = verify(&statement, &public_der(&bank));
        prop_assert!(verification.signature_valid);
        prop_assert!(!verification.chain_valid);
        let hash = format!("entry {} (version {}): hash does not follow the chain", index + 1, 5 + 2 * index);
        prop_assert!(verification.problems.contains(&hash), "{:?}", verification.problems);
    }
}
