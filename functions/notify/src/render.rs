//! What the holder reads: the email (subject, plain text, HTML) and the SMS of a
//! notification, about a transaction (here) or an account's status change
//! ([`status`]). Pure functions of the message; every value placed in HTML is escaped.

mod status;

use shared::domain::text::escape_html as escape;
use shared::domain::{TransactionStatus, TransactionType};
use shared::notification::{Flow, HolderRole, Notification, NotificationMessage};

/// Longest SMS kept in one GSM-7 segment.
pub const SMS_MAX_CHARS: usize = 160;
/// Characters of the transaction id an SMS quotes as its reference.
const SMS_REFERENCE_CHARS: usize = 8;
/// Characters of an account id an SMS quotes ("account ending 1a47").
const SMS_ACCOUNT_CHARS: usize = 4;

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The transaction's type, in words (its email's "Type" row).
fn noun(kind: TransactionType) -> &'static str {
    match kind {
        TransactionType::Deposit => "deposit",
        TransactionType::Withdrawal => "withdrawal",
        TransactionType::Transfer => "transfer",
        TransactionType::Adjustment => "adjustment",
        TransactionType::Hold => "hold",
        TransactionType::Capture => "hold capture",
        TransactionType::Void => "hold release",
        TransactionType::Expiry => "hold expiry",
        TransactionType::Reversal => "reversal",
    }
}

/// What the subject and SMS name: the hold itself once a void or expiry released it
/// ("Hold of 60.00 USD released"), else the transaction's type.
fn subject_noun(message: &NotificationMessage) -> &'static str {
    match message.kind {
        TransactionType::Void | TransactionType::Expiry if !is_rejected(message) => "hold",
        kind => noun(kind),
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect::<String>()
    })
}

fn is_rejected(message: &NotificationMessage) -> bool {
    message.status == TransactionStatus::Rejected
}

/// Whether a reversal paid money into the holder's account (else it took money out).
fn credited(message: &NotificationMessage) -> bool {
    message.role == HolderRole::Destination || message.direction == Some(Flow::Credit)
}

/// "sent" / "received" for transfers, "placed", "released", "expired" for a hold's
/// life, "credited" / "debited" for reversals, "completed" / "rejected" otherwise.
fn result_word(message: &NotificationMessage) -> &'static str {
    match (is_rejected(message), message.kind, message.role) {
        (true, _, _) => "rejected",
        (false, TransactionType::Transfer, HolderRole::Source) => "sent",
        (false, TransactionType::Transfer, HolderRole::Destination) => "received",
        (false, TransactionType::Hold, _) => "placed",
        (false, TransactionType::Void, _) => "released",
        (false, TransactionType::Expiry, _) => "expired",
        (false, TransactionType::Reversal, _) if credited(message) => "credited",
        (false, TransactionType::Reversal, _) => "debited",
        (false, _, _) => "completed",
    }
}

/// ("to" | "from", counterparty account) of a transfer or of a transfer's reversal.
fn counterparty(message: &NotificationMessage) -> Option<(&'static str, String)> {
    let account = message.counterparty_account_id?;
    let direction = match message.role {
        HolderRole::Source => "to",
        HolderRole::Destination => "from",
    };
    Some((direction, account.to_string()))
}

fn money(amount: &str, message: &NotificationMessage) -> String {
    format!("{amount} {}", message.currency)
}

/// (held, available) after a settled transaction, when it carries a held amount.
fn holdings(message: &NotificationMessage) -> Option<(String, String)> {
    if is_rejected(message) || message.held_after.is_none() {
        return None;
    }
    message.held_and_available()
}

/// `2026-11-25 09:21:00 UTC` from an RFC 3339 time; the text itself if unreadable.
fn time(text: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(text).map_or_else(
        |_| text.to_owned(),
        |t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()
        },
    )
}

fn headline(message: &NotificationMessage) -> String {
    let noun = noun(message.kind);
    let amount = money(&message.amount, message);
    let account = message.account_id;
    let party = counterparty(message)
        .map(|(direction, account)| format!(" {direction} account {account}"))
        .unwrap_or_default();
    if is_rejected(message) {
        let reason = message
            .rejection_reason
            .map_or_else(String::new, |r| format!(" because {}", r.describe()));
        // The holder did not ask for a reversal: an operator did.
        let whose = if message.kind == TransactionType::Reversal {
            "A"
        } else {
            "Your"
        };
        return format!("{whose} {noun} of {amount}{party} was rejected{reason}.");
    }
    match (message.kind, message.role) {
        (TransactionType::Transfer, HolderRole::Destination) => {
            format!("You received a transfer of {amount}{party}.")
        }
        (TransactionType::Hold, _) => {
            let available = holdings(message)
                .map(|(_, available)| format!("; available balance {}", money(&available, message)))
                .unwrap_or_default();
            format!("A hold of {amount} was placed on account {account}{available}.")
        }
        (TransactionType::Capture, _) => format!(
            "{amount} of your hold was captured and debited from account {account}; \
             the rest of the hold was released."
        ),
        (TransactionType::Void, _) => {
            format!("Your hold of {amount} on account {account} was released.")
        }
        (TransactionType::Expiry, _) => {
            format!("Your hold of {amount} on account {account} expired and was released.")
        }
        (TransactionType::Reversal, _) if credited(message) => {
            format!("{amount} was returned to your account {account}{party} by a reversal.")
        }
        (TransactionType::Reversal, _) => {
            let party = counterparty(message)
                .map(|(_, account)| format!(" and returned to account {account}"))
                .unwrap_or_default();
            format!("{amount} on your account {account} was reversed{party}.")
        }
        _ => format!("Your {noun} of {amount}{party} has been completed."),
    }
}

