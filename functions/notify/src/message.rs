//! Reading an SQS body into its [`Notification`]s (about a transaction or an account's
//! status change), with the checks that make them safe to act on. A body is a
//! [`NotificationBatch`] (what process-transactions sends) or one bare notification
//! (earlier producers, hand-made replays). A body that fails the checks is malformed as
//! a whole: retrying cannot fix it.
//!
//! Errors describe *where* a body is wrong, never its content (it names a holder).

use serde::Deserialize;
use shared::domain::lifecycle::MAX_REASON_CHARS;
use shared::domain::{TransactionStatus, text};
use shared::notification::{
    Notification, NotificationBatch, NotificationMessage, StatusNotification,
};

/// Why a body cannot be acted on. `Display` carries no part of the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    /// The SQS record has no body.
    #[error("the message has no body")]
    NoBody,
    /// Not JSON, or not the notification shape.
    #[error("{category} error at line {line}, column {column}")]
    Json {
        category: &'static str,
        line: usize,
        column: usize,
    },
    /// Well-formed JSON with a value notify refuses.
    #[error("{field} {problem}")]
    Invalid {
        field: &'static str,
        problem: &'static str,
    },
}

/// The two shapes of a body.
#[derive(Deserialize)]
#[serde(untagged)]
enum Body {
    Batch(NotificationBatch),
    One(Box<Notification>),
}

/// Parses and checks `body`: its notifications, in order, at least one.
pub fn parse(body: Option<&str>) -> Result<Vec<Notification>, Malformed> {
    let body = body.ok_or(Malformed::NoBody)?;
    let body: Body = serde_json::from_str(body).map_err(|e| Malformed::Json {
        category: match e.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "end of input",
        },
        line: e.line(),
        column: e.column(),
    })?;
    let messages = match body {
        Body::Batch(batch) => batch.notifications,
        Body::One(message) => vec![*message],
    };
    if messages.is_empty() {
        return Err(invalid("notifications", "is empty"));
    }
    messages.iter().try_for_each(check)?;
    Ok(messages)
}

fn invalid(field: &'static str, problem: &'static str) -> Malformed {
    Malformed::Invalid { field, problem }
}

fn check(notification: &Notification) -> Result<(), Malformed> {
    // The holder id goes into a Cognito filter expression: only a UUID is accepted.
    if uuid::Uuid::try_parse(notification.holder_id()).is_err() {
        return Err(invalid("holderId", "is not a UUID"));
    }
    match notification {
        Notification::Transaction(message) => check_transaction(message),
        Notification::Status(change) => check_status(change),
    }
}

fn check_status(change: &StatusNotification) -> Result<(), Malformed> {
    if change.from_status == change.to_status {
        return Err(invalid("toStatus", "is the same as fromStatus"));
    }
    // Shown in the holder's email as written: refused unless it passes the rule the
    // API applied when the operator gave it.
    match &change.reason {
        Some(reason) if text::checked(reason, MAX_REASON_CHARS).as_ref() != Ok(reason) => {
            Err(invalid("reason", "is not a displayable reason"))
        }
        _ => Ok(()),
    }
}

fn check_transaction(message: &NotificationMessage) -> Result<(), Malformed> {
    if message.status == TransactionStatus::Pending {
        return Err(invalid("status", "must not be PENDING"));
    }
    if !is_decimal(&message.amount) {
        return Err(invalid("amount", "is not a decimal number"));
    }
    if message
        .balance_after
        .as_deref()
        .is_some_and(|b| !is_decimal(b))
    {
        return Err(invalid("balanceAfter", "is not a decimal number"));
    }
    if message
        .held_after
        .as_deref()
        .is_some_and(|h| !is_decimal(h))
    {
        return Err(invalid("heldAfter", "is not a decimal number"));
    }
    Ok(())
}

