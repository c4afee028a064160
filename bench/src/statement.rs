//! Monthly statements: one statement for an account with 10 000 entries in its month
//! (the time to make it: read the ledger, build, sign, render, store and email; the
//! requests it takes by service; the process's peak memory; the PDF's size), and a run
//! over 25 small accounts, whose requests per account give the fan-out's cost per
//! thousand accounts.
//!
//! The month is seeded through the real settle path, dated in a closed month (see
//! `integration_tests::statements`). Requests are counted by the bench's SDK
//! interceptor on the worker's clients only.

use std::time::Instant;

use integration_tests::statements::StatementsFixture;
use serde_json::{Value, json};
use shared::domain::AccountId;
use shared::statement::Period;
use statements::{Job, Worker};

use crate::cost::PRICES;
use crate::counter::{Counter, Counts};

const ENTRIES: usize = 10_000;
const SMALL_ACCOUNTS: usize = 25;
const PERIOD: &str = "2026-10";
/// One commit settles at most this many transactions with their account.
const CHUNK: usize = 99;

/// KMS asymmetric `Sign` (ECC) and S3 PUT, per request (us-east-1).
const KMS_SIGN: f64 = 0.15 / 10_000.0;
const S3_PUT: f64 = 0.005 / 1_000.0;

/// The bench process's peak resident memory so far (`VmHWM`), in MiB.
fn peak_mib() -> f64 {
    crate::cold_start::peak_rss_kib(std::process::id()).map_or(0.0, |kib| kib / 1024.0)
}

