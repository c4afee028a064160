//! Starts the event source mappings `template.yml` declares: the DynamoDB stream into
//! process-transactions, SQS queues into their consumers; and its EventBridge
//! Scheduler schedules that send to SQS queues.

use serde_json::Value;
use tokio::task::JoinHandle;

use crate::SourceOptions;
use crate::functions::{self, FunctionDef};
use crate::provision::Clients;
use crate::template::{Resolver, Template};
use crate::{schedule_source, sqs_source, stream_reader, stream_source};

/// One task per mapping.
pub(crate) fn start(
    template: &Template,
    defs: &[FunctionDef],
    resolver: &Resolver,
    config: &shared::aws::SdkConfig,
    clients: &Clients,
    options: SourceOptions,
) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    for def in defs {
        for (name, event) in &def.events {
            let p = &event["Properties"];
            let task = match event["Type"].as_str() {
                Some("DynamoDB") if def.binary == "process-transactions" => {
                    Some(stream(template, def, p, resolver, config, clients, options))
                }
                Some("SQS") => sqs(def, p, resolver, config),
                Some("Schedule") if def.binary == "reconcile-pending" => schedule(def, p, config),
                _ => None,
            };
            match task {
                Some(task) => {
                    tracing::info!(function = %def.id, event = %name, "event source started");
                    tasks.push(task);
                }
                None if event["Type"] == "SQS" => {
                    tracing::warn!(function = %def.id, "no local handler for this SQS event");
                }
                None => {}
            }
        }
    }
    tasks.extend(queue_schedules(template, resolver).into_iter().map(|schedule| {
        let next = schedule.expression.next_after(chrono::Utc::now());
        tracing::info!(schedule = %schedule.id, queue = %schedule.queue_url, ?next, "schedule started");
        tokio::spawn(schedule_source::run_queue_schedule(
            schedule,
            clients.sqs.clone(),
            chrono::Utc::now,
        ))
    }));
    tasks
}

/// The template's enabled `AWS::Scheduler::Schedule`s that send to one of its queues,
/// in UTC. Any other is logged and left out.
pub(crate) fn queue_schedules(
    template: &Template,
    resolver: &Resolver,
) -> Vec<schedule_source::QueueSchedule> {
    let mut schedules = Vec::new();
    for (id, resource) in template.resources("AWS::Scheduler::Schedule") {
        let p = resolver.resolve(&resource["Properties"]);
        if p["State"] == "DISABLED" {
            continue;
        }
        let target = &p["Target"];
        let zone = p["ScheduleExpressionTimezone"].as_str().unwrap_or("UTC");
        let expression = schedule_source::Expression::parse(
            p["ScheduleExpression"].as_str().unwrap_or_default(),
        );
        let queue_url = target["Arn"]
            .as_str()
            .and_then(|arn| queue_url_for(resolver, arn));
        let skipped = match (expression, queue_url, target["Input"].as_str()) {
            _ if zone != "UTC" => format!("time zone {zone}: only UTC is run locally"),
            (Err(reason), _, _) => reason,
            (_, None, _) => "its target is not one of the template's queues".to_owned(),
            (_, _, None) => "its target has no Input".to_owned(),
            (Ok(expression), Some(queue_url), Some(input)) => {
                schedules.push(schedule_source::QueueSchedule {
                    id,
                    expression,
                    queue_url,
                    input: input.to_owned(),
                });
                continue;
            }
        };
        tracing::warn!(schedule = %id, reason = %skipped, "schedule not run locally");
    }
    schedules
}

