use super::*;

#[test]
fn sequence_numbers_order_as_numbers() {
    assert_eq!(compare("9", "10"), Ordering::Less);
    assert_eq!(compare("000123", "123"), Ordering::Equal);
    assert_eq!(
        compare("49600000000000000000000000", "4960000000000000000000000"),
        Ordering::Greater
    );
}

#[test]
fn an_aws_on_failure_record_names_its_batch() {
    let body = r#"{"requestContext":{"requestId":"r","functionArn":"f","condition":"RetryAttemptsExhausted","approximateInvokeCount":6},
        "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},
        "version":"1.0","timestamp":"2026-11-25T09:21:00.123Z",
        "DDBStreamBatchInfo":{"shardId":"shardId-000001","startSequenceNumber":"100","endSequenceNumber":"120",
        "approximateArrivalOfFirstRecord":"2026-11-25T09:20:59Z","approximateArrivalOfLastRecord":"2026-11-25T09:20:59Z",
        "batchSize":3,"streamArn":"arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026"}}"#;
    let info = batch_info(body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.shard_id.as_deref(), Some("shardId-000001"));
    assert_eq!(
        (
            info.start_sequence_number.as_str(),
            info.end_sequence_number.as_str()
        ),
        ("100", "120")
    );
    assert_eq!(info.batch_size, Some(3));
    assert!(matches!(
        batch_info(r#"{"Records":[]}"#),
        Err(ReplayError::NotABatch(_))
    ));
}
