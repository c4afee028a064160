//! The REST body of `POST /transactions`, read strictly and handed to the application's
//! one validation ([`shared::app::TransactionInput`]).

use lambda_http::Request;
use serde::Deserialize;
use serde_json::value::RawValue;
use shared::app::TransactionInput;
use shared::http::{ApiError, json_body};

pub use shared::app::TransactionRequest;

/// The JSON body as sent. `amount` is kept as its raw JSON text so that it is parsed
/// exactly (never through `f64`), whether sent as a number or as a string.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Body {
    account_id: String,
    amount: Box<RawValue>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    to_account_id: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
}

/// The body of `POST /transactions/{id}/capture`: `{}` or `{"amount": ...}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CaptureBody {
    #[serde(default)]
    amount: Option<Box<RawValue>>,
}

/// The body of `POST /transactions/{id}/void`: `{}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VoidBody {}

/// The body of `POST /transactions/{id}/reverse`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ReverseBody {
    #[serde(default)]
    amount: Option<Box<RawValue>>,
    description: String,
}

/// What a request on a transaction asks (the path's `{transactionId}` and its body).
#[derive(Debug)]
pub enum Action {
    /// Capture the hold `id`, all of it or `amount` (its raw JSON text).
    Capture { id: String, amount: Option<String> },
    /// Void the hold `id`.
    Void { id: String },
    /// Reverse transaction `id`, all that is left or `amount`, saying why.
    Reverse {
        id: String,
        amount: Option<String>,
        description: String,
    },
}

/// The action of a `POST /transactions/{id}/<action>` request, `None` for any other
/// path.
pub fn parse_action(request: &Request) -> Result<Option<Action>, ApiError> {
    let path = request.uri().path().trim_end_matches('/').to_owned();
    let Some(id) = shared::http::path_param(request, "transactionId") else {
        return Ok(None);
    };
    let raw = |amount: Option<Box<RawValue>>| amount.map(|a| a.get().to_owned());
    if path.ends_with("/capture") {
        let body: CaptureBody = optional_body(request)?;
        Ok(Some(Action::Capture {
            id,
            amount: raw(body.amount),
        }))
    } else if path.ends_with("/void") {
        let _: VoidBody = optional_body(request)?;
        Ok(Some(Action::Void { id }))
    } else if path.ends_with("/reverse") {
        let body: ReverseBody = json_body(request)?;
        Ok(Some(Action::Reverse {
            id,
            amount: raw(body.amount),
            description: body.description,
        }))
    } else {
        // A transaction path this function does not serve: never a new transaction.
        Err(ApiError::not_found("Route"))
    }
}

/// A body that may be left out (empty means `{}`).
fn optional_body<T: serde::de::DeserializeOwned + Default>(
    request: &Request,
) -> Result<T, ApiError> {
    if request.body().as_ref().iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    json_body(request)
}

/// Parses and validates the body.
pub fn parse_request(request: &Request) -> Result<TransactionRequest, ApiError> {
    let body: Body = json_body(request)?;
    Ok(TransactionInput {
        account_id: &body.account_id,
        kind: &body.kind,
        amount_json: body.amount.get(),
        to_account_id: body.to_account_id.as_deref(),
        description: body.description.as_deref(),
        expires_at: body.expires_at.as_deref(),
    }
    .validate()?)
}
