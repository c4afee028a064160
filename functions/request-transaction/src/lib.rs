//! request-transaction: records a transaction as PENDING, exactly once per
//! (user, Idempotency-Key). The stream consumer applies it to balances later.
//! `POST /transactions` records a deposit, withdrawal, transfer, adjustment or hold;
//! `POST /transactions/{id}/capture` and `/void` act on a hold, and
//! `POST /transactions/{id}/reverse` (operators) moves a completed transaction back:
//! each records one transaction through the same application rules.
//!
//! Happy path: one DynamoDB request, a conditional `PutItem` of the transaction
//! (`attribute_not_exists`), whose failure returns the existing item (ALL_OLD), so a
//! replay or a reused key costs the same. The account's owner and currency, which never
//! change, come from a strongly consistent `GetItem` the first time an environment
//! sees the account, then from its cache (see [`shared::app::facts`]). The rules are
//! the application's ([`shared::app::Bank::record`]); this is the REST edge.
//!
//! The request's X-Ray trace root ([`trace_id`]) is stored on the transaction and
//! logged (`trace_id`) here, by the stream consumer and by notify.
//!
//! A request that records a transaction prints one EMF document:
//! `TransactionsAccepted` by `Type`, or `TransactionsReplayed` for a replay.

mod request;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use shared::auth::Authenticator;
use shared::context::ApiContext;
use shared::http::{ApiError, created_headers, raw_json};
use shared::metrics::Metrics;
use shared::store::TableNames;

pub use request::{Action, TransactionRequest, parse_action, parse_request};
pub use shared::http::idempotency_key;

/// The request's X-Ray trace root: the invocation context's trace header (Lambda with
/// active tracing), else the `X-Amzn-Trace-Id` API Gateway passed; only a well-formed
/// root is kept.
pub fn trace_id(request: &Request) -> Option<shared::trace::TraceId> {
    let context = request
        .lambda_context_ref()
        .and_then(|c| c.xray_trace_id.as_deref());
    let header = request
        .headers()
        .get(shared::trace::HEADER)
        .and_then(|v| v.to_str().ok());
    shared::trace::TraceId::from_lambda_or_header(context, header)
}

/// The function's state, built once per execution environment.
#[derive(Debug)]
pub struct App {
    ctx: ApiContext,
    metrics: Metrics,
}

impl App {
    /// Tables and authentication from the environment.
    pub fn from_env(config: &shared::aws::SdkConfig) -> Result<Self, String> {
        Ok(Self {
            ctx: ApiContext::from_env(config)?,
            metrics: Metrics::from_env(),
        })
    }

    /// An app on explicit tables (tests, local runtime); its metrics go to the
    /// process's installed sink ([`Metrics::local`]).
    pub fn new(auth: Authenticator, config: &shared::aws::SdkConfig, tables: &TableNames) -> Self {
        Self {
            ctx: ApiContext::new(auth, config, tables),
            metrics: Metrics::local("local"),
        }
    }

    /// The same app, its metrics written by `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Account lookups served from the cache (hits) and from the table (misses).
    pub fn account_lookups(&self) -> shared::cache::CacheStats {
        self.ctx.bank.account_lookups()
    }

    /// Handles one API Gateway request; every failure is a JSON error response.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        match self.record(&request).await {
            Ok(response) => response,
            Err(error) => error.into_response(),
        }
    }

    async fn record(&self, request: &Request) -> Result<Response<Body>, ApiError> {
        if request.method() != Method::POST {
            return Err(ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "Use POST to record a transaction.",
            ));
        }
        let identity = self.ctx.auth.identify(request).await?;
        let key = idempotency_key(request)?;
        let (caller, trace, bank) = (identity.caller(), trace_id(request), &self.ctx.bank);
        let recorded = match parse_action(request)? {
            None => {
                let parsed = parse_request(request)?;
                bank.record_traced(&caller, key, &parsed, trace).await?
            }
            Some(Action::Capture { id, amount }) => {
                bank.capture(&caller, key, &id, amount.as_deref(), trace)
                    .await?
            }
            Some(Action::Void { id }) => bank.void(&caller, key, &id, trace).await?,
            Some(Action::Reverse {
                id,
                amount,
                description,
            }) => {
                let input = shared::app::ReverseInput {
                    amount_json: amount.as_deref(),
                    description: Some(&description),
                };
                bank.reverse(&caller, key, &id, input, trace).await?
            }
        };
        recorded.emit_metrics(&self.metrics);
        let location = format!("/transactions/{}", recorded.record.transaction_id);
        Ok(raw_json(
            StatusCode::CREATED,
            recorded.body,
            &created_headers(location, recorded.replayed),
        ))
    }
}
