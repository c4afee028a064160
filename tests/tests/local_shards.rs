//! The local runtime's stream mapping behaves like AWS's: records spread over virtual
//! shards by partition key and consumed concurrently, one item's records in order on
//! one shard, and a failing item isolated by bisection without holding up the others.
//! The mapping is driven over a real DynamoDB Local stream into an observing handler.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::TestStack;
use integration_tests::streams::stream_arn;
use integration_tests::tables::create_keyed_table;
use local_runtime::mapping::virtual_shard;
use local_runtime::stream_reader::StreamReader;
use local_runtime::stream_source::{StreamHandler, StreamMapping, run};
use tokio::sync::watch;

const SHARDS: usize = 4;
const KEY: &str = "idempotencyKey";

fn mapping(on_failure: Option<String>) -> StreamMapping {
    StreamMapping {
        batch_size: 100,
        batch_window: Duration::from_millis(300),
        max_retries: 1,
        bisect: true,
        max_record_age_secs: -1,
        report_batch_item_failures: true,
        parallelization_factor: 1,
        partition_key: Some(KEY.to_owned()),
        on_failure_queue_url: on_failure,
    }
}

/// `(key, version)` of a record's new image.
fn item(record: &EventRecord) -> (String, u32) {
    let text = |name: &str| match record.change.new_image.get(name) {
        Some(serde_dynamo::AttributeValue::S(s) | serde_dynamo::AttributeValue::N(s)) => s.clone(),
        other => panic!("{name}: {other:?}"),
    };
    let version = text("v").parse().unwrap_or_else(|e| panic!("{e}"));
    (text(KEY), version)
}

/// Writes `versions` versions of each key, the keys interleaved: a stream in which
/// every key's records are spread among the others'.
async fn write(stack: &TestStack, table: &str, keys: &[String], versions: u32) {
    for version in 0..versions {
        for key in keys {
            stack
                .dynamodb
                .put_item()
                .table_name(table)
                .item(KEY, AttributeValue::S(key.clone()))
                .item("v", AttributeValue::N(version.to_string()))
                .send()
                .await
                .unwrap_or_else(|e| panic!("PutItem: {e:?}"));
        }
    }
}

/// What the handler saw: each successful invocation's records, in completion order.
type Seen = Arc<Mutex<Vec<Vec<(String, u32)>>>>;

fn seen_count(seen: &Seen) -> usize {
    seen.lock().map_or(0, |s| s.iter().map(Vec::len).sum())
}

