//! notify's exactly-once per (transaction, account, channel): redeliveries, duplicates
//! in a batch, crashed, live and late attempts, and the contact cache.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::TimeDelta;
use integration_tests::notify_fixture::{
    HolderKind, NotifyFixture, attribute, body, completed_deposit, failed_ids, log_key, message_ids,
};
use notify::App;
use notify::claims::{
    ChannelRecord, ChannelState, Claim, Clock, LogError, NotificationLog, Settle,
};
use notify::senders::Channel;

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
    // The crashed attempt claimed the message and never settled; its claim expired.
    fx.put_claim(&log_key(&message), now() - 5).await;
    let event = fx.deliver(&[body(&message)]).await;

    let app = fx.app();
    let response = app.handle(event.clone()).await;
    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let again = app.handle(fx.redeliver(&event).await).await;
    assert!(failed_ids(&again).is_empty(), "{again:?}");

    assert_eq!(fx.emails(&holder).await.len(), 1);
    assert_eq!(fx.sms(&holder).await.len(), 1);
    let record = fx.record(&log_key(&message)).await;
    assert_eq!(attribute(record.as_ref(), "status"), Some("COMPLETED"));
    assert_eq!(attribute(record.as_ref(), "email"), Some("SENT"));
    assert_eq!(attribute(record.as_ref(), "sms"), Some("SENT"));
}

#[tokio::test]
async fn a_live_claim_makes_the_message_retry_and_sends_nothing() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    // Another attempt is sending this notification right now.
    fx.put_claim(&log_key(&message), now() + 600).await;
    let event = fx.deliver(&[body(&message)]).await;
    let app = fx.app();

    let response = app.handle(event.clone()).await;

    assert_eq!(failed_ids(&response), message_ids(&event));
    assert!(fx.emails(&holder).await.is_empty());
    assert!(fx.sms(&holder).await.is_empty());
    let record = fx.record(&log_key(&message)).await;
    assert_eq!(attribute(record.as_ref(), "status"), Some("IN_PROGRESS"));
    assert_eq!(
        attribute(record.as_ref(), "sms"),
        None,
        "no channel touched"
    );

    // That attempt died; once its claim expires the redelivered message sends once.
    fx.put_claim(&log_key(&message), now() - 1).await;
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
    let (app, requests) = fx.counted_app(fx.config());

    let first = app.handle(fx.deliver(&bodies[..4]).await).await;
    let second = app.handle(fx.deliver(&bodies[4..]).await).await;

    assert!(failed_ids(&first).is_empty() && failed_ids(&second).is_empty());
    assert_eq!(
        app.cognito_lookups(),
        1,
        "concurrent misses share one lookup"
    );
    assert_eq!(requests.list_users(), 1, "ListUsers requests sent");
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

#[tokio::test]
async fn an_attempt_that_outlived_its_claim_cannot_overwrite_the_attempt_that_took_over() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let key = log_key(&completed_deposit(&holder));
    // Claims that expire at once, so that a second attempt may take over.
    let retention = Duration::from_secs(3600);
    let log = NotificationLog::new(fx.clients().dynamodb, &fx.table, Duration::ZERO, retention);
    let sent = |channel| ChannelRecord {
        channel,
        state: ChannelState::Sent,
        provider_message_id: Some(format!("by-second-{}", channel.name())),
        error_code: None,
    };

    let Ok(Claim::Acquired { token: late, .. }) = log.claim(&key).await else {
        panic!("first claim not acquired");
    };
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let Ok(Claim::Acquired { token: second, .. }) = log.claim(&key).await else {
        panic!("an expired claim is not taken over");
    };
    let settled = log
        .settle(&key, &second, true, &[sent(Channel::Email)])
        .await;
    assert_eq!(settled, Ok(()));
    let late_write = log.settle(&key, &late, false, &[]).await;

    assert_eq!(late_write, Err(LogError::ClaimLost));
    let record = fx.record(&key).await;
    assert_eq!(attribute(record.as_ref(), "status"), Some("COMPLETED"));
    assert_eq!(
        attribute(record.as_ref(), "emailProviderMessageId"),
        Some("by-second-email")
    );
    assert!(matches!(log.claim(&key).await, Ok(Claim::Completed(_))));
}

