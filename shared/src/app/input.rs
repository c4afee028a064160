//! What clients send, checked once for every edge: a transaction to record, an
//! account to open, a reason for a status change. Every error names its field.

use crate::clock::Timestamp;
use crate::domain::text::{self, TextError};
use crate::domain::{
    AccountId, Currency, DEFAULT_CURRENCY, KindError, TransactionKind, TransactionType,
};

use super::AppError;

/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 256;
/// Longest account name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Name of an account opened without one.
pub const DEFAULT_NAME: &str = "Main account";

/// A transaction as a client sent it (a REST body, a GraphQL input).
#[derive(Debug, Clone, Copy)]
pub struct TransactionInput<'a> {
    pub account_id: &'a str,
    /// The type, in any letter case.
    pub kind: &'a str,
    /// The amount as its raw JSON text (`150.75` or `"150.75"`), parsed exactly,
    /// never through `f64`.
    pub amount_json: &'a str,
    pub to_account_id: Option<&'a str>,
    pub description: Option<&'a str>,
    /// A HOLD's end, RFC 3339 (default [`DEFAULT_HOLD_DAYS`] from now).
    pub expires_at: Option<&'a str>,
}

/// How long a hold lasts when `expiresAt` is not given.
pub const DEFAULT_HOLD_DAYS: i64 = 7;
/// The longest a hold may last.
pub const MAX_HOLD_DAYS: i64 = 30;

/// A validated request to record a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionRequest {
    pub account_id: AccountId,
    pub kind: TransactionKind,
    pub description: Option<String>,
    /// A HOLD's `expiresAt` as the client gave it (normalised to UTC microseconds);
    /// `None`: the default, decided when it is recorded.
    pub expires_at: Option<Timestamp>,
}

impl TransactionInput<'_> {
    /// The request, if every field is valid.
    pub fn validate(self) -> Result<TransactionRequest, AppError> {
        let account_id = AccountId::parse(self.account_id)
            .map_err(|_| AppError::validation("accountId", "accountId must be a UUID."))?;
        let kind_type = self.kind.parse().map_err(|_| {
            AppError::validation(
                "type",
                "type must be one of DEPOSIT, WITHDRAWAL, TRANSFER, ADJUSTMENT, HOLD.",
            )
        })?;
        let to = self
            .to_account_id
            .map(AccountId::parse)
            .transpose()
            .map_err(|_| AppError::validation("toAccountId", "toAccountId must be a UUID."))?;
        let kind = TransactionKind::from_request(kind_type, self.amount_json, &account_id, to)
            .map_err(kind_error)?;
        let description = self.description.map(description).transpose()?.flatten();
        let expires_at = match (kind, self.expires_at) {
            (TransactionKind::Hold { .. }, Some(at)) => Some(hold_expiry(at, &Timestamp::now())?),
            (TransactionKind::Hold { .. }, None) => None,
            (_, Some(_)) => {
                return Err(AppError::validation(
                    "expiresAt",
                    "expiresAt is only allowed for a HOLD.",
                ));
            }
            (_, None) => None,
        };
        Ok(TransactionRequest {
            account_id,
            kind,
            description,
            expires_at,
        })
    }
}

/// A hold's `expiresAt` as given (`text`), checked against `now`: after it, at most
/// [`MAX_HOLD_DAYS`] later; normalised to UTC with microseconds.
pub fn hold_expiry(text: &str, now: &Timestamp) -> Result<Timestamp, AppError> {
    let at = Timestamp::parse(text).map_err(|_| {
        AppError::validation(
            "expiresAt",
            "expiresAt must be an RFC 3339 date-time, such as 2026-12-08T09:00:00Z.",
        )
    })?;
    let (at, now) = (at.instant(), now.instant());
    if at <= now || at > now + chrono::Duration::days(MAX_HOLD_DAYS) {
        return Err(AppError::validation(
            "expiresAt",
            format!("expiresAt must be in the future and at most {MAX_HOLD_DAYS} days away."),
        ));
    }
    Timestamp::parse(&crate::clock::format_rfc3339(at)).map_err(|_| AppError::internal())
}

/// When a hold recorded at `now` without `expiresAt` ends.
pub fn default_hold_expiry(now: &Timestamp) -> Option<Timestamp> {
    let at = now.instant() + chrono::Duration::days(DEFAULT_HOLD_DAYS);
    Timestamp::parse(&crate::clock::format_rfc3339(at)).ok()
}

