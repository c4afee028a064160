//! Parsing the request at the edge into domain types: every error names its field.

use lambda_http::Request;
use serde::Deserialize;
use serde_json::value::RawValue;
use shared::domain::{AccountId, KindError, TransactionKind, TransactionType};
use shared::http::{ApiError, json_body};

/// Longest accepted description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 256;

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

/// A validated request to record a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionRequest {
    pub account_id: AccountId,
    pub kind: TransactionKind,
    pub description: Option<String>,
}

impl TransactionRequest {
    /// SHA-256 of the canonical request: two bodies that mean the same transaction
    /// (`150.75` and `"150.750"`, `deposit` and `DEPOSIT`) have the same fingerprint.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::json!({
            "accountId": self.account_id.to_string(),
            "type": self.kind.transaction_type().as_str(),
            "amount": self.kind.amount_text(),
            "toAccountId": self.kind.destination().map(|a| a.to_string()),
            "description": self.description,
        });
        shared::domain::ids::request_fingerprint(&canonical)
    }
}

/// Parses and validates the body.
pub fn parse_request(request: &Request) -> Result<TransactionRequest, ApiError> {
    let body: Body = json_body(request)?;
    let account_id = AccountId::parse(&body.account_id)
        .map_err(|_| ApiError::validation("accountId", "accountId must be a UUID."))?;
    let kind_type: TransactionType = body.kind.parse().map_err(|_| {
        ApiError::validation(
            "type",
            "type must be one of DEPOSIT, WITHDRAWAL, TRANSFER, ADJUSTMENT.",
        )
    })?;
    let to = body
        .to_account_id
        .as_deref()
        .map(AccountId::parse)
        .transpose()
        .map_err(|_| ApiError::validation("toAccountId", "toAccountId must be a UUID."))?;
    let kind = TransactionKind::from_request(kind_type, body.amount.get(), &account_id, to)
        .map_err(kind_error)?;
    let description = body
        .description
        .map(validate_description)
        .transpose()?
        .flatten();
    Ok(TransactionRequest {
        account_id,
        kind,
        description,
    })
}

fn kind_error(error: KindError) -> ApiError {
    match error {
        KindError::Amount(amount) => {
            ApiError::validation("amount", capitalise(&amount.to_string()))
                .with("reason", amount.code())
        }
        KindError::SameAccount => {
            ApiError::validation("toAccountId", "toAccountId must differ from accountId.")
        }
        KindError::MissingDestination => {
            ApiError::validation("toAccountId", "toAccountId is required for a TRANSFER.")
        }
        KindError::UnexpectedDestination => {
            ApiError::validation("toAccountId", "toAccountId is only allowed for a TRANSFER.")
        }
    }
}

/// A description someone else may read (a transfer's receiver, the holder of an
/// adjusted account): checked by [`shared::domain::text`]; blank means none.
fn validate_description(text: String) -> Result<Option<String>, ApiError> {
    match shared::domain::text::checked(&text, MAX_DESCRIPTION_CHARS) {
        Ok(text) => Ok(Some(text)),
        Err(shared::domain::text::TextError::Empty) => Ok(None),
        Err(error) => Err(ApiError::validation(
            "description",
            format!("description {error}."),
        )),
    }
}

fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        let mut text: String = first.to_uppercase().collect();
        text.push_str(chars.as_str());
        if !text.ends_with('.') {
            text.push('.');
        }
        text
    })
}
