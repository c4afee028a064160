//! What the holder reads when their account's status changed: frozen or unfrozen by
//! the bank, or closed. The email carries the operator's reason (shown without control
//! or bidi characters); the SMS never carries free text, only the change and a
//! reference, so that it stays one ASCII segment whatever the reason.

use shared::domain::AccountStatus;
use shared::domain::text::displayable;
use shared::notification::{ChangedBy, StatusNotification};

use super::{Email, SMS_ACCOUNT_CHARS, capitalised, letter, reference, tail, time};

/// "frozen", "unfrozen", "closed", "reopened".
fn participle(change: &StatusNotification) -> &'static str {
    match (change.from_status, change.to_status) {
        (_, AccountStatus::Frozen) => "frozen",
        (AccountStatus::Frozen, AccountStatus::Open) => "unfrozen",
        (_, AccountStatus::Closed) => "closed",
        (_, AccountStatus::Open) => "reopened",
    }
}

/// What the new status means for the holder's money.
fn consequence(to: AccountStatus) -> &'static str {
    match to {
        AccountStatus::Frozen => {
            "No money can move from or to it until it is unfrozen. \
             Please contact the bank if you did not expect this."
        }
        AccountStatus::Open => "It can send and receive money again.",
        AccountStatus::Closed => "It can no longer send or receive money.",
    }
}

fn by_whom(changed_by: ChangedBy) -> &'static str {
    match changed_by {
        ChangedBy::Holder => "You",
        ChangedBy::Bank => "The bank",
    }
}

/// The email about `change`.
pub(super) fn email(change: &StatusNotification) -> Email {
    let participle = participle(change);
    let subject = format!("Your account has been {participle}");
    let agent = match change.changed_by {
        ChangedBy::Holder => "at your request",
        ChangedBy::Bank => "by the bank",
    };
    let headline = format!(
        "Your account {} has been {participle} {agent}. {}",
        change.account_id,
        consequence(change.to_status)
    );
    let mut rows = vec![
        ("Account", change.account_id.to_string()),
        (
            "Status",
            capitalised(&change.to_status.as_str().to_lowercase()),
        ),
        (
            "Previous status",
            capitalised(&change.from_status.as_str().to_lowercase()),
        ),
    ];
    if let Some(reason) = &change.reason {
        rows.push(("Reason", displayable(reason)));
    }
    rows.push(("Changed by", by_whom(change.changed_by).to_owned()));
    rows.push(("Reference", change.event_id.to_string()));
    rows.push(("Time", time(&change.changed_at)));
    letter(subject, &headline, &rows)
}

/// The SMS about `change`, e.g. "Your account ending 5555 has been frozen by the bank.
/// Details by email. Ref 5a1c8a4e".
pub(super) fn sms(change: &StatusNotification) -> String {
    let agent = match change.changed_by {
        ChangedBy::Holder => "",
        ChangedBy::Bank => " by the bank",
    };
    format!(
        "Your account ending {} has been {}{agent}. Details by email. Ref {}",
        tail(&change.account_id.to_string(), SMS_ACCOUNT_CHARS),
        participle(change),
        reference(&change.event_id.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::{AccountId, TransactionId};

    fn frozen() -> StatusNotification {
        StatusNotification {
            event_id: TransactionId::from(uuid::Uuid::from_u128(0x5a1c_8a4e << 96)),
            account_id: AccountId::from(uuid::Uuid::from_u128(0x5555)),
            holder_id: shared::domain::UserId::new(uuid::Uuid::from_u128(9).to_string()),
            from_status: AccountStatus::Open,
            to_status: AccountStatus::Frozen,
            reason: Some("Card reported <stolen>".to_owned()),
            changed_by: ChangedBy::Bank,
            changed_at: "2026-11-25T09:21:00.123456Z".to_owned(),
        }
    }

    #[test]
    fn a_freeze_email_says_what_happened_why_who_and_what_it_means() {
        let email = email(&frozen());
        assert_eq!(email.subject, "Your account has been frozen");
        assert!(
            email.text.contains(
                "Your account 00000000-0000-0000-0000-000000005555 has been frozen by the bank. \
                 No money can move"
            ),
            "{}",
            email.text
        );
        for line in [
            "Status: Frozen",
            "Previous status: Open",
            "Reason: Card reported <stolen>",
            "Changed by: The bank",
            "Time: 2026-11-25 09:21:00 UTC",
        ] {
            assert!(email.text.contains(line), "{line} in {}", email.text);
        }
        assert!(email.html.contains("Card reported &lt;stolen&gt;"));
        assert!(!email.html.contains("<stolen>"));
    }

    #[test]
    fn unfreezing_and_closing_read_as_such_and_a_reason_is_optional() {
        let thawed = StatusNotification {
            from_status: AccountStatus::Frozen,
            to_status: AccountStatus::Open,
            ..frozen()
        };
        assert_eq!(email(&thawed).subject, "Your account has been unfrozen");
        assert!(email(&thawed).text.contains("send and receive money again"));
        let closed = StatusNotification {
            to_status: AccountStatus::Closed,
            reason: None,
            changed_by: ChangedBy::Holder,
            ..frozen()
        };
        let letter = email(&closed);
        assert!(letter.text.contains("has been closed at your request"));
        assert!(letter.text.contains("Changed by: You"));
        assert!(!letter.text.contains("Reason"));
        assert_eq!(
            sms(&closed),
            "Your account ending 5555 has been closed. Details by email. Ref 5a1c8a4e"
        );
    }

    #[test]
    fn the_sms_carries_no_free_text_and_fits_one_segment() {
        let mut change = frozen();
        change.reason = Some("é".repeat(256));
        let text = sms(&change);
        assert_eq!(
            text,
            "Your account ending 5555 has been frozen by the bank. Details by email. Ref 5a1c8a4e"
        );
        assert!(text.is_ascii() && text.len() <= super::super::SMS_MAX_CHARS);
    }

    #[test]
    fn a_reason_is_shown_without_control_or_bidi_characters() {
        let mut change = frozen();
        change.reason = Some("safe\u{202E}txt.exe\u{7}".to_owned());
        assert!(email(&change).text.contains("Reason: safetxt.exe\n"));
    }
}