fn by_service(counts: &Counts) -> Value {
    let services = [
        "dynamodb",
        "kms",
        "s3",
        "sesv2",
        "cognitoidentityprovider",
        "sqs",
    ];
    services
        .iter()
        .map(|s| ((*s).to_owned(), json!(counts.service_total(s))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Seeds `entries` deposits and withdrawals on a new account, settled through
/// October; returns the account.
async fn seed(f: &StatementsFixture, entries: usize) -> AccountId {
    let (holder, _) = f.holder().await;
    let account = f
        .open_account_at(&holder, "2026-10-01T00:00:00.000000Z")
        .await;
    let mut settled = 0;
    while settled < entries {
        let n = CHUNK.min(entries - settled);
        let mut keys = Vec::with_capacity(n);
        for i in settled..settled + n {
            let (kind, amount) = if i % 3 == 2 {
                ("WITHDRAWAL", "1.25")
            } else {
                ("DEPOSIT", "2.50")
            };
            keys.push(f.record_pending(&holder, &account, kind, amount).await);
        }
        // Spread over the month: one commit per chunk, a minute apart.
        let minute = settled / CHUNK;
        let at = format!(
            "2026-10-{:02}T{:02}:{:02}:00.000000Z",
            1 + minute / (24 * 60),
            (minute / 60) % 24,
            minute % 60
        );
        f.settle_keys_at(&holder, &account, &keys, &at).await;
        settled += n;
    }
    account
}

/// The part's JSON.
pub async fn run() -> Result<Value, String> {
    let f = StatementsFixture::new(200).await;
    let counter = Counter::default();
    let config = f.api.stack.config.clone().with_interceptor(counter.clone());
    let worker = Worker::new(&config, &f.settings);
    let period = Period::parse(PERIOD).map_err(|e| e.to_string())?;

    eprintln!("statement: seeding {ENTRIES} entries");
    let account = seed(&f, ENTRIES).await;
    let job = Job::Account {
        period: PERIOD.to_owned(),
        account_id: account.to_string(),
        resend: false,
    };
    let before = peak_mib();
    counter.reset();
    let started = Instant::now();
    worker
        .job(&job, chrono::Utc::now())
        .await
        .map_err(|e| format!("statement: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let counts = counter.snapshot();
    let record = f
        .statements
        .get(&account, &period)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("statement: none made")?;
    let pdf_bytes = f.object(&record.pdf_key).await.len();
    let json_bytes = f.object(&record.json_key).await.len();
    let big = json!({
        "entries": record.entries,
        "seconds": seconds,
        "peakMiB": peak_mib(),
        "peakBeforeMiB": before,
        "requests": by_service(&counts),
        "dynamodbRru": counts.measured_rru(),
        "pdfBytes": pdf_bytes,
        "jsonBytes": json_bytes,
    });

    eprintln!("statement: a run over {SMALL_ACCOUNTS} small accounts");
    for _ in 0..SMALL_ACCOUNTS {
        seed(&f, 3).await;
    }
    counter.reset();
    let run = Job::Run {
        period: Some(PERIOD.to_owned()),
        after: None,
    };
    let started = Instant::now();
    worker
        .job(&run, chrono::Utc::now())
        .await
        .map_err(|e| format!("run: {e}"))?;
    let handled = 1 + f.drain_with(&worker).await.len();
    let seconds = started.elapsed().as_secs_f64();
    let counts = counter.snapshot();
    let accounts = (SMALL_ACCOUNTS + 1) as f64;
    let per_thousand = |n: u64| n as f64 / accounts * 1000.0;
    let sqs = per_thousand(counts.service_total("sqs"));
    let cost = json!({
        "dynamodbRequests": per_thousand(counts.service_total("dynamodb")),
        "kmsSign": per_thousand(counts.service_total("kms")),
        "s3Requests": per_thousand(counts.service_total("s3")),
        "sqsRequests": sqs,
        "emails": per_thousand(counts.service_total("sesv2")),
        "usd": {
            "dynamodb": counts.measured_wru() / accounts * 1000.0 * PRICES.dynamodb_per_million_wru / 1e6
                + counts.measured_rru() / accounts * 1000.0 * PRICES.dynamodb_per_million_rru / 1e6,
            "kms": per_thousand(counts.service_total("kms")) * KMS_SIGN,
            "s3": per_thousand(counts.service_total("s3")) * S3_PUT,
            // Each message is also received and deleted by the event source mapping.
            "sqs": sqs * 3.0 * PRICES.sqs_per_million_requests / 1e6,
            "ses": per_thousand(counts.service_total("sesv2")) * PRICES.ses_per_thousand_emails / 1000.0,
        },
    });
    Ok(json!({
        "period": PERIOD,
        "statement": big,
        "fanout": {
            "accounts": accounts,
            "messagesHandled": handled,
            "seconds": seconds,
            "requests": by_service(&counts),
            "perThousandAccounts": cost,
        },
    }))
}

/// The report's section.
pub fn markdown(md: &mut String, v: &Value) {
    use std::fmt::Write as _;
    if !v.is_object() {
        return;
    }
    let b = &v["statement"];
    let r = &b["requests"];
    let _ = writeln!(
        md,
        "\n## Monthly statements\n\nOne statement of {} entries ({}): made in {:.2} s (read the ledger, build, sign, render, store, email); peak memory of the bench process {:.0} MiB (before: {:.0} MiB); requests: DynamoDB {}, KMS {}, S3 {}, SES {}, Cognito {}; PDF {} bytes, JSON {} bytes.",
        b["entries"],
        v["period"].as_str().unwrap_or_default(),
        b["seconds"].as_f64().unwrap_or_default(),
        b["peakMiB"].as_f64().unwrap_or_default(),
        b["peakBeforeMiB"].as_f64().unwrap_or_default(),
        r["dynamodb"],
        r["kms"],
        r["s3"],
        r["sesv2"],
        r["cognitoidentityprovider"],
        b["pdfBytes"],
        b["jsonBytes"],
    );
    let f = &v["fanout"];
    let c = &f["perThousandAccounts"];
    let usd = &c["usd"];
    let total: f64 = usd
        .as_object()
        .map(|o| o.values().filter_map(Value::as_f64).sum())
        .unwrap_or_default();
    let _ = writeln!(
        md,
        "\nA run over {} accounts ({} messages, {:.2} s). Per thousand accounts: {:.0} DynamoDB requests, {:.0} KMS signatures, {:.0} S3 requests, {:.0} SQS sends, {:.0} emails; ${total:.4} (DynamoDB ${:.5}, KMS ${:.4}, S3 ${:.4}, SQS ${:.5}, SES ${:.4}; Lambda excluded).",
        f["accounts"],
        f["messagesHandled"],
        f["seconds"].as_f64().unwrap_or_default(),
        c["dynamodbRequests"].as_f64().unwrap_or_default(),
        c["kmsSign"].as_f64().unwrap_or_default(),
        c["s3Requests"].as_f64().unwrap_or_default(),
        c["sqsRequests"].as_f64().unwrap_or_default(),
        c["emails"].as_f64().unwrap_or_default(),
        usd["dynamodb"].as_f64().unwrap_or_default(),
        usd["kms"].as_f64().unwrap_or_default(),
        usd["s3"].as_f64().unwrap_or_default(),
        usd["sqs"].as_f64().unwrap_or_default(),
        usd["ses"].as_f64().unwrap_or_default(),
    );
}
