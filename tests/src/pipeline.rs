//! The stream consumer on a test's own tables and queue, fed with real stream records
//! read from DynamoDB Local.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use process_transactions::RetryPolicy;
use serde_json::Value;
use shared::aws::SdkConfig;
use shared::domain::Balance;
use shared::store::{Account, AccountsTable, TransactionRecord, TransactionsTable};

use crate::faults::{FaultInjector, Kind, Rule};
use crate::fixture::ApiFixture;
use crate::streams::StreamReader;

/// A transaction request body.
pub fn tx(account: &str, kind: &str, amount: &str) -> Value {
    serde_json::json!({ "accountId": account, "type": kind, "amount": amount })
}

/// API + stream consumer + notifications queue, on fresh resources.
#[derive(Debug)]
pub struct PipelineFixture {
    pub api: ApiFixture,
    pub processor: process_transactions::App,
    pub queue_url: String,
    pub stream: StreamReader,
    /// The account writes the processor's commits made (accepted by DynamoDB).
    pub writes: crate::writes::AccountWrites,
}

impl PipelineFixture {
    /// The stack's SDK configuration with its first `conflicts` `TransactWriteItems`
    /// cancelled as a transaction conflict (what AWS answers two overlapping commits).
    pub fn config_with_commit_conflicts(
        &self,
        seed: u64,
        conflicts: u64,
    ) -> (FaultInjector, SdkConfig) {
        let injector = FaultInjector::new(seed);
        injector.set_rules(vec![Rule::periodic(
            "DynamoDB",
            &["TransactWriteItems"],
            Kind::Conflict,
            1,
            conflicts,
        )]);
        injector.set_enabled(true);
        let config = self
            .api
            .stack
            .config
            .clone()
            .with_interceptor(injector.clone());
        (injector, config)
    }

    /// Fresh tables, queue and a stream reader at the start of the transactions stream.
    pub async fn new() -> Self {
        let api = ApiFixture::new().await;
        let (queue_url, _) = api.stack.create_queue("notifications").await;
        let writes = crate::writes::AccountWrites::new(&api.tables.accounts);
        let processor = process_transactions::App::new(
            &api.stack.config.clone().with_interceptor(writes.clone()),
            &api.tables,
            &queue_url,
            RetryPolicy::default(),
        );
        let stream = StreamReader::open(&api.stack, &api.tables.transactions).await;
        Self {
            api,
            processor,
            queue_url,
            stream,
            writes,
        }
    }

    /// Records `body` as `caller` with a new key; the 201's transaction id.
    pub async fn record(&self, caller: &crate::api::Caller, body: Value) -> String {
        let reply = self
            .api
            .record(caller, &crate::fixture::new_key(), &body)
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.json()["transactionId"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The next `n` stream records.
    pub async fn next_records(&mut self, n: usize) -> Vec<EventRecord> {
        let records = self.stream.poll(&self.api.stack, n).await;
        assert!(
            records.len() >= n,
            "expected {n} stream records, got {}",
            records.len()
        );
        records
    }

    /// Delivers `records` as one batch.
    pub async fn deliver(&self, records: &[EventRecord]) -> DynamoDbEventResponse {
        let mut event = Event::default();
        event.records = records.to_vec();
        self.processor.handle(event).await
    }

    /// Reads the stream and delivers everything until no record is left, the way the
    /// event source mapping would (INSERTs, then the MODIFYs they cause).
    pub async fn drain(&mut self, expected_inserts: usize) {
        let inserts = self.next_records(expected_inserts).await;
        let response = self.deliver(&inserts).await;
        assert!(
            response.batch_item_failures.is_empty(),
            "INSERT batch failed: {response:?}"
        );
        let modifies = self.stream.poll(&self.api.stack, expected_inserts).await;
        let response = self.deliver(&modifies).await;
        assert!(
            response.batch_item_failures.is_empty(),
            "MODIFY batch failed: {response:?}"
        );
    }

    /// An account as stored now.
    pub async fn account(&self, id: &str) -> Account {
        let table = AccountsTable::new(self.api.stack.dynamodb.clone(), &self.api.tables.accounts);
        let id = shared::domain::AccountId::parse(id).unwrap_or_else(|e| panic!("{e}"));
        table
            .get(&id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("account {id} missing"))
    }

    /// An account's balance now.
    pub async fn balance(&self, id: &str) -> Balance {
        self.account(id).await.balance
    }

    /// A transaction as stored now, by id.
    pub async fn transaction(&self, id: &str) -> TransactionRecord {
        let table = TransactionsTable::new(
            self.api.stack.dynamodb.clone(),
            &self.api.tables.transactions,
        );
        table
            .get_by_id(id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("transaction {id} missing"))
    }

    /// Every notification on the notifications queue now, unpacked from its body
    /// (received and deleted), in queue order.
    pub async fn drain_queue(&self) -> Vec<Value> {
        let mut bodies = Vec::new();
        for _ in 0..50 {
            let received = self
                .api
                .stack
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap_or_else(|e| panic!("ReceiveMessage: {e:?}"));
            if received.messages().is_empty() {
                break;
            }
            for message in received.messages() {
                let body: Value =
                    serde_json::from_str(message.body().unwrap_or("null")).unwrap_or(Value::Null);
                match body.get("notifications").and_then(Value::as_array) {
                    Some(packed) => bodies.extend(packed.iter().cloned()),
                    None => bodies.push(body),
                }
                self.api
                    .stack
                    .sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(message.receipt_handle().unwrap_or_default())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("DeleteMessage: {e:?}"));
            }
        }
        bodies
    }
}
