//! [`super::run_queue_schedule`] against moto's SQS (the emulators `make test`
//! starts).

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::{Expression, QueueSchedule, run_queue_schedule};

/// An SQS client for the emulators `make test` starts.
async fn moto_sqs() -> aws_sdk_sqs::Client {
    assert!(
        std::env::var("AWS_ENDPOINT_URL_SQS").is_ok(),
        "AWS_ENDPOINT_URL_SQS is not set: run under scripts/with-emulators.sh (`make test`)"
    );
    shared::aws::sqs(&shared::aws::load_config().await)
}

async fn receive(sqs: &aws_sdk_sqs::Client, url: &str, wait_seconds: i32) -> Vec<String> {
    let received = sqs
        .receive_message()
        .queue_url(url)
        .wait_time_seconds(wait_seconds)
        .send()
        .await
        .unwrap();
    received
        .messages()
        .iter()
        .filter_map(|m| m.body().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_queue_schedule_sends_its_input_at_its_time_and_not_at_start_up() {
    let sqs = moto_sqs().await;
    let name = format!("schedule-{}", uuid::Uuid::new_v4().simple());
    let created = sqs.create_queue().queue_name(name).send().await.unwrap();
    let url = created.queue_url().unwrap().to_owned();
    // A clock 3 s before a whole minute, running at the real pace: an every-minute
    // schedule's first firing is 3 s after start-up.
    let base: DateTime<Utc> = "2026-11-30T12:00:57Z".parse().unwrap();
    let started = Instant::now();
    let clock = move || base + chrono::Duration::from_std(started.elapsed()).unwrap();
    let schedule = QueueSchedule {
        id: "EveryMinute".into(),
        expression: Expression::parse("cron(* * * * ? *)").unwrap(),
        queue_url: url.clone(),
        input: r#"{"kind":"run"}"#.into(),
    };
    let task = tokio::spawn(run_queue_schedule(schedule, sqs.clone(), clock));

    assert!(receive(&sqs, &url, 1).await.is_empty(), "fired at start-up");
    let mut bodies = Vec::new();
    while bodies.is_empty() && started.elapsed() < Duration::from_secs(10) {
        bodies = receive(&sqs, &url, 1).await;
    }
    task.abort();
    assert_eq!(bodies, [r#"{"kind":"run"}"#]);
    let fired_after = started.elapsed();
    assert!(fired_after >= Duration::from_secs(3), "{fired_after:?}");
    sqs.delete_queue().queue_url(&url).send().await.unwrap();
}
