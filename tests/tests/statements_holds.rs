//! A statement's amount on hold (`bank-statement/v2`) against DynamoDB Local and moto:
//! the holds ACTIVE at the end of October (placed in the month and still active, or
//! ended only after it) are listed and summed; one captured within the month is not
//! (its capture is an entry); one that became ACTIVE only after the month is not. The
//! statement verifies, and a changed `closingHeld` does not.

use chrono::{TimeZone, Utc};
use integration_tests::statements::{StatementsFixture, pdf_text};
use serde_json::json;
use shared::statement::{Statement, verify};
use shared::store::TransactionsTable;
use statements::generate::Generated;
use statements::{Done, Job};

#[tokio::test]
async fn an_october_statement_shows_the_holds_active_at_its_end_and_verifies() {
    let f = StatementsFixture::new(200).await;
    let (holder, _) = f.holder().await;
    let account = f
        .september_account(
            &holder,
            &[("DEPOSIT", "100.00", "2026-09-20T10:00:00.000000Z")],
        )
        .await;
    // Placed in October and still ACTIVE at its end.
    let active = f
        .hold_at(
            &holder,
            &account,
            "30.00",
            "2026-10-05T09:00:00.000000Z",
            "2026-10-05T09:00:01.000000Z",
        )
        .await;
    // Placed and captured (15.00 of 20.00) within October.
    let captured = f
        .hold_at(
            &holder,
            &account,
            "20.00",
            "2026-10-10T12:00:00.000000Z",
            "2026-10-10T12:00:01.000000Z",
        )
        .await;
    f.end_hold_at(
        &holder,
        &account,
        &captured,
        "capture",
        Some(&json!({"amount": "15.00"})),
        "2026-10-12T08:00:00.000000Z",
    )
    .await;
    // Placed in October (expiring November 4th), voided only in November: still on
    // hold at the closing.
    let voided_later = f
        .hold_at(
            &holder,
            &account,
            "12.34",
            "2026-10-28T16:00:00.000000Z",
            "2026-10-28T16:00:01.000000Z",
        )
        .await;
    // Requested on October 31st, ACTIVE only at November's first instant.
    let late = f
        .hold_at(
            &holder,
            &account,
            "5.00",
            "2026-10-31T23:59:00.000000Z",
            "2026-11-01T00:00:00.000000Z",
        )
        .await;
    f.end_hold_at(
        &holder,
        &account,
        &voided_later,
        "void",
        None,
        "2026-11-03T10:00:00.000000Z",
    )
    .await;

    let transactions = TransactionsTable::new(
        shared::aws::dynamodb(&f.api.stack.config),
        &f.api.tables.transactions,
    );
    for (id, status, ended) in [
        (&active, "ACTIVE", None),
        (&captured, "CAPTURED", Some("2026-10-12T08:00:00.000000Z")),
        (&voided_later, "VOIDED", Some("2026-11-03T10:00:00.000000Z")),
        (&late, "ACTIVE", None),
    ] {
        let hold = transactions
            .get_by_id(id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no hold {id}"));
        assert_eq!(hold.status.as_str(), status, "{id}");
        assert_eq!(hold.ended_at.as_deref(), ended, "{id}");
    }

    let job = Job::Account {
        period: "2026-10".to_owned(),
        account_id: account.to_string(),
        resend: false,
    };
    let now = Utc
        .with_ymd_and_hms(2026, 12, 1, 2, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("date"));
    let done = f.worker.job(&job, now).await;
    let Ok(Done::Account(generated, _)) = done else {
        panic!("{done:?}")
    };
    let Generated::Made(record) = *generated else {
        panic!("not made: {generated:?}")
    };
    let statement: Statement = serde_json::from_slice(&f.object(&record.json_key).await)
        .unwrap_or_else(|e| panic!("statement JSON: {e}"));

    assert_eq!(statement.format, "bank-statement/v2");
    assert_eq!(statement.closing_balance.to_string(), "85.00");
    let amounts: Vec<String> = statement
        .entries
        .iter()
        .map(|e| format!("{} {}", e.entry_type, e.amount))
        .collect();
    assert_eq!(amounts, ["CAPTURE -15.00"]);
    let held = statement.closing_held.map(|h| h.to_string());
    assert_eq!(held.as_deref(), Some("42.34"));
    let available = statement.closing_available.map(|a| a.to_string());
    assert_eq!(available.as_deref(), Some("42.66"));
    let holds = statement.holds.clone().unwrap_or_default();
    let listed: Vec<(String, String)> = holds
        .iter()
        .map(|h| (h.transaction_id.to_string(), h.amount.to_string()))
        .collect();
    assert_eq!(
        listed,
        [
            (active.clone(), "30.00".to_owned()),
            (voided_later, "12.34".to_owned())
        ],
        "captured {captured} and late {late} are not on hold at the closing"
    );
    assert_eq!(holds[0].expires_at, "2026-10-12T09:00:00.000000Z");

    let der = f.public_key().await;
    let verification = verify(&statement, &der);
    assert!(
        verification.signature_valid && verification.chain_valid,
        "{verification:?}"
    );
    let mut tampered = statement.clone();
    tampered.closing_held = "30.00".parse().ok();
    let verification = verify(&tampered, &der);
    assert!(!verification.signature_valid && !verification.chain_valid);
    assert!(
        verification
            .problems
            .contains(&"closingHeld is 30.00, but the holds sum to 42.34".to_owned()),
        "{:?}",
        verification.problems
    );
    let mut dropped = statement.clone();
    if let Some(holds) = dropped.holds.as_mut() {
        holds.pop();
    }
    assert!(!verify(&dropped, &der).signature_valid);

    let text = pdf_text(&f.object(&record.pdf_key).await, true);
    for needle in [
        "On hold at closing",
        "42.34 EUR",
        "Available at closing",
        "42.66 EUR",
        "Holds at closing",
        &active[..8],
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
}
