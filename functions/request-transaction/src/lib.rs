//! request-transaction: records a transaction as PENDING, exactly once per
//! (user, Idempotency-Key). The stream consumer applies it to balances later.
//!
//! Happy path: one DynamoDB request, a conditional `PutItem` of the transaction
//! (`attribute_not_exists`), whose failure returns the existing item (ALL_OLD), so a
//! replay or a reused key costs the same. The account's owner and currency, which never
//! change, come from a strongly consistent `GetItem` the first time an environment
//! sees the account, then from its cache (see [`accounts`]).

pub mod accounts;
mod request;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::auth::{Authenticator, Identity};
use shared::clock::Timestamp;
use shared::context::ApiContext;
use shared::domain::{TransactionId, TransactionStatus};
use shared::http::{ApiError, api_error, created_headers, raw_json};
use shared::store::{Inserted, TableNames, TransactionRecord, View};

use accounts::{AccountFacts, Facts};
pub use request::{TransactionRequest, parse_request};
use shared::domain::Currency;
pub use shared::http::idempotency_key;

/// The function's state, built once per execution environment.
#[derive(Debug)]
pub struct App {
    ctx: ApiContext,
    facts: AccountFacts,
}

impl App {
    /// Tables and authentication from the environment.
    pub fn from_env(config: &shared::aws::SdkConfig) -> Result<Self, String> {
        Ok(Self {
            ctx: ApiContext::from_env(config)?,
            facts: AccountFacts::default(),
        })
    }

    /// An app on explicit tables (tests, local runtime).
    pub fn new(auth: Authenticator, config: &shared::aws::SdkConfig, tables: &TableNames) -> Self {
        Self {
            ctx: ApiContext::new(auth, config, tables),
            facts: AccountFacts::default(),
        }
    }

    /// Account lookups served from the cache (hits) and from the table (misses).
    pub fn account_lookups(&self) -> shared::cache::CacheStats {
        self.facts.stats()
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
        let parsed = parse_request(request)?;
        let facts = self
            .facts
            .lookup(&self.ctx.accounts, &parsed.account_id)
            .await
            .map_err(|e| api_error("GetItem account", &e))?;
        let (currency, holder_id) = authorise(&identity, &parsed, facts)?;

        let mut record = TransactionRecord {
            transaction_id: TransactionId::new_random(),
            user_id: identity.user_id.clone(),
            idempotency_key: key,
            account_id: parsed.account_id,
            kind: parsed.kind,
            currency,
            description: parsed.description.clone(),
            status: TransactionStatus::Pending,
            rejection_reason: None,
            balance_after: None,
            to_balance_after: None,
            to_user_id: None,
            holder_id,
            created_at: Timestamp::now(),
            processed_at: None,
            request_hash: parsed.fingerprint(),
            response: None,
        };
        let body = shared::views::transaction(&record, View::Source).to_string();
        record.response = Some(body.clone());

        match self
            .ctx
            .transactions
            .insert_new(&record)
            .await
            .map_err(|e| api_error("PutItem", &e))?
        {
            Inserted::Created => {
                tracing::info!(
                    transaction_id = %record.transaction_id,
                    account_id = %record.account_id,
                    kind = record.kind.transaction_type().as_str(),
                    amount = %record.kind.amount_text(),
                    "transaction recorded"
                );
                Ok(created(&record, body, false))
            }
            Inserted::Exists(existing) => replay(&record, *existing),
        }
    }
}

/// Who may record what, given the account's `facts` (`None`: no such account): a
/// customer records on their own accounts; an ADJUSTMENT is an operator's (Cognito
/// group `admin`) on someone else's account, never their own (separation of duties:
/// an operator cannot pay themselves). Another user's account answers like an
/// unknown one. Returns the account's currency and, for an adjustment, its holder.
fn authorise(
    identity: &Identity,
    parsed: &TransactionRequest,
    facts: Option<Facts>,
) -> Result<(Currency, Option<shared::domain::UserId>), ApiError> {
    let adjustment = matches!(
        parsed.kind,
        shared::domain::TransactionKind::Adjustment { .. }
    );
    if adjustment && !identity.is_admin() {
        return Err(ApiError::forbidden(
            "Only operators (group admin) may record ADJUSTMENT transactions.",
        ));
    }
    if adjustment && parsed.description.is_none() {
        return Err(ApiError::validation(
            "description",
            "description is required for an ADJUSTMENT: say why the balance is corrected.",
        ));
    }
    let facts = facts.ok_or_else(|| ApiError::not_found("Account"))?;
    let own = facts.owner_id == identity.user_id;
    match (adjustment, own) {
        (false, true) => Ok((facts.currency, None)),
        (false, false) => Err(ApiError::not_found("Account")),
        (true, true) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "SEPARATION_OF_DUTIES",
            "Operators cannot adjust their own accounts: another operator must.",
        )),
        (true, false) => Ok((facts.currency, Some(facts.owner_id))),
    }
}

/// Same key: same payload replays the first response; another payload is refused.
fn replay(
    attempt: &TransactionRecord,
    existing: TransactionRecord,
) -> Result<Response<Body>, ApiError> {
    if existing.request_hash != attempt.request_hash {
        tracing::info!(transaction_id = %existing.transaction_id, "idempotency key reused with another payload");
        return Err(ApiError::idempotency_key_reused(
            "This Idempotency-Key was already used with a different request body; use a new key for a new transaction.",
        ));
    }
    tracing::info!(transaction_id = %existing.transaction_id, "idempotent replay");
    let body = existing
        .response
        .clone()
        .unwrap_or_else(|| shared::views::transaction(&existing, View::Source).to_string());
    Ok(created(&existing, body, true))
}

fn created(record: &TransactionRecord, body: String, replayed: bool) -> Response<Body> {
    let location = format!("/transactions/{}", record.transaction_id);
    raw_json(
        StatusCode::CREATED,
        body,
        &created_headers(location, replayed),
    )
}