impl TransactionRequest {
    /// SHA-256 of the canonical request: two inputs that mean the same transaction
    /// (`150.75` and `"150.750"`, `deposit` and `DEPOSIT`) have the same fingerprint.
    pub fn fingerprint(&self) -> String {
        let mut canonical = serde_json::json!({
            "accountId": self.account_id.to_string(),
            "type": self.kind.transaction_type().as_str(),
            "amount": self.kind.amount_text(),
            "toAccountId": self.kind.destination().map(|a| a.to_string()),
            "description": self.description,
        });
        // Only when given: the fingerprints of every other request stay as they were.
        if let (Some(at), Some(fields)) = (&self.expires_at, canonical.as_object_mut()) {
            fields.insert("expiresAt".to_owned(), serde_json::json!(at));
        }
        crate::domain::ids::request_fingerprint(&canonical)
    }
}

fn kind_error(error: KindError) -> AppError {
    match error {
        KindError::Amount(amount) => amount_error(amount),
        KindError::SameAccount => {
            AppError::validation("toAccountId", "toAccountId must differ from accountId.")
        }
        KindError::MissingDestination => {
            AppError::validation("toAccountId", "toAccountId is required for a TRANSFER.")
        }
        KindError::UnexpectedDestination => {
            AppError::validation("toAccountId", "toAccountId is only allowed for a TRANSFER.")
        }
        KindError::OwnRoute(own) => AppError::validation("type", own_route(own)),
        KindError::MissingLink(_) => AppError::validation(
            "type",
            "type must be one of DEPOSIT, WITHDRAWAL, TRANSFER, ADJUSTMENT, HOLD.",
        ),
    }
}

/// Where a type recorded through its own route is recorded.
fn own_route(kind: TransactionType) -> &'static str {
    match kind {
        TransactionType::Capture => {
            "A CAPTURE is recorded with POST /transactions/{holdId}/capture."
        }
        TransactionType::Void => "A VOID is recorded with POST /transactions/{holdId}/void.",
        TransactionType::Reversal => {
            "A REVERSAL is recorded with POST /transactions/{transactionId}/reverse."
        }
        _ => "An EXPIRY is recorded by the ledger when a hold's expiresAt passes.",
    }
}

/// A positive `amount` from its raw JSON text (a capture's, a reversal's).
pub fn amount(raw: &str) -> Result<crate::domain::Money, AppError> {
    crate::domain::Money::parse_json(raw).map_err(amount_error)
}

/// An amount's refusal, naming the field, with its `AMOUNT_*` code as the reason.
fn amount_error(error: crate::domain::AmountError) -> AppError {
    AppError::validation("amount", sentence(&error.to_string())).with_reason(error.code())
}

/// A description someone else may read (a transfer's receiver, the holder of an
/// adjusted account): checked by [`crate::domain::text`]; blank means none.
fn description(text: &str) -> Result<Option<String>, AppError> {
    match text::checked(text, MAX_DESCRIPTION_CHARS) {
        Ok(text) => Ok(Some(text)),
        Err(TextError::Empty) => Ok(None),
        Err(error) => Err(AppError::validation(
            "description",
            format!("description {error}."),
        )),
    }
}

/// The description an operator's `kind` (ADJUSTMENT, REVERSAL) must give: why.
pub fn required_description(text: Option<&str>, kind: &str) -> Result<String, AppError> {
    text.map(description).transpose()?.flatten().ok_or_else(|| {
        AppError::validation(
            "description",
            format!("description is required for a {kind}: say why."),
        )
    })
}

/// An account name, shown to its owner and to operators auditing it: checked like
/// every free text (no control or bidi characters); [`DEFAULT_NAME`] when absent.
pub fn account_name(name: Option<&str>) -> Result<String, AppError> {
    let Some(name) = name else {
        return Ok(DEFAULT_NAME.to_owned());
    };
    text::checked(name, MAX_NAME_CHARS).map_err(|error| match error {
        TextError::Empty | TextError::TooLong(_) => AppError::validation(
            "name",
            format!("name must be 1 to {MAX_NAME_CHARS} characters."),
        ),
        other => AppError::validation("name", format!("name {other}.")),
    })
}

