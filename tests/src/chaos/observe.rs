//! Reading the system's state without faults: the two tables, the queues, and the
//! email and SMS moto recorded for the run's users.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use rust_decimal::Decimal;
use serde_json::Value;
use shared::store::{Account, TransactionRecord};

use super::workload::User;
use crate::local::LocalStack;

/// A resource name from the stack file (`tables` or `queues`, by logical id).
pub fn resource(s: &LocalStack, group: &str, id: &str) -> String {
    s.info[group][id].as_str().unwrap_or_default().to_owned()
}

/// Every item of `table` (a full, paged scan).
pub async fn scan(s: &LocalStack, table: &str) -> Vec<shared::store::Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = s
            .stack
            .dynamodb
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap_or_else(|e| panic!("Scan {table}: {e:?}"));
        items.extend(page.items().iter().cloned());
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return items;
        }
    }
}

/// Every account of the stack.
pub async fn accounts(s: &LocalStack) -> Vec<Account> {
    let table = resource(s, "tables", "AccountsTable");
    scan(s, &table)
        .await
        .iter()
        .map(|item| Account::from_item(item).unwrap_or_else(|e| panic!("account: {e}")))
        .collect()
}

/// Every transaction of the stack.
pub async fn transactions(s: &LocalStack) -> Vec<TransactionRecord> {
    let table = resource(s, "tables", "TransactionsTable");
    scan(s, &table)
        .await
        .iter()
        .map(|item| {
            TransactionRecord::from_item(item).unwrap_or_else(|e| panic!("transaction: {e}"))
        })
        .collect()
}

/// Messages visible plus in flight on a queue.
pub async fn queue_depth(s: &LocalStack, url: &str) -> u64 {
    let attributes = s
        .stack
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetQueueAttributes: {e:?}"));
    attributes
        .attributes()
        .into_iter()
        .flatten()
        .filter_map(|(_, v)| v.parse::<u64>().ok())
        .sum()
}

/// Email and SMS sent to the run's users: (recipient, whole record as text).
#[derive(Debug, Default)]
pub struct Sent {
    pub emails: Vec<(String, String)>,
    pub sms: Vec<(String, String)>,
}

/// What moto recorded for `users`' addresses and numbers.
pub async fn sent(s: &LocalStack, users: &[User]) -> Sent {
    let data = crate::moto::data(&s.stack).await;
    let list = |service: &str, kind: &str| -> Vec<Value> {
        data[service][kind].as_array().cloned().unwrap_or_default()
    };
    let mut out = Sent::default();
    for mail in list("ses", "Message") {
        let text = mail.to_string();
        let to: Vec<Value> = mail["destinations"]
            .as_object()
            .into_iter()
            .flat_map(|d| d.values())
            .filter_map(Value::as_array)
            .flatten()
            .cloned()
            .collect();
        for user in users {
            if to.iter().any(|a| a.as_str() == Some(user.email.as_str())) {
                out.emails.push((user.email.clone(), text.clone()));
            }
        }
    }
    for sms in list("sns", "SMS") {
        let number = sms["phone_number"].as_str().unwrap_or_default();
        if let Some(user) = users.iter().find(|u| u.phone == number) {
            out.sms.push((user.phone.clone(), sms.to_string()));
        }
    }
    out
}

/// Samples every balance (posted and available) while the workload runs.
#[derive(Debug, Clone, Default)]
pub struct Sampler {
    stop: Arc<AtomicBool>,
    samples: Arc<AtomicU64>,
    negatives: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Sampler {
    /// Starts sampling every `every`.
    pub fn start(s: Arc<LocalStack>, every: Duration) -> (Self, tokio::task::JoinHandle<()>) {
        let sampler = Self::default();
        let me = sampler.clone();
        let task = tokio::spawn(async move {
            while !me.stop.load(Ordering::SeqCst) {
                for account in accounts(&s).await {
                    let (posted, held) = (account.balance.as_decimal(), account.held.as_decimal());
                    // Posted, and available (posted - held): one item, read at once.
                    if posted < Decimal::ZERO || posted - held < Decimal::ZERO {
                        me.negatives
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push(format!(
                                "{} at {posted} with {held} held",
                                account.account_id
                            ));
                    }
                }
                me.samples.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(every).await;
            }
        });
        (sampler, task)
    }

    /// Stops; returns (samples taken, negative balances seen).
    pub fn stop(&self) -> (u64, Vec<String>) {
        self.stop.store(true, Ordering::SeqCst);
        let negatives = self
            .negatives
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        (self.samples.load(Ordering::SeqCst), negatives)
    }
}
