//! accounts: open an account, list and read the caller's accounts, and an account's
//! history; close, freeze and unfreeze it (see [`lifecycle`]). Anything the caller may
//! not see answers 404.

mod lifecycle;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::app::PeriodQuery;
use shared::auth::{Authenticator, Identity};
use shared::context::ApiContext;
use shared::domain::lifecycle::Lifecycle;
use shared::http::{
    ApiError, created_headers, json, json_with_headers, listed_body, page_limit, path_segments,
    query_param,
};
use shared::paging::PageSealer;
use shared::store::TableNames;

pub use shared::app::input::{DEFAULT_NAME, MAX_NAME_CHARS};

/// `POST /accounts` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OpenAccount {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    currency: Option<String>,
}

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
        let method = request.method().clone();
        let allowed = match segments.as_slice() {
            ["accounts"] => [Method::GET, Method::POST].contains(&method),
            ["accounts", _] | ["accounts", _, "transactions" | "balance"] => method == Method::GET,
            ["accounts", _, "close" | "freeze" | "unfreeze"] => method == Method::POST,
            _ => {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    "No such route.",
                ));
            }
        };
        if !allowed {
            return Err(ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "Method not allowed on this route.",
            ));
        }
        let identity = self.ctx.auth.identify(request).await?;
        match (segments.as_slice(), method == Method::POST) {
            (["accounts"], true) => self.open(request, &identity).await,
            (["accounts"], false) => self.list(request, &identity).await,
            (["accounts", id], _) => self.get(id, &identity).await,
            (["accounts", id, "transactions"], _) => self.history(request, id, &identity).await,
            (["accounts", id, "balance"], _) => self.balance(request, id, &identity).await,
            (["accounts", id, "close"], _) => {
                self.change_status(request, id, Lifecycle::Close, &identity)
                    .await
            }
            (["accounts", id, "freeze"], _) => {
                self.change_status(request, id, Lifecycle::Freeze, &identity)
                    .await
            }
            (["accounts", id, "unfreeze"], _) => {
                self.change_status(request, id, Lifecycle::Unfreeze, &identity)
                    .await
            }
            _ => Err(ApiError::not_found("Route")),
        }
    }

    async fn open(
        &self,
        request: &Request,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let body: OpenAccount = shared::http::optional_json_body(request)?;
        let key = shared::http::optional_idempotency_key(request)?;
        let (account, replayed) = self
            .ctx
            .bank
            .open_account(
                &identity.caller(),
                body.name.as_deref(),
                body.currency.as_deref(),
                key.as_ref(),
            )
            .await?;
        let location = format!("/accounts/{}", account.account_id);
        Ok(json_with_headers(
            StatusCode::CREATED,
            &shared::views::account(&account),
            &created_headers(location, replayed),
        ))
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
            .list_accounts(&identity.caller(), &self.pages, limit, token.as_deref())
            .await?;
        Ok(json(
            StatusCode::OK,
            &listed_body(&listed, shared::views::account),
        ))
    }

    async fn get(&self, id: &str, identity: &Identity) -> Result<Response<Body>, ApiError> {
        let account = self.ctx.bank.account(&identity.caller(), id).await?;
        Ok(json(StatusCode::OK, &shared::views::account(&account)))
    }

    async fn history(
        &self,
        request: &Request,
        id: &str,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let limit = page_limit(request)?;
        let token = query_param(request, "nextToken");
        let (from, to) = (query_param(request, "from"), query_param(request, "to"));
        let period = PeriodQuery {
            from: from.as_deref(),
            to: to.as_deref(),
        };
        let caller = identity.caller();
        let bank = &self.ctx.bank;
        let listed = if period.is_set() {
            bank.period_history(&caller, &self.pages, id, period, limit, token.as_deref())
                .await?
        } else {
            bank.history(&caller, &self.pages, id, limit, token.as_deref())
                .await?
        };
        Ok(json(
            StatusCode::OK,
            &listed_body(&listed, |(entry, view)| {
                shared::views::history_entry(entry, *view)
            }),
        ))
    }

    /// `GET /accounts/{id}/balance?at=`: the balance after every entry settled at or
    /// before `at` (now when absent).
    async fn balance(
        &self,
        request: &Request,
        id: &str,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let at = query_param(request, "at");
        let balance = self
            .ctx
            .bank
            .balance_at(&identity.caller(), id, at.as_deref())
            .await?;
        Ok(json(StatusCode::OK, &shared::views::balance_at(&balance)))
    }
}
