//! Statements on fresh tables, bucket, signing key, queue and user pool: the worker
//! and the API functions as the Lambdas run them, and a past month seeded through
//! the real settle path.
//!
//! Seeding: a transaction is recorded through request-transaction (PENDING), then
//! settled by the settle plan ([`shared::settle::plan::plan`], its
//! `account_writes` and `settles`) and [`shared::store::Ledger::commit`] with a `now`
//! in the past: the same decision and the same write as the stream consumer's, only
//! dated. The account item is created with past timestamps so the plan's settlement
//! times are not clamped to now. A hold is also placed in the past
//! ([`StatementsFixture::hold_at`]): its `createdAt` and `expiresAt` are moved back
//! while it is PENDING, since a statement reads the holds by when they were placed.

use std::collections::HashSet;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use serde_json::{Value, json};
use shared::auth::Authenticator;
use shared::clock::Timestamp;
use shared::domain::{AccountId, AccountStatus, Balance, ChainHead, Currency, UserId};
use shared::store::{Account, AccountsTable, Commit, StatementsTable};
use statements::{Worker, WorkerConfig};

use crate::api::{ApiEvent, Caller, Reply};
use crate::cognito::{self, TestPool};
use crate::fixture::{ApiFixture, new_key};
use crate::unique_name;

mod holds;

/// Everything a statements test needs.
#[derive(Debug)]
pub struct StatementsFixture {
    pub api: ApiFixture,
    pub settings: WorkerConfig,
    pub worker: Worker,
    pub app: statements_api::App,
    pub s3: aws_sdk_s3::Client,
    pub kms: aws_sdk_kms::Client,
    pub pool: TestPool,
    pub statements: StatementsTable,
}

impl StatementsFixture {
    /// Fresh resources; a run scans `page` accounts per message.
    pub async fn new(page: i32) -> Self {
        let api = ApiFixture::new().await;
        let stack = &api.stack;
        let s3 = shared::aws::s3_client(&stack.config);
        let kms = shared::aws::kms(&stack.config);
        let pool = cognito::create_pool(stack).await;
        let bucket = create_bucket(&s3).await;
        let key_id = create_signing_key(&kms).await;
        let (queue_url, _) = stack.create_queue("statements").await;
        let sender = format!("{}@bank.example", unique_name("statements"));
        stack
            .sesv2
            .create_email_identity()
            .email_identity(&sender)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateEmailIdentity: {e:?}"));
        let table = create_statements_table(stack).await;
        let settings = WorkerConfig {
            statements_table: table.clone(),
            bucket,
            queue_url,
            key_id,
            accounts_table: api.tables.accounts.clone(),
            transactions_table: api.tables.transactions.clone(),
            sender_email: sender,
            user_pool_id: pool.pool_id.clone(),
            ses_enabled: true,
            fanout_page: page,
        };
        let app = statements_api::App::new(
            Authenticator::new(None),
            &stack.config,
            &api.tables,
            statements_api::ApiConfig {
                statements_table: table.clone(),
                bucket: settings.bucket.clone(),
                queue_url: settings.queue_url.clone(),
                key_id: settings.key_id.clone(),
            },
            stack.page_sealer().await,
        );
        Self {
            worker: Worker::new(&stack.config, &settings),
            statements: StatementsTable::new(shared::aws::dynamodb(&stack.config), table),
            app,
            s3,
            kms,
            pool,
            settings,
            api,
        }
    }

    /// A holder in the user pool with a unique address: (caller, address).
    pub async fn holder(&self) -> (Caller, String) {
        let email = format!("{}@holder.example", unique_name("h"));
        let sub = cognito::create_user(
            &self.api.stack,
            &self.pool,
            &email,
            "Holder-Passw0rd!",
            &[("email", email.as_str()), ("email_verified", "true")],
        )
        .await;
        (Caller { sub, groups: None }, email)
    }

    /// An OPEN EUR account of `caller` created (and last updated) at `at`.
    pub async fn open_account_at(&self, caller: &Caller, at: &str) -> AccountId {
        let now = Timestamp::parse(at).unwrap_or_else(|e| panic!("{at}: {e}"));
        let account = Account {
            account_id: AccountId::new_random(),
            owner_id: UserId::new(&caller.sub),
            name: "Everyday".to_owned(),
            currency: "EUR".parse::<Currency>().unwrap_or_else(|e| panic!("{e}")),
            balance: Balance::ZERO,
            held: Balance::ZERO,
            status: AccountStatus::Open,
            version: 0,
            created_at: now.clone(),
            updated_at: now,
            request_hash: None,
            chain_head: ChainHead::genesis(),
        };
        AccountsTable::new(
            shared::aws::dynamodb(&self.api.stack.config),
            &self.api.tables.accounts,
        )
        .create(&account)
        .await
        .unwrap_or_else(|e| panic!("create account: {e}"));
        account.account_id
    }

