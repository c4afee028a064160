//! The amount on hold in the statement PDF (`bank-statement/v2`): the summary's "On
//! hold at closing" and "Available at closing" rows and the "Holds at closing" table,
//! read back by `pdftotext -layout`; a v1 statement prints neither.
//!
//! Needs poppler-utils (`pdftotext`); without it these tests fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[test]
fn holds_at_the_closing_read_in_the_summary_and_in_their_own_table() {
    let statement = Builder::new("Everyday account", "500.00")
        .entry(
            "2026-05-02T09:00:00.000000Z",
            TransactionType::Deposit,
            "250.00",
            "Salary",
        )
        .hold(0x1a2b_3c4d, "120.50", "2026-06-03T09:15:00.000000Z")
        .hold(0x5e6f_7a8b, "9.99", "2026-06-28T18:00:00.000000Z")
        .build();
    assert_eq!(statement.closing_held.unwrap().to_string(), "130.49");
    let text = read_text(&statements::pdf::render(&statement), "holds");

    assert_eq!(page_count(&text), 1, "{text}");
    let summary = assert_in_order(
        &text,
        0,
        &[
            "Closing balance",
            "750.00 EUR",
            "On hold at closing",
            "130.49 EUR",
            "Available at closing",
            "619.51 EUR",
        ],
    );
    let rows = assert_entries_in_order(&text, summary, &statement);
    let holds = assert_in_order(
        &text,
        rows,
        &["Closing balance", "750.00", "Holds at closing"],
    );
    let mut at = holds;
    for (id, expires, amount) in [
        ("1a2b3c4d", "Expires 2026-06-03 09:15 UTC", "120.50"),
        ("5e6f7a8b", "Expires 2026-06-28 18:00 UTC", "9.99"),
    ] {
        at = assert_in_order(&text, at, &[id]);
        let line = text[at..].lines().next().unwrap();
        let tokens: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(tokens.first(), Some(&"Hold"), "{line}");
        assert!(line.contains(expires), "{line}");
        assert_eq!(tokens.last(), Some(&amount), "{line}");
    }
    assert_in_order(&text, at, &["Verification"]);
}

#[test]
fn a_v1_statement_renders_without_held_figures() {
    let statement = Builder::new("Older account", "80.00")
        .entry(
            "2026-05-04T10:00:00.000000Z",
            TransactionType::Deposit,
            "20.00",
            "Gift",
        )
        .v1()
        .build();
    assert_eq!(statement.closing_held, None);
    let text = read_text(&statements::pdf::render(&statement), "v1");

    assert_in_order(&text, 0, &["Closing balance", "100.00 EUR"]);
    for absent in [
        "On hold at closing",
        "Available at closing",
        "Holds at closing",
    ] {
        assert!(
            !text.contains(absent),
            "{absent:?} in a v1 statement:\n{text}"
        );
    }
}
