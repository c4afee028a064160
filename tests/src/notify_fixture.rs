//! The notify function's test world: per test, a Cognito pool with its holders, a
//! notification log table, an SQS queue and a verified sender identity.
//!
//! Messages travel through moto's real SQS: sent, received with `ReceiveMessage`, and
//! turned into the `SqsEvent` Lambda would deliver ([`to_lambda_event`]). Sent mail and
//! SMS are read back from moto with addresses and numbers unique to the test.

pub mod logs;
mod messages;

use std::collections::HashMap;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_dynamodb::types::{AttributeValue, TimeToLiveSpecification};
use aws_sdk_sqs::types::MessageSystemAttributeName;
use notify::config::DEFAULT_SEND_TIMEOUT;
use notify::{App, Clients, NotifyConfig};
use serde_json::Value;
use shared::domain::AccountId;

use crate::cognito::{self, TestPool};
use crate::{TestStack, moto, unique_name};

pub use crate::requests::{DYNAMODB_WRITES, RequestCounter};
pub use logs::LogCapture;
pub use messages::{body, completed_deposit, completed_transfer, packed, rejected_withdrawal};
/// The notification log key of a transaction's notification.
pub fn log_key(message: &shared::notification::NotificationMessage) -> String {
    notify::claims::key(&message.clone().into())
}

const PASSWORD: &str = "Correct-Horse-9!";
/// Long enough that no message of a test reappears unless the test asks for it.
const VISIBILITY_SECONDS: i32 = 600;

/// One account holder in the test's pool, with contact details unique to the test.
#[derive(Debug, Clone)]
pub struct Holder {
    pub sub: String,
    pub email: String,
    pub phone: Option<String>,
    pub account_id: AccountId,
}

/// What a holder should add to their Cognito user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolderKind {
    EmailAndPhone,
    EmailOnly,
    /// `email_verified` = `false`, with a phone number.
    UnverifiedEmail,
}

/// Resources of one notify test.
#[derive(Debug, Clone)]
pub struct NotifyFixture {
    pub stack: TestStack,
    pub pool: TestPool,
    pub table: String,
    pub queue_url: String,
    pub queue_arn: String,
    pub sender: String,
}

fn random_digits(count: u32) -> u128 {
    uuid::Uuid::new_v4().as_u128() % 10_u128.pow(count)
}

impl NotifyFixture {
    /// Creates the pool, the log table, the queue and the verified sender.
    pub async fn new() -> Self {
        let stack = TestStack::connect().await;
        let pool = cognito::create_pool(&stack).await;
        let table = create_log_table(&stack).await;
        let (queue_url, queue_arn) = stack.create_queue("notifications").await;
        let sender = format!("{}@bank.example", unique_name("notify"));
        stack
            .sesv2
            .create_email_identity()
            .email_identity(&sender)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateEmailIdentity: {e:?}"));
        Self {
            stack,
            pool,
            table,
            queue_url,
            queue_arn,
            sender,
        }
    }

    /// Settings on this fixture's resources, email enabled, defaults elsewhere.
    pub fn config(&self) -> NotifyConfig {
        NotifyConfig::new(&self.table, &self.pool.pool_id, &self.sender)
    }

    /// The app on this fixture's default settings.
    pub fn app(&self) -> App {
        self.app_with(self.config())
    }

    /// The app on `config`, with clients built as the Lambda builds them.
    pub fn app_with(&self, config: NotifyConfig) -> App {
        App::new(self.clients(), config)
    }

    /// The clients the Lambda would build.
    pub fn clients(&self) -> Clients {
        Clients::new(&self.stack.config, DEFAULT_SEND_TIMEOUT)
    }

    /// The app with SES unreachable (nothing listens on the discard port, no SDK
    /// retries): every email fails transiently, the rest works.
    pub fn app_without_ses(&self) -> App {
        let mut clients = self.clients();
        clients.sesv2 = aws_sdk_sesv2::Client::from_conf(
            aws_sdk_sesv2::config::Builder::from(self.stack.config.sdk())
                .endpoint_url("http://127.0.0.1:9")
                .retry_config(aws_sdk_sesv2::config::retry::RetryConfig::disabled())
                .build(),
        );
        App::new(clients, self.config())
    }

    /// The app on `config`, with clients that count every AWS request they send.
    pub fn counted_app(&self, config: NotifyConfig) -> (App, RequestCounter) {
        let counter = RequestCounter::default();
        let sdk = self.stack.config.clone().with_interceptor(counter.clone());
        let app = App::new(Clients::new(&sdk, DEFAULT_SEND_TIMEOUT), config);
        (app, counter)
    }

