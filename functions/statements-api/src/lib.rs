//! statements-api: an account's monthly statements (DESIGN §3d).
//!
//! * `GET /accounts/{id}/statements`: `{items: [summary], nextToken?}`, newest period
//!   first, `limit` (1 to 100) at a time with a sealed `nextToken`;
//! * `GET /accounts/{id}/statements/{YYYY-MM}`: the summary, `pdfUrl` (presigned GET,
//!   15 minutes) and `json` (the signed statement);
//! * `POST /accounts/{id}/statements/{YYYY-MM}`: queues the statement of a closed
//!   month (made if absent, emailed again) → 202 `{accountId, period, status:
//!   "QUEUED"}`; the current or a future month → 400 `VALIDATION_ERROR` (`period`);
//! * `POST /statements/verify` (no auth): see [`verify`].
//!
//! Owners see their accounts' statements, operators (Cognito group `admin`) any;
//! anything else answers 404, as an unknown account does.

pub mod config;
pub mod verify;
pub mod view;

use std::time::Duration;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::app::{AppError, Bank};
use shared::auth::{Authenticator, Identity};
use shared::aws::SdkConfig;
use shared::domain::AccountId;
use shared::http::{ApiError, path_segments};
use shared::paging::{Listing, PageSealer};
use shared::statement::{Job, Period};
use shared::store::{MAX_STATEMENTS_PAGE, PageToken, StatementRecord, StatementsTable, TableNames};

pub use config::ApiConfig;
use verify::PublicKey;

/// How long a `pdfUrl` works.
pub const PDF_URL_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The function's state, built once per execution environment.
#[derive(Debug)]
pub struct App {
    auth: Authenticator,
    bank: Bank,
    statements: StatementsTable,
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    settings: ApiConfig,
    public_key: PublicKey,
    pages: PageSealer,
}

impl App {
    /// Everything from the environment; page tokens sealed by `pages`.
    pub fn from_env(config: &SdkConfig, pages: PageSealer) -> Result<Self, String> {
        let tables = TableNames::from_env().map_err(|name| format!("{name} is not set"))?;
        let settings = ApiConfig::from_lookup(|name| std::env::var(name).ok())?;
        Ok(Self::new(
            Authenticator::from_env(),
            config,
            &tables,
            settings,
            pages,
        ))
    }

    /// An app on explicit settings (tests, local runtime).
    pub fn new(
        auth: Authenticator,
        config: &SdkConfig,
        tables: &TableNames,
        settings: ApiConfig,
        pages: PageSealer,
    ) -> Self {
        Self {
            auth,
            bank: Bank::new(config, tables),
            statements: StatementsTable::new(
                shared::aws::dynamodb(config),
                &settings.statements_table,
            ),
            s3: shared::aws::s3_client(config),
            sqs: shared::aws::sqs(config),
            public_key: PublicKey::new(shared::aws::kms(config), &settings.key_id),
            pages,
            settings,
        }
    }

