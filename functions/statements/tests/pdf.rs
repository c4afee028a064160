//! The statement PDF checked as a person reads it: rendered, turned back into text by
//! poppler's `pdftotext -layout`, and read for the figures a holder looks for.
//!
//! Needs poppler-utils (`pdftotext`, `pdftoppm`); without it these tests fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use shared::domain::{
    AccountId, Balance, ChainHead, Currency, SignedAmount, TransactionId, TransactionType,
};
use shared::statement::{FORMAT, Statement, StatementAccount, StatementEntry, StatementSignature};

// ---------------------------------------------------------------------------------------
// Building statements

/// A statement for May 2026 built entry by entry, balances and totals kept consistent.
struct Builder {
    statement: Statement,
}

impl Builder {
    fn new(name: &str, opening: &str) -> Self {
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
                entries: Vec::new(),
                generated_at: "2026-06-01T00:05:12.345678Z".to_owned(),
                signature: None,
            },
        }
    }

    /// An entry settled at `settled_at` (RFC 3339) moving `amount` (signed).
    fn entry(mut self, settled_at: &str, kind: TransactionType, amount: &str, text: &str) -> Self {
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

    fn signed(mut self) -> Self {
        self.statement.signature = Some(StatementSignature {
            key_id: "arn:aws:kms:eu-west-1:123456789012:key/0b6a5c1e-2f4d-4e7a-9c3b-8d1f6e2a4b7c"
                .to_owned(),
            algorithm: "ECDSA_SHA_256".to_owned(),
            value: "MEUCIQDx1pJ0cU2h6mZ2n3o4p5q6r7s8t9u0v1w2x3y4z5A6BwIgc2lnbmF0dXJl".to_owned(),
        });
        self
    }

    fn build(self) -> Statement {
        self.statement
    }
}

/// A valid, recognisable chain head for rendering (not a real chain).
fn fake_head(n: u64) -> ChainHead {
    ChainHead::parse(&format!("{:016x}{:048x}", 0xc0ffee_u64 + n, n * 7919)).unwrap()
}

/// `n` entries spread over May: deposits and withdrawals taking turns.
fn month_of(n: usize) -> Statement {
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
fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("statements-pdf-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a poppler tool, failing with how to get it when it is not installed.
fn poppler(tool: &str, args: &[&Path]) {
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
fn read_text(pdf: &[u8], test: &str) -> String {
    let dir = scratch_dir(test);
    let (input, output) = (dir.join("statement.pdf"), dir.join("statement.txt"));
    std::fs::write(&input, pdf).unwrap();
    poppler("pdftotext", &[Path::new("-layout"), &input, &output]);
    let text = std::fs::read_to_string(&output).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    text
}

/// Asserts that `needles` appear in `text` in this order; returns where the last ended.
fn assert_in_order(text: &str, from: usize, needles: &[&str]) -> usize {
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
fn assert_entries_in_order(text: &str, from: usize, statement: &Statement) -> usize {
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

fn page_count(text: &str) -> usize {
    text.matches('\u{c}').count()
}

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
        ],
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
    builder.build()
}

#[test]
fn the_sample_statement_is_kept_as_pdf_and_png_in_docs() {
    let statement = sample();
    let pdf = statements::pdf::render(&statement);
    let text = read_text(&pdf, "sample");
    assert_entries_in_order(&text, 0, &statement);
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
