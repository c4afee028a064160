//! accounts: open an account, list and read the caller's accounts, and an account's
//! history; close, freeze and unfreeze it (see [`lifecycle`]). Anything the caller may
//! not see answers 404.

mod lifecycle;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::auth::{Authenticator, Identity};
use shared::clock::Timestamp;
use shared::context::ApiContext;
use shared::domain::lifecycle::Lifecycle;
use shared::domain::{AccountId, Currency, DEFAULT_CURRENCY};
use shared::http::{ApiError, created_headers, json, json_with_headers, page_limit, path_segments};
use shared::http::{api_error, list_body, page_token};
use shared::paging::{Listing, PageSealer};
use shared::store::{Account, HistoryEntry, Opened, TableNames, View};

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
        let key = shared::http::optional_idempotency_key(request)?;
        let now = Timestamp::now();
        let account = match &key {
            Some(key) => Account::open_with_key(&identity.user_id, key, &name, currency, &now),
            None => Account::open(&identity.user_id, &name, currency, &now),
        };
        let opened = self
            .ctx
            .accounts
            .create(&account)
            .await
            .map_err(|e| api_error("PutItem account", &e))?;
        let (account, replayed) = match opened {
            Opened::Created => {
                tracing::info!(account_id = %account.account_id, currency = currency.as_str(), "account opened");
                (account, false)
            }
            Opened::Exists(existing) => {
                // Its id comes from this caller and key: only this caller's earlier
                // request can have made it.
                if existing.owner_id != identity.user_id
                    || existing.request_hash != account.request_hash
                {
                    tracing::info!(account_id = %existing.account_id, "idempotency key reused with another account request");
                    return Err(ApiError::idempotency_key_reused(
                        "This Idempotency-Key was already used to open an account with another name or currency; use a new key for a new account.",
                    ));
                }
                tracing::info!(account_id = %existing.account_id, "idempotent replay");
                (existing.as_opened(), true)
            }
        };
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
            &list_body(&page, &pages, shared::views::account)?,
        ))
    }

    async fn get(&self, id: &str, identity: &Identity) -> Result<Response<Body>, ApiError> {
        let account = self.owned(id, identity).await?;
        Ok(json(StatusCode::OK, &shared::views::account(&account)))
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
            &list_body(&page, &pages, |(entry, view)| match entry {
                HistoryEntry::Transaction(record) => {
                    shared::views::transaction(record, history_view(record, *view, identity))
                }
                HistoryEntry::StatusChange(change) => shared::views::status_change(change),
            })?,
        ))
    }

    /// The caller's account (any account for an operator, who audits), or 404
    /// (malformed id, missing, or someone else's).
    async fn owned(&self, id: &str, identity: &Identity) -> Result<Account, ApiError> {
        let Ok(id) = AccountId::parse(id) else {
            return Err(ApiError::not_found("Account"));
        };
        self.ctx
            .accounts
            .get(&id)
            .await
            .map_err(|e| api_error("GetItem account", &e))?
            .filter(|account| account.owner_id == identity.user_id || identity.is_admin())
            .ok_or_else(|| ApiError::not_found("Account"))
    }
}

/// How an entry of an account's history is shown to `identity` (its owner or an
/// operator): a transaction recorded on the account by the rule of
/// [`shared::store::TransactionRecord::recorded_view`] (the owner is the holder when
/// someone else recorded it), a received transfer from the receiver's side.
fn history_view(
    record: &shared::store::TransactionRecord,
    listed: View,
    identity: &Identity,
) -> View {
    match listed {
        View::Source | View::Holder => record
            .recorded_view(&identity.user_id, identity.is_admin())
            .unwrap_or(View::Holder),
        View::Destination => View::Destination,
    }
}

/// An account name, shown to its owner and to operators auditing it: checked by
/// [`shared::domain::text`] like every free text (no control or bidi characters).
fn validate_name(name: Option<String>) -> Result<String, ApiError> {
    let Some(name) = name else {
        return Ok(DEFAULT_NAME.to_owned());
    };
    shared::domain::text::checked(&name, MAX_NAME_CHARS).map_err(|error| match error {
        shared::domain::text::TextError::Empty | shared::domain::text::TextError::TooLong(_) => {
            ApiError::validation(
                "name",
                format!("name must be 1 to {MAX_NAME_CHARS} characters."),
            )
        }
        other => ApiError::validation("name", format!("name {other}.")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_defaulted_and_refused_when_it_could_mislead() {
        assert_eq!(validate_name(None).ok().as_deref(), Some(DEFAULT_NAME));
        assert_eq!(
            validate_name(Some("  Savings ".to_owned())).ok().as_deref(),
            Some("Savings")
        );
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        for bad in ["", "   ", "a\u{7}b", "pay\u{202E}lah", long.as_str()] {
            let error = validate_name(Some(bad.to_owned())).err();
            assert_eq!(error.map(|e| e.code()), Some("VALIDATION_ERROR"), "{bad:?}");
        }
    }
}
