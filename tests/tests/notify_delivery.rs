//! notify against moto (SQS, SES v2, SNS, Cognito) and DynamoDB Local: what each holder
//! receives, on which channel.

use integration_tests::notify_fixture::{
    HolderKind, NotifyFixture, attribute, body, completed_deposit, completed_transfer, failed_ids,
    log_key, rejected_withdrawal,
};
use serde_json::Value;

fn text(value: &Value, field: &str) -> String {
    value
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_completed_deposit_sends_one_email_and_one_sms_with_amount_and_balance() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    let event = fx.deliver(&[body(&message)]).await;

    let response = fx.app().handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let emails = fx.emails(&holder).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert_eq!(text(&emails[0], "source"), fx.sender);
    let subject = text(&emails[0], "subject");
    assert!(subject.contains("150.75 USD"), "{subject}");
    let html = text(&emails[0], "body");
    assert!(html.contains("150.75 USD"), "{html}");
    assert!(html.contains("Balance after"), "{html}");
    assert!(html.contains("300.75 USD"), "{html}");
    assert!(html.contains(&message.transaction_id.to_string()));

    let sms = fx.sms(&holder).await;
    assert_eq!(sms.len(), 1, "{sms:?}");
    let sms_text = text(&sms[0], "message");
    assert!(
        sms_text.contains("150.75 USD") && sms_text.contains("300.75 USD"),
        "{sms_text}"
    );
}

#[tokio::test]
async fn a_rejected_withdrawal_email_gives_the_reason_in_words() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let event = fx.deliver(&[body(&rejected_withdrawal(&holder))]).await;

    let response = fx.app().handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let emails = fx.emails(&holder).await;
    assert_eq!(emails.len(), 1);
    assert_eq!(
        text(&emails[0], "subject"),
        "Withdrawal of 500.00 USD rejected"
    );
    let html = text(&emails[0], "body");
    assert!(
        html.contains("was rejected because the account does not have enough funds"),
        "{html}"
    );
    assert!(!html.contains("INSUFFICIENT_FUNDS") && !html.contains("Balance after"));
    let sms = fx.sms(&holder).await;
    assert_eq!(sms.len(), 1);
    assert!(text(&sms[0], "message").contains("rejected"));
}

#[tokio::test]
async fn a_holder_without_a_phone_number_gets_email_only() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailOnly).await;
    let message = completed_deposit(&holder);
    let event = fx.deliver(&[body(&message)]).await;

    let response = fx.app().handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    assert_eq!(fx.emails(&holder).await.len(), 1);
    let record = fx.record(&log_key(&message)).await;
    assert_eq!(attribute(record.as_ref(), "email"), Some("SENT"));
    assert_eq!(attribute(record.as_ref(), "sms"), Some("SKIPPED"), "no SMS");
    assert_eq!(attribute(record.as_ref(), "status"), Some("COMPLETED"));
}

#[tokio::test]
async fn with_ses_disabled_no_email_is_sent_but_the_sms_is_and_nothing_fails() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    let event = fx.deliver(&[body(&message)]).await;
    let mut config = fx.config();
    config.ses_enabled = false;

    let response = fx.app_with(config).handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    assert!(fx.emails(&holder).await.is_empty());
    assert_eq!(fx.sms(&holder).await.len(), 1);
    let record = fx.record(&log_key(&message)).await;
    assert_eq!(attribute(record.as_ref(), "email"), Some("SKIPPED"));
    assert_eq!(attribute(record.as_ref(), "status"), Some("COMPLETED"));
}

#[tokio::test]
async fn a_transfer_notifies_each_holder_once_with_the_direction() {
    let fx = NotifyFixture::new().await;
    let payer = fx.holder(HolderKind::EmailAndPhone).await;
    let payee = fx.holder(HolderKind::EmailAndPhone).await;
    let [source, destination] = completed_transfer(&payer, &payee);
    let event = fx.deliver(&[body(&source), body(&destination)]).await;

    let response = fx.app().handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let (paid, received) = (fx.emails(&payer).await, fx.emails(&payee).await);
    assert_eq!((paid.len(), received.len()), (1, 1));
    assert_eq!(text(&paid[0], "subject"), "Transfer of 25.00 USD sent");
    assert_eq!(
        text(&received[0], "subject"),
        "Transfer of 25.00 USD received"
    );
    let payee_account = payee.account_id.to_string();
    let payer_account = payer.account_id.to_string();
    assert!(text(&paid[0], "body").contains(&format!("to account {payee_account}")));
    assert!(text(&received[0], "body").contains(&format!("from account {payer_account}")));
    assert!(text(&paid[0], "body").contains("275.00 USD"));
    assert!(text(&received[0], "body").contains("125.00 USD"));
    assert_eq!(fx.sms(&payer).await.len(), 1);
    assert_eq!(fx.sms(&payee).await.len(), 1);
}

#[tokio::test]
async fn the_sent_record_keeps_the_provider_id_for_the_retention_period() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    let event = fx.deliver(&[body(&message)]).await;

    let response = fx.app().handle(event).await;

    assert!(failed_ids(&response).is_empty());
    let now = chrono::Utc::now().timestamp();
    let item = fx
        .record(&log_key(&message))
        .await
        .unwrap_or_else(|| panic!("no record"));
    let s = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    assert_eq!(s("status").as_deref(), Some("COMPLETED"), "{item:?}");
    assert!(s("settledAt").is_some());
    for channel in ["email", "sms"] {
        assert_eq!(s(channel).as_deref(), Some("SENT"), "{item:?}");
        let id = s(&format!("{channel}ProviderMessageId"));
        assert!(id.is_some_and(|id| !id.is_empty()), "{item:?}");
        assert!(s(&format!("{channel}UpdatedAt")).is_some());
        assert!(s(&format!("{channel}ErrorCode")).is_none());
    }
    let expires: i64 = item
        .get("expiresAt")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or_default();
    let thirty_days = 30 * 24 * 3600;
    assert!(
        (expires - now - thirty_days).abs() < 120,
        "expiresAt {expires}"
    );
    // The log holds codes and ids only, never the address or number.
    let shown = format!("{item:?}");
    assert!(!shown.contains(&holder.email) && !shown.contains("+1555"));
}
