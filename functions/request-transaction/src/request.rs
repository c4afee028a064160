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
    }
    .validate()?)
}
