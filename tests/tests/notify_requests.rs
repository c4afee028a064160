//! What a notification costs in AWS requests, counted by an SDK interceptor on the
//! clients the function builds: two DynamoDB requests per batch of messages (all claimed
//! in one, all settled in another) whatever the number of messages and channels, one
//! send per channel, and Cognito only on a contact cache miss.

use integration_tests::notify_fixture::{
    HolderKind, NotifyFixture, RequestCounter, attribute, body, completed_deposit, failed_ids,
    log_key,
};
use shared::notification::NotificationMessage;

const DYNAMODB: &str = "DynamoDB";

fn sends(requests: &RequestCounter) -> (u64, u64) {
    (
        requests.count("SESv2", "SendEmail"),
        requests.count("SNS", "Publish"),
    )
}

/// The message's log item was claimed and settled: COMPLETED, both channels SENT.
async fn assert_settled(fx: &NotifyFixture, message: &NotificationMessage) {
    let item = fx.record(&log_key(message)).await;
    for (name, expected) in [("status", "COMPLETED"), ("email", "SENT"), ("sms", "SENT")] {
        assert_eq!(
            attribute(item.as_ref(), name),
            Some(expected),
            "{name} in {item:?}"
        );
    }
}

#[tokio::test]
async fn a_message_to_an_email_and_sms_holder_costs_two_dynamodb_requests_and_no_read() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    let event = fx.deliver(&[body(&message)]).await;
    let (app, requests) = fx.counted_app(fx.config());

    let response = app.handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    assert_settled(&fx, &message).await;
    let dynamodb = requests.of(DYNAMODB);
    eprintln!("DynamoDB requests for one email+SMS message: {dynamodb:?}");
    assert_eq!(
        requests.count(DYNAMODB, "BatchExecuteStatement"),
        2,
        "{dynamodb:?}"
    );
    assert_eq!(dynamodb.values().sum::<u64>(), 2, "no read: {dynamodb:?}");
    assert_eq!(sends(&requests), (1, 1));
    assert_eq!(requests.list_users(), 1);
}

#[tokio::test]
async fn a_batch_of_eight_messages_costs_two_dynamodb_requests_and_at_most_one_list_users() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let messages: Vec<_> = (0..8).map(|_| completed_deposit(&holder)).collect();
    let bodies: Vec<String> = messages.iter().map(body).collect();
    let event = fx.deliver(&bodies).await;
    let (app, requests) = fx.counted_app(fx.config());

    let response = app.handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    for message in &messages {
        assert_settled(&fx, message).await;
    }
    eprintln!(
        "DynamoDB requests for 8 messages: {:?}",
        requests.of(DYNAMODB)
    );
    let dynamodb = requests.of(DYNAMODB);
    assert_eq!(
        requests.count(DYNAMODB, "BatchExecuteStatement"),
        2,
        "{dynamodb:?}"
    );
    assert_eq!(dynamodb.values().sum::<u64>(), 2, "{dynamodb:?}");
    assert_eq!(sends(&requests), (8, 8));
    assert!(
        requests.list_users() <= 1,
        "{} ListUsers",
        requests.list_users()
    );
}

#[tokio::test]
async fn a_redelivered_message_costs_two_requests_and_sends_nothing() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let event = fx.deliver(&[body(&completed_deposit(&holder))]).await;
    let (app, requests) = fx.counted_app(fx.config());
    assert!(failed_ids(&app.handle(event.clone()).await).is_empty());
    requests.reset();

    let again = app.handle(fx.redeliver(&event).await).await;

    assert!(failed_ids(&again).is_empty(), "{again:?}");
    // The batched INSERT is refused (the item exists); the conditional claim's failed
    // condition returns the completed item: no read, no settle.
    let dynamodb = requests.of(DYNAMODB);
    assert_eq!(
        requests.count(DYNAMODB, "BatchExecuteStatement"),
        1,
        "{dynamodb:?}"
    );
    assert_eq!(requests.count(DYNAMODB, "UpdateItem"), 1, "{dynamodb:?}");
    assert_eq!(dynamodb.values().sum::<u64>(), 2, "{dynamodb:?}");
    assert_eq!(sends(&requests), (0, 0));
    assert_eq!(requests.list_users(), 0, "the contact is cached");
    assert_eq!(
        (fx.emails(&holder).await.len(), fx.sms(&holder).await.len()),
        (1, 1)
    );
}

#[tokio::test]
async fn with_nothing_to_send_a_message_writes_nothing() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailOnly).await;
    let event = fx.deliver(&[body(&completed_deposit(&holder))]).await;
    let mut config = fx.config();
    config.ses_enabled = false;
    let (app, requests) = fx.counted_app(config);

    let response = app.handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    assert_eq!(requests.of(DYNAMODB).values().sum::<u64>(), 0);
    assert_eq!(sends(&requests), (0, 0));
}
