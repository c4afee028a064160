//! accounts: open an account, list and read the caller's accounts, and an account's
//! transaction history. Anything the caller does not own answers 404.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::auth::{Authenticator, Identity};
use shared::clock::now_rfc3339;
use shared::context::ApiContext;
use shared::domain::{AccountId, Currency, DEFAULT_CURRENCY};
use shared::http::{ApiError, json, json_with_headers, page_limit, path_segments};
use shared::paging::{Listing, PageSealer};
use shared::store::{Account, TableNames, api_error, list_body, page_token};

/// Longest account name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Name of an account opened without one.
pub const DEFAULT_NAME: &str = "Main account";

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
            ["accounts", _] | ["accounts", _, "transactions"] => method == Method::GET,
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
            _ => Err(ApiError::not_found("Route")),
        }
    }

    async fn open(
        &self,
        request: &Request,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let body: OpenAccount = if shared::http::body_bytes(request)?
            .iter()
            .all(u8::is_ascii_whitespace)
        {
            OpenAccount::default()
        } else {
            shared::http::json_body(request)?
        };
        let name = validate_name(body.name)?;
        let currency = match body.currency {
            None => DEFAULT_CURRENCY,
            Some(code) => Currency::parse(&code).map_err(|_| {
                ApiError::validation(
                    "currency",
                    "currency must be a 3-letter ISO 4217 code, such as USD.",
                )
            })?,
        };
        let account = Account::open(&identity.user_id, &name, currency, &now_rfc3339());
        self.ctx
            .accounts
            .create(&account)
            .await
            .map_err(|e| api_error("PutItem account", &e))?;
        tracing::info!(account_id = %account.account_id, currency = currency.as_str(), "account opened");
        let location = format!("/accounts/{}", account.account_id);
        Ok(json_with_headers(
            StatusCode::CREATED,
            &account.to_json(),
            &[("Location", location)],
        ))
    }

    async fn list(
        &self,
        request: &Request,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let limit = page_limit(request)?;
        let pages = self.pages.bind(&identity.user_id, Listing::Accounts);
        let token = page_token(request, &pages)?;
        let page = self
            .ctx
            .accounts
            .list_by_owner(&identity.user_id, limit, token.as_ref())
            .await
            .map_err(|e| api_error("Query accounts", &e))?;
        Ok(json(
            StatusCode::OK,
            &list_body(&page, &pages, Account::to_json)?,
        ))
    }

    async fn get(&self, id: &str, identity: &Identity) -> Result<Response<Body>, ApiError> {
        let account = self.owned(id, identity).await?;
        Ok(json(StatusCode::OK, &account.to_json()))
    }

    async fn history(
        &self,
        request: &Request,
        id: &str,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let limit = page_limit(request)?;
        let pages = self
            .pages
            .bind(&identity.user_id, Listing::AccountHistory(id));
        let token = page_token(request, &pages)?;
        let account = self.owned(id, identity).await?;
        let page = self
            .ctx
            .transactions
            .account_history(&account.account_id.to_string(), limit, token.as_ref())
            .await
            .map_err(|e| api_error("Query history", &e))?;
        Ok(json(
            StatusCode::OK,
            &list_body(&page, &pages, |(record, view)| record.to_json(*view))?,
        ))
    }

    /// The caller's account, or 404 (malformed id, missing, or someone else's).
    async fn owned(&self, id: &str, identity: &Identity) -> Result<Account, ApiError> {
        let Ok(id) = AccountId::parse(id) else {
            return Err(ApiError::not_found("Account"));
        };
        self.ctx
            .accounts
            .get_owned(&id, &identity.user_id)
            .await
            .map_err(|e| api_error("GetItem account", &e))?
            .ok_or_else(|| ApiError::not_found("Account"))
    }
}

fn validate_name(name: Option<String>) -> Result<String, ApiError> {
    let Some(name) = name else {
        return Ok(DEFAULT_NAME.to_owned());
    };
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::validation(
            "name",
            format!("name must be 1 to {MAX_NAME_CHARS} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::validation(
            "name",
            "name must not contain control characters.",
        ));
    }
    Ok(name)
}
