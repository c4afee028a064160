//! get-transactions: the caller's transactions, and one transaction by id. A
//! transaction is visible to the user who recorded it and, for a transfer, to the
//! holder of the receiving account; to anyone else it does not exist (404).

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::auth::{Authenticator, Identity};
use shared::context::ApiContext;
use shared::http::{ApiError, json, listed_body, page_limit, path_segments, query_param};
use shared::paging::PageSealer;
use shared::store::{TableNames, View};

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
        let token = query_param(request, "nextToken");
        let listed = self
            .ctx
            .bank
            .list_transactions(&identity.caller(), &self.pages, limit, token.as_deref())
            .await?;
        Ok(json(
            StatusCode::OK,
            &listed_body(&listed, |record| {
                shared::views::transaction(record, View::Source)
            }),
        ))
    }

    async fn get(&self, id: &str, identity: &Identity) -> Result<Response<Body>, ApiError> {
        let (record, view) = self.ctx.bank.transaction(&identity.caller(), id).await?;
        Ok(json(
            StatusCode::OK,
            &shared::views::transaction(&record, view),
        ))
    }
}
