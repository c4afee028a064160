//! notify's failures: what is recorded and dropped (never retried forever), what is
//! retried, and what the logs may say.

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::notify_fixture::{
    HolderKind, LogCapture, NotifyFixture, attribute, body, completed_deposit, failed_ids, log_key,
    message_ids,
};
use serde_json::Value;
use std::collections::HashMap;

fn s<'a>(item: &'a Option<HashMap<String, AttributeValue>>, name: &str) -> Option<&'a str> {
    attribute(item.as_ref(), name)
}

#[tokio::test]
async fn a_malformed_body_is_logged_without_its_content_and_reported_failed_for_the_dlq() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let good = completed_deposit(&holder);
    let bodies = [
        format!("{{\"note\":\"for {}\"}}", holder.email),
        "not json".to_owned(),
        body(&good),
    ];
    let event = fx.deliver(&bodies).await;
    let ids = message_ids(&event);
    let logs = LogCapture::start();

    let response = fx.app().handle(event).await;

    // Reported failed: the queue's redrive policy keeps them in its DLQ.
    assert_eq!(failed_ids(&response), ids[..2].to_vec(), "{response:?}");
    let malformed = logs.outcomes("permanent-failure");
    let logged: Vec<&str> = malformed
        .iter()
        .filter_map(|f| f.get("message_id").and_then(Value::as_str))
        .collect();
    assert!(
        logged.contains(&ids[0].as_str()) && logged.contains(&ids[1].as_str()),
        "{malformed:?}"
    );
    assert!(
        !logs.text().contains(&holder.email),
        "the body is never logged"
    );
    // The good message of the same batch is delivered.
    assert_eq!(fx.emails(&holder).await.len(), 1);
}

#[tokio::test]
async fn a_holder_unknown_to_cognito_is_recorded_as_permanent_and_not_retried() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let mut message = completed_deposit(&holder);
    message.holder_id = shared::domain::UserId::new(uuid::Uuid::new_v4().to_string());
    let event = fx.deliver(&[body(&message)]).await;
    let app = fx.app();

    let response = app.handle(event.clone()).await;
    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let record = fx.record(&log_key(&message)).await;
    assert_eq!(s(&record, "status"), Some("COMPLETED"));
    assert_eq!(s(&record, "email"), Some("FAILED_PERMANENT"));
    assert_eq!(s(&record, "emailErrorCode"), Some("HolderNotFound"));
    assert_eq!(s(&record, "sms"), Some("SKIPPED"), "no contact, no phone");

    // A redelivery finds the record and does nothing more.
    let again = app.handle(fx.redeliver(&event).await).await;
    assert!(failed_ids(&again).is_empty());
    assert!(fx.emails(&holder).await.is_empty() && fx.sms(&holder).await.is_empty());
}

#[tokio::test]
async fn an_explicitly_unverified_email_is_not_used_but_the_sms_is_sent() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::UnverifiedEmail).await;
    let message = completed_deposit(&holder);

    let response = fx.app().handle(fx.deliver(&[body(&message)]).await).await;

    assert!(failed_ids(&response).is_empty());
    assert!(fx.emails(&holder).await.is_empty());
    assert_eq!(fx.sms(&holder).await.len(), 1);
    let record = fx.record(&log_key(&message)).await;
    assert_eq!(s(&record, "email"), Some("FAILED_PERMANENT"));
    assert_eq!(s(&record, "emailErrorCode"), Some("NoVerifiedEmail"));
    assert_eq!(s(&record, "sms"), Some("SENT"));
}

#[tokio::test]
async fn an_email_refused_by_ses_is_recorded_as_permanent_while_the_sms_is_sent() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    let mut config = fx.config();
    config.sender_email = "unverified-sender@bank.example".to_owned();
    let logs = LogCapture::start();

    let response = fx
        .app_with(config)
        .handle(fx.deliver(&[body(&message)]).await)
        .await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let record = fx.record(&log_key(&message)).await;
    assert_eq!(
        s(&record, "status"),
        Some("COMPLETED"),
        "nothing left to retry"
    );
    assert_eq!(s(&record, "email"), Some("FAILED_PERMANENT"));
    assert_eq!(s(&record, "emailErrorCode"), Some("MessageRejected"));
    assert_eq!(s(&record, "sms"), Some("SENT"));
    assert_eq!(fx.sms(&holder).await.len(), 1);
    // SES names the refused address in its error message: it must not reach the logs.
    assert!(!logs.text().contains("unverified-sender@bank.example"));
    assert!(!logs.text().contains(&holder.email));
}

