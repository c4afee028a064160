//! The emulator's raw rate of conditional `PutItem`s (`attribute_not_exists`), at the
//! pipeline's concurrency, into a scratch table with a stream like the transactions
//! table: the ceiling the pipeline's throughput is compared with.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::TestStack;
use integration_tests::tables::create_keyed_table;

fn item(i: usize) -> HashMap<String, AttributeValue> {
    let s = |v: String| AttributeValue::S(v);
    let id = uuid::Uuid::new_v4().to_string();
    HashMap::from([
        ("idempotencyKey".to_owned(), s(format!("user#{id}"))),
        ("id".to_owned(), s(id)),
        ("userId".to_owned(), s(uuid::Uuid::new_v4().to_string())),
        ("accountId".to_owned(), s(uuid::Uuid::new_v4().to_string())),
        ("type".to_owned(), s("DEPOSIT".to_owned())),
        ("amount".to_owned(), AttributeValue::N("25.5".to_owned())),
        ("currency".to_owned(), s("USD".to_owned())),
        ("description".to_owned(), s(format!("bench {i}"))),
        ("status".to_owned(), s("PENDING".to_owned())),
        ("createdAt".to_owned(), s(shared::clock::now_rfc3339())),
        ("requestHash".to_owned(), s("0".repeat(64))),
        ("response".to_owned(), s("x".repeat(300))),
    ])
}

/// Conditional puts per second (`n` puts, `concurrency` in flight), and how many failed.
pub async fn measure(stack: &TestStack, n: usize, concurrency: usize) -> (f64, usize) {
    let table = Arc::new(create_keyed_table(stack, "bench-scratch", "idempotencyKey", true).await);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, table, next) = (
            stack.dynamodb.clone(),
            Arc::clone(&table),
            Arc::clone(&next),
        );
        workers.push(tokio::spawn(async move {
            let mut failed = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break failed;
                }
                let put = client
                    .put_item()
                    .table_name(table.as_str())
                    .set_item(Some(item(i)))
                    .condition_expression("attribute_not_exists(idempotencyKey)")
                    .send()
                    .await;
                failed += usize::from(put.is_err());
            }
        }));
    }
    let mut failed = 0;
    for worker in workers {
        failed += worker.await.unwrap_or(0);
    }
    let rate = n as f64 / started.elapsed().as_secs_f64().max(1e-9);
    drop(
        stack
            .dynamodb
            .delete_table()
            .table_name(table.as_str())
            .send()
            .await,
    );
    (rate, failed)
}
