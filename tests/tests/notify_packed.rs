//! Bodies packing several notifications (what process-transactions sends): each
//! notification is sent once per channel, and a body is retried as a whole when any of
//! its notifications must be, without sending the others again.

use integration_tests::notify_fixture::{
    HolderKind, NotifyFixture, body, completed_deposit, completed_transfer, failed_ids,
    message_ids, packed, rejected_withdrawal,
};

#[tokio::test]
async fn every_notification_of_a_packed_body_is_sent_once_per_channel() {
    let fx = NotifyFixture::new().await;
    let alice = fx.holder(HolderKind::EmailAndPhone).await;
    let bob = fx.holder(HolderKind::EmailOnly).await;
    // Bob pays Alice: one notification for each side.
    let mut messages = vec![completed_deposit(&alice), rejected_withdrawal(&bob)];
    messages.extend(completed_transfer(&bob, &alice));
    let event = fx.deliver(&[packed(&messages)]).await;
    assert_eq!(event.records.len(), 1);

    let response = fx.app().handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    assert_eq!(fx.emails(&alice).await.len(), 2, "deposit and transfer");
    assert_eq!(fx.sms(&alice).await.len(), 2);
    assert_eq!(fx.emails(&bob).await.len(), 2, "withdrawal and transfer");
    assert!(fx.sms(&bob).await.is_empty(), "bob has no phone");
}

#[tokio::test]
async fn a_packed_body_with_a_failed_notification_is_retried_once_and_sends_only_what_is_left() {
    let fx = NotifyFixture::new().await;
    let alice = fx.holder(HolderKind::EmailAndPhone).await;
    let bob = fx.holder(HolderKind::EmailAndPhone).await;
    let first = packed(&[completed_deposit(&alice), rejected_withdrawal(&bob)]);
    let second = body(&completed_deposit(&bob));
    let event = fx.deliver(&[first, second]).await;

    let response = fx.app_without_ses().handle(event.clone()).await;

    assert_eq!(
        failed_ids(&response),
        message_ids(&event),
        "each body reported once"
    );
    assert!(fx.emails(&alice).await.is_empty());
    assert_eq!(fx.sms(&alice).await.len(), 1);
    assert_eq!(fx.sms(&bob).await.len(), 2);

    let retried = fx.app().handle(fx.redeliver(&event).await).await;

    assert!(failed_ids(&retried).is_empty(), "{retried:?}");
    assert_eq!(fx.emails(&alice).await.len(), 1);
    assert_eq!(fx.emails(&bob).await.len(), 2);
    assert_eq!(fx.sms(&alice).await.len(), 1, "no SMS sent twice");
    assert_eq!(fx.sms(&bob).await.len(), 2, "no SMS sent twice");
}

#[tokio::test]
async fn notifications_not_started_before_the_deadline_are_handed_back_and_sent_on_retry() {
    let fx = NotifyFixture::new().await;
    let alice = fx.holder(HolderKind::EmailAndPhone).await;
    let event = fx
        .deliver(&[
            packed(&[completed_deposit(&alice), rejected_withdrawal(&alice)]),
            body(&completed_deposit(&alice)),
        ])
        .await;

    // The invocation is about to time out: nothing is started, every body comes back.
    let late = fx
        .app()
        .handle_until(event.clone(), Some(std::time::Instant::now()))
        .await;

    assert_eq!(failed_ids(&late), message_ids(&event));
    assert!(fx.emails(&alice).await.is_empty());
    assert!(fx.sms(&alice).await.is_empty());

    let in_time = std::time::Instant::now() + std::time::Duration::from_secs(600);
    let retried = fx
        .app()
        .handle_until(fx.redeliver(&event).await, Some(in_time))
        .await;

    assert!(failed_ids(&retried).is_empty(), "{retried:?}");
    assert_eq!(fx.emails(&alice).await.len(), 3);
    assert_eq!(fx.sms(&alice).await.len(), 3);
}