#[tokio::test]
async fn a_transient_send_failure_releases_the_claim_and_the_retry_sends_only_that_channel() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    let event = fx.deliver(&[body(&message)]).await;

    let logs = LogCapture::start();

    let response = fx.app_without_ses().handle(event.clone()).await;

    assert_eq!(failed_ids(&response), message_ids(&event));
    let retry = logs.outcomes("retry");
    assert_eq!(retry.len(), 1, "{retry:?}");
    assert_eq!(retry[0]["channel"].as_str(), Some("email"));
    assert_eq!(retry[0]["error_code"].as_str(), Some("DispatchFailure"));
    assert!(!logs.text().contains(&holder.email));
    let record = fx.record(&log_key(&message)).await;
    assert_eq!(s(&record, "status"), Some("RELEASED"), "claim released");
    assert_eq!(s(&record, "email"), Some("PENDING"));
    assert_eq!(s(&record, "emailErrorCode"), Some("DispatchFailure"));
    assert_eq!(
        s(&record, "sms"),
        Some("SENT"),
        "the SMS channel is independent"
    );
    let sms_id = s(&record, "smsProviderMessageId").map(str::to_owned);
    assert_eq!(fx.sms(&holder).await.len(), 1);

    let healthy = fx.app();
    let retried = healthy.handle(fx.redeliver(&event).await).await;
    assert!(failed_ids(&retried).is_empty(), "{retried:?}");
    assert_eq!(fx.emails(&holder).await.len(), 1);
    assert_eq!(fx.sms(&holder).await.len(), 1, "the SMS is not sent twice");
    let record = fx.record(&log_key(&message)).await;
    assert_eq!(s(&record, "status"), Some("COMPLETED"));
    assert_eq!(s(&record, "email"), Some("SENT"));
    assert_eq!(
        s(&record, "emailErrorCode"),
        None,
        "the old error is cleared"
    );
    assert_eq!(s(&record, "smsProviderMessageId"), sms_id.as_deref());
}

#[tokio::test]
async fn logs_carry_ids_and_outcomes_but_never_addresses_or_numbers() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    let event = fx.deliver(&[body(&message)]).await;
    let ids = message_ids(&event);
    let logs = LogCapture::start();
    let app = fx.app();

    app.handle(event.clone()).await;
    app.handle(fx.redeliver(&event).await).await;

    let sent = logs.outcomes("sent");
    assert_eq!(sent.len(), 2, "one line per channel: {sent:?}");
    for fields in &sent {
        assert_eq!(fields["message_id"].as_str(), Some(ids[0].as_str()));
        assert_eq!(
            fields["event_id"].as_str(),
            Some(message.transaction_id.to_string().as_str())
        );
        assert!(fields["channel"].is_string());
    }
    assert_eq!(logs.outcomes("skipped-duplicate").len(), 2);
    let text = logs.text();
    let phone = holder.phone.clone().unwrap_or_default();
    assert!(!text.contains(&holder.email), "email address in logs");
    assert!(!text.contains(&phone), "phone number in logs");
    assert!(!text.contains(&phone[2..]), "phone digits in logs");
}

#[tokio::test]
async fn with_the_log_unreachable_nothing_is_sent_and_every_message_is_retried() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let bodies: Vec<String> = (0..3).map(|_| body(&completed_deposit(&holder))).collect();
    let event = fx.deliver(&bodies).await;
    let mut config = fx.config();
    config.log_table = format!("{}-missing", fx.table);

    let response = fx.app_with(config).handle(event.clone()).await;

    // The batched claim fails as a whole (no such table): a claim that cannot be
    // recorded sends nothing, and the queue redelivers every message.
    let mut failed = failed_ids(&response);
    failed.sort();
    let mut all = message_ids(&event);
    all.sort();
    assert_eq!(failed, all);
    assert!(fx.emails(&holder).await.is_empty() && fx.sms(&holder).await.is_empty());

    // With the log back, the redelivery sends each notification once.
    let again = fx.app().handle(fx.redeliver(&event).await).await;
    assert!(failed_ids(&again).is_empty(), "{again:?}");
    assert_eq!(
        (fx.emails(&holder).await.len(), fx.sms(&holder).await.len()),
        (3, 3)
    );
}
