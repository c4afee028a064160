//! What a notification costs in AWS requests, counted by an SDK interceptor on the
//! clients the function builds: two DynamoDB writes per message whatever the number of
//! channels, one send per channel, and Cognito only on a contact cache miss.

use integration_tests::notify_fixture::{
    HolderKind, NotifyFixture, RequestCounter, body, completed_deposit, failed_ids,
};

const DYNAMODB: &str = "DynamoDB";

fn sends(requests: &RequestCounter) -> (u64, u64) {
    (
        requests.count("SESv2", "SendEmail"),
        requests.count("SNS", "Publish"),
    )
}

#[tokio::test]
async fn a_message_to_an_email_and_sms_holder_costs_two_dynamodb_writes_and_no_read() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let event = fx.deliver(&[body(&completed_deposit(&holder))]).await;
    let (app, requests) = fx.counted_app(fx.config());

    let response = app.handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let dynamodb = requests.of(DYNAMODB);
    eprintln!("DynamoDB requests for one email+SMS message: {dynamodb:?}");
    assert_eq!(requests.dynamodb_writes(), 2, "{dynamodb:?}");
    assert_eq!(dynamodb.values().sum::<u64>(), 2, "no read: {dynamodb:?}");
    assert_eq!(sends(&requests), (1, 1));
    assert_eq!(requests.list_users(), 1);
}

#[tokio::test]
async fn a_batch_for_one_holder_costs_two_writes_per_message_and_at_most_one_list_users() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let bodies: Vec<String> = (0..8).map(|_| body(&completed_deposit(&holder))).collect();
    let event = fx.deliver(&bodies).await;
    let (app, requests) = fx.counted_app(fx.config());

    let response = app.handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    eprintln!(
        "DynamoDB requests for 8 messages: {:?}",
        requests.of(DYNAMODB)
    );
    assert_eq!(requests.dynamodb_writes(), 2 * 8);
    assert_eq!(sends(&requests), (8, 8));
    assert!(
        requests.list_users() <= 1,
        "{} ListUsers",
        requests.list_users()
    );
}

#[tokio::test]
async fn a_redelivered_message_costs_one_write_and_sends_nothing() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let event = fx.deliver(&[body(&completed_deposit(&holder))]).await;
    let (app, requests) = fx.counted_app(fx.config());
    assert!(failed_ids(&app.handle(event.clone()).await).is_empty());
    requests.reset();

    let again = app.handle(fx.redeliver(&event).await).await;

    assert!(failed_ids(&again).is_empty(), "{again:?}");
    // The claim's failed condition returns the completed item: no read, no settle.
    assert_eq!(requests.dynamodb_writes(), 1, "{:?}", requests.of(DYNAMODB));
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
