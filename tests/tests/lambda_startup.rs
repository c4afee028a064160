//! What each Lambda does at start-up, from the environment `template.yml` gives it:
//! its configuration (table names, secret, user pool, bounds), its logging set-up and
//! where its metrics go. Environment variables belong to the process, so each case runs
//! in a child process of this test binary (the ignored test `child`) with exactly the
//! variables under test; the child prints its outcome on stderr, logs and metrics go to
//! stdout as on Lambda.

use std::process::{Command, Output};

use integration_tests::api::{ApiEvent, Caller, Reply};
use integration_tests::{TestStack, canned, cognito, tables};
use serde_json::Value;
use shared::metrics::{Metrics, Unit};

/// Names the case the child runs.
const CASE: &str = "BANK_STARTUP_CASE";
/// The line of the child's stderr that carries its outcome.
const OUTCOME: &str = "OUTCOME: ";

/// Variables a Lambda may read at start-up: unset in the child unless a case sets them.
const STARTUP_VARS: [&str; 13] = [
    "ACCOUNTS_TABLE_NAME",
    "TRANSACTIONS_TABLE_NAME",
    "PAGE_TOKEN_SECRET_ARN",
    "COGNITO_USER_POOL_ID",
    "COGNITO_CLIENT_ID",
    "COGNITO_ISSUER",
    "COGNITO_JWKS_URL",
    "PENDING_MAX_AGE_SECONDS",
    "ENVIRONMENT",
    "AWS_LAMBDA_FUNCTION_NAME",
    "LOG_FORMAT",
    "RUST_LOG",
    "NO_COLOR",
];

/// A well-formed RS256 token of key `k1` (never valid: its signature is not one).
const RS256_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.e30.c2ln";

/// What a child printed.
#[derive(Debug)]
struct Child {
    outcome: String,
    /// The JSON documents of its stdout (structured logs, EMF metrics).
    json: Vec<Value>,
    stdout: String,
}

