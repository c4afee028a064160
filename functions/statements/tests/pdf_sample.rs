//! The sample statement kept in `docs/` (`statement-sample.pdf` and `.png`, made by
//! this test with poppler's `pdftoppm`): a realistic month with two holds at its
//! closing.
//!
//! Needs poppler-utils (`pdftotext`, `pdftoppm`); without it this test fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::*;

// ---------------------------------------------------------------------------------------
// The sample kept in docs/

/// A realistic month: salary, rent, card payments, transfers both ways, adjustments.
/// One entry a line: day and time, type (Deposit, Withdrawal, Transfer, Adjustment),
/// signed amount, description.
const SAMPLE: &str = "\
01T06:02 D  3250.00 Salary May 2026 - Northwind Logistics GmbH
01T09:15 W -1150.00 Rent May - Hausverwaltung Müller & Söhne
02T12:41 W   -64.30 Card payment - Marktplatz Bio Supermarkt
03T08:05 T  -250.00 Monthly saving to Savings account
03T19:22 W   -38.90 Card payment - Trattoria da Luca
05T07:30 W   -89.00 Direct debit - Stadtwerke electricity
06T16:48 T    45.50 From Anna Schmidt: concert tickets (2x)
07T10:12 W  -120.00 Cash withdrawal - ATM Hauptbahnhof
08T13:37 W   -23.75 Card payment - Pharmacy am Markt
10T09:00 W   -49.99 Direct debit - FiberNet internet, May
11T18:03 W   -71.42 Card payment - Marktplatz Bio Supermarkt
12T11:26 T  -300.00 To Jonas Weber - shared holiday deposit
13T15:55 D   180.00 Cash deposit - branch Alexanderplatz
14T08:44 W   -15.60 Card payment - Café Kranzler
15T07:30 W   -34.90 Direct debit - mobile phone contract
17T20:10 W  -112.35 Card payment - Sportshop Berlin (running shoes)
18T10:02 A    12.50 Fee refund: card replacement charged twice
19T14:19 T   -75.00 To Savings account
21T12:00 W   -58.16 Card payment - Marktplatz Bio Supermarkt
22T17:33 T   620.00 From Mia Keller - reimbursement for flights booked in April
24T09:48 W    -9.99 Card payment - StreamFlix subscription
26T16:05 W   -42.80 Card payment - Hardware store Bauhaus
28T11:11 W   -60.00 Cash withdrawal - ATM Kreuzberg
30T19:40 W   -27.45 Card payment - Kino International
31T23:59 A    -5.00 Monthly account fee
";

fn sample() -> Statement {
    let mut builder = Builder::new("Everyday Current Account", "1842.37").signed();
    for line in SAMPLE.lines() {
        let mut fields = line.splitn(3, ' ');
        let (when, kind) = (fields.next().unwrap(), fields.next().unwrap());
        let (amount, text) = fields.next().unwrap().trim_start().split_once(' ').unwrap();
        let kind = match kind {
            "D" => TransactionType::Deposit,
            "W" => TransactionType::Withdrawal,
            "T" => TransactionType::Transfer,
            _ => TransactionType::Adjustment,
        };
        let at = format!("2026-05-{when}:00.000000Z");
        builder = builder.entry(&at, kind, amount, text);
    }
    assert_eq!(builder.statement.entries.len(), 25);
    builder
        .hold(0x7c3e_91a4, "86.40", "2026-06-04T14:20:00.000000Z")
        .hold(0xb25d_0f63, "250.00", "2026-06-27T09:00:00.000000Z")
        .build()
}

#[test]
fn the_sample_statement_is_kept_as_pdf_and_png_in_docs() {
    let statement = sample();
    let pdf = statements::pdf::render(&statement);
    let text = read_text(&pdf, "sample");
    assert_entries_in_order(&text, 0, &statement);
    assert_in_order(
        &text,
        0,
        &["On hold at closing", "336.40 EUR", "Available at closing"],
    );
    assert_in_order(&text, 0, &["Holds at closing", "7c3e91a4", "b25d0f63"]);
    let key = &statement.signature.as_ref().unwrap().key_id;
    assert!(
        text.contains("Signed by Serverless Bank (ECDSA_SHA_256)"),
        "{text}"
    );
    assert!(
        text.contains(key.as_str()),
        "the whole key id is printed: {text}"
    );

    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    std::fs::create_dir_all(&docs).unwrap();
    let pdf_path = docs.join("statement-sample.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    let prefix = docs.join("statement-sample");
    let args = ["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"].map(Path::new);
    let mut all: Vec<&Path> = args.to_vec();
    all.extend([pdf_path.as_path(), prefix.as_path()]);
    poppler("pdftoppm", &all);
    let png = std::fs::read(docs.join("statement-sample.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        png.len() > 20_000,
        "a suspiciously small page image: {} bytes",
        png.len()
    );
}
