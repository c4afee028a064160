//! get-transactions: the caller's transactions, and one transaction by id. A
//! transaction is visible to the user who recorded it and, for a transfer, to the
//! holder of the receiving account; to anyone else it does not exist (404).

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::auth::{Authenticator, Identity};
use shared::context::ApiContext;
use shared::domain::TransactionId;
use shared::http::{ApiError, json, page_limit, path_segments};
use shared::http::{api_error, list_body, page_token};
use shared::paging::{Listing, PageSealer};
use shared::store::{TableNames, TransactionRecord, View};

/// The function's state, built once per execution environment.
#[derive(Debug)]
pub struct App {
    ctx: ApiContext,
    pages: PageSealer,
}

impl App {
    /// Tables and authentication from the environment; page tokens sealed by `pages`.
    pub fn from_env(config: &shared::aws::SdkConfig, pages: PageSealer) -> Result<Self, String> {
        Ok(Self {
            ctx: ApiContext::from_env(config)?,
            pages,
        })
    }

    /// An app on explicit tables (tests, local runtime).
    pub fn new(
        auth: Authenticator,
        config: &shared::aws::SdkConfig,
        tables: &TableNames,
        pages: PageSealer,
    ) -> Self {
        Self {
            ctx: ApiContext::new(auth, config, tables),
            pages,
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
        if !matches!(segments.as_slice(), ["transactions"] | ["transactions", _]) {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "No such route.",
            ));
        }
        if request.method() != Method::GET {
            return Err(ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "Method not allowed on this route.",
            ));
        }
        let identity = self.ctx.auth.identify(request).await?;
        match segments.as_slice() {
            ["transactions", id] => self.get(id, &identity).await,
            _ => self.list(request, &identity).await,
        }
    }

    async fn list(
        &self,
        request: &Request,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let limit = page_limit(request)?;
        let pages = self
            .pages
            .bind(&identity.user_id, Listing::UserTransactions);
        let token = page_token(request, &pages)?;
        let page = self
            .ctx
            .transactions
            .list_by_user(&identity.user_id, limit, token.as_ref())
            .await
            .map_err(|e| api_error("Query transactions", &e))?;
        Ok(json(
            StatusCode::OK,
            &list_body(&page, &pages, |record| {
                shared::views::transaction(record, View::Source)
            })?,
        ))
    }

    async fn get(&self, id: &str, identity: &Identity) -> Result<Response<Body>, ApiError> {
        let Ok(id) = TransactionId::parse(id) else {
            return Err(ApiError::not_found("Transaction"));
        };
        let record = self
            .ctx
            .transactions
            .get_by_id(&id.to_string())
            .await
            .map_err(|e| api_error("Query transaction", &e))?
            .ok_or_else(|| ApiError::not_found("Transaction"))?;
        let view = self
            .view_of(&record, identity)
            .await?
            .ok_or_else(|| ApiError::not_found("Transaction"))?;
        Ok(json(
            StatusCode::OK,
            &shared::views::transaction(&record, view),
        ))
    }

    /// How `identity` may see `record`, if at all: its recorder and operators in
    /// full, the holder of an adjusted account without the operator's key, a
    /// transfer's receiver once it COMPLETED.
    async fn view_of(
        &self,
        record: &TransactionRecord,
        identity: &Identity,
    ) -> Result<Option<View>, ApiError> {
        if let Some(view) = record.recorded_view(&identity.user_id, identity.is_admin()) {
            return Ok(Some(view));
        }
        let Some(to) = record.kind.destination() else {
            return Ok(None);
        };
        if !record.visible_to_receiver() {
            return Ok(None);
        }
        let owned = self
            .ctx
            .accounts
            .get_owned(&to, &identity.user_id)
            .await
            .map_err(|e| api_error("GetItem account", &e))?;
        Ok(owned.map(|_| View::Destination))
    }
}
