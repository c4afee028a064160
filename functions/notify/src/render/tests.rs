use shared::domain::{
    AccountId, Currency, RejectionReason, TransactionId, TransactionStatus, TransactionType,
};
use shared::notification::{Flow, HolderRole, NotificationMessage};

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
        held_after: None,
        direction: None,
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

/// A HOLD of 60.00 USD that became ACTIVE on a 300.75 USD balance.
fn active_hold() -> NotificationMessage {
    NotificationMessage {
        kind: TransactionType::Hold,
        amount: "60.00".to_owned(),
        status: TransactionStatus::Active,
        held_after: Some("60.00".to_owned()),
        ..deposit()
    }
}

/// A `kind` acting on the hold of [`active_hold`], COMPLETED.
fn ending(kind: TransactionType, amount: &str, balance: &str) -> NotificationMessage {
    NotificationMessage {
        kind,
        amount: amount.to_owned(),
        status: TransactionStatus::Completed,
        balance_after: Some(balance.to_owned()),
        held_after: Some("0.00".to_owned()),
        ..active_hold()
    }
}

/// A COMPLETED reversal of 25.00 USD of a transfer, from `role`'s side.
fn transfer_reversal(role: HolderRole) -> NotificationMessage {
    NotificationMessage {
        kind: TransactionType::Reversal,
        direction: Some(match role {
            HolderRole::Source => Flow::Debit,
            HolderRole::Destination => Flow::Credit,
        }),
        ..transfer(role)
    }
}

#[test]
fn an_active_hold_tells_what_is_held_and_what_is_still_available() {
    let email = transaction_email(&active_hold());
    assert_eq!(email.subject, "Hold of 60.00 USD placed");
    assert!(
        email.text.contains(
            "A hold of 60.00 USD was placed on account 11111111-2222-4333-8444-555555555555; \
             available balance 240.75 USD."
        ),
        "{}",
        email.text
    );
    for row in [
        "Type: Hold\n",
        "Status: Placed\n",
        "Balance after: 300.75 USD\n",
        "Held: 60.00 USD\n",
        "Available: 240.75 USD\n",
    ] {
        assert!(email.text.contains(row), "{row} in {}", email.text);
    }
    assert!(
        email
            .html
            .contains("<th align=\"left\">Available</th><td>240.75 USD</td>")
    );
    assert_eq!(
        transaction_sms(&active_hold()),
        "Hold of 60.00 USD placed. Balance: 300.75 USD, available: 240.75 USD. Ref 3f2c8a4e"
    );
}

#[test]
fn a_rejected_hold_gives_the_reason_and_nothing_held() {
    let rejected = NotificationMessage {
        status: TransactionStatus::Rejected,
        rejection_reason: Some(RejectionReason::InsufficientFunds),
        balance_after: None,
        held_after: None,
        ..active_hold()
    };
    let email = transaction_email(&rejected);
    assert_eq!(email.subject, "Hold of 60.00 USD rejected");
    assert!(email.text.contains(
        "Your hold of 60.00 USD was rejected because the account does not have enough funds."
    ));
    assert!(!email.text.contains("Held:") && !email.text.contains("Available:"));
    assert_eq!(
        transaction_sms(&rejected),
        "Hold of 60.00 USD rejected: the account does not have enough funds. Ref 3f2c8a4e"
    );
}

