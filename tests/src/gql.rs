//! The GraphQL resolver (the Lambda AppSync invokes for every field) driven with
//! AppSync's direct-resolver contexts built from the sample events.

use std::sync::Arc;

use serde_json::{Value, json};
use shared::metrics::{Collector, Metrics};

use crate::api::{Caller, sample_event};
use crate::fixture::{ApiFixture, new_key};

/// The GraphQL resolver on a fresh [`ApiFixture`]'s tables, its metrics collected.
#[derive(Debug)]
pub struct Gql {
    pub fx: ApiFixture,
    pub app: graphql::App,
    /// What the app's metrics wrote.
    pub metrics: Arc<Collector>,
}

impl Gql {
    pub async fn new() -> Self {
        let fx = ApiFixture::new().await;
        let pages = fx.stack.page_sealer().await;
        let metrics = Collector::new();
        let sink = Metrics::local("test").with_sink(metrics.clone());
        let app = graphql::App::with_metrics(&fx.stack.config, &fx.tables, pages, sink);
        Self { fx, app, metrics }
    }

    /// The context AppSync sends for `parent.field` with `arguments`, from `caller`.
    pub fn event(caller: &Caller, parent: &str, field: &str, arguments: Value) -> Value {
        let mut event = sample_event("graphql-request-transaction.json");
        event["arguments"] = arguments;
        event["identity"]["sub"] = json!(caller.sub);
        event["identity"]["claims"]["sub"] = json!(caller.sub);
        event["identity"]["groups"] = caller.groups.as_ref().map_or(Value::Null, |g| json!([g]));
        event["info"]["parentTypeName"] = json!(parent);
        event["info"]["fieldName"] = json!(field);
        event
    }

    /// Resolves one field: its value, or (errorType, errorMessage).
    pub async fn call(
        &self,
        caller: &Caller,
        parent: &str,
        field: &str,
        arguments: Value,
    ) -> Result<Value, (String, String)> {
        self.app
            .handle(Self::event(caller, parent, field, arguments))
            .await
            .map_err(|d| (d.error_type, d.error_message))
    }

    pub async fn ok(&self, caller: &Caller, parent: &str, field: &str, arguments: Value) -> Value {
        self.call(caller, parent, field, arguments)
            .await
            .unwrap_or_else(|e| panic!("{parent}.{field}: {e:?}"))
    }

    pub async fn error_type(
        &self,
        caller: &Caller,
        parent: &str,
        field: &str,
        arguments: Value,
    ) -> String {
        match self.call(caller, parent, field, arguments).await {
            Ok(value) => panic!("{parent}.{field} answered {value}"),
            Err((error_type, _)) => error_type,
        }
    }

    pub async fn open(&self, caller: &Caller) -> String {
        let account = self
            .ok(caller, "Mutation", "openAccount", json!({ "input": {} }))
            .await;
        account["accountId"].as_str().unwrap_or_default().to_owned()
    }
}

/// A deposit input.
pub fn deposit(account: &str, amount: &str) -> Value {
    json!({ "accountId": account, "type": "DEPOSIT", "amount": amount })
}

impl Gql {
    /// Records `input` through `requestTransaction` and settles it; its id.
    pub async fn settled(&self, caller: &Caller, input: Value) -> String {
        let key = new_key();
        let args = json!({ "idempotencyKey": key, "input": input });
        let recorded = self
            .ok(caller, "Mutation", "requestTransaction", args)
            .await;
        self.fx.settle(caller, &key).await;
        text_of(&recorded["transaction"]["transactionId"])
    }

    /// `field` (captureHold, voidHold, reverseTransaction) with `arguments` and a new
    /// key, settled: its receipt.
    pub async fn act_settled(&self, caller: &Caller, field: &str, mut arguments: Value) -> Value {
        let key = new_key();
        arguments["idempotencyKey"] = json!(key);
        let receipt = self.ok(caller, "Mutation", field, arguments).await;
        self.fx.settle(caller, &key).await;
        receipt
    }

    pub async fn transaction(&self, caller: &Caller, id: &str) -> Value {
        self.ok(
            caller,
            "Query",
            "transaction",
            json!({ "transactionId": id }),
        )
        .await
    }

    /// (balance, heldAmount, availableBalance) of `account`.
    pub async fn balances(&self, caller: &Caller, account: &str) -> [String; 3] {
        let shown = self
            .ok(caller, "Query", "account", json!({ "accountId": account }))
            .await;
        ["balance", "heldAmount", "availableBalance"].map(|k| text_of(&shown[k]))
    }
}

/// A string field's text (empty when absent).
pub fn text_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}
