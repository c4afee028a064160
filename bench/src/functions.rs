//! The Lambda binaries: the environment each needs (as `template.yml` sets it) and
//! a sample event from `events/` whose handling does no AWS I/O.

use std::path::Path;

use serde_json::{Value, json};

/// One Lambda function of the template.
#[derive(Debug, Clone)]
pub struct Function {
    /// Cargo package and binary name (`functions/<name>`).
    pub name: &'static str,
    /// Which event, and why it does no AWS I/O.
    pub event_note: &'static str,
    /// The event, as the Runtime API hands it out.
    pub event: String,
    /// Extra environment variables (the template's per-function `Environment`).
    pub env: Vec<(&'static str, &'static str)>,
    /// Reads the page token key from Secrets Manager at init (`PAGE_TOKEN_SECRET_ARN`):
    /// the bench gives it one in moto, so that init pays that call as on AWS.
    pub page_key: bool,
    /// The event's answer is a function error (a resolver's refusal is one).
    pub expects_error: bool,
}

const TABLES: [(&str, &str); 4] = [
    ("ACCOUNTS_TABLE_NAME", "banking-dev-accounts"),
    ("TRANSACTIONS_TABLE_NAME", "banking-dev-transactions"),
    ("COGNITO_USER_POOL_ID", "us-east-1_EXAMPLE"),
    ("COGNITO_CLIENT_ID", "example-client-id"),
];

/// The environment every function gets on Lambda (Globals and the runtime's own),
/// with dummy credentials and no endpoint override.
pub fn base_env(name: &str, runtime_api: &str) -> Vec<(String, String)> {
    let fixed = [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("AWS_SESSION_TOKEN", "bench-session-token"),
        ("AWS_LAMBDA_FUNCTION_NAME", name),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench"),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        ("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000"),
        ("_X_AMZN_TRACE_ID", ""),
        ("LAMBDA_TASK_ROOT", "/var/task"),
        ("RUST_LOG", "info"),
        ("TZ", ":UTC"),
    ];
    fixed
        .into_iter()
        .chain(TABLES)
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn sample(events: &Path, file: &str) -> Result<Value, String> {
    let path = events.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// An API request with neither authorizer claims nor a bearer token: 401 before any I/O.
fn unauthenticated(events: &Path, file: &str) -> Result<String, String> {
    let mut event = sample(events, file)?;
    event["requestContext"]["authorizer"] = Value::Null;
    if let Some(headers) = event["headers"].as_object_mut() {
        headers.retain(|k, _| !k.eq_ignore_ascii_case("authorization"));
    }
    if let Some(headers) = event["multiValueHeaders"].as_object_mut() {
        headers.retain(|k, _| !k.eq_ignore_ascii_case("authorization"));
    }
    Ok(event.to_string())
}

/// A resolver context from an IAM principal: refused before any I/O.
fn iam_resolver_event(events: &Path) -> Result<String, String> {
    let mut event = sample(events, "graphql-request-transaction.json")?;
    event["identity"] = json!({
        "accountId": "123456789012",
        "userArn": "arn:aws:iam::123456789012:user/bench",
        "sourceIp": ["203.0.113.7"],
    });
    Ok(event.to_string())
}

/// The seven functions with their no-I/O events, from the `events/` folder.
pub fn all(events: &Path) -> Result<Vec<Function>, String> {
    let mut login = sample(events, "auth-login.json")?;
    login["body"] = json!("{\"username\":\"\"}");
    let mut stream = sample(events, "process-transactions-stream.json")?;
    if let Some(records) = stream["Records"].as_array_mut() {
        records.truncate(1);
        if let Some(first) = records.first_mut() {
            first["eventName"] = json!("REMOVE");
        }
    }
    let api = |name: &'static str, file: &str, note: &'static str| -> Result<Function, String> {
        Ok(Function {
            name,
            event_note: note,
            event: unauthenticated(events, file)?,
            env: Vec::new(),
            page_key: name != "request-transaction",
            expects_error: false,
        })
    };
    Ok(vec![
        api(
            "accounts",
            "accounts-list.json",
            "accounts-list.json without authorizer claims or token → 401",
        )?,
        Function {
            name: "auth",
            event_note: "auth-login.json with body {\"username\":\"\"} → 400 (validation, no Cognito call)",
            event: login.to_string(),
            env: Vec::new(),
            page_key: false,
            expects_error: false,
        },
        api(
            "get-transactions",
            "transactions-list.json",
            "transactions-list.json without authorizer claims or token → 401",
        )?,
        Function {
            name: "notify",
            event_note: "SQS batch with no records → empty batchItemFailures",
            event: json!({ "Records": [] }).to_string(),
            env: vec![
                (
                    "NOTIFICATION_LOG_TABLE_NAME",
                    "banking-dev-notification-log",
                ),
                ("SES_ENABLED", "true"),
                ("SENDER_EMAIL", "no-reply@bank.example"),
                ("CONTACT_CACHE_TTL_SECONDS", "300"),
            ],
            page_key: false,
            expects_error: false,
        },
        Function {
            name: "process-transactions",
            event_note: "process-transactions-stream.json's first record as a REMOVE → ignored",
            event: stream.to_string(),
            env: vec![(
                "NOTIFICATIONS_QUEUE_URL",
                "https://sqs.us-east-1.amazonaws.com/123456789012/banking-dev-notifications",
            )],
            page_key: false,
            expects_error: false,
        },
        Function {
            name: "events-subscribe",
            event_note: "events-subscribe.json (a holder subscribing to their own channel) → null (allowed)",
            event: sample(events, "events-subscribe.json")?.to_string(),
            env: Vec::new(),
            page_key: false,
            expects_error: false,
        },
        Function {
            name: "graphql",
            event_note: "graphql-request-transaction.json from an IAM caller → UNAUTHORIZED (a Lambda error, as AppSync reads it)",
            event: iam_resolver_event(events)?,
            env: Vec::new(),
            page_key: true,
            expects_error: true,
        },
        api(
            "request-transaction",
            "request-transaction.json",
            "request-transaction.json without authorizer claims or token → 401",
        )?,
    ])
}
