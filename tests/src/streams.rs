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

/// Follows a stream from its start, returning only records not returned before.
/// Shard iterators are taken lazily and renewed after the last record seen when
/// DynamoDB Local reports them trimmed (it does so for iterators taken on an empty
/// shard).
#[derive(Debug)]
pub struct StreamReader {
    arn: String,
    /// Per shard: its id, its current iterator, the last sequence number returned.
    shards: Vec<(String, Option<String>, Option<String>)>,
}

impl StreamReader {
    /// A reader at the start of `table`'s stream.
    pub async fn open(stack: &TestStack, table: &str) -> Self {
        Self {
            arn: stream_arn(stack, table).await,
            shards: Vec::new(),
        }
    }

    async fn refresh_shards(&mut self, stack: &TestStack) {
        let described = stack
            .streams
            .describe_stream()
            .stream_arn(&self.arn)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeStream: {e:?}"));
        let ids: Vec<String> = described
            .stream_description()
            .map(|d| {
                d.shards()
                    .iter()
                    .filter_map(|s| s.shard_id().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        for id in ids {
            if !self.shards.iter().any(|(known, _, _)| *known == id) {
                self.shards.push((id, None, None));
            }
        }
    }

    async fn iterator(
        &self,
        stack: &TestStack,
        shard: &str,
        after: Option<&str>,
    ) -> Option<String> {
        let mut request = stack
            .streams
            .get_shard_iterator()
            .stream_arn(&self.arn)
            .shard_id(shard);
        request = match after {
            Some(sequence) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(sequence),
            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let output = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetShardIterator: {e:?}"));
        output.shard_iterator().map(str::to_owned)
    }

    /// New records until at least `expected` arrived (or 30 s passed).
    pub async fn poll(&mut self, stack: &TestStack, expected: usize) -> Vec<EventRecord> {
        let mut records = Vec::new();
        for _ in 0..300 {
            self.refresh_shards(stack).await;
            for index in 0..self.shards.len() {
                records.extend(self.poll_shard(stack, index).await);
            }
            if records.len() >= expected {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        records
    }

    async fn poll_shard(&mut self, stack: &TestStack, index: usize) -> Vec<EventRecord> {
        let (shard, iterator, last) = self.shards[index].clone();
        let iterator = match iterator {
            Some(iterator) => iterator,
            None => match self.iterator(stack, &shard, last.as_deref()).await {
                Some(iterator) => iterator,
                None => return Vec::new(),
            },
        };
        match stack
            .streams
            .get_records()
            .shard_iterator(&iterator)
            .send()
            .await
        {
            Ok(page) => {
                let records: Vec<EventRecord> = page
                    .records()
                    .iter()
                    .map(|r| to_lambda_record(r, &self.arn))
                    .collect();
                let last = records
                    .last()
                    .and_then(|r| r.change.sequence_number.clone())
                    .or(last);
                self.shards[index] = (shard, page.next_shard_iterator().map(str::to_owned), last);
                records
            }
            Err(error) if format!("{error:?}").contains("TrimmedDataAccessException") => {
                self.shards[index].1 = None;
                Vec::new()
            }
            Err(error) => panic!("GetRecords: {error:?}"),
        }
    }
}
