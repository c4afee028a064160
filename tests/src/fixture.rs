//! The API functions on fresh tables, driven with REST proxy events.

use serde_json::{Value, json};
use shared::auth::Authenticator;
use shared::store::TableNames;

use crate::api::{ApiEvent, Caller, Reply};
use crate::{TestStack, tables};

/// The three DynamoDB-backed API functions on a test's own tables. Callers are
/// identified by API Gateway authorizer claims (see `Caller`).
#[derive(Debug)]
pub struct ApiFixture {
    pub stack: TestStack,
    pub tables: TableNames,
    pub accounts: accounts::App,
    pub record: request_transaction::App,
    pub get: get_transactions::App,
}

impl ApiFixture {
    /// Connects to the emulators and creates fresh tables and a page token secret.
    pub async fn new() -> Self {
        let stack = TestStack::connect().await;
        let tables = tables::create_tables(&stack).await;
        let pages = stack.page_sealer().await;
        Self {
            accounts: accounts::App::new(
                Authenticator::new(None),
                &stack.config,
                &tables,
                pages.clone(),
            ),
            record: request_transaction::App::new(Authenticator::new(None), &stack.config, &tables),
            get: get_transactions::App::new(
                Authenticator::new(None),
                &stack.config,
                &tables,
                pages,
            ),
            stack,
            tables,
        }
    }

    /// `POST /accounts` for `caller`; returns the new account's id.
    pub async fn open_account(&self, caller: &Caller, currency: &str) -> String {
        let event = ApiEvent::from_sample("accounts-create.json")
            .caller(Some(caller))
            .json_body(&json!({ "name": "Test", "currency": currency }));
        let reply = Reply::from(self.accounts.handle(event.request()).await);
        assert_eq!(reply.status, 201, "open account: {}", reply.text);
        reply.json()["accountId"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// `POST /save/transaction` with `key` and `body`.
    pub async fn record(&self, caller: &Caller, key: &str, body: &Value) -> Reply {
        let event = ApiEvent::from_sample("request-transaction.json")
            .caller(Some(caller))
            .header("Idempotency-Key", Some(key))
            .json_body(body);
        Reply::from(self.record.handle(event.request()).await)
    }

    /// Settles `caller`'s PENDING transaction recorded with `key`, through the one
    /// settle path (no stream consumer runs in this fixture).
    pub async fn settle(&self, caller: &Caller, key: &str) {
        self.settle_all(&[(caller, key)]).await;
    }

    /// Settles the PENDING transactions recorded by each (caller, key), in one call
    /// of the one settle path.
    pub async fn settle_all(&self, recorded: &[(&Caller, &str)]) {
        let ledger = self.ledger();
        let keys: Vec<String> = recorded
            .iter()
            .map(|(caller, key)| format!("{}#{key}", caller.sub))
            .collect();
        let pending = ledger
            .read_pending(&keys)
            .await
            .unwrap_or_else(|e| panic!("read pending: {e}"));
        assert_eq!(pending.len(), keys.len(), "not all PENDING: {keys:?}");
        let engine = shared::settle::Engine::new(ledger, shared::settle::RetryPolicy::default());
        let settled = engine
            .settle(&pending, shared::settle::Deadline::none())
            .await;
        assert!(
            settled.unsettled.is_none(),
            "not settled: {:?}",
            settled.unsettled
        );
    }

    /// The ledger over the fixture's tables.
    pub fn ledger(&self) -> shared::store::Ledger {
        self.ledger_with(&self.stack.config)
    }

    /// The ledger over the fixture's tables, its client built from `config` (one with
    /// a test's interceptor).
    pub fn ledger_with(&self, config: &shared::aws::SdkConfig) -> shared::store::Ledger {
        shared::store::Ledger::new(
            shared::aws::dynamodb(config),
            &self.tables.accounts,
            &self.tables.transactions,
        )
    }

    /// `POST /transactions/{id}/<action>` (capture, void, reverse) by `caller` with
    /// `key` and `body` (`None`: no body).
    pub async fn act(
        &self,
        caller: &Caller,
        key: &str,
        id: &str,
        action: &str,
        body: Option<&Value>,
    ) -> Reply {
        let mut event = ApiEvent::from_sample(&format!("transactions-{action}.json"))
            .route(
                "POST",
                &format!("/transactions/{id}/{action}"),
                &format!("/transactions/{{transactionId}}/{action}"),
            )
            .path_param("transactionId", id)
            .caller(Some(caller))
            .header("Idempotency-Key", Some(key));
        event = match body {
            Some(body) => event.json_body(body),
            None => event.body(""),
        };
        self.record_call(&event).await
    }

    /// Records `body` for `caller` and settles it; returns its transaction id.
    pub async fn record_settled(&self, caller: &Caller, body: &Value) -> String {
        let key = new_key();
        let reply = self.record(caller, &key, body).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        self.settle(caller, &key).await;
        reply.json()["transactionId"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Any event through the accounts function.
    pub async fn accounts_call(&self, event: &ApiEvent) -> Reply {
        Reply::from(self.accounts.handle(event.request()).await)
    }

    /// Every item of an accounts-function listing, `limit` at a time: `event` with
    /// `limit` and each page's `nextToken`, each page checked to hold at most `limit`.
    pub async fn all_pages(&self, event: &ApiEvent, limit: usize) -> Vec<Value> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..50 {
            let mut page_event = event.clone().query("limit", &limit.to_string());
            if let Some(t) = &token {
                page_event = page_event.query("nextToken", t);
            }
            let reply = self.accounts_call(&page_event).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            let body = reply.json();
            let page = body["items"].as_array().cloned().unwrap_or_default();
            assert!(page.len() <= limit, "limit {limit}: {body}");
            items.extend(page);
            match body.get("nextToken").and_then(Value::as_str) {
                Some(next) => token = Some(next.to_owned()),
                None => return items,
            }
        }
        panic!("limit {limit}: paging did not end");
    }

    /// Any event through the get-transactions function.
    pub async fn get_call(&self, event: &ApiEvent) -> Reply {
        Reply::from(self.get.handle(event.request()).await)
    }

    /// Any event through the request-transaction function.
    pub async fn record_call(&self, event: &ApiEvent) -> Reply {
        Reply::from(self.record.handle(event.request()).await)
    }
}

/// A fresh Idempotency-Key.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}
