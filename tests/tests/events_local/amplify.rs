//! The independent client: Amplify JS (`scripts/events-client.sh`) subscribing with a
//! holder's access token, as the web console does.

use std::time::Duration;

use integration_tests::events::{Holder, WAIT, holder, http_url, post_signed};
use integration_tests::events_client::{
    EXIT_OK, EXIT_PUBLISH_REFUSED, EXIT_REFUSED, EventsClient, run,
};
use integration_tests::gateway::{call, key, open_account, text};
use integration_tests::local::LocalStack;
use serde_json::json;

/// A subscriber through Amplify on `holder`'s channel at `channel`, once ready.
async fn amplify_subscriber(
    s: &LocalStack,
    holder: &Holder,
    channel: &str,
    count: usize,
) -> EventsClient {
    let mut client = EventsClient::subscribe(
        &http_url(s),
        channel,
        &holder.access_token,
        count,
        Duration::from_secs(40),
    )
    .await;
    let ready = client.next_line(Duration::from_secs(60)).await;
    assert_eq!(
        ready,
        Some(json!({"ready": true})),
        "the Amplify subscriber is ready"
    );
    client
}

#[tokio::test]
async fn the_amplify_client_receives_on_its_own_channel_and_is_refused_elsewhere() {
    let s = LocalStack::start().await;
    let (alice, bob) = (holder(&s).await, holder(&s).await);
    let client = amplify_subscriber(&s, &alice, &alice.channel(), 1).await;
    let event = json!({"type": "transaction.completed", "balance": "1.00"});
    assert_eq!(
        post_signed(&s, &alice.channel(), std::slice::from_ref(&event))
            .await
            .status,
        200
    );
    let (code, lines) = client.finish(WAIT).await;
    assert_eq!((code, lines), (Some(EXIT_OK), vec![event]));

    let endpoint = http_url(&s);
    let refused = [
        "subscribe",
        "--endpoint",
        &endpoint,
        "--channel",
        &bob.channel(),
        "--timeout-ms",
        "20000",
    ];
    let (code, lines) = run(&refused, &alice.access_token, Duration::from_secs(60)).await;
    assert_eq!(code, Some(EXIT_REFUSED), "{lines:?}");
    assert_eq!(lines[0]["error"], "subscribe_error", "{lines:?}");
    for via in ["http", "ws"] {
        let channel = alice.channel();
        let args = [
            "publish",
            "--endpoint",
            &endpoint,
            "--channel",
            &channel,
            "--event",
            "{\"x\":1}",
            "--via",
            via,
        ];
        let (code, lines) = run(&args, &alice.access_token, Duration::from_secs(60)).await;
        assert_eq!(
            code,
            Some(EXIT_PUBLISH_REFUSED),
            "a Cognito publish over {via}: {lines:?}"
        );
    }
}

#[tokio::test]
async fn a_settled_deposit_reaches_the_holders_amplify_subscriber_with_balance_and_version() {
    let s = LocalStack::start().await;
    let alice = holder(&s).await;
    let account = open_account(&s, &alice.id_token).await;
    let client = amplify_subscriber(&s, &alice, &alice.channel(), 2).await;
    let mut settled = Vec::new();
    for amount in ["40.00", "2.50"] {
        let body = json!({"accountId": account, "type": "DEPOSIT", "amount": amount});
        let recorded = call(
            &s,
            "POST",
            "/transactions",
            Some(&alice.id_token),
            Some(&body),
            Some(&key()),
        )
        .await;
        assert_eq!(recorded.status, 201, "{:?}", recorded.body);
        settled.push(
            s.settled(&alice.id_token, &text(&recorded.body["transactionId"]))
                .await,
        );
    }
    let (code, events) = client.finish(Duration::from_secs(45)).await;
    assert_eq!(code, Some(EXIT_OK), "{events:?}");
    let balance = call(
        &s,
        "GET",
        &format!("/accounts/{account}"),
        Some(&alice.id_token),
        None,
        None,
    )
    .await;
    for (version, (event, transaction)) in (1_u64..).zip(events.iter().zip(&settled)) {
        assert_eq!(transaction["status"], "COMPLETED", "{transaction}");
        assert_eq!(event["type"], "transaction.completed", "{event}");
        assert_eq!(
            event["transactionId"], transaction["transactionId"],
            "{event}"
        );
        assert_eq!(event["accountId"], account.as_str());
        assert_eq!(event["status"], "COMPLETED");
        assert_eq!(event["balance"], transaction["balanceAfter"], "{event}");
        assert_eq!(event["accountVersion"], version, "{event}");
    }
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        events[1]["balance"], balance.body["balance"],
        "the last event tells the new balance"
    );
}