fn stream(
    template: &Template,
    def: &FunctionDef,
    p: &Value,
    resolver: &Resolver,
    config: &shared::aws::SdkConfig,
    clients: &Clients,
    options: SourceOptions,
) -> JoinHandle<()> {
    let arn = p["Stream"].as_str().unwrap_or_default().to_owned();
    let on_failure = p["DestinationConfig"]["OnFailure"]["Destination"]
        .as_str()
        .and_then(|a| queue_url_for(resolver, a));
    let mut mapping = stream_source::StreamMapping::from_properties(p, on_failure);
    mapping.partition_key = hash_key_of_stream(template, resolver, &arn);
    let var = |n: &str| def.env.get(n).cloned().unwrap_or_default();
    let tables = shared::store::TableNames {
        accounts: var("ACCOUNTS_TABLE_NAME"),
        transactions: var("TRANSACTIONS_TABLE_NAME"),
    };
    let app = process_transactions::App::new(
        config,
        &tables,
        &var("NOTIFICATIONS_QUEUE_URL"),
        process_transactions::RetryPolicy::default(),
    );
    let reader =
        stream_reader::StreamReader::new(aws_sdk_dynamodbstreams::Client::new(config.sdk()), arn);
    tracing::info!(function = %def.id, ?mapping, shards = options.stream_shards, "stream event source");
    tokio::spawn(stream_source::run(
        reader,
        stream_source::process_transactions_handler(app),
        mapping,
        clients.sqs.clone(),
        options.stream_shards,
    ))
}

fn sqs(
    def: &FunctionDef,
    p: &Value,
    resolver: &Resolver,
    config: &shared::aws::SdkConfig,
) -> Option<JoinHandle<()>> {
    let arn = p["Queue"].as_str().unwrap_or_default().to_owned();
    let url = queue_url_for(resolver, &arn)?;
    let handler = functions::sqs_handler(def, config)?;
    let mapping = sqs_source::SqsMapping::from_properties(p, url, arn);
    tracing::info!(function = %def.id, ?mapping, "sqs event source");
    // The poller's requests are counted with the functions' (a real event source
    // mapping's polls are billed too).
    Some(tokio::spawn(sqs_source::run(
        shared::aws::sqs(config),
        handler,
        mapping,
    )))
}

/// The reconciler on its `rate(...)` schedule.
fn schedule(
    def: &FunctionDef,
    p: &Value,
    config: &shared::aws::SdkConfig,
) -> Option<JoinHandle<()>> {
    let expression = p["Schedule"].as_str().unwrap_or_default();
    let Some(period) = schedule_source::rate(expression) else {
        tracing::warn!(function = %def.id, expression, "schedule not run locally");
        return None;
    };
    let var = |n: &str| def.env.get(n).cloned().unwrap_or_default();
    let tables = shared::store::TableNames {
        accounts: var("ACCOUNTS_TABLE_NAME"),
        transactions: var("TRANSACTIONS_TABLE_NAME"),
    };
    let max_age = var("PENDING_MAX_AGE_SECONDS").parse().map_or(
        reconcile_pending::DEFAULT_MAX_AGE,
        std::time::Duration::from_secs,
    );
    let app = reconcile_pending::App::new(config, &tables, max_age, &var("ENVIRONMENT"));
    tracing::info!(function = %def.id, ?period, "schedule event source");
    Some(tokio::spawn(schedule_source::run_reconciler(
        app,
        period,
        def.timeout,
    )))
}

/// The queue URL of a queue ARN.
fn queue_url_for(resolver: &Resolver, arn: &str) -> Option<String> {
    let id = resolver
        .attrs
        .iter()
        .find(|(k, v)| k.ends_with(".Arn") && *v == arn)
        .map(|(k, _)| k.trim_end_matches(".Arn").to_owned())?;
    resolver.refs.get(&id).cloned()
}

/// The hash key name of the table whose stream is `arn`.
fn hash_key_of_stream(template: &Template, resolver: &Resolver, arn: &str) -> Option<String> {
    let id = resolver
        .attrs
        .iter()
        .find(|(k, v)| k.ends_with(".StreamArn") && *v == arn)
        .map(|(k, _)| k.trim_end_matches(".StreamArn").to_owned())?;
    let table = template.resource(&id)?;
    table["Properties"]["KeySchema"]
        .as_array()?
        .iter()
        .find(|k| k["KeyType"] == "HASH")
        .and_then(|k| k["AttributeName"].as_str())
        .map(str::to_owned)
}

#[cfg(test)]
#[path = "sources_tests.rs"]
mod tests;