/// An account's currency: ISO 4217, [`DEFAULT_CURRENCY`] when absent.
pub fn currency(code: Option<&str>) -> Result<Currency, AppError> {
    code.map_or(Ok(DEFAULT_CURRENCY), |code| {
        Currency::parse(code).map_err(|_| {
            AppError::validation(
                "currency",
                "currency must be a 3-letter ISO 4217 code, such as USD.",
            )
        })
    })
}

/// The reason for a status change: `required` of operators, optional for an owner
/// closing; blank means none.
pub fn status_reason(reason: Option<&str>, required: bool) -> Result<Option<String>, AppError> {
    let reason = match reason.map(|r| text::checked(r, crate::domain::lifecycle::MAX_REASON_CHARS))
    {
        None | Some(Err(TextError::Empty)) => None,
        Some(Ok(reason)) => Some(reason),
        Some(Err(error)) => {
            return Err(AppError::validation("reason", format!("reason {error}.")));
        }
    };
    if required && reason.is_none() {
        return Err(AppError::validation(
            "reason",
            "reason is required: say why the account is frozen or unfrozen.",
        ));
    }
    Ok(reason)
}

/// `message` with a capital first letter and a final full stop.
fn sentence(message: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(kind: &'a str, amount: &'a str, to: Option<&'a str>) -> TransactionInput<'a> {
        TransactionInput {
            account_id: "11111111-2222-4333-8444-555555555555",
            kind,
            amount_json: amount,
            to_account_id: to,
            description: Some("  rent  "),
            expires_at: None,
        }
    }

    #[test]
    fn the_same_transaction_written_two_ways_has_one_fingerprint() {
        let a = input("deposit", "150.75", None).validate();
        let b = input("DEPOSIT", "\"150.750\"", None).validate();
        let (a, b) = (
            a.unwrap_or_else(|e| panic!("{e}")),
            b.unwrap_or_else(|e| panic!("{e}")),
        );
        assert_eq!(a.description.as_deref(), Some("rent"));
        assert_eq!(a.fingerprint(), b.fingerprint());
        let other = input("WITHDRAWAL", "150.75", None).validate();
        assert_ne!(other.map(|o| o.fingerprint()).ok(), Some(a.fingerprint()));
    }

    #[test]
    fn every_refusal_names_its_field() {
        let cases = [
            (input("PAYMENT", "1", None), "type"),
            (input("DEPOSIT", "1.001", None), "amount"),
            (
                input("DEPOSIT", "1", Some("11111111-2222-4333-8444-555555555556")),
                "toAccountId",
            ),
            (input("TRANSFER", "1", None), "toAccountId"),
            (
                input(
                    "TRANSFER",
                    "1",
                    Some("11111111-2222-4333-8444-555555555555"),
                ),
                "toAccountId",
            ),
            (input("TRANSFER", "1", Some("nope")), "toAccountId"),
            (
                TransactionInput {
                    account_id: "x",
                    ..input("DEPOSIT", "1", None)
                },
                "accountId",
            ),
            (
                TransactionInput {
                    description: Some("a\u{202E}b"),
                    ..input("DEPOSIT", "1", None)
                },
                "description",
            ),
        ];
        for (given, field) in cases {
            let error = given.validate().err();
            assert_eq!(
                error.as_ref().and_then(|e| e.field),
                Some(field),
                "{given:?}"
            );
        }
        let precise = input("DEPOSIT", "1.001", None).validate().err();
        assert!(precise.is_some_and(|e| e.reason.is_some() && e.message.ends_with('.')));
    }

    #[test]
    fn names_currencies_and_reasons_follow_one_rule() {
        assert_eq!(account_name(None).ok().as_deref(), Some(DEFAULT_NAME));
        assert_eq!(
            account_name(Some(" Savings ")).ok().as_deref(),
            Some("Savings")
        );
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        for bad in ["", "   ", "a\u{7}b", "pay\u{202E}lah", long.as_str()] {
            assert_eq!(
                account_name(Some(bad)).err().and_then(|e| e.field),
                Some("name")
            );
        }
        assert_eq!(currency(None), Ok(DEFAULT_CURRENCY));
        assert_eq!(
            currency(Some("US")).err().and_then(|e| e.field),
            Some("currency")
        );
        assert_eq!(status_reason(Some("  "), false), Ok(None));
        assert_eq!(
            status_reason(None, true).err().and_then(|e| e.field),
            Some("reason")
        );
        assert_eq!(
            status_reason(Some(" fraud "), true),
            Ok(Some("fraud".to_owned()))
        );
    }
}