    /// An account opened on 15 September 2026, before the October statements' period,
    /// with `entries` (`DEPOSIT` or `WITHDRAWAL`, amount, settled at) settled in order.
    pub async fn september_account(
        &self,
        caller: &Caller,
        entries: &[(&str, &str, &str)],
    ) -> AccountId {
        let account = self
            .open_account_at(caller, "2026-09-15T10:00:00.000000Z")
            .await;
        for (kind, amount, at) in entries {
            self.settle_at(caller, &account, kind, amount, at).await;
        }
        account
    }

    /// Records a DEPOSIT or WITHDRAWAL of `amount` on `account` and settles it at `at`.
    pub async fn settle_at(
        &self,
        caller: &Caller,
        account: &AccountId,
        kind: &str,
        amount: &str,
        at: &str,
    ) {
        let key = self.record_pending(caller, account, kind, amount).await;
        self.settle_keys_at(caller, account, &[key], at).await;
    }

    /// Records a PENDING DEPOSIT or WITHDRAWAL of `amount` on `account`; its key.
    pub async fn record_pending(
        &self,
        caller: &Caller,
        account: &AccountId,
        kind: &str,
        amount: &str,
    ) -> String {
        let key = new_key();
        let body = json!({"accountId": account.to_string(), "amount": amount, "type": kind, "description": format!("{kind} {amount}")});
        let reply = self.api.record(caller, &key, &body).await;
        assert_eq!(reply.status, 201, "record: {}", reply.text);
        key
    }

    /// Settles `caller`'s PENDING transactions recorded with `keys` (at most 99: one
    /// commit with their account) on `account`, at `at`, in the order given.
    pub async fn settle_keys_at(
        &self,
        caller: &Caller,
        account: &AccountId,
        keys: &[String],
        at: &str,
    ) {
        let ledger = self.api.ledger();
        let scoped: Vec<String> = keys.iter().map(|k| format!("{}#{k}", caller.sub)).collect();
        let mut pending = ledger
            .read_pending(&scoped)
            .await
            .unwrap_or_else(|e| panic!("read pending: {e}"));
        pending.sort_by_key(|r| scoped.iter().position(|k| *k == r.table_key()));
        let accounts = ledger
            .read_accounts(&[*account])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let now = Timestamp::parse(at).unwrap_or_else(|e| panic!("{at}: {e}"));
        // The holds its captures and voids act on, as the consumer reads them.
        let links: Vec<&str> = pending
            .iter()
            .filter_map(|r| r.link_key.as_deref())
            .collect();
        let linked = ledger
            .read_linked(&links)
            .await
            .unwrap_or_else(|e| panic!("read linked: {e}"));
        let plan = shared::settle::plan::plan_linked(&pending, &accounts, &linked, &now);
        // The same writes the stream consumer makes of a plan, only dated.
        let writes = plan.account_writes(&accounts);
        let settles = plan.settles(&pending, &accounts);
        let commit = ledger.commit(&writes, &settles, &[], now.as_str()).await;
        assert!(matches!(commit, Ok(Commit::Written)), "commit: {commit:?}");
    }

    /// Receives every message on the statements queue and hands them to the worker
    /// (as the event source mapping does) until the queue stays empty; returns the
    /// bodies handled, in order.
    pub async fn drain(&self) -> Vec<Value> {
        self.drain_with(&self.worker).await
    }

    /// As [`StatementsFixture::drain`], handing the messages to `worker`.
    pub async fn drain_with(&self, worker: &Worker) -> Vec<Value> {
        let sqs = &self.api.stack.sqs;
        let mut handled = Vec::new();
        let mut empty_polls = 0;
        let mut seen = HashSet::new();
        while empty_polls < 2 {
            let received = sqs
                .receive_message()
                .queue_url(&self.settings.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap_or_else(|e| panic!("ReceiveMessage: {e:?}"));
            if received.messages().is_empty() {
                empty_polls += 1;
                continue;
            }
            empty_polls = 0;
            let mut event = SqsEvent::default();
            for message in received.messages() {
                let mut record = SqsMessage::default();
                record.message_id = message.message_id().map(str::to_owned);
                record.body = message.body().map(str::to_owned);
                event.records.push(record);
            }
            let response = worker.handle(event).await;
            assert!(
                response.batch_item_failures.is_empty(),
                "failed: {:?}",
                response.batch_item_failures
            );
            for message in received.messages() {
                if seen.insert(message.message_id().unwrap_or_default().to_owned()) {
                    handled.push(
                        serde_json::from_str(message.body().unwrap_or("null"))
                            .unwrap_or(Value::Null),
                    );
                }
                sqs.delete_message()
                    .queue_url(&self.settings.queue_url)
                    .receipt_handle(message.receipt_handle().unwrap_or_default())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("DeleteMessage: {e:?}"));
            }
        }
        handled
    }

