use shared::domain::{
    AccountId, Currency, RejectionReason, TransactionId, TransactionStatus, TransactionType,
};
use shared::notification::{HolderRole, NotificationMessage};

use super::*;

fn id<T: std::str::FromStr>(text: &str) -> T {
    text.parse()
        .unwrap_or_else(|_| panic!("{text} is not a valid id"))
}

fn deposit() -> NotificationMessage {
    NotificationMessage {
        transaction_id: id::<TransactionId>("3f2c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47"),
        account_id: id::<AccountId>("11111111-2222-4333-8444-555555555555"),
        holder_id: shared::domain::UserId::new("7d3e1b2a-0000-4000-8000-000000000001"),
        role: HolderRole::Source,
        kind: TransactionType::Deposit,
        amount: "150.75".to_owned(),
        currency: Currency::parse("USD").unwrap_or_default(),
        status: TransactionStatus::Completed,
        rejection_reason: None,
        balance_after: Some("300.75".to_owned()),
        counterparty_account_id: None,
        account_version: None,
        created_at: "2026-11-25T09:20:59.000000Z".to_owned(),
        processed_at: "2026-11-25T09:21:00.123456Z".to_owned(),
        trace_id: None,
    }
}

fn rejected_withdrawal() -> NotificationMessage {
    NotificationMessage {
        kind: TransactionType::Withdrawal,
        amount: "500.00".to_owned(),
        status: TransactionStatus::Rejected,
        rejection_reason: Some(RejectionReason::InsufficientFunds),
        balance_after: None,
        ..deposit()
    }
}

fn transfer(role: HolderRole) -> NotificationMessage {
    NotificationMessage {
        kind: TransactionType::Transfer,
        amount: "25.00".to_owned(),
        role,
        counterparty_account_id: Some(id("99999999-8888-4777-8666-555555554321")),
        ..deposit()
    }
}

#[test]
fn a_completed_deposit_email_states_amount_balance_id_and_time() {
    let email = transaction_email(&deposit());
    assert_eq!(email.subject, "Deposit of 150.75 USD completed");
    for body in [&email.text, &email.html] {
        assert!(body.contains("Your deposit of 150.75 USD has been completed."));
        assert!(body.contains("300.75 USD"), "balance after in {body}");
        assert!(body.contains("3f2c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47"));
        assert!(body.contains("2026-11-25 09:21:00 UTC"));
    }
    assert!(email.text.contains("Balance after: 300.75 USD"));
}

#[test]
fn a_rejected_withdrawal_gives_the_reason_in_words_and_no_balance() {
    let email = transaction_email(&rejected_withdrawal());
    assert_eq!(email.subject, "Withdrawal of 500.00 USD rejected");
    assert!(email.text.contains(
        "Your withdrawal of 500.00 USD was rejected because the account does not have enough funds."
    ));
    assert!(!email.text.contains("Balance after"));
    assert!(!email.text.contains("INSUFFICIENT_FUNDS"));
}

#[test]
fn a_transfer_names_the_counterparty_and_the_direction() {
    let sent = transaction_email(&transfer(HolderRole::Source));
    assert_eq!(sent.subject, "Transfer of 25.00 USD sent");
    assert!(
        sent.text
            .contains("to account 99999999-8888-4777-8666-555555554321")
    );
    assert!(
        sent.text
            .contains("To account: 99999999-8888-4777-8666-555555554321")
    );
    let received = transaction_email(&transfer(HolderRole::Destination));
    assert_eq!(received.subject, "Transfer of 25.00 USD received");
    assert!(
        received
            .text
            .contains("You received a transfer of 25.00 USD from account")
    );
    assert!(received.text.contains("From account: 99999999"));
}

#[test]
fn html_escapes_every_value() {
    assert_eq!(
        escape(r#"<b>"x" & 'y'</b>"#),
        "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
    );
    let mut message = deposit();
    message.processed_at = "<script>alert(1)</script>".to_owned();
    let email = transaction_email(&message);
    assert!(!email.html.contains("<script>"));
    assert!(email.html.contains("&lt;script&gt;"));
}

#[test]
fn sms_is_short_and_carries_the_essentials() {
    assert_eq!(
        transaction_sms(&deposit()),
        "Deposit of 150.75 USD completed. Balance: 300.75 USD. Ref 3f2c8a4e"
    );
    assert_eq!(
        transaction_sms(&rejected_withdrawal()),
        "Withdrawal of 500.00 USD rejected: the account does not have enough funds. Ref 3f2c8a4e"
    );
    assert_eq!(
        transaction_sms(&transfer(HolderRole::Destination)),
        "Transfer of 25.00 USD received from account ending 4321. Balance: 300.75 USD. Ref 3f2c8a4e"
    );
}

#[test]
fn every_sms_fits_one_gsm7_segment_even_at_the_extremes() {
    for reason in RejectionReason::ALL {
        for kind in TransactionType::ALL {
            let message = NotificationMessage {
                kind: *kind,
                amount: "-1000000000.00".to_owned(),
                status: TransactionStatus::Rejected,
                rejection_reason: Some(*reason),
                counterparty_account_id: transfer(HolderRole::Source).counterparty_account_id,
                ..deposit()
            };
            let text = transaction_sms(&message);
            assert!(text.is_ascii(), "{text}");
            assert!(
                text.chars().count() <= SMS_MAX_CHARS,
                "{} chars: {text}",
                text.len()
            );
        }
    }
}