    /// A new holder in the pool, with a fresh account id.
    pub async fn holder(&self, kind: HolderKind) -> Holder {
        let username = unique_name("holder");
        let email = format!("{username}@holder.example");
        let phone =
            (kind != HolderKind::EmailOnly).then(|| format!("+1555{:07}", random_digits(7)));
        let verified = if kind == HolderKind::UnverifiedEmail {
            "false"
        } else {
            "true"
        };
        let mut attributes = vec![("email", email.as_str()), ("email_verified", verified)];
        if let Some(phone) = &phone {
            attributes.push(("phone_number", phone.as_str()));
        }
        let sub =
            cognito::create_user(&self.stack, &self.pool, &username, PASSWORD, &attributes).await;
        assert!(!sub.is_empty(), "AdminCreateUser returned no sub");
        Holder {
            sub,
            email,
            phone,
            account_id: AccountId::new_random(),
        }
    }

    /// Sends `bodies` to the queue, receives them all and returns them as one event.
    pub async fn deliver(&self, bodies: &[String]) -> SqsEvent {
        for body in bodies {
            self.stack
                .sqs
                .send_message()
                .queue_url(&self.queue_url)
                .message_body(body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("SendMessage: {e:?}"));
        }
        self.receive(bodies.len()).await
    }

    /// Makes the messages of `event` visible again and receives them: a redelivery
    /// (same message ids, higher receive count), as after a failed or lost invocation.
    pub async fn redeliver(&self, event: &SqsEvent) -> SqsEvent {
        for record in &event.records {
            self.stack
                .sqs
                .change_message_visibility()
                .queue_url(&self.queue_url)
                .receipt_handle(record.receipt_handle.clone().unwrap_or_default())
                .visibility_timeout(0)
                .send()
                .await
                .unwrap_or_else(|e| panic!("ChangeMessageVisibility: {e:?}"));
        }
        self.receive(event.records.len()).await
    }

    async fn receive(&self, count: usize) -> SqsEvent {
        let mut messages = Vec::new();
        for _ in 0..20 {
            if messages.len() >= count {
                break;
            }
            let wanted = i32::try_from((count - messages.len()).min(10)).unwrap_or(10);
            let received = self
                .stack
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(wanted)
                .visibility_timeout(VISIBILITY_SECONDS)
                .wait_time_seconds(1)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send()
                .await
                .unwrap_or_else(|e| panic!("ReceiveMessage: {e:?}"));
            messages.extend(received.messages().iter().cloned());
        }
        assert_eq!(messages.len(), count, "messages received from the queue");
        to_lambda_event(&messages, &self.queue_arn, &self.region())
    }

    fn region(&self) -> String {
        self.pool.region.clone()
    }

    /// The log item of `key` (see [`log_key`]), read consistently.
    pub async fn record(&self, key: &str) -> Option<HashMap<String, AttributeValue>> {
        self.stack
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key("notificationId", AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetItem: {e:?}"))
            .item()
            .cloned()
    }

    /// Writes an IN_PROGRESS claim of another attempt expiring at `expires_at`, with
    /// no channel recorded (the attempt crashed or is still sending).
    pub async fn put_claim(&self, key: &str, expires_at: i64) {
        self.stack
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item("notificationId", AttributeValue::S(key.to_owned()))
            .item("status", AttributeValue::S("IN_PROGRESS".to_owned()))
            .item(
                "claimToken",
                AttributeValue::S(unique_name("other-attempt")),
            )
            .item("expiresAt", AttributeValue::N(expires_at.to_string()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutItem: {e:?}"));
    }

    /// Emails moto recorded for `holder`.
    pub async fn emails(&self, holder: &Holder) -> Vec<Value> {
        moto::emails_to(&self.stack, &holder.email).await
    }

    /// SMS moto recorded for `holder` (none without a phone).
    pub async fn sms(&self, holder: &Holder) -> Vec<Value> {
        match &holder.phone {
            Some(phone) => moto::sms_to(&self.stack, phone).await,
            None => Vec::new(),
        }
    }
}

async fn create_log_table(stack: &TestStack) -> String {
    let name =
        crate::tables::create_keyed_table(stack, "notification-log", "notificationId", false).await;
    stack
        .dynamodb
        .update_time_to_live()
        .table_name(&name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("expiresAt")
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateTimeToLive: {e:?}"));
    name
}

/// SQS messages as Lambda's event source mapping delivers them (the local runtime's
/// own conversion).
pub use local_runtime::sqs_source::to_lambda_event;

/// The string attribute `name` of a log item.
pub fn attribute<'a>(
    item: Option<&'a HashMap<String, AttributeValue>>,
    name: &str,
) -> Option<&'a str> {
    item?.get(name)?.as_s().ok().map(String::as_str)
}

/// The message ids a response asks to retry.
pub fn failed_ids(response: &SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

/// The message ids of an event, in order.
pub fn message_ids(event: &SqsEvent) -> Vec<String> {
    event
        .records
        .iter()
        .map(|r| r.message_id.clone().unwrap_or_default())
        .collect()
}
