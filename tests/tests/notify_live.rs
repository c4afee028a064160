//! notify's live events when the events API is not there or refuses: an outage
//! retries the message before anything is sent (no event lost, no email sent twice
//! for it); a refusal, which retrying cannot fix, is logged and the holder is still
//! emailed and texted. The events reaching a subscriber are tested end to end with
//! the local runtime's AppSync Events (events_local.rs).

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use integration_tests::local::LocalStack;
use integration_tests::notify_fixture::{
    HolderKind, LogCapture, NotifyFixture, body, completed_deposit, failed_ids, log_key,
    message_ids,
};
use notify::{App, Clients};

/// The app with live events published to `url`, clients as the Lambda builds them.
fn app_publishing_to(fx: &NotifyFixture, url: &str) -> App {
    let mut config = fx.config();
    config.events_url = Some(url.to_owned());
    App::new(Clients::for_settings(&fx.stack.config, &config), config)
}

#[tokio::test]
async fn an_unreachable_events_api_retries_the_message_before_anything_is_sent() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    let event = fx.deliver(&[body(&message)]).await;
    let logs = LogCapture::start();

    // Nothing listens on the discard port: every publish fails in transport.
    let response = app_publishing_to(&fx, "http://127.0.0.1:9/event")
        .handle(event.clone())
        .await;

    assert_eq!(failed_ids(&response), message_ids(&event), "{response:?}");
    assert!(fx.emails(&holder).await.is_empty() && fx.sms(&holder).await.is_empty());
    assert!(
        fx.record(&log_key(&message)).await.is_none(),
        "not even claimed"
    );
    assert!(!logs.outcomes("retry").is_empty(), "{}", logs.text());

    // Once the events API is back (here: live events off), the retry delivers it.
    let again = fx.app().handle(fx.redeliver(&event).await).await;
    assert!(failed_ids(&again).is_empty(), "{again:?}");
    assert_eq!(fx.emails(&holder).await.len(), 1);
    assert_eq!(fx.sms(&holder).await.len(), 1);
}

#[tokio::test]
async fn an_events_api_refusing_the_publish_is_logged_and_the_holder_is_still_told() {
    let fx = NotifyFixture::new().await;
    let holder = fx.holder(HolderKind::EmailAndPhone).await;
    let message = completed_deposit(&holder);
    let event = fx.deliver(&[body(&message)]).await;
    // The local runtime's AppSync Events, and credentials it does not know: what a
    // role without appsync:EventPublish, or the wrong account's keys, get (a 401).
    let local = LocalStack::start().await;
    let url = local.info["eventsHttpUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(url.ends_with("/event"), "{}", local.info);
    let stranger = shared::aws::SdkConfig::from(
        fx.stack
            .config
            .sdk()
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDSTRANGER",
                "not-the-local-secret",
                None,
                None,
                "test",
            )))
            .build(),
    );
    let mut config = fx.config();
    config.events_url = Some(url);
    let app = App::new(Clients::for_settings(&stranger, &config), config);
    let logs = LogCapture::start();

    let response = app.handle(event).await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    assert_eq!(fx.emails(&holder).await.len(), 1);
    assert_eq!(fx.sms(&holder).await.len(), 1);
    let refused = logs.outcomes("refused");
    assert_eq!(refused.len(), 1, "{}", logs.text());
    assert_eq!(
        refused[0]
            .get("error_code")
            .and_then(serde_json::Value::as_str),
        Some("UnauthorizedException")
    );
    assert!(!logs.text().contains(&holder.email));
}