/// Runs `case` in a child process with `vars` set (the other start-up variables unset).
fn run(case: &str, vars: &[(&str, &str)]) -> Child {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("this test binary: {e}"));
    let mut command = Command::new(exe);
    command.args([
        "child",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for var in STARTUP_VARS {
        command.env_remove(var);
    }
    command.env(CASE, case).envs(vars.iter().copied());
    let Output {
        status,
        stdout,
        stderr,
    } = command
        .output()
        .unwrap_or_else(|e| panic!("child {case}: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    );
    assert!(
        status.success(),
        "child {case}: {status}\n{stdout}\n{stderr}"
    );
    let outcome = stderr
        .lines()
        .find_map(|line| line.strip_prefix(OUTCOME))
        .unwrap_or_else(|| panic!("child {case} told nothing:\n{stderr}"))
        .to_owned();
    // (libtest's `test child ... ` may start the first line.)
    let json = stdout
        .lines()
        .filter_map(|line| serde_json::from_str(&line[line.find('{')?..]).ok())
        .collect();
    Child {
        outcome,
        json,
        stdout,
    }
}

/// The entry point of the child processes: runs the case `BANK_STARTUP_CASE` names.
#[test]
#[ignore = "runs only in the child processes the other tests start"]
fn child() {
    let case = std::env::var(CASE).unwrap_or_default();
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let outcome = runtime.block_on(child_case(&case));
    eprintln!("{OUTCOME}{outcome}");
}

/// `ok` or `err: <message>` of a start-up result.
fn told<T, E: std::fmt::Display>(result: Result<T, E>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("err: {e}"),
    }
}

async fn child_case(case: &str) -> String {
    let config = shared::aws::load_config().await;
    match case {
        "tables" => match shared::store::TableNames::from_env() {
            Ok(names) => format!("ok: {} {}", names.accounts, names.transactions),
            Err(missing) => format!("err: {missing}"),
        },
        "page-secret" => told(shared::paging::secret::from_env(&config).await),
        "accounts" => {
            let pages = match shared::paging::secret::from_env(&config).await {
                Ok(pages) => pages,
                Err(e) => return format!("err: {e}"),
            };
            match accounts::App::from_env(&config, pages) {
                // Started: it answers from the tables it was given, and checks a bearer
                // token (no authorizer claims) against the user pool, if it has one.
                Ok(app) => {
                    let event = ApiEvent::from_sample("accounts-list.json")
                        .caller(Some(&Caller::new_user()));
                    let reply = Reply::from(app.handle(event.request()).await);
                    let bearer = ApiEvent::from_sample("accounts-list.json")
                        .caller(None)
                        .header("Authorization", Some(&format!("Bearer {RS256_TOKEN}")));
                    let checked = Reply::from(app.handle(bearer.request()).await);
                    format!(
                        "ok: {} {} bearer {}",
                        reply.status, reply.text, checked.status
                    )
                }
                Err(e) => format!("err: {e}"),
            }
        }
        "get-transactions" => {
            let pages = match shared::paging::secret::from_env(&config).await {
                Ok(pages) => pages,
                Err(e) => return format!("err: {e}"),
            };
            match get_transactions::App::from_env(&config, pages) {
                Ok(app) => {
                    let event = ApiEvent::from_sample("transactions-list.json")
                        .caller(Some(&Caller::new_user()));
                    let reply = Reply::from(app.handle(event.request()).await);
                    format!("ok: {} {}", reply.status, reply.text)
                }
                Err(e) => format!("err: {e}"),
            }
        }
        "graphql" => {
            let pages = match shared::paging::secret::from_env(&config).await {
                Ok(pages) => pages,
                Err(e) => return format!("err: {e}"),
            };
            told(graphql::App::from_env(&config, pages))
        }
        "request-transaction" => told(request_transaction::App::from_env(&config)),
        "reconcile-pending" => match reconcile_pending::App::from_env(&config) {
            Ok(app) => match app.run(shared::settle::Deadline::none()).await {
                Ok(report) => format!("ok: {} pending", report.pending),
                Err(e) => format!("run failed: {e}"),
            },
            Err(e) => format!("err: {e}"),
        },
        "auth" => told(auth::AuthApp::from_env(&config)),
        "logs" => {
            shared::telemetry::init();
            // A second init (a handler built twice) changes nothing and does not fail.
            shared::telemetry::init();
            tracing::info!(user_id = "u-1", "signed in");
            tracing::debug!("caller identified");
            tracing::debug!(target: "lambda_runtime", "runtime noise");
            "ok".to_owned()
        }
        "metrics" => {
            let metrics = Metrics::from_env();
            let mut invocation = metrics.invocation();
            invocation.metric("TransactionsRecorded", Unit::Count, 1.0);
            metrics.emit(&invocation);
            // An invocation that measured nothing writes nothing.
            metrics.emit(&metrics.invocation());
            format!("ok: {}", metrics.environment())
        }
        other => format!("unknown case {other:?}"),
    }
}

/// The variables naming `names`' tables.
fn table_vars(names: &shared::store::TableNames) -> Vec<(&'static str, String)> {
    vec![
        ("ACCOUNTS_TABLE_NAME", names.accounts.clone()),
        ("TRANSACTIONS_TABLE_NAME", names.transactions.clone()),
    ]
}

fn borrowed<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn table_names_come_from_the_environment_and_a_missing_or_empty_one_is_named() {
    let both = [
        ("ACCOUNTS_TABLE_NAME", "acc-dev"),
        ("TRANSACTIONS_TABLE_NAME", "tx-dev"),
    ];
    assert_eq!(run("tables", &both).outcome, "ok: acc-dev tx-dev");
    assert_eq!(
        run("tables", &both[..1]).outcome,
        "err: TRANSACTIONS_TABLE_NAME"
    );
    assert_eq!(
        run("tables", &[("ACCOUNTS_TABLE_NAME", ""), both[1]]).outcome,
        "err: ACCOUNTS_TABLE_NAME"
    );
}

#[tokio::test]
async fn the_page_token_key_is_read_from_the_secret_the_environment_names() {
    let stack = TestStack::connect().await;
    let arn = stack.create_page_token_secret().await;
    assert_eq!(
        run("page-secret", &[("PAGE_TOKEN_SECRET_ARN", arn.as_str())]).outcome,
        "ok"
    );
    assert_eq!(
        run("page-secret", &[("PAGE_TOKEN_SECRET_ARN", " ")]).outcome,
        "err: PAGE_TOKEN_SECRET_ARN is not set"
    );
    assert_eq!(
        run("page-secret", &[]).outcome,
        "err: PAGE_TOKEN_SECRET_ARN is not set"
    );
    // A secret that does not exist stops the start with Secrets Manager's code, and
    // never a key's value.
    let missing = format!("{arn}-gone");
    let outcome = run(
        "page-secret",
        &[("PAGE_TOKEN_SECRET_ARN", missing.as_str())],
    )
    .outcome;
    assert_eq!(
        outcome,
        format!("err: GetSecretValue {missing}: ResourceNotFoundException")
    );
}

#[tokio::test]
async fn the_listing_functions_start_on_the_named_tables_and_secret_and_name_what_is_missing() {
    let stack = TestStack::connect().await;
    let names = tables::create_tables(&stack).await;
    let arn = stack.create_page_token_secret().await;
    let mut vars = table_vars(&names);
    vars.push(("PAGE_TOKEN_SECRET_ARN", arn.clone()));

    for (case, empty) in [
        ("accounts", r#"ok: 200 {"items":[]} bearer 401"#),
        ("get-transactions", r#"ok: 200 {"items":[]}"#),
        ("graphql", "ok"),
    ] {
        assert_eq!(run(case, &borrowed(&vars)).outcome, empty, "{case}");
        // No table names: the start fails and says which variable.
        let no_tables = [("PAGE_TOKEN_SECRET_ARN", arn.as_str())];
        assert_eq!(
            run(case, &no_tables).outcome,
            "err: ACCOUNTS_TABLE_NAME is not set",
            "{case}"
        );
        // No secret: the start fails before the tables are looked at.
        assert_eq!(
            run(case, &borrowed(&vars[..2])).outcome,
            "err: PAGE_TOKEN_SECRET_ARN is not set",
            "{case}"
        );
    }
}

#[tokio::test]
async fn with_a_user_pool_configured_a_bearer_token_is_checked_against_the_pools_keys() {
    let stack = TestStack::connect().await;
    let names = tables::create_tables(&stack).await;
    let arn = stack.create_page_token_secret().await;
    let keys = canned::refused_url().await;
    let mut vars = table_vars(&names);
    vars.push(("PAGE_TOKEN_SECRET_ARN", arn));
    vars.push(("COGNITO_USER_POOL_ID", "us-east-1_Startup".to_owned()));
    vars.push(("COGNITO_CLIENT_ID", "startup-client".to_owned()));
    vars.push(("COGNITO_JWKS_URL", format!("{keys}/jwks.json")));
    // Its keys cannot be fetched: 503 to retry, not a 401 that would sign the user out.
    assert_eq!(
        run("accounts", &borrowed(&vars)).outcome,
        r#"ok: 200 {"items":[]} bearer 503"#
    );
}

#[tokio::test]
async fn recording_and_reconciling_start_on_the_named_tables_with_their_bounds() {
    let stack = TestStack::connect().await;
    let names = tables::create_tables(&stack).await;
    let vars = table_vars(&names);
    let tables = borrowed(&vars);

    assert_eq!(run("request-transaction", &tables).outcome, "ok");
    assert_eq!(
        run("request-transaction", &tables[1..]).outcome,
        "err: ACCOUNTS_TABLE_NAME is not set"
    );

    // The reconciler reads the tables it is given: nothing PENDING in fresh ones.
    assert_eq!(run("reconcile-pending", &tables).outcome, "ok: 0 pending");
    let mut bounded = tables.clone();
    bounded.push(("PENDING_MAX_AGE_SECONDS", "300"));
    assert_eq!(run("reconcile-pending", &bounded).outcome, "ok: 0 pending");
    let mut wrong = tables.clone();
    wrong.push(("PENDING_MAX_AGE_SECONDS", "2m"));
    assert_eq!(
        run("reconcile-pending", &wrong).outcome,
        r#"err: PENDING_MAX_AGE_SECONDS must be a whole number of seconds, not "2m""#
    );
    assert_eq!(
        run("reconcile-pending", &tables[..1]).outcome,
        "err: TRANSACTIONS_TABLE_NAME is not set"
    );
}

#[tokio::test]
async fn the_auth_function_needs_its_user_pool_and_app_client() {
    let stack = TestStack::connect().await;
    let pool = cognito::create_pool(&stack).await;
    let both = [
        ("COGNITO_USER_POOL_ID", pool.pool_id.as_str()),
        ("COGNITO_CLIENT_ID", pool.client_id.as_str()),
    ];
    assert_eq!(run("auth", &both).outcome, "ok");
    assert_eq!(
        run("auth", &both[..1]).outcome,
        "err: environment variable COGNITO_CLIENT_ID is not set"
    );
    assert_eq!(
        run("auth", &[("COGNITO_USER_POOL_ID", "  "), both[1]]).outcome,
        "err: environment variable COGNITO_USER_POOL_ID is not set"
    );
}

#[test]
fn on_lambda_logs_are_json_lines_without_a_timestamp_and_at_info_unless_rust_log_says() {
    let lambda = [("AWS_LAMBDA_FUNCTION_NAME", "bank-accounts-dev")];
    let child = run("logs", &lambda);
    assert_eq!(child.outcome, "ok");
    let [line] = child.json.as_slice() else {
        panic!("one log line expected: {}", child.stdout);
    };
    assert_eq!(line["level"], "INFO", "{line}");
    assert_eq!(line["fields"]["message"], "signed in", "{line}");
    assert_eq!(line["fields"]["user_id"], "u-1", "{line}");
    // Lambda stamps each line itself; the target would only repeat the crate.
    assert!(line.get("timestamp").is_none(), "{line}");
    assert!(line.get("target").is_none(), "{line}");

    // RUST_LOG raises the level for the code, not for the runtime's per-event chatter.
    let debug = run("logs", &[lambda[0], ("RUST_LOG", "debug")]);
    let messages: Vec<&str> = debug
        .json
        .iter()
        .filter_map(|l| l["fields"]["message"].as_str())
        .collect();
    assert_eq!(
        messages,
        ["signed in", "caller identified"],
        "{}",
        debug.stdout
    );
}

#[test]
fn logs_are_plain_text_off_lambda_or_when_log_format_is_text() {
    for vars in [
        vec![("NO_COLOR", "1")],
        vec![
            ("AWS_LAMBDA_FUNCTION_NAME", "bank-accounts-dev"),
            ("LOG_FORMAT", "TEXT"),
            ("NO_COLOR", "1"),
        ],
    ] {
        let child = run("logs", &vars);
        assert!(child.json.is_empty(), "{vars:?}: {}", child.stdout);
        let line = child
            .stdout
            .lines()
            .find(|l| l.contains("signed in"))
            .unwrap_or_else(|| panic!("{vars:?}: no log line in {}", child.stdout));
        assert!(line.contains("INFO") && line.contains("user_id"), "{line}");
        assert!(
            !child.stdout.contains("caller identified"),
            "{}",
            child.stdout
        );
    }
}

#[test]
fn on_lambda_metrics_are_emf_lines_on_stdout_with_the_environment_dimension() {
    for (vars, environment) in [
        (vec![("ENVIRONMENT", "prod")], "prod"),
        (vec![("ENVIRONMENT", "")], "dev"),
        (vec![], "dev"),
    ] {
        let child = run("metrics", &vars);
        assert_eq!(child.outcome, format!("ok: {environment}"));
        let [document] = child.json.as_slice() else {
            panic!("{vars:?}: one EMF line expected: {}", child.stdout);
        };
        assert_eq!(document["Environment"], environment, "{document}");
        assert_eq!(document["TransactionsRecorded"], 1.0, "{document}");
        let directive = &document["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(
            directive["Namespace"],
            shared::metrics::NAMESPACE,
            "{document}"
        );
        assert!(document["_aws"]["Timestamp"].is_i64(), "{document}");
    }
}
