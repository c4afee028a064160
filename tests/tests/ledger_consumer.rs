//! The ledger consumer's liveness and order: contention is retried, an account's
//! transactions settle in acceptance order whatever shard delivers them first, the
//! reconciler settles what the stream never delivered, and nothing is started past
//! the invocation's deadline.

use std::time::{Duration, Instant};

use aws_lambda_events::event::dynamodb::Event;
use integration_tests::api::Caller;
use integration_tests::faults::Kind;
use integration_tests::pipeline::{PipelineFixture, tx};
use process_transactions::RetryPolicy;
use reconcile_pending::App as Reconciler;
use serde_json::{Value, json};
use shared::settle::Deadline;

fn transfer(from: &str, to: &str, amount: &str) -> Value {
    json!({ "accountId": from, "toAccountId": to, "type": "TRANSFER", "amount": amount })
}

async fn status(p: &PipelineFixture, id: &str) -> (String, Option<String>) {
    let t = p.transaction(id).await;
    (
        t.status.as_str().to_owned(),
        t.balance_after.map(|b| b.to_string()),
    )
}

#[tokio::test]
async fn a_transaction_conflict_on_the_first_commit_is_retried_in_the_same_invocation() {
    let mut p = PipelineFixture::new().await;
    let (injector, config) = p.config_with_commit_conflicts(11, 1);
    p.processor = process_transactions::App::new(
        &config,
        &p.api.tables,
        &p.queue_url,
        RetryPolicy::default(),
    );
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let deposit = p.record(&alice, tx(&account, "DEPOSIT", "25.00")).await;
    let inserts = p.next_records(1).await;

    let response = p.deliver(&inserts).await;

    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    assert_eq!(
        injector
            .counts()
            .into_iter()
            .find(|(k, _)| *k == Kind::Conflict),
        Some((Kind::Conflict, 1)),
        "the conflict was injected"
    );
    assert_eq!(
        status(&p, &deposit).await,
        ("COMPLETED".to_owned(), Some("25.00".to_owned()))
    );
    assert_eq!(p.balance(&account).await.to_string(), "25.00");
}

#[tokio::test]
async fn a_withdrawal_delivered_before_the_deposit_accepted_earlier_is_not_rejected() {
    let mut p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let deposit = p.record(&alice, tx(&account, "DEPOSIT", "100.00")).await;
    let withdrawal = p.record(&alice, tx(&account, "WITHDRAWAL", "60.00")).await;
    let inserts = p.next_records(2).await;

    // The withdrawal's shard is faster: it is delivered alone, first.
    let response = p.deliver(&inserts[1..]).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    assert_eq!(
        status(&p, &deposit).await,
        ("COMPLETED".to_owned(), Some("100.00".to_owned())),
        "the earlier deposit is settled first"
    );
    assert_eq!(
        status(&p, &withdrawal).await,
        ("COMPLETED".to_owned(), Some("40.00".to_owned())),
        "then the withdrawal, on the balance the deposit left"
    );

    // The deposit's own delivery changes nothing.
    let response = p.deliver(&inserts[..1]).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let stored = p.account(&account).await;
    assert_eq!(stored.balance.to_string(), "40.00");
    assert_eq!(
        p.writes.of(&account),
        1,
        "both applied in one account write"
    );
    assert_eq!(stored.version, 2, "two changes in the account's sequence");
}

#[tokio::test]
async fn balances_move_in_acceptance_order_even_when_the_stream_delivers_them_reversed() {
    let mut p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let mut ids = Vec::new();
    for amount in ["1.00", "2.00", "3.00", "4.00"] {
        ids.push(p.record(&alice, tx(&account, "DEPOSIT", amount)).await);
    }
    let mut inserts = p.next_records(4).await;
    inserts.reverse();

    for one in &inserts {
        let response = p.deliver(std::slice::from_ref(one)).await;
        assert!(response.batch_item_failures.is_empty(), "{response:?}");
    }

    let mut afters = Vec::new();
    for id in &ids {
        afters.push(status(&p, id).await.1.unwrap_or_default());
    }
    assert_eq!(afters, ["1.00", "3.00", "6.00", "10.00"]);
}

