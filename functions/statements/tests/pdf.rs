//! The statement PDF checked as a person reads it: rendered, turned back into text by
//! poppler's `pdftotext -layout`, and read for the figures a holder looks for.
//!
//! Needs poppler-utils (`pdftotext`, `pdftoppm`); without it these tests fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

// ---------------------------------------------------------------------------------------
// Tests

#[test]
fn a_month_reads_with_its_balances_totals_and_every_entry_in_order() {
    let statement = Builder::new("Household (joint) account", "1250.00")
        .entry(
            "2026-05-01T08:00:01.000000Z",
            TransactionType::Deposit,
            "3200.00",
            "Salary May",
        )
        .entry(
            "2026-05-02T09:30:00.000000Z",
            TransactionType::Withdrawal,
            "-1100.00",
            "Rent",
        )
        .entry(
            "2026-05-03T12:00:59.000000Z",
            TransactionType::Transfer,
            "-150.75",
            "To savings",
        )
        .entry(
            "2026-05-09T17:45:00.000000Z",
            TransactionType::Transfer,
            "40.00",
            "From Sam",
        )
        .entry(
            "2026-05-31T23:59:59.999999Z",
            TransactionType::Adjustment,
            "-5.00",
            "Fee",
        )
        .build();
    let text = read_text(&statements::pdf::render(&statement), "month");

    assert_eq!(page_count(&text), 1, "{text}");
    for needle in [
        "Serverless Bank",
        "Statement 2026-05",
        "Page 1 of 1",
        "Household (joint) account",
        "3f2c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47",
        "7d1e5b2a-4c3f-4e8d-9a6b-0f2e1d3c4b5a",
        "2026-05-01 to 2026-05-31",
        statement.opening_head.as_str(),
        statement.closing_head.as_str(),
        "POST /statements/verify",
        "bank verify-statement <file.json>",
        "Not signed",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
    let summary = assert_in_order(
        &text,
        0,
        &[
            "Opening balance",
            "1250.00 EUR",
            "Total in",
            "3240.00 EUR",
            "Total out",
            "1255.75 EUR",
            "Closing balance",
            "3234.25 EUR",
            "On hold at closing",
            "0.00 EUR",
            "Available at closing",
            "3234.25 EUR",
        ],
    );
    assert!(
        !text.contains("Holds at closing"),
        "no holds, no table: {text}"
    );
    let table = assert_in_order(&text, summary, &["Amount (EUR)", "Balance (EUR)"]);
    let rows = assert_in_order(&text, table, &["Opening balance", "1250.00"]);
    let rows = assert_entries_in_order(&text, rows, &statement);
    assert_in_order(&text, rows, &["Closing balance", "3234.25", "Verification"]);
    for kind in [
        "Deposit",
        "Withdrawal",
        "Transfer out",
        "Transfer in",
        "Adjustment",
    ] {
        assert!(text.contains(kind), "{kind} missing");
    }
}

#[test]
fn a_long_month_runs_over_numbered_pages_with_every_amount() {
    let statement = month_of(300);
    let text = read_text(&statements::pdf::render(&statement), "long");

    let pages = page_count(&text);
    assert!(pages >= 5, "300 entries on {pages} pages");
    for page in 1..=pages {
        let label = format!("Page {page} of {pages}");
        assert_eq!(text.matches(&label).count(), 1, "{label}");
    }
    assert_eq!(
        text.matches("Statement 2026-05").count(),
        pages,
        "a header on every page"
    );
    let rows = assert_entries_in_order(&text, 0, &statement);
    assert_in_order(
        &text,
        rows,
        &["Closing balance", &statement.closing_balance.to_string()],
    );
    let last_page = text
        .trim_end_matches('\u{c}')
        .rsplit('\u{c}')
        .next()
        .unwrap();
    assert!(
        last_page.contains("Verification")
            && last_page.contains(&format!("Page {pages} of {pages}"))
    );
    assert_eq!(
        text.matches("Verification").count(),
        1,
        "the footer is on the last page only"
    );
}

#[test]
fn an_empty_month_still_renders() {
    let statement = Builder::new("Dormant account", "80.00").build();
    let text = read_text(&statements::pdf::render(&statement), "empty");

    assert_eq!(page_count(&text), 1);
    assert_in_order(
        &text,
        0,
        &[
            "Opening balance",
            "80.00 EUR",
            "Total in",
            "0.00 EUR",
            "Total out",
            "0.00 EUR",
            "Closing balance",
            "80.00 EUR",
            "On hold at closing",
            "0.00 EUR",
            "Available at closing",
            "80.00 EUR",
            "Opening balance",
            "80.00",
            "No transactions settled in this period.",
            "Closing balance",
            "80.00",
        ],
    );
    assert!(text.contains("Transactions") && text.contains("Page 1 of 1"));
}

#[test]
fn any_description_renders_readably() {
    let statement = Builder::new(r"Café (ünïcode) \ “quoted”", "10.00")
        .entry(
            "2026-05-04T10:00:00.000000Z",
            TransactionType::Deposit,
            "1.00",
            r"Café “Zürich” (net) \ 50% ☕ 日本",
        )
        .entry(
            "2026-05-05T10:00:00.000000Z",
            TransactionType::Deposit,
            "2.00",
            "(unbalanced \\",
        )
        .entry(
            "2026-05-06T10:00:00.000000Z",
            TransactionType::Deposit,
            "3.00",
            "tab\there\u{202e}!",
        )
        .entry(
            "2026-05-07T10:00:00.000000Z",
            TransactionType::Withdrawal,
            "-4.00",
            &"A very long description that goes on and on well past the column ".repeat(3),
        )
        .entry(
            "2026-05-08T10:00:00.000000Z",
            TransactionType::Deposit,
            "5.00",
            "",
        )
        .build();
    let text = read_text(&statements::pdf::render(&statement), "text");

    for needle in [
        r"Café (ünïcode) \ “quoted”",
        r"Café “Zürich” (net) \ 50% ? ??",
        r"(unbalanced \",
        "tab here!",
        "A very long description that goes",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
    let cut = text
        .lines()
        .find(|line| line.contains("A very long"))
        .unwrap();
    assert!(
        cut.contains("...") && !cut.contains("past the column A very"),
        "{cut}"
    );
    assert_entries_in_order(&text, 0, &statement);
}

#[test]
fn ten_thousand_entries_render() {
    let statement = month_of(10_000);
    let started = std::time::Instant::now();
    let pdf = statements::pdf::render(&statement);
    let elapsed = started.elapsed();
    eprintln!("10 000 entries: {} bytes in {elapsed:?}", pdf.len());
    assert!(pdf.starts_with(b"%PDF-") && pdf.trim_ascii_end().ends_with(b"%%EOF"));

    let text = read_text(&pdf, "ten-thousand");
    let pages = page_count(&text);
    assert!(
        text.contains(&format!("Page {pages} of {pages}")) && pages > 150,
        "{pages}"
    );
    assert_entries_in_order(&text, 0, &statement);
}
