//! Reading a table's DynamoDB stream and turning its records into the
//! `aws_lambda_events` records a stream-triggered Lambda receives.

use std::time::Duration;

use aws_lambda_events::event::dynamodb::{EventRecord, StreamRecord, StreamViewType};
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};

use crate::TestStack;

/// The latest stream ARN of `table`.
pub async fn stream_arn(stack: &TestStack, table: &str) -> String {
    let described = stack
        .dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeTable {table}: {e:?}"));
    described
        .table()
        .and_then(|t| t.latest_stream_arn())
        .unwrap_or_else(|| panic!("table {table} has no stream"))
        .to_owned()
}

/// Reads every shard of the stream from its start until at least `expected` records
/// arrived (or 30 s passed: the caller then asserts on what it got).
pub async fn read_records(stack: &TestStack, arn: &str, expected: usize) -> Vec<EventRecord> {
    let mut records = Vec::new();
    let mut iterators = shard_iterators(stack, arn).await;
    for _ in 0..300 {
        let mut next_round = Vec::new();
        for iterator in iterators {
            let page = stack
                .streams
                .get_records()
                .shard_iterator(&iterator)
                .send()
                .await
                .unwrap_or_else(|e| panic!("GetRecords: {e:?}"));
            records.extend(page.records().iter().map(|r| to_lambda_record(r, arn)));
            if let Some(next) = page.next_shard_iterator() {
                next_round.push(next.to_owned());
            }
        }
        iterators = next_round;
        if records.len() >= expected || iterators.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    records
}

async fn shard_iterators(stack: &TestStack, arn: &str) -> Vec<String> {
    let described = stack
        .streams
        .describe_stream()
        .stream_arn(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeStream: {e:?}"));
    let shards = described
        .stream_description()
        .map(|d| d.shards().to_vec())
        .unwrap_or_default();
    let mut iterators = Vec::new();
    for shard in shards {
        let iterator = stack
            .streams
            .get_shard_iterator()
            .stream_arn(arn)
            .shard_id(shard.shard_id().unwrap_or_default())
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetShardIterator: {e:?}"));
        iterators.extend(iterator.shard_iterator().map(str::to_owned));
    }
    iterators
}

/// The Lambda event record for one stream record, as the event source mapping builds it.
pub fn to_lambda_record(record: &Record, arn: &str) -> EventRecord {
    let mut change = StreamRecord::default();
    if let Some(source) = record.dynamodb() {
        change.keys = source.keys().cloned().unwrap_or_default().into();
        change.new_image = source.new_image().cloned().unwrap_or_default().into();
        change.old_image = source.old_image().cloned().unwrap_or_default().into();
        change.sequence_number = source.sequence_number().map(str::to_owned);
        change.size_bytes = source.size_bytes().unwrap_or_default();
        change.stream_view_type = source.stream_view_type().and_then(|v| {
            serde_json::from_value::<StreamViewType>(serde_json::Value::from(v.as_str())).ok()
        });
        if let Some(at) = source
            .approximate_creation_date_time()
            .and_then(|at| chrono::DateTime::from_timestamp(at.secs(), at.subsec_nanos()))
        {
            change.approximate_creation_date_time = at;
        }
    }
    let mut event = EventRecord::default();
    event.aws_region = record.aws_region().unwrap_or("us-east-1").to_owned();
    event.change = change;
    event.event_id = record.event_id().unwrap_or_default().to_owned();
    event.event_name = record
        .event_name()
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default();
    event.event_source = Some("aws:dynamodb".to_owned());
    event.event_version = record.event_version().map(str::to_owned);
    event.event_source_arn = Some(arn.to_owned());
    event
}
