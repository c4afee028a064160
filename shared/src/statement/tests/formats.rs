//! The two formats: v2's canonical text (what [`build`] makes now), and v1 statements
//! (made before holds) verified exactly as they were.

use super::tamper::{Case, check_changes};
use super::*;

/// The genuine statement's entries, as a v1 statement: no held figures, signed in v1.
fn genuine_v1() -> (Statement, Vec<u8>) {
    let mut statement = make(&["50.25", "-20.00", "-0.75", "10.00"]).unwrap();
    statement.format = FORMAT_V1.to_owned();
    statement.closing_held = None;
    statement.closing_available = None;
    statement.holds = None;
    let bank = key(7);
    sign(&mut statement, &bank);
    (statement, public_der(&bank))
}

/// The v1 header lines of the genuine entries, after the format line.
fn v1_header(statement: &Statement) -> String {
    format!(
        "period=2026-11\nfrom=2026-11-01T00:00:00.000000Z\nto=2026-12-01T00:00:00.000000Z\naccount={ACCOUNT}\nname=\"Everyday \\\"main\\\"\\n\"\nholder=a1b2c3d4-holder\ncurrency=USD\nopeningBalance=100.00\nclosingBalance=139.50\ntotalIn=60.25\ntotalOut=20.75\nopeningHead={}\nclosingHead={}\nopeningVersion=3\nclosingVersion=11\n",
        statement.opening_head, statement.closing_head,
    )
}

fn entry_lines(statement: &Statement) -> String {
    statement
        .entries
        .iter()
        .map(|e| format!("entry={}|{}\n", e.version, e.hash))
        .collect()
}

/// The signed message over `text` in `format`.
fn message(format: &str, text: &str) -> Vec<u8> {
    let digest = crate::domain::chain::hex(&Sha256::digest(text.as_bytes()));
    format!("{format}\ndigest={digest}\n").into_bytes()
}

#[test]
fn the_canonical_text_is_the_documented_one() {
    let (statement, _) = genuine();
    assert_eq!(statement.format, "bank-statement/v2");
    let text = statement.canonical_text();
    let held = "closingHeld=25.50\nclosingAvailable=114.00\nholds=2\nhold=00000000-0000-0000-0000-0000000000c9|20.00|2026-12-05T10:00:00.000000Z\nhold=00000000-0000-0000-0000-0000000000ca|5.50|2026-12-20T10:00:00.000000Z\n";
    let end = "generatedAt=2026-12-01T00:05:00.000000Z\nentries=4\n";
    let expected = format!(
        "bank-statement/v2\n{}{held}{end}{}",
        v1_header(&statement),
        entry_lines(&statement)
    );
    assert_eq!(text, expected);
    assert_eq!(
        statement.digest(),
        <[u8; 32]>::from(Sha256::digest(text.as_bytes()))
    );
    assert_eq!(
        statement.signing_message(),
        message("bank-statement/v2", &text)
    );
    let mut unsigned = statement.clone();
    unsigned.signature = None;
    assert_eq!(unsigned.digest(), statement.digest());
}

#[test]
fn a_v1_statement_keeps_its_v1_text_and_still_verifies() {
    let (statement, der) = genuine_v1();
    let text = statement.canonical_text();
    let expected = format!(
        "bank-statement/v1\n{}generatedAt=2026-12-01T00:05:00.000000Z\nentries=4\n{}",
        v1_header(&statement),
        entry_lines(&statement)
    );
    assert_eq!(text, expected);
    assert_eq!(
        statement.signing_message(),
        message("bank-statement/v1", &text)
    );
    let json = serde_json::to_string(&statement).unwrap();
    for field in ["closingHeld", "closingAvailable", "holds"] {
        assert!(!json.contains(field), "{field} in {json}");
    }
    let back: Statement = serde_json::from_str(&json).unwrap();
    assert_eq!(back, statement);
    assert_eq!(
        verify(&back, &der),
        Verification {
            signature_valid: true,
            chain_valid: true,
            problems: vec![]
        }
    );
    let unknown = json.replacen('{', r#"{"closingPending":"1.00","#, 1);
    let refused = serde_json::from_str::<Statement>(&unknown).map(|_| ());
    assert!(refused.is_err_and(|e| e.to_string().contains("unknown field")));
}

#[test]
fn a_v1_statement_is_checked_as_before_and_must_not_carry_v2_fields() {
    check_changes(
        genuine_v1,
        &[
            Case {
                what: "v1 closing balance",
                change: |s| s.closing_balance = plus_cent(s.closing_balance),
                signed: true,
                problems: &["closingBalance is 139.51, but the last entry leaves 139.50"],
            },
            Case {
                what: "v1 with a closingHeld added (not in the v1 text)",
                change: |s| s.closing_held = Some(Balance::ZERO),
                signed: false,
                problems: &["closingHeld is not part of bank-statement/v1"],
            },
            Case {
                what: "v1 with every v2 field added",
                change: |s| {
                    s.closing_held = Some(Balance::ZERO);
                    s.closing_available = Some(s.closing_balance);
                    s.holds = Some(Vec::new());
                },
                signed: false,
                problems: &[
                    "closingHeld is not part of bank-statement/v1",
                    "closingAvailable is not part of bank-statement/v1",
                    "holds is not part of bank-statement/v1",
                ],
            },
            Case {
                what: "v1 relabelled v2",
                change: |s| s.format = FORMAT_V2.to_owned(),
                signed: true,
                problems: &[
                    "closingHeld is missing (a bank-statement/v2 statement states it)",
                    "closingAvailable is missing (a bank-statement/v2 statement states it)",
                    "holds is missing (a bank-statement/v2 statement states it)",
                ],
            },
        ],
    );
}

#[test]
fn a_v2_statement_relabelled_v1_fails_both() {
    check_changes(
        genuine,
        &[Case {
            what: "v2 relabelled v1",
            change: |s| s.format = FORMAT_V1.to_owned(),
            signed: true,
            problems: &[
                "closingHeld is not part of bank-statement/v1",
                "closingAvailable is not part of bank-statement/v1",
                "holds is not part of bank-statement/v1",
            ],
        }],
    );
}