#[test]
fn a_capture_void_and_expiry_tell_the_holder_what_became_of_their_hold() {
    let capture = ending(TransactionType::Capture, "25.50", "275.25");
    let email = transaction_email(&capture);
    assert_eq!(email.subject, "Hold capture of 25.50 USD completed");
    assert!(email.text.contains(
        "25.50 USD of your hold was captured and debited from account \
         11111111-2222-4333-8444-555555555555; the rest of the hold was released."
    ));
    assert!(
        email
            .text
            .contains("Held: 0.00 USD\nAvailable: 275.25 USD\n")
    );
    assert_eq!(
        transaction_sms(&capture),
        "25.50 USD of your hold captured, rest released. Balance: 275.25 USD, available: 275.25 USD. Ref 3f2c8a4e"
    );

    let void = ending(TransactionType::Void, "60.00", "300.75");
    let email = transaction_email(&void);
    assert_eq!(email.subject, "Hold of 60.00 USD released");
    assert!(email.text.contains(
        "Your hold of 60.00 USD on account 11111111-2222-4333-8444-555555555555 was released."
    ));
    assert!(email.text.contains("Type: Hold release\n"));
    assert_eq!(
        transaction_sms(&void),
        "Your hold of 60.00 USD was released. Balance: 300.75 USD, available: 300.75 USD. Ref 3f2c8a4e"
    );

    let expiry = ending(TransactionType::Expiry, "60.00", "300.75");
    let email = transaction_email(&expiry);
    assert_eq!(email.subject, "Hold of 60.00 USD expired");
    assert!(email.text.contains(
        "Your hold of 60.00 USD on account 11111111-2222-4333-8444-555555555555 expired and was released."
    ));
    assert!(email.text.contains("Status: Expired\n"));
    assert!(
        transaction_sms(&expiry).starts_with("Your hold of 60.00 USD expired and was released.")
    );

    let refused = NotificationMessage {
        status: TransactionStatus::Rejected,
        rejection_reason: Some(RejectionReason::HoldNotActive),
        balance_after: None,
        held_after: None,
        ..void
    };
    assert_eq!(
        transaction_email(&refused).subject,
        "Hold release of 60.00 USD rejected"
    );
    assert_eq!(
        transaction_sms(&refused),
        "Hold release of 60.00 USD rejected: the hold was already captured, voided or expired. Ref 3f2c8a4e"
    );
}

#[test]
fn a_reversal_tells_the_credited_holder_it_was_returned_and_the_debited_one_it_was_reversed() {
    let credited = transaction_email(&transfer_reversal(HolderRole::Destination));
    assert_eq!(credited.subject, "Reversal of 25.00 USD credited");
    assert!(
        credited.text.contains(
            "25.00 USD was returned to your account 11111111-2222-4333-8444-555555555555 \
             from account 99999999-8888-4777-8666-555555554321 by a reversal."
        ),
        "{}",
        credited.text
    );
    let debited = transaction_email(&transfer_reversal(HolderRole::Source));
    assert_eq!(debited.subject, "Reversal of 25.00 USD debited");
    assert!(
        debited.text.contains(
            "25.00 USD on your account 11111111-2222-4333-8444-555555555555 was reversed \
             and returned to account 99999999-8888-4777-8666-555555554321."
        ),
        "{}",
        debited.text
    );
    assert_eq!(
        transaction_sms(&transfer_reversal(HolderRole::Destination)),
        "Reversal of 25.00 USD credited from account ending 4321. Balance: 300.75 USD. Ref 3f2c8a4e"
    );
    // A withdrawal's reversal gives the money back to the account it was taken from.
    let returned = NotificationMessage {
        kind: TransactionType::Reversal,
        direction: Some(Flow::Credit),
        ..deposit()
    };
    assert!(transaction_email(&returned).text.contains(
        "150.75 USD was returned to your account 11111111-2222-4333-8444-555555555555 by a reversal."
    ));
    let refused = NotificationMessage {
        status: TransactionStatus::Rejected,
        rejection_reason: Some(RejectionReason::ReversalExceedsOriginal),
        ..returned
    };
    assert!(transaction_email(&refused).text.contains(
        "A reversal of 150.75 USD was rejected because the reversals would add up to more than the original transaction."
    ));
}

#[test]
fn every_settled_sms_fits_one_gsm7_segment_with_the_largest_balances() {
    let largest = "1000000000000000000.00";
    for kind in TransactionType::ALL {
        for (role, direction) in [
            (HolderRole::Source, None),
            (HolderRole::Source, Some(Flow::Debit)),
            (HolderRole::Destination, Some(Flow::Credit)),
        ] {
            let message = NotificationMessage {
                kind: *kind,
                role,
                direction,
                amount: "1000000000.00".to_owned(),
                status: if *kind == TransactionType::Hold {
                    TransactionStatus::Active
                } else {
                    TransactionStatus::Completed
                },
                balance_after: Some(largest.to_owned()),
                held_after: Some("0.01".to_owned()),
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
