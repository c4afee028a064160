//! graphql: the direct Lambda resolver of every field of the GraphQL API (AppSync).
//! Each field calls the application ([`shared::app::Bank`]) the REST functions call,
//! and renders with the same [`shared::views`]: one rule for ownership, idempotency,
//! money and paging, two edges.
//!
//! - `Invoke` (one field): answers the field's value; an [`AppError`] becomes the
//!   Lambda error whose `errorType` is the REST `code` (AppSync puts it in
//!   `errors[].errorType`, the field null).
//! - `BatchInvoke` (a list of contexts: `Account.transactions` on a page of accounts):
//!   one invocation for the page, the accounts' index queries run concurrently and the
//!   items behind them read together (one `BatchGetItem` per 100 keys for the page),
//!   answered as a list of `{data}` or `{data: null, errorType, errorMessage}` in the
//!   same order.
//!
//! Callers, per AppSync auth mode ([`event::Principal`]): a Cognito user sees their own
//! accounts (an operator, group `admin`, any account); an IAM principal (a trusted
//! backend caller: operators' tools, other services) reads as an operator does
//! (`account`, `transactions(accountId:)`, `transaction`, `Account.transactions`),
//! while the listings of what the caller owns or recorded (`accounts`, `transactions`
//! without `accountId`) answer it an empty page, and every mutation `UNAUTHORIZED`
//! (the schema already keeps mutations to Cognito users).
//!
//! Trust: only AppSync invokes this function (its data source role). The caller's
//! identity is AppSync's, and so are parent values (`source`): an `Account` it passes
//! was answered by this resolver to this caller, so `Account.transactions` does not
//! read the account again. Whoever could invoke the function directly could equally
//! forge the identity: re-checking the parent would protect nothing.

pub mod event;
mod resolve;
mod shown;

use std::sync::Arc;

use lambda_runtime::Diagnostic;
use serde_json::{Value, json};
use shared::app::{AppError, Bank};
use shared::paging::PageSealer;
use shared::store::TableNames;
use tokio::task::JoinSet;

use event::ResolverEvent;

/// What the resolver holds for an execution environment.
#[derive(Debug)]
struct Inner {
    bank: Bank,
    pages: PageSealer,
    /// `requestTransaction` counts what it records as the REST edge does.
    metrics: shared::metrics::Metrics,
}

/// The function, built once per execution environment.
#[derive(Debug, Clone)]
pub struct App {
    inner: Arc<Inner>,
}

impl App {
    /// Tables from the environment; page tokens sealed by `pages`.
    pub fn from_env(config: &shared::aws::SdkConfig, pages: PageSealer) -> Result<Self, String> {
        let tables = TableNames::from_env().map_err(|name| format!("{name} is not set"))?;
        let metrics = shared::metrics::Metrics::from_env();
        Ok(Self::with_metrics(config, &tables, pages, metrics))
    }

    /// An app on explicit tables (tests, local runtime).
    pub fn new(config: &shared::aws::SdkConfig, tables: &TableNames, pages: PageSealer) -> Self {
        Self::with_metrics(
            config,
            tables,
            pages,
            shared::metrics::Metrics::local("local"),
        )
    }

    /// An app on explicit tables whose `requestTransaction` metrics `metrics` writes
    /// (on Lambda: stdout).
    pub fn with_metrics(
        config: &shared::aws::SdkConfig,
        tables: &TableNames,
        pages: PageSealer,
        metrics: shared::metrics::Metrics,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                bank: Bank::new(config, tables),
                pages,
                metrics,
            }),
        }
    }

    /// Resolves one field (an object) or a batch (a list), as AppSync invokes.
    pub async fn handle(&self, payload: Value) -> Result<Value, Diagnostic> {
        match payload {
            Value::Array(events) => Ok(self.batch(events).await),
            single => {
                let event: ResolverEvent = serde_json::from_value(single).map_err(|e| {
                    tracing::error!(error = %e, "not a resolver event");
                    diagnostic(&AppError::internal())
                })?;
                self.inner
                    .resolve(&event)
                    .await
                    .map_err(|error| diagnostic(&error))
            }
        }
    }

    /// Every context of a batch, concurrently; the answers in the batch's order. The
    /// `Account.transactions` contexts are answered together (see [`shown`]).
    async fn batch(&self, events: Vec<Value>) -> Value {
        let parsed: Vec<Option<ResolverEvent>> = events
            .into_iter()
            .map(|event| {
                serde_json::from_value::<ResolverEvent>(event)
                    .map_err(|e| tracing::error!(error = %e, "not a resolver event"))
                    .ok()
            })
            .collect();
        let mut answers: Vec<Value> = vec![item(Err(AppError::internal())); parsed.len()];
        let mut tasks = JoinSet::new();
        let mut histories = Vec::new();
        for (position, event) in parsed.iter().enumerate() {
            match event {
                Some(event)
                    if event.info.parent_type_name == "Account"
                        && event.info.field_name == "transactions" =>
                {
                    histories.push((position, event));
                }
                Some(event) => {
                    let (inner, event) = (Arc::clone(&self.inner), event.clone());
                    tasks.spawn(async move { (position, inner.resolve(&event).await) });
                }
                None => {}
            }
        }
        let events: Vec<&ResolverEvent> = histories.iter().map(|(_, e)| *e).collect();
        let shown = self.inner.shown(&events).await;
        for ((position, _), answer) in histories.iter().zip(shown) {
            answers[*position] = item(answer);
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((position, answer)) => answers[position] = item(answer),
                Err(e) => tracing::error!(error = %e, "batch item task failed"),
            }
        }
        Value::Array(answers)
    }
}

/// A batch answer: `{data}`, or `{data: null, errorType, errorMessage}`.
fn item(answer: Result<Value, AppError>) -> Value {
    match answer {
        Ok(data) => json!({ "data": data }),
        Err(error) => json!({
            "data": null,
            "errorType": error.code,
            "errorMessage": error.message,
        }),
    }
}

/// The Lambda error AppSync reads `errorType` and the message from.
fn diagnostic(error: &AppError) -> Diagnostic {
    Diagnostic {
        error_type: error.code.to_owned(),
        error_message: error.message.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