#[tokio::test]
async fn a_debit_waits_for_a_pending_transfer_to_its_account_accepted_before_it() {
    let mut p = PipelineFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let alices = p.api.open_account(&alice, "USD").await;
    let bobs = p.api.open_account(&bob, "USD").await;
    p.record(&bob, tx(&bobs, "DEPOSIT", "80.00")).await;
    p.drain(1).await;
    let incoming = p.record(&bob, transfer(&bobs, &alices, "50.00")).await;
    let spend = p.record(&alice, tx(&alices, "WITHDRAWAL", "30.00")).await;
    let inserts = p.next_records(2).await;

    // Alice's withdrawal arrives first; the transfer to her is still PENDING.
    let response = p.deliver(&inserts[1..]).await;

    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    assert_eq!(status(&p, &incoming).await.0, "COMPLETED");
    assert_eq!(
        status(&p, &spend).await,
        ("COMPLETED".to_owned(), Some("20.00".to_owned()))
    );
    assert_eq!(p.balance(&bobs).await.to_string(), "30.00");
}

#[tokio::test]
async fn debits_short_of_funds_that_find_the_same_pending_transfer_settle_it_once_then_complete() {
    let mut p = PipelineFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let alices = p.api.open_account(&alice, "USD").await;
    let bobs = p.api.open_account(&bob, "USD").await;
    p.record(&bob, tx(&bobs, "DEPOSIT", "80.00")).await;
    p.drain(1).await;
    let incoming = p.record(&bob, transfer(&bobs, &alices, "50.00")).await;
    let first = p.record(&alice, tx(&alices, "WITHDRAWAL", "30.00")).await;
    let second = p.record(&alice, tx(&alices, "WITHDRAWAL", "15.00")).await;
    let inserts = p.next_records(3).await;

    // Both withdrawals arrive together, before the transfer to Alice: each finds it
    // (one read of it, not two), and it is settled before either is decided.
    let response = p.deliver(&inserts[1..]).await;

    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    assert_eq!(status(&p, &incoming).await.0, "COMPLETED");
    assert_eq!(
        status(&p, &first).await,
        ("COMPLETED".to_owned(), Some("20.00".to_owned()))
    );
    assert_eq!(
        status(&p, &second).await,
        ("COMPLETED".to_owned(), Some("5.00".to_owned()))
    );
    let stored = p.account(&alices).await;
    assert_eq!(stored.balance.to_string(), "5.00");
}

#[tokio::test]
async fn a_transaction_asked_for_twice_in_one_read_is_read_once() {
    let mut p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let id = p.record(&alice, tx(&account, "DEPOSIT", "5.00")).await;
    let key = p.transaction(&id).await.table_key();
    let ledger = p.api.ledger();

    // DynamoDB refuses a BatchGetItem whose keys repeat; two short debits that find
    // the same incoming transfer ask for it twice.
    let pending = ledger.read_pending(&[key.clone(), key.clone()]).await;

    let pending = pending.unwrap_or_else(|e| panic!("read: {e}"));
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].table_key(), key);
    p.drain(1).await;
}

#[tokio::test]
async fn the_reconciler_settles_a_transaction_the_stream_never_delivered_exactly_once() {
    let mut p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let deposit = p.record(&alice, tx(&account, "DEPOSIT", "12.34")).await;
    let reconciler = Reconciler::new(&p.api.stack.config, &p.api.tables, Duration::ZERO, "test");

    let first = reconciler
        .run(Deadline::none())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (first.pending, first.stale, first.settled),
        (1, 1, 1),
        "{first:?}"
    );
    assert_eq!(
        status(&p, &deposit).await,
        ("COMPLETED".to_owned(), Some("12.34".to_owned()))
    );

    let second = reconciler
        .run(Deadline::none())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((second.pending, second.settled), (0, 0), "{second:?}");

    // The stream's late delivery of the same INSERT changes nothing.
    let inserts = p.next_records(1).await;
    let response = p.deliver(&inserts).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let stored = p.account(&account).await;
    assert_eq!(
        (stored.balance.to_string(), stored.version),
        ("12.34".to_owned(), 1)
    );
}