    /// A statements route through the API function.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        caller: Option<&Caller>,
        body: Option<&Value>,
    ) -> Reply {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let resource = resource_of(path);
        let mut event = ApiEvent::from_sample("statements-get.json")
            .route(method, path, &resource)
            .caller(caller);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            event = event.query(name, value);
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if let Some(id) = segments.get(1).filter(|_| segments[0] == "accounts") {
            event = event.path_param("accountId", id);
        }
        if let Some(period) = segments.get(3) {
            event = event.path_param("period", period);
        }
        if let Some(body) = body {
            event = event
                .header("Content-Type", Some("application/json"))
                .json_body(body);
        }
        Reply::from(self.app.handle(event.request()).await)
    }

    /// The bytes of an object.
    pub async fn object(&self, key: &str) -> Vec<u8> {
        let object = self
            .s3
            .get_object()
            .bucket(&self.settings.bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetObject {key}: {e:?}"));
        object
            .body
            .collect()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_bytes()
            .to_vec()
    }

    /// The number of versions stored under `prefix`.
    pub async fn object_versions(&self, prefix: &str) -> usize {
        let listed = self
            .s3
            .list_object_versions()
            .bucket(&self.settings.bucket)
            .prefix(prefix)
            .send()
            .await
            .unwrap_or_else(|e| panic!("ListObjectVersions: {e:?}"));
        listed.versions().len()
    }

    /// The signing key's public half (DER), from KMS.
    pub async fn public_key(&self) -> Vec<u8> {
        let output = self
            .kms
            .get_public_key()
            .key_id(&self.settings.key_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetPublicKey: {e:?}"));
        output
            .public_key()
            .map(|k| k.as_ref().to_vec())
            .unwrap_or_default()
    }
}

/// The API resource template of a statements path.
fn resource_of(path: &str) -> String {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["accounts", _, "statements"] => "/accounts/{accountId}/statements".to_owned(),
        ["accounts", _, "statements", _] => "/accounts/{accountId}/statements/{period}".to_owned(),
        _ => path.to_owned(),
    }
}

/// A statements table as the template declares it (hash `accountId`, range `period`).
async fn create_statements_table(stack: &crate::TestStack) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let name = unique_name("statements");
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let key = |n: &str, k: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(k)
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    stack
        .dynamodb
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("accountId"))
        .attribute_definitions(attr("period"))
        .key_schema(key("accountId", KeyType::Hash))
        .key_schema(key("period", KeyType::Range))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTable {name}: {e:?}"));
    name
}

/// A versioned bucket, as the template's StatementsBucket.
async fn create_bucket(s3: &aws_sdk_s3::Client) -> String {
    let bucket = unique_name("statements");
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateBucket: {e:?}"));
    let versioning = VersioningConfiguration::builder()
        .status(BucketVersioningStatus::Enabled)
        .build();
    s3.put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(versioning)
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutBucketVersioning: {e:?}"));
    bucket
}

/// An ECC_NIST_P256 signing key, as the template's StatementSigningKey: its ARN.
async fn create_signing_key(kms: &aws_sdk_kms::Client) -> String {
    let key = kms
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateKey: {e:?}"));
    key.key_metadata()
        .and_then(|m| m.arn())
        .unwrap_or_default()
        .to_owned()
}

/// The text of `pdf` as `pdftotext` reads it (`layout`: keeping the columns).
pub fn pdf_text(pdf: &[u8], layout: bool) -> String {
    let path = std::env::temp_dir().join(format!("{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, pdf).unwrap_or_else(|e| panic!("{e}"));
    let mut command = std::process::Command::new("pdftotext");
    if layout {
        command.arg("-layout");
    }
    let output = command
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext: {e}"));
    let _ = std::fs::remove_file(&path);
    String::from_utf8_lossy(&output.stdout).into_owned()
}