#[tokio::test]
async fn a_claim_acquired_too_late_to_send_within_it_sends_nothing_and_is_handed_back() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    // The log's clock reads the real time when the claim is built, then 40 s later:
    // a claim call that took 40 s of the claim's 60 s, leaving less than the 30 s the
    // sends and the settle write may take.
    let start = chrono::Utc::now();
    let reads = Arc::new(AtomicU32::new(0));
    let clock = Clock::new(move || match reads.fetch_add(1, Ordering::SeqCst) {
        0 => start,
        _ => start + TimeDelta::seconds(40),
    });
    let app = App::with_clock(fx.clients(), fx.config(), clock);
    let event = fx.deliver(&[body(&message)]).await;

    let response = app.handle(event.clone()).await;

    assert_eq!(failed_ids(&response), message_ids(&event));
    assert!(fx.emails(&holder).await.is_empty(), "nothing sent");
    assert!(fx.sms(&holder).await.is_empty(), "nothing sent");
    let record = fx.record(&log_key(&message)).await;
    assert_eq!(attribute(record.as_ref(), "status"), Some("RELEASED"));
    assert_eq!(attribute(record.as_ref(), "email"), None);
    // The redelivery, on time, claims at once and sends once.
    let response = fx.app().handle(fx.redeliver(&event).await).await;
    assert!(failed_ids(&response).is_empty(), "{response:?}");
    assert_eq!(fx.emails(&holder).await.len(), 1);
    assert_eq!(fx.sms(&holder).await.len(), 1);
}

#[tokio::test]
async fn one_batched_claim_and_settle_answer_each_message_on_its_own() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let log = NotificationLog::new(
        fx.clients().dynamodb,
        &fx.table,
        Duration::from_secs(60),
        Duration::from_secs(3600),
    );
    let keys: Vec<String> = (0..5)
        .map(|_| log_key(&completed_deposit(&holder)))
        .collect();
    let sent = |channel| ChannelRecord {
        channel,
        state: ChannelState::Sent,
        provider_message_id: Some(format!("earlier-{}", channel.name())),
        error_code: None,
    };
    // keys[1]: an earlier attempt sent the email and released the message for the SMS;
    // keys[2]: completed; keys[3]: held by a live claim elsewhere; keys[0], keys[4]: new.
    let Ok(Claim::Acquired { token, .. }) = log.claim(&keys[1]).await else {
        panic!("claim not acquired");
    };
    assert_eq!(
        log.settle(&keys[1], &token, false, &[sent(Channel::Email)])
            .await,
        Ok(())
    );
    let Ok(Claim::Acquired { token, .. }) = log.claim(&keys[2]).await else {
        panic!("claim not acquired");
    };
    assert_eq!(log.settle(&keys[2], &token, true, &[]).await, Ok(()));
    fx.put_claim(&keys[3], now() + 60).await;

    let claims = log.claim_many(&keys).await;

    let tokens: Vec<_> = claims
        .iter()
        .map(|claim| match claim {
            Ok(Claim::Acquired { token, .. }) => Some(token.clone()),
            _ => None,
        })
        .collect();
    assert!(
        matches!(&claims[0], Ok(Claim::Acquired { recorded, .. }) if recorded.get(Channel::Email).is_none())
    );
    assert!(
        matches!(&claims[1], Ok(Claim::Acquired { recorded, .. }) if recorded.get(Channel::Email) == Some(ChannelState::Sent)),
        "a released message is taken over with what it recorded: {:?}",
        claims[1]
    );
    assert!(
        matches!(claims[2], Ok(Claim::Completed(_))),
        "{:?}",
        claims[2]
    );
    assert!(matches!(claims[3], Ok(Claim::InFlight)), "{:?}", claims[3]);
    assert!(
        matches!(claims[4], Ok(Claim::Acquired { .. })),
        "{:?}",
        claims[4]
    );

    // keys[4]'s claim is taken over before its settle: only that settle is refused.
    let (Some(first), Some(second), Some(last)) = (&tokens[0], &tokens[1], &tokens[4]) else {
        panic!("tokens missing: {tokens:?}");
    };
    fx.put_claim(&keys[4], now() + 60).await;
    let settles = [
        Settle {
            key: &keys[0],
            token: first,
            completed: true,
            records: vec![sent(Channel::Sms)],
        },
        Settle {
            key: &keys[1],
            token: second,
            completed: true,
            records: vec![sent(Channel::Sms)],
        },
        Settle {
            key: &keys[4],
            token: last,
            completed: true,
            records: vec![],
        },
    ];
    let written = log.settle_many(&settles).await;

    assert_eq!(written, [Ok(()), Ok(()), Err(LogError::ClaimLost)]);
    for key in &keys[..2] {
        let record = fx.record(key).await;
        assert_eq!(attribute(record.as_ref(), "status"), Some("COMPLETED"));
        assert_eq!(attribute(record.as_ref(), "sms"), Some("SENT"));
    }
    let kept = fx.record(&keys[1]).await;
    assert_eq!(
        attribute(kept.as_ref(), "emailProviderMessageId"),
        Some("earlier-email")
    );
    let taken_over = fx.record(&keys[4]).await;
    assert_eq!(
        attribute(taken_over.as_ref(), "status"),
        Some("IN_PROGRESS")
    );
}