/// The detail rows of the email: (label, value).
fn details(message: &NotificationMessage) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("Type", capitalised(noun(message.kind))),
        ("Amount", money(&message.amount, message)),
        ("Status", capitalised(result_word(message))),
    ];
    if let Some(reason) = message.rejection_reason.filter(|_| is_rejected(message)) {
        rows.push(("Reason", capitalised(reason.describe())));
    }
    if let Some(balance) = message
        .balance_after
        .as_deref()
        .filter(|_| !is_rejected(message))
    {
        rows.push(("Balance after", money(balance, message)));
    }
    if let Some((held, available)) = holdings(message) {
        rows.push(("Held", money(&held, message)));
        rows.push(("Available", money(&available, message)));
    }
    rows.push(("Account", message.account_id.to_string()));
    if let Some((direction, account)) = counterparty(message) {
        let label = if direction == "to" {
            "To account"
        } else {
            "From account"
        };
        rows.push((label, account));
    }
    rows.push(("Transaction ID", message.transaction_id.to_string()));
    rows.push(("Time", time(&message.processed_at)));
    rows
}

const FOOTER: &str = "This is an automated message about your account; please do not reply.";

/// The email of `notification`.
pub fn email(notification: &Notification) -> Email {
    match notification {
        Notification::Transaction(message) => transaction_email(message),
        Notification::Status(change) => status::email(change),
    }
}

/// The SMS of `notification`: one GSM-7 segment, ASCII only.
pub fn sms(notification: &Notification) -> String {
    match notification {
        Notification::Transaction(message) => transaction_sms(message),
        Notification::Status(change) => status::sms(change),
    }
}

/// The email about a transaction.
fn transaction_email(message: &NotificationMessage) -> Email {
    let subject = format!(
        "{} of {} {}",
        capitalised(subject_noun(message)),
        money(&message.amount, message),
        result_word(message)
    );
    letter(subject, &headline(message), &details(message))
}

/// An email laid out as every notification is: greeting, headline, a table of
/// (label, value) rows, footer; the HTML part escapes every value.
fn letter(subject: String, headline: &str, rows: &[(&str, String)]) -> Email {
    let mut text = format!("Hello,\n\n{headline}\n\n");
    for (label, value) in rows {
        text.push_str(&format!("{label}: {value}\n"));
    }
    text.push_str(&format!("\n{FOOTER}\n"));
    let mut html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:sans-serif\"><p>Hello,</p><p>{}</p><table>",
        escape(&subject),
        escape(headline)
    );
    for (label, value) in rows {
        html.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
            escape(label),
            escape(value)
        ));
    }
    html.push_str(&format!(
        "</table><p><small>{}</small></p></body></html>",
        escape(FOOTER)
    ));
    Email {
        subject,
        text,
        html,
    }
}

/// The last `n` characters of `id`.
fn tail(id: &str, n: usize) -> String {
    id.chars()
        .skip(id.chars().count().saturating_sub(n))
        .collect()
}

/// The reference an SMS quotes: the first characters of the event's id.
fn reference(id: &str) -> String {
    id.chars().take(SMS_REFERENCE_CHARS).collect()
}

/// The SMS about a transaction.
fn transaction_sms(message: &NotificationMessage) -> String {
    let party = counterparty(message)
        .map(|(direction, account)| {
            format!(
                " {direction} account ending {}",
                tail(&account, SMS_ACCOUNT_CHARS)
            )
        })
        .unwrap_or_default();
    let (noun, amount, result) = (
        capitalised(subject_noun(message)),
        money(&message.amount, message),
        result_word(message),
    );
    // "Transfer of 25.00 USD received from account ending 4321",
    // "Transfer of 25.00 USD to account ending 4321 rejected: ...".
    let mut text = match (is_rejected(message), message.kind) {
        (true, _) => format!("{noun} of {amount}{party} {result}"),
        (false, TransactionType::Capture) => {
            format!("{amount} of your hold captured, rest released")
        }
        (false, TransactionType::Void) => format!("Your hold of {amount} was released"),
        (false, TransactionType::Expiry) => {
            format!("Your hold of {amount} expired and was released")
        }
        (false, _) => format!("{noun} of {amount} {result}{party}"),
    };
    if is_rejected(message) {
        if let Some(reason) = message.rejection_reason {
            text.push_str(&format!(": {}", reason.describe()));
        }
    } else if let Some(balance) = &message.balance_after {
        text.push_str(&format!(". Balance: {}", money(balance, message)));
        if let Some((_, available)) = holdings(message) {
            text.push_str(&format!(", available: {}", money(&available, message)));
        }
    }
    let reference = reference(&message.transaction_id.to_string());
    text.push_str(&format!(". Ref {reference}"));
    text
}

#[cfg(test)]
mod tests;
