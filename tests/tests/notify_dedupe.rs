//! notify's exactly-once per (transaction, account, channel): redeliveries, duplicates
//! in a batch, crashed and live attempts, and the contact cache.

use integration_tests::notify_fixture::{
    HolderKind, NotifyFixture, body, completed_deposit, failed_ids, message_ids,
};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn a_message_delivered_three_times_sends_one_email_and_one_sms() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let app = fx.app();
    let first = fx.deliver(&[body(&completed_deposit(&holder))]).await;

    let mut event = first.clone();
    for delivery in 1..=3 {
        let response = app.handle(event.clone()).await;
        assert!(
            failed_ids(&response).is_empty(),
            "delivery {delivery}: {response:?}"
        );
        if delivery < 3 {
            event = fx.redeliver(&event).await;
            assert_eq!(
                message_ids(&event),
                message_ids(&first),
                "the same message again"
            );
        }
    }

    let receive_count = event.records[0].attributes.get("ApproximateReceiveCount");
    assert_eq!(receive_count.map(String::as_str), Some("3"));
    assert_eq!(fx.emails(&holder).await.len(), 1);
    assert_eq!(fx.sms(&holder).await.len(), 1);
}

#[tokio::test]
async fn two_copies_in_one_batch_send_once_and_neither_is_retried() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let copy = body(&completed_deposit(&holder));
    let event = fx.deliver(&[copy.clone(), copy]).await;
    assert_eq!(event.records.len(), 2);

    let response = fx.app().handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    assert_eq!(fx.emails(&holder).await.len(), 1);
    assert_eq!(fx.sms(&holder).await.len(), 1);
}

#[tokio::test]
async fn copies_handled_by_two_concurrent_invocations_send_once() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let copy = body(&completed_deposit(&holder));
    let event = fx.deliver(&[copy.clone(), copy]).await;
    let (mut one, mut two) = (event.clone(), event);
    one.records.truncate(1);
    two.records.remove(0);
    // Two execution environments: separate apps, separate caches.
    let (a, b) = (fx.app(), fx.app());

    let (first, second) = tokio::join!(a.handle(one.clone()), b.handle(two.clone()));
    let mut retried: Vec<_> = failed_ids(&first);
    retried.extend(failed_ids(&second));
    // A copy that met the other's live claim is retried, and then skipped.
    for id in &retried {
        let again = if message_ids(&one).contains(id) {
            &one
        } else {
            &two
        };
        let response = fx.app().handle(again.clone()).await;
        assert!(failed_ids(&response).is_empty(), "{response:?}");
    }

    assert_eq!(fx.emails(&holder).await.len(), 1);
    assert_eq!(fx.sms(&holder).await.len(), 1);
}

#[tokio::test]
async fn a_crashed_attempt_whose_claim_expired_is_sent_once_on_redelivery() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    // The crashed attempt claimed both channels and never settled; its claims expired.
    fx.put_claim(&message.dedupe_key("email"), now() - 5).await;
    fx.put_claim(&message.dedupe_key("sms"), now() - 5).await;
    let event = fx.deliver(&[body(&message)]).await;

    let app = fx.app();
    let response = app.handle(event.clone()).await;
    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let again = app.handle(fx.redeliver(&event).await).await;
    assert!(failed_ids(&again).is_empty(), "{again:?}");

    assert_eq!(fx.emails(&holder).await.len(), 1);
    assert_eq!(fx.sms(&holder).await.len(), 1);
    let record = fx.record(&message.dedupe_key("email")).await;
    let status = record
        .as_ref()
        .and_then(|item| item.get("status"))
        .and_then(|v| v.as_s().ok());
    assert_eq!(status.map(String::as_str), Some("COMPLETED"));
}

#[tokio::test]
async fn a_live_claim_makes_the_message_retry_and_sends_nothing() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    // Another attempt is sending this notification right now.
    fx.put_claim(&message.dedupe_key("email"), now() + 600)
        .await;
    let event = fx.deliver(&[body(&message)]).await;
    let app = fx.app();

    let response = app.handle(event.clone()).await;

    assert_eq!(failed_ids(&response), message_ids(&event));
    assert!(fx.emails(&holder).await.is_empty());
    assert!(fx.sms(&holder).await.is_empty());
    assert!(fx.record(&message.dedupe_key("sms")).await.is_none());

    // That attempt died; once its claim expires the redelivered message sends once.
    fx.put_claim(&message.dedupe_key("email"), now() - 1).await;
    let retried = app.handle(fx.redeliver(&event).await).await;
    assert!(failed_ids(&retried).is_empty(), "{retried:?}");
    assert_eq!(fx.emails(&holder).await.len(), 1);
    assert_eq!(fx.sms(&holder).await.len(), 1);
}

#[tokio::test]
async fn many_messages_for_one_holder_cost_one_cognito_lookup() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let bodies: Vec<String> = (0..6).map(|_| body(&completed_deposit(&holder))).collect();
    let app = fx.app();

    let first = app.handle(fx.deliver(&bodies[..4]).await).await;
    let second = app.handle(fx.deliver(&bodies[4..]).await).await;

    assert!(failed_ids(&first).is_empty() && failed_ids(&second).is_empty());
    assert_eq!(
        app.cognito_lookups(),
        1,
        "concurrent misses share one lookup"
    );
    let stats = app.contact_cache_stats();
    assert_eq!((stats.misses, stats.hits), (1, 5));
    assert_eq!(fx.emails(&holder).await.len(), 6);
    assert_eq!(fx.sms(&holder).await.len(), 6);

    // With caching disabled, each message asks Cognito again.
    let mut config = fx.config();
    config.contact_cache_ttl = std::time::Duration::ZERO;
    let uncached = fx.app_with(config);
    let more: Vec<String> = (0..2).map(|_| body(&completed_deposit(&holder))).collect();
    for one in &more {
        let response = uncached
            .handle(fx.deliver(std::slice::from_ref(one)).await)
            .await;
        assert!(failed_ids(&response).is_empty());
    }
    assert_eq!(uncached.cognito_lookups(), 2);
}