#[tokio::test]
async fn the_reconciler_leaves_young_pending_transactions_to_the_stream() {
    let p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let deposit = p.record(&alice, tx(&account, "DEPOSIT", "5.00")).await;
    let reconciler = Reconciler::new(
        &p.api.stack.config,
        &p.api.tables,
        Duration::from_secs(3600),
        "test",
    );

    let report = reconciler
        .run(Deadline::none())
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!((report.pending, report.stale, report.settled), (1, 0, 0));
    assert_eq!(status(&p, &deposit).await.0, "PENDING");
    let line = reconciler.metrics(&report, 0).to_line();
    assert!(line.contains("\"OldestPendingAgeSeconds\""), "{line}");
}

#[tokio::test]
async fn no_write_is_started_when_the_deadline_leaves_no_time_and_the_batch_is_handed_back() {
    let mut p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let deposit = p.record(&alice, tx(&account, "DEPOSIT", "7.00")).await;
    let inserts = p.next_records(1).await;
    let mut event = Event::default();
    event.records = inserts.clone();

    let response = p
        .processor
        .handle_until(
            event,
            Deadline::at(Instant::now() + Duration::from_millis(500)),
        )
        .await;

    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(
        response.batch_item_failures[0].item_identifier,
        inserts[0].change.sequence_number
    );
    assert_eq!(status(&p, &deposit).await.0, "PENDING");
    let response = p.deliver(&inserts).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    assert_eq!(status(&p, &deposit).await.0, "COMPLETED");
}

#[test]
fn the_template_schedules_the_reconciler_every_minute_and_the_sample_event_matches() {
    let event = integration_tests::api::sample_event("reconcile-pending-schedule.json");
    assert_eq!(event["detail-type"], "Scheduled Event");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yml");
    let template = local_runtime::template::Template::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let resolver = local_runtime::template::Resolver {
        params: template.parameters(&[]),
        ..local_runtime::template::Resolver::default()
    };
    let defs = local_runtime::functions::functions(&template, &resolver);
    let reconciler = defs
        .iter()
        .find(|d| d.binary == "reconcile-pending")
        .unwrap_or_else(|| panic!("no reconcile-pending function in the template"));
    let schedules: Vec<_> = reconciler
        .events
        .iter()
        .filter(|(_, e)| e["Type"] == "Schedule")
        .filter_map(|(_, e)| {
            local_runtime::schedule_source::rate(e["Properties"]["Schedule"].as_str()?)
        })
        .collect();
    assert_eq!(schedules, [Duration::from_secs(60)]);
    assert_eq!(
        reconciler
            .env
            .get("PENDING_MAX_AGE_SECONDS")
            .map(String::as_str),
        Some("120")
    );
}

#[tokio::test]
async fn a_transaction_settled_elsewhere_meanwhile_is_left_out_before_the_commit_not_by_it() {
    let p = PipelineFixture::new().await;
    let alice = Caller::new_user();
    let account = p.api.open_account(&alice, "USD").await;
    let early = p.record(&alice, tx(&account, "DEPOSIT", "10.00")).await;
    let waiting = p.record(&alice, tx(&account, "DEPOSIT", "20.00")).await;
    let spend = p.record(&alice, tx(&account, "WITHDRAWAL", "25.00")).await;
    let (early_read, spend) = (p.transaction(&early).await, p.transaction(&spend).await);
    // Another consumer settles the early deposit after this one read it PENDING.
    let elsewhere = shared::settle::Engine::new(p.api.ledger(), RetryPolicy::default())
        .settle(std::slice::from_ref(&early_read), Deadline::none())
        .await;
    assert_eq!(
        elsewhere.outcomes,
        [Some(shared::settle::Applied::Completed)]
    );
    let counter = integration_tests::requests::RequestCounter::default();
    let counted = p.api.stack.config.clone().with_interceptor(counter.clone());

    // This one settles its two (one now stale) and helps the waiting deposit.
    let settled = shared::settle::Engine::new(p.api.ledger_with(&counted), RetryPolicy::default())
        .settle(&[early_read, spend], Deadline::none())
        .await;

    assert_eq!(
        settled.outcomes,
        [
            Some(shared::settle::Applied::AlreadyProcessed),
            Some(shared::settle::Applied::Completed)
        ]
    );
    assert_eq!(settled.helped, 1);
    assert_eq!(
        counter.count("DynamoDB", "TransactWriteItems"),
        1,
        "the stale deposit was left out before the commit: no cancelled commit"
    );
    assert_eq!(status(&p, &waiting).await.0, "COMPLETED");
    assert_eq!(p.balance(&account).await.to_string(), "5.00");
}