async fn wait_for(seen: &Seen, expected: usize) {
    for _ in 0..600 {
        if seen_count(seen) >= expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the handler saw {} of {expected} records", seen_count(seen));
}

/// Keys spread over every virtual shard.
fn keys(n: usize) -> Vec<String> {
    let keys: Vec<String> = (0..n).map(|i| format!("user#{i}")).collect();
    let mut shards: Vec<usize> = keys.iter().map(|k| virtual_shard(k, SHARDS)).collect();
    shards.sort_unstable();
    shards.dedup();
    assert_eq!(shards.len(), SHARDS, "the keys cover every shard");
    keys
}

/// A handler whose first invocation waits until a second one has started (bounded):
/// with one consumer the second cannot start while the first runs.
fn overlapping_handler(
    seen: Seen,
    started: watch::Sender<usize>,
    overlapped: Arc<Mutex<bool>>,
) -> StreamHandler {
    Arc::new(move |event: Event| {
        let (seen, started, overlapped) = (seen.clone(), started.clone(), overlapped.clone());
        Box::pin(async move {
            started.send_modify(|n| *n += 1);
            let mut watcher = started.subscribe();
            let other =
                tokio::time::timeout(Duration::from_secs(20), watcher.wait_for(|n| *n >= 2));
            if matches!(other.await, Ok(Ok(_)))
                && let Ok(mut flag) = overlapped.lock()
            {
                *flag = true;
            }
            if let Ok(mut seen) = seen.lock() {
                seen.push(event.records.iter().map(item).collect());
            }
            DynamoDbEventResponse::default()
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn different_items_are_consumed_concurrently_and_each_items_records_arrive_once_in_order() {
    let stack = TestStack::connect().await;
    let table = create_keyed_table(&stack, "shards", KEY, true).await;
    let keys = keys(12);
    write(&stack, &table, &keys, 5).await;

    let seen: Seen = Arc::default();
    let overlapped = Arc::new(Mutex::new(false));
    let (started, _) = watch::channel(0);
    let handler = overlapping_handler(seen.clone(), started, overlapped.clone());
    let reader = StreamReader::new(stack.streams.clone(), stream_arn(&stack, &table).await);
    let mapping = run(reader, handler, mapping(None), stack.sqs.clone(), SHARDS);
    let task = tokio::spawn(mapping);
    wait_for(&seen, keys.len() * 5).await;
    task.abort();

    assert!(
        overlapped.lock().is_ok_and(|f| *f),
        "a second batch started while the first was being handled"
    );
    let batches = seen.lock().map(|s| s.clone()).unwrap_or_default();
    for batch in &batches {
        let shard = virtual_shard(&batch[0].0, SHARDS);
        assert!(
            batch.iter().all(|(k, _)| virtual_shard(k, SHARDS) == shard),
            "a batch holds one virtual shard's records: {batch:?}"
        );
    }
    for key in &keys {
        let versions: Vec<u32> = batches
            .iter()
            .flatten()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .collect();
        assert_eq!(versions, [0, 1, 2, 3, 4], "{key}: once each, in order");
    }
}

/// Fails (as a whole: an item failure naming no record) every batch holding `bad`.
fn failing_handler(seen: Seen, bad: String) -> StreamHandler {
    Arc::new(move |event: Event| {
        let (seen, bad) = (seen.clone(), bad.clone());
        Box::pin(async move {
            let items: Vec<(String, u32)> = event.records.iter().map(item).collect();
            let mut response = DynamoDbEventResponse::default();
            if items.iter().any(|(k, _)| *k == bad) {
                response
                    .batch_item_failures
                    .push(DynamoDbBatchItemFailure::default());
            } else if let Ok(mut seen) = seen.lock() {
                seen.push(items);
            }
            response
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_item_is_isolated_by_bisection_and_sent_alone_to_the_destination() {
    let stack = TestStack::connect().await;
    let table = create_keyed_table(&stack, "bisect", KEY, true).await;
    let (dlq, _) = stack.create_queue("bisect-dlq").await;
    let keys = keys(12);
    let bad = keys[0].clone();
    // One version each: the bad item has a single record.
    write(&stack, &table, &keys, 1).await;
    write(&stack, &table, &keys[1..], 2).await;

    let seen: Seen = Arc::default();
    let handler = failing_handler(seen.clone(), bad.clone());
    let reader = StreamReader::new(stack.streams.clone(), stream_arn(&stack, &table).await);
    let task = tokio::spawn(run(
        reader,
        handler,
        mapping(Some(dlq.clone())),
        stack.sqs.clone(),
        SHARDS,
    ));
    // Rewriting version 0 unchanged makes no stream record: two per good item.
    let good = (keys.len() - 1) * 2;
    wait_for(&seen, good).await;

    let body = stack.first_message(&dlq, 60).await;
    task.abort();
    let body = body.unwrap_or_else(|| panic!("nothing reached the on-failure queue"));
    assert_eq!(body["DDBStreamBatchInfo"]["batchSize"], 1, "{body}");
    assert_eq!(
        body["records"][0]["dynamodb"]["Keys"][KEY]["S"],
        bad.as_str()
    );
    assert_eq!(
        body["requestContext"]["approximateInvokeCount"], 2,
        "first try and one retry"
    );
    let handled: Vec<(String, u32)> = seen.lock().map(|s| s.concat()).unwrap_or_default();
    assert_eq!(
        handled.len(),
        good,
        "every good record handled once: {handled:?}"
    );
    assert!(handled.iter().all(|(k, _)| *k != bad));
}
