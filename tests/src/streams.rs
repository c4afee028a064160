//! Reading a table's DynamoDB stream as Lambda event records, through the local
//! runtime's reader (the same code that drives the stream consumer under `make run`).

use std::time::Duration;

use aws_lambda_events::event::dynamodb::EventRecord;

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

/// Follows a stream from its start, returning only records not returned before.
#[derive(Debug)]
pub struct StreamReader(local_runtime::stream_reader::StreamReader);

impl StreamReader {
    /// A reader at the start of `table`'s stream.
    pub async fn open(stack: &TestStack, table: &str) -> Self {
        let arn = stream_arn(stack, table).await;
        Self(local_runtime::stream_reader::StreamReader::new(
            stack.streams.clone(),
            arn,
        ))
    }

    /// New records until at least `expected` arrived (or 30 s passed: the caller then
    /// asserts on what it got).
    pub async fn poll(&mut self, _stack: &TestStack, expected: usize) -> Vec<EventRecord> {
        let mut records = Vec::new();
        for _ in 0..300 {
            records.extend(self.0.poll().await.unwrap_or_else(|e| panic!("{e}")));
            if records.len() >= expected {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        records
    }
}

/// Every record of the stream `arn` from its start, once at least `expected` arrived.
pub async fn read_records(stack: &TestStack, arn: &str, expected: usize) -> Vec<EventRecord> {
    let mut reader = StreamReader(local_runtime::stream_reader::StreamReader::new(
        stack.streams.clone(),
        arn,
    ));
    reader.poll(stack, expected).await
}
