//! The statements worker against DynamoDB Local and moto (S3, KMS, SES, SQS,
//! Cognito): a past month seeded through the settle path (see
//! `integration_tests::statements`), its statement made, signed, stored, emailed, and
//! made only once; a run's fan-out a page at a time.

use chrono::{TimeZone, Utc};
use integration_tests::moto;
use integration_tests::statements::{StatementsFixture, pdf_text};
use serde_json::Value;
use shared::statement::{Statement, verify};
use statements::generate::Generated;
use statements::{Done, Job};

fn december() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("date"))
}

fn account_job(account: &str, resend: bool) -> Job {
    Job::Account {
        period: "2026-10".to_owned(),
        account_id: account.to_owned(),
        resend,
    }
}

/// The href of the first link in an HTML body.
fn first_link(html: &str) -> String {
    let start = html
        .find("href=\"")
        .unwrap_or_else(|| panic!("no link in {html}"))
        + 6;
    let end = html[start..]
        .find('"')
        .unwrap_or_else(|| panic!("unterminated link"))
        + start;
    html[start..end].replace("&amp;", "&")
}

#[tokio::test]
async fn an_october_statement_adds_up_is_signed_stored_emailed_and_made_only_once() {
    let f = StatementsFixture::new(200).await;
    let (holder, email) = f.holder().await;
    let account = f
        .september_account(
            &holder,
            &[
                ("DEPOSIT", "100.00", "2026-09-20T10:00:00.000000Z"),
                ("DEPOSIT", "50.25", "2026-10-03T09:00:00.000000Z"),
                ("WITHDRAWAL", "20.00", "2026-10-15T12:30:00.000000Z"),
                ("DEPOSIT", "5.00", "2026-10-31T23:59:59.999999Z"),
                ("DEPOSIT", "1.00", "2026-11-01T00:00:00.000000Z"),
            ],
        )
        .await;

    let done = f
        .worker
        .job(&account_job(&account.to_string(), false), december())
        .await;
    let Ok(Done::Account(generated, emailed)) = done else {
        panic!("{done:?}")
    };
    let Generated::Made(record) = *generated else {
        panic!("not made: {generated:?}")
    };
    assert_eq!(emailed, Some(statements::email::Emailed::Sent));
    assert_eq!(record.opening_balance.to_string(), "100.00");
    assert_eq!(record.closing_balance.to_string(), "135.25");
    assert_eq!(record.total_in.to_string(), "55.25");
    assert_eq!(record.total_out.to_string(), "20.00");
    assert_eq!(record.entries, 3);

    let statement: Statement = serde_json::from_slice(&f.object(&record.json_key).await)
        .unwrap_or_else(|e| panic!("statement JSON: {e}"));
    let amounts: Vec<String> = statement
        .entries
        .iter()
        .map(|e| e.amount.to_string())
        .collect();
    assert_eq!(amounts, ["50.25", "-20.00", "5.00"]);
    let after: Vec<String> = statement
        .entries
        .iter()
        .map(|e| e.balance_after.to_string())
        .collect();
    assert_eq!(after, ["150.25", "130.25", "135.25"]);
    assert_eq!(statement.account.holder_id, holder.sub);
    let verdict = verify(&statement, &f.public_key().await);
    assert!(
        verdict.signature_valid && verdict.chain_valid,
        "{verdict:?}"
    );

    let pdf = f.object(&record.pdf_key).await;
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    assert!(
        pdf_text(&pdf, false).contains("135.25"),
        "closing balance not in the PDF text"
    );

    let sent = moto::emails_to(&f.api.stack, &email).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let html = sent[0]["body"].as_str().unwrap_or_default();
    let link = first_link(html);
    let downloaded = reqwest::get(&link)
        .await
        .unwrap_or_else(|e| panic!("GET link: {e}"));
    assert!(
        downloaded.status().is_success(),
        "link: {}",
        downloaded.status()
    );
    assert_eq!(downloaded.bytes().await.unwrap_or_default().to_vec(), pdf);

    // Again: the same statement, nothing written, nothing sent.
    let prefix = format!("statements/{account}/2026-10/");
    let versions = f.object_versions(&prefix).await;
    assert_eq!(versions, 2, "one JSON and one PDF");
    let again = f
        .worker
        .job(&account_job(&account.to_string(), false), december())
        .await;
    let Ok(Done::Account(generated, emailed)) = again else {
        panic!("{again:?}")
    };
    assert_eq!(*generated, Generated::Existing(record.clone()));
    assert_eq!(emailed, None);
    assert_eq!(f.object_versions(&prefix).await, versions);
    let listed = f
        .statements
        .list(&account, 100, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(listed.items, vec![record]);
    assert_eq!(moto::emails_to(&f.api.stack, &email).await.len(), 1);
}

#[tokio::test]
async fn an_account_with_nothing_to_state_gets_no_statement_unless_asked() {
    let f = StatementsFixture::new(200).await;
    let (holder, _) = f.holder().await;
    let account = f
        .open_account_at(&holder, "2026-09-15T10:00:00.000000Z")
        .await;
    let done = f
        .worker
        .job(&account_job(&account.to_string(), false), december())
        .await;
    assert!(
        matches!(&done, Ok(Done::Account(g, None)) if **g == Generated::Nothing),
        "{done:?}"
    );
    let asked = f
        .worker
        .job(&account_job(&account.to_string(), true), december())
        .await;
    let Ok(Done::Account(generated, _)) = asked else {
        panic!("{asked:?}")
    };
    let Generated::Made(record) = *generated else {
        panic!("not made on demand")
    };
    assert_eq!(
        (record.entries, record.closing_balance.to_string()),
        (0, "0.00".to_owned())
    );
}

#[tokio::test]
async fn a_run_of_25_accounts_in_pages_of_10_sends_25_account_messages_over_3_run_pages() {
    let f = StatementsFixture::new(10).await;
    let (holder, _) = f.holder().await;
    let mut accounts = std::collections::BTreeSet::new();
    for _ in 0..25 {
        accounts.insert(
            f.open_account_at(&holder, "2026-09-15T10:00:00.000000Z")
                .await
                .to_string(),
        );
    }
    let first = Job::Run {
        period: Some("2026-10".to_owned()),
        after: None,
    };
    f.worker
        .fanout
        .send_batch(std::slice::from_ref(&first))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let handled = f.drain().await;
    let kind = |k: &str| {
        handled
            .iter()
            .filter(|m| m["kind"] == k)
            .collect::<Vec<&Value>>()
    };
    assert_eq!(kind("run").len(), 3, "run pages: {:?}", kind("run"));
    let fanned: std::collections::BTreeSet<String> = kind("account")
        .iter()
        .map(|m| m["accountId"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(kind("account").len(), 25);
    assert_eq!(fanned, accounts);
    assert!(kind("account").iter().all(|m| m["period"] == "2026-10"));
}

#[tokio::test]
async fn a_malformed_message_is_a_batch_item_failure_and_an_unknown_account_is_not() {
    use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
    let f = StatementsFixture::new(200).await;
    let message = |id: &str, body: &str| {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.to_owned());
        m.body = Some(body.to_owned());
        m
    };
    let unknown = uuid::Uuid::new_v4();
    let mut event = SqsEvent::default();
    event.records = vec![
        message("bad-json", "{not json"),
        message("bad-kind", r#"{"kind":"everything"}"#),
        message(
            "bad-period",
            &format!(r#"{{"kind":"account","period":"2026-13","accountId":"{unknown}"}}"#),
        ),
        message(
            "unknown",
            &format!(r#"{{"kind":"account","period":"2026-10","accountId":"{unknown}"}}"#),
        ),
    ];
    let response = f.worker.handle(event).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["bad-json", "bad-kind", "bad-period"]);
}

#[tokio::test]
async fn a_statement_recorded_but_not_emailed_is_emailed_by_the_next_delivery_only() {
    let f = StatementsFixture::new(200).await;
    let (holder, email) = f.holder().await;
    let account = f
        .september_account(
            &holder,
            &[("DEPOSIT", "10.00", "2026-10-05T10:00:00.000000Z")],
        )
        .await;
    let period = shared::statement::Period::parse("2026-10").unwrap_or_else(|e| panic!("{e}"));
    // A crash right after the record: made, never emailed.
    let made = f.worker.generator.statement(&account, period, false).await;
    assert!(
        matches!(&made, Ok((Generated::Made(_), Some(_)))),
        "{made:?}"
    );
    assert!(moto::emails_to(&f.api.stack, &email).await.is_empty());

    let id = account.to_string();
    let redelivered = f.worker.job(&account_job(&id, false), december()).await;
    let Ok(Done::Account(generated, emailed)) = redelivered else {
        panic!("{redelivered:?}")
    };
    assert!(matches!(*generated, Generated::Existing(_)));
    assert_eq!(emailed, Some(statements::email::Emailed::Sent));
    let again = f.worker.job(&account_job(&id, false), december()).await;
    assert!(matches!(&again, Ok(Done::Account(_, None))), "{again:?}");
    assert_eq!(moto::emails_to(&f.api.stack, &email).await.len(), 1);

    // Asked again on demand: the same statement, sent again.
    let resent = f.worker.job(&account_job(&id, true), december()).await;
    assert!(
        matches!(&resent, Ok(Done::Account(_, Some(_)))),
        "{resent:?}"
    );
    assert_eq!(moto::emails_to(&f.api.stack, &email).await.len(), 2);
}

#[tokio::test]
async fn logs_name_the_account_and_period_but_never_the_holders_address() {
    let f = StatementsFixture::new(200).await;
    let (holder, email) = f.holder().await;
    let account = f
        .september_account(
            &holder,
            &[("DEPOSIT", "7.00", "2026-10-05T10:00:00.000000Z")],
        )
        .await;
    let logs = integration_tests::notify_fixture::LogCapture::with_filter("info,statements=trace");
    let done = f
        .worker
        .job(&account_job(&account.to_string(), false), december())
        .await;
    assert!(matches!(&done, Ok(Done::Account(_, Some(_)))), "{done:?}");
    let text = logs.text();
    assert!(
        text.contains(&account.to_string()),
        "account id not logged: {text}"
    );
    assert!(text.contains("statement emailed"), "{text}");
    assert!(
        !text.contains(&email),
        "the holder's address is in the logs"
    );
}
