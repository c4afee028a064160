//! Closing, freezing and unfreezing an account: `POST /accounts/{id}/close` (its
//! owner, when it is empty), `/freeze` and `/unfreeze` (an operator, with a reason,
//! never on their own account). Each change is written with its history entry in one
//! transaction, conditioned on the status read (and on a zero balance to close).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::auth::Identity;
use shared::clock::Timestamp;
use shared::domain::lifecycle::{Lifecycle, LifecycleError, MAX_REASON_CHARS};
use shared::domain::{AccountId, Balance, TransactionId, text};
use shared::http::api_error;
use shared::http::{ApiError, json};
use shared::store::StatusChange;

use crate::App;

/// Reads of the account before giving up when it keeps changing under the write.
const ATTEMPTS: usize = 3;

/// The body of a status change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    #[serde(default)]
    reason: Option<String>,
}

impl App {
    pub(crate) async fn change_status(
        &self,
        request: &Request,
        id: &str,
        action: Lifecycle,
        identity: &Identity,
    ) -> Result<Response<Body>, ApiError> {
        let by_operator = action != Lifecycle::Close;
        if by_operator && !identity.is_admin() {
            return Err(ApiError::forbidden(
                "Only operators (group admin) may freeze or unfreeze accounts.",
            ));
        }
        let reason = reason(request, by_operator)?;
        let Ok(account_id) = AccountId::parse(id) else {
            return Err(ApiError::not_found("Account"));
        };
        for _ in 0..ATTEMPTS {
            let account = self
                .ctx
                .accounts
                .get(&account_id)
                .await
                .map_err(|e| api_error("GetItem account", &e))?
                // The owner closes; operators see every account.
                .filter(|a| a.owner_id == identity.user_id || by_operator)
                .ok_or_else(|| ApiError::not_found("Account"))?;
            if by_operator && account.owner_id == identity.user_id {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "SEPARATION_OF_DUTIES",
                    "Operators cannot freeze or unfreeze their own accounts: another operator must.",
                ));
            }
            let empty = action != Lifecycle::Close
                || (account.balance == Balance::ZERO
                    && !self
                        .ctx
                        .ledger
                        .has_pending(account.account_id)
                        .await
                        .map_err(|e| api_error("Query pending", &e))?);
            let to = action.next(account.status, empty).map_err(refused)?;
            let now = Timestamp::now();
            let change = StatusChange {
                event_id: TransactionId::new_random(),
                account_id: account.account_id,
                holder_id: account.owner_id.clone(),
                from: account.status,
                to,
                reason: reason.clone(),
                initiated_by: identity.user_id.clone(),
                created_at: now.clone(),
            };
            let written = self
                .ctx
                .ledger
                .change_status(&account, &change)
                .await
                .map_err(|e| api_error("TransactWriteItems status", &e))?;
            if written {
                tracing::info!(account_id = %account.account_id, from = change.from.as_str(), to = to.as_str(), "account status changed");
                let mut changed = account;
                changed.status = to;
                changed.updated_at = now;
                return Ok(json(StatusCode::OK, &shared::views::account(&changed)));
            }
        }
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "ACCOUNT_CHANGED",
            "The account kept changing while its status was being changed; try again.",
        ))
    }
}

/// The `reason`: required of operators, optional for the owner closing.
fn reason(request: &Request, required: bool) -> Result<Option<String>, ApiError> {
    let body: StatusBody = shared::http::optional_json_body(request)?;
    let reason = match body
        .reason
        .as_deref()
        .map(|r| text::checked(r, MAX_REASON_CHARS))
    {
        None | Some(Err(text::TextError::Empty)) => None,
        Some(Ok(reason)) => Some(reason),
        Some(Err(error)) => return Err(ApiError::validation("reason", format!("reason {error}."))),
    };
    if required && reason.is_none() {
        return Err(ApiError::validation(
            "reason",
            "reason is required: say why the account is frozen or unfrozen.",
        ));
    }
    Ok(reason)
}

fn refused(error: LifecycleError) -> ApiError {
    let code = match error {
        LifecycleError::NotOpen(_) => "ACCOUNT_NOT_OPEN",
        LifecycleError::NotFrozen(_) => "ACCOUNT_NOT_FROZEN",
        LifecycleError::NotEmpty => "ACCOUNT_NOT_EMPTY",
    };
    let mut message = error.to_string();
    if let Some(first) = message.get(..1) {
        message = format!("{}{}.", first.to_uppercase(), &message[1..]);
    }
    ApiError::new(StatusCode::CONFLICT, code, message)
}
