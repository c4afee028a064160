//! Reads a table's DynamoDB stream shard by shard, as the event source mapping does,
//! and turns stream records into the `aws_lambda_events` records Lambda delivers.

use aws_lambda_events::event::dynamodb::{EventRecord, StreamRecord, StreamViewType};
use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};

/// Per shard: its id, its current iterator, the last sequence number read.
#[derive(Debug, Clone)]
struct Shard {
    id: String,
    iterator: Option<String>,
    last: Option<String>,
}

/// Follows every shard of a stream from its start (TRIM_HORIZON). Iterators are
/// taken lazily and renewed after the last record read when DynamoDB Local reports
/// them trimmed (it does for iterators taken on an empty shard).
#[derive(Debug)]
pub struct StreamReader {
    client: Client,
    arn: String,
    shards: Vec<Shard>,
}

/// A failed AWS call (the stream's, or the replay's queue calls), with the SDK's code
/// and message.
#[derive(Debug, thiserror::Error)]
#[error("{operation}: {detail}")]
pub struct StreamError {
    operation: &'static str,
    detail: String,
}

pub(crate) fn error(operation: &'static str, e: impl std::error::Error) -> StreamError {
    StreamError {
        operation,
        detail: aws_sdk_dynamodbstreams::error::DisplayErrorContext(e).to_string(),
    }
}

impl StreamReader {
    /// A reader at the start of the stream `arn`.
    pub fn new(client: Client, arn: impl Into<String>) -> Self {
        Self {
            client,
            arn: arn.into(),
            shards: Vec::new(),
        }
    }

    /// The stream's ARN.
    pub fn arn(&self) -> &str {
        &self.arn
    }

    async fn refresh_shards(&mut self) -> Result<(), StreamError> {
        let described = self
            .client
            .describe_stream()
            .stream_arn(&self.arn)
            .send()
            .await
            .map_err(|e| error("DescribeStream", e))?;
        let ids = described
            .stream_description()
            .map(|d| d.shards().to_vec())
            .unwrap_or_default();
        for shard in ids {
            let Some(id) = shard.shard_id() else { continue };
            if !self.shards.iter().any(|s| s.id == id) {
                self.shards.push(Shard {
                    id: id.to_owned(),
                    iterator: None,
                    last: None,
                });
            }
        }
        Ok(())
    }

    async fn iterator(&self, shard: &Shard) -> Result<Option<String>, StreamError> {
        let mut request = self
            .client
            .get_shard_iterator()
            .stream_arn(&self.arn)
            .shard_id(&shard.id);
        request = match &shard.last {
            Some(sequence) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(sequence),
            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let output = request
            .send()
            .await
            .map_err(|e| error("GetShardIterator", e))?;
        Ok(output.shard_iterator().map(str::to_owned))
    }

    /// The records that arrived since the last poll, in order per shard.
    pub async fn poll(&mut self) -> Result<Vec<EventRecord>, StreamError> {
        self.refresh_shards().await?;
        let mut records = Vec::new();
        for index in 0..self.shards.len() {
            records.extend(self.poll_shard(index).await?);
        }
        Ok(records)
    }

    async fn poll_shard(&mut self, index: usize) -> Result<Vec<EventRecord>, StreamError> {
        let shard = self.shards[index].clone();
        let iterator = match shard.iterator.clone() {
            Some(iterator) => iterator,
            None => match self.iterator(&shard).await? {
                Some(iterator) => iterator,
                None => return Ok(Vec::new()),
            },
        };
        match self
            .client
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
                    .or(shard.last);
                self.shards[index] = Shard {
                    id: shard.id,
                    iterator: page.next_shard_iterator().map(str::to_owned),
                    last,
                };
                Ok(records)
            }
            Err(e)
                if format!("{e:?}").contains("TrimmedDataAccessException")
                    || format!("{e:?}").contains("ExpiredIteratorException") =>
            {
                self.shards[index].iterator = None;
                Ok(Vec::new())
            }
            Err(e) => Err(error("GetRecords", e)),
        }
    }
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
    event.aws_region = record
        .aws_region()
        .unwrap_or(crate::template::REGION)
        .to_owned();
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