    /// Handles one API Gateway request; every failure is a JSON error response.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        match self.route(&request).await {
            Ok(response) => response,
            Err(error) => error.into_response(),
        }
    }

    async fn route(&self, request: &Request) -> Result<Response<Body>, ApiError> {
        let segments = path_segments(request);
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let post = request.method() == Method::POST;
        let allowed = match segments.as_slice() {
            ["statements", "verify"] => post,
            ["accounts", _, "statements"] => request.method() == Method::GET,
            ["accounts", _, "statements", _] => post || request.method() == Method::GET,
            _ => return Err(ApiError::not_found("Route")),
        };
        if !allowed {
            return Err(ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "Method not allowed on this route.",
            ));
        }
        if segments.as_slice() == ["statements", "verify"] {
            return self.public_key.handle(request).await;
        }
        let identity = self.auth.identify(request).await?;
        match segments.as_slice() {
            ["accounts", id, "statements"] => self.list(request, id, &identity).await,
            ["accounts", id, "statements", period] if post => {
                self.request(id, period, &identity).await
            }
            ["accounts", id, "statements", period] => self.get(id, period, &identity).await,
            _ => Err(ApiError::not_found("Route")),
        }
    }

    /// A page of the account's statements, newest period first; the token is sealed
    /// for the caller and the account.
    async fn list(
        &self,
        request: &Request,
        id: &str,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let limit = shared::http::page_limit(request)?;
        let caller = identity.caller();
        let canonical = AccountId::parse(id).map_or_else(|_| id.to_owned(), |a| a.to_string());
        let pages = self
            .pages
            .bind(&caller.user_id, Listing::AccountStatements(&canonical));
        let token = shared::http::query_param(request, "nextToken")
            .map(|text| PageToken::open(&text, &pages).map_err(|_| AppError::invalid_next_token()))
            .transpose()?;
        let account = self.bank.account(&caller, id).await?;
        let page = self
            .statements
            .list(
                &account.account_id,
                limit.min(MAX_STATEMENTS_PAGE),
                token.as_ref(),
            )
            .await
            .map_err(|e| AppError::storage("Query statements", &e))?;
        let next = page
            .next
            .map(|token| {
                token.seal(&pages).map_err(|e| {
                    tracing::error!(error = %e, "page token not sealed");
                    AppError::internal()
                })
            })
            .transpose()?;
        let items: Vec<Value> = page.items.iter().map(view::summary).collect();
        let mut body = json!({ "items": items });
        if let Some(next) = next {
            body["nextToken"] = Value::String(next);
        }
        Ok(shared::http::json(StatusCode::OK, &body))
    }

    async fn get(
        &self,
        id: &str,
        period: &str,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let account = self.bank.account(&identity.caller(), id).await?;
        let period = parse_period(period)?;
        let record = self
            .statements
            .get(&account.account_id, &period)
            .await
            .map_err(|e| AppError::storage("GetItem statement", &e))?
            .ok_or_else(|| ApiError::not_found("Statement"))?;
        let mut body = view::summary(&record);
        body["pdfUrl"] = Value::String(self.pdf_url(&record).await?);
        body["json"] = self.statement_json(&record).await?;
        Ok(shared::http::json(StatusCode::OK, &body))
    }

    async fn request(
        &self,
        id: &str,
        period: &str,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let account = self.bank.account(&identity.caller(), id).await?;
        let period = parse_period(period)?;
        if !period.is_closed(chrono::Utc::now()) {
            return Err(ApiError::validation(
                "period",
                "Only a past month has a statement; the current and future months are not closed yet.",
            ));
        }
        let account_id = account.account_id.to_string();
        let message = Job::Account {
            period: period.to_string(),
            account_id: account_id.clone(),
            resend: true,
        };
        self.sqs
            .send_message()
            .queue_url(&self.settings.queue_url)
            .message_body(message.to_body())
            .send()
            .await
            .map_err(|e| {
                tracing::error!(error = ?e, "SendMessage to StatementsQueue failed");
                ApiError::unavailable()
            })?;
        tracing::info!(account_id = %account_id, %period, "statement queued on demand");
        Ok(shared::http::json(
            StatusCode::ACCEPTED,
            &json!({ "accountId": account_id, "period": period.to_string(), "status": "QUEUED" }),
        ))
    }

    async fn pdf_url(&self, record: &StatementRecord) -> Result<String, ApiError> {
        let bucket = &self.settings.bucket;
        shared::aws::presigned_get(&self.s3, bucket, &record.pdf_key, PDF_URL_LIFETIME)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "the statement PDF's URL not presigned");
                ApiError::unavailable()
            })
    }

    async fn statement_json(&self, record: &StatementRecord) -> Result<Value, ApiError> {
        let object = self
            .s3
            .get_object()
            .bucket(&self.settings.bucket)
            .key(&record.json_key)
            .send()
            .await
            .map_err(|e| {
                tracing::error!(error = ?e, "GetObject statement JSON failed");
                ApiError::unavailable()
            })?;
        let bytes = object.body.collect().await.map_err(|e| {
            tracing::error!(error = %e, "reading the statement JSON failed");
            ApiError::unavailable()
        })?;
        serde_json::from_slice(&bytes.into_bytes()).map_err(|e| {
            tracing::error!(error = %e, "stored statement JSON is invalid");
            ApiError::unavailable()
        })
    }
}

fn parse_period(text: &str) -> Result<Period, ApiError> {
    Period::parse(text).map_err(|e| ApiError::validation("period", format!("{e}.")))
}