/// `-?digits(.digits)?`, the exact decimal text the producer writes.
fn is_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"{"transactionId":"3f2c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47",
        "accountId":"11111111-2222-4333-8444-555555555555",
        "holderId":"7d3e1b2a-0000-4000-8000-000000000001","role":"SOURCE","type":"DEPOSIT",
        "amount":"150.75","currency":"USD","status":"COMPLETED","balanceAfter":"300.75",
        "createdAt":"2026-11-25T09:20:59.000000Z","processedAt":"2026-11-25T09:21:00.000000Z"}"#;

    #[test]
    fn a_producer_message_is_accepted() {
        let messages = parse(Some(VALID)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(messages.len(), 1);
        assert!(matches!(&messages[0], Notification::Transaction(m) if m.amount == "150.75"));
    }

    #[test]
    fn a_batch_body_yields_its_messages_in_order() {
        let second = VALID.replace("150.75", "9.99");
        let body = format!(r#"{{"notifications":[{VALID},{second}]}}"#);
        let messages = parse(Some(&body)).unwrap_or_else(|e| panic!("{e}"));
        let amounts: Vec<&str> = messages
            .iter()
            .filter_map(|m| match m {
                Notification::Transaction(m) => Some(m.amount.as_str()),
                Notification::Status(_) => None,
            })
            .collect();
        assert_eq!(amounts, ["150.75", "9.99"]);
    }

    const STATUS: &str = r#"{"eventId":"5a1c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47",
        "accountId":"11111111-2222-4333-8444-555555555555",
        "holderId":"7d3e1b2a-0000-4000-8000-000000000001","fromStatus":"OPEN",
        "toStatus":"FROZEN","reason":"Card reported stolen","changedBy":"BANK",
        "changedAt":"2026-11-25T09:21:00.000000Z"}"#;

    #[test]
    fn a_status_change_is_read_beside_transactions_in_one_body() {
        let body = format!(r#"{{"notifications":[{VALID},{STATUS}]}}"#);
        let messages = parse(Some(&body)).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(&messages[0], Notification::Transaction(_)));
        let Notification::Status(change) = &messages[1] else {
            panic!("not a status change: {messages:?}");
        };
        assert_eq!(change.reason.as_deref(), Some("Card reported stolen"));
        assert_eq!(
            messages[1].dedupe_key(),
            "5a1c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47#11111111-2222-4333-8444-555555555555"
        );
        assert!(
            parse(Some(
                &STATUS.replace(r#""reason":"Card reported stolen","#, "")
            ))
            .is_ok()
        );
    }

    #[test]
    fn a_status_change_with_an_unshowable_reason_or_no_change_is_refused() {
        for reason in [r"\u202Egnp.exe", r"line\nbreak", " padded ", ""] {
            let body = STATUS.replace("Card reported stolen", reason);
            assert_eq!(
                parse(Some(&body)),
                Err(invalid("reason", "is not a displayable reason")),
                "{reason}"
            );
        }
        let long = STATUS.replace("Card reported stolen", &"x".repeat(MAX_REASON_CHARS + 1));
        assert!(parse(Some(&long)).is_err());
        let same = STATUS.replace("\"FROZEN\"", "\"OPEN\"");
        assert_eq!(
            parse(Some(&same)),
            Err(invalid("toStatus", "is the same as fromStatus"))
        );
        let holder = STATUS.replace("7d3e1b2a-0000-4000-8000-000000000001", "someone");
        assert_eq!(
            parse(Some(&holder)),
            Err(invalid("holderId", "is not a UUID"))
        );
    }

    #[test]
    fn a_batch_with_one_bad_message_or_none_is_malformed_as_a_whole() {
        let pending = VALID.replace("COMPLETED", "PENDING");
        let body = format!(r#"{{"notifications":[{VALID},{pending}]}}"#);
        assert!(matches!(
            parse(Some(&body)),
            Err(Malformed::Invalid {
                field: "status",
                ..
            })
        ));
        assert_eq!(
            parse(Some(r#"{"notifications":[]}"#)),
            Err(invalid("notifications", "is empty"))
        );
        let extra = format!(r#"{{"notifications":[{VALID}],"x":1}}"#);
        assert!(matches!(
            parse(Some(&extra)),
            Err(Malformed::Json {
                category: "data",
                ..
            })
        ));
    }

    #[test]
    fn the_sample_event_body_is_a_valid_message() {
        let event: aws_lambda_events::event::sqs::SqsEvent =
            serde_json::from_str(include_str!("../../../events/notify-sqs.json"))
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(event.records.len(), 1);
        let record = &event.records[0];
        assert!(parse(record.body.as_deref()).is_ok());
        assert_eq!(record.event_source.as_deref(), Some("aws:sqs"));
    }

    #[test]
    fn the_status_sample_event_body_is_a_valid_status_notification() {
        let event: aws_lambda_events::event::sqs::SqsEvent =
            serde_json::from_str(include_str!("../../../events/notify-sqs-status.json"))
                .unwrap_or_else(|e| panic!("{e}"));
        let parsed = parse(event.records[0].body.as_deref()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(&parsed[..], [Notification::Status(_)]),
            "{parsed:?}"
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_malformed_and_the_error_shows_no_content() {
        let error = parse(Some("alice@example.com")).err();
        assert!(matches!(
            error,
            Some(Malformed::Json {
                category: "syntax",
                ..
            })
        ));
        let shown = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(!shown.contains("alice"), "{shown}");
    }

    #[test]
    fn an_unknown_field_is_malformed_without_echoing_its_value() {
        let body = VALID.replacen('{', r#"{"email":"alice@example.com","#, 1);
        let error = parse(Some(&body))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.starts_with("data error"), "{error}");
        assert!(!error.contains("alice"), "{error}");
    }

    #[test]
    fn a_holder_id_that_is_not_a_uuid_is_refused() {
        let body = VALID.replace(
            "7d3e1b2a-0000-4000-8000-000000000001",
            r#"x\" or sub ^= \""#,
        );
        assert_eq!(
            parse(Some(&body)),
            Err(invalid("holderId", "is not a UUID"))
        );
    }

    #[test]
    fn pending_status_and_non_decimal_amounts_are_refused() {
        let pending = VALID.replace("COMPLETED", "PENDING");
        assert!(matches!(
            parse(Some(&pending)),
            Err(Malformed::Invalid {
                field: "status",
                ..
            })
        ));
        let amount = VALID.replace("\"150.75\"", "\"<b>lots</b>\"");
        assert!(matches!(
            parse(Some(&amount)),
            Err(Malformed::Invalid {
                field: "amount",
                ..
            })
        ));
        assert_eq!(parse(None), Err(Malformed::NoBody));
    }

    #[test]
    fn a_held_amount_is_read_when_decimal_and_refused_otherwise() {
        let held = VALID.replace(
            r#""balanceAfter":"300.75","#,
            r#""balanceAfter":"300.75","heldAfter":"60.00","#,
        );
        let messages = parse(Some(&held)).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(&messages[0], Notification::Transaction(m) if m.held_after.as_deref() == Some("60.00"))
        );
        let bad = held.replace("\"60.00\"", "\"<b>all</b>\"");
        assert!(matches!(
            parse(Some(&bad)),
            Err(Malformed::Invalid {
                field: "heldAfter",
                ..
            })
        ));
        let active = held
            .replace("COMPLETED", "ACTIVE")
            .replace("DEPOSIT", "HOLD");
        assert!(parse(Some(&active)).is_ok());
    }

    #[test]
    fn decimal_text_is_recognised_exactly() {
        for good in ["0", "150.75", "-5.00", "1000000000.00"] {
            assert!(is_decimal(good), "{good}");
        }
        for bad in ["", "-", ".5", "5.", "1e3", "+5", "1,000", " 5", "NaN"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }
}
