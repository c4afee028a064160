//! A Jepsen-style bank test: hundreds of concurrent clients move money through the
//! local runtime's HTTP API while the functions' AWS calls fail before being sent,
//! lose their responses after being applied, are throttled, or crash their caller; the
//! notifications queue redelivers, and the whole stream is delivered a second time.
//! Holds are placed, captured (in whole or in part), voided (some racing a capture)
//! and left to expire (the reconciler ends them, under the same faults); an operator
//! reverses deposits, withdrawals, transfers and captures, in whole, in part and in
//! parts adding up to more than the original.
//! Then the bank must balance to the cent, every hold end once, no reversal exceed
//! its original, and every holder be told exactly once.
//!
//! `CHAOS_SEED` replays a run's workload and fault draws (the interleaving still
//! varies); `CHAOS_REQUESTS` (default 300) sizes it; `--no-capture` shows the report;
//! `CHAOS_LOG` (an env filter, e.g. `process_transactions=info`) shows the functions' logs.
//! `CHAOS_SHARDS` sets how many virtual shards the stream is spread over (default: the
//! runtime's, 4: different accounts' records are processed concurrently, as on AWS).

use std::sync::Arc;
use std::time::{Duration, Instant};

use integration_tests::chaos::drain::{
    drain, redeliver_stream, shorten_visibility, stream_records,
};
use integration_tests::chaos::holds;
use integration_tests::chaos::invariants::{Check, Facts, check};
use integration_tests::chaos::observe::{self, Sampler, queue_depth, resource};
use integration_tests::chaos::rng::{Rng, seed_from_env};
use integration_tests::chaos::workload::{Op, Outcome, User, create_users, mix, plan, run_all};
use integration_tests::faults::{FaultInjector, Kind, Rule, quiet_injected_panics};
use integration_tests::local::LocalStack;

const USERS: usize = 4;
const ACCOUNTS_PER_USER: usize = 2;
const CLIENTS: usize = 24;
const DEFAULT_REQUESTS: usize = 300;

/// The virtual stream shards of the run (`CHAOS_SHARDS`, else the runtime's default).
fn shards() -> usize {
    std::env::var("CHAOS_SHARDS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(local_runtime::SourceOptions::from_env().stream_shards)
}

fn requests() -> usize {
    std::env::var("CHAOS_REQUESTS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_REQUESTS)
}

/// The faults of the run. Crash rules come first (they count every matching call).
/// DynamoDB faults touch the ledger tables only, and notify's sends only fail before
/// being sent: a provider's lost answer cannot be deduplicated (SES and SNS take no
/// idempotency token), so "exactly once" would not be a fair demand there.
fn rules(s: &LocalStack, n: usize) -> Vec<Rule> {
    // Crash periods shrink with small runs, so every kind still fires.
    let period = |most: u64| (u64::try_from(n).unwrap_or(u64::MAX) / 8).clamp(5, most);
    let ledger = [
        resource(s, "tables", "AccountsTable"),
        resource(s, "tables", "TransactionsTable"),
    ];
    let log = [resource(s, "tables", "NotificationLogTable")];
    let ddb = "DynamoDB";
    vec![
        // process-transactions dies mid-batch: after a commit, or before reading. It
        // applies a stream batch's transactions together (a few writes per batch),
        // so these calls are few: crash often.
        Rule::periodic(ddb, &["TransactWriteItems"], Kind::CrashAfter, 3, 4).on_tables(&ledger),
        Rule::periodic(ddb, &["BatchGetItem"], Kind::CrashBefore, 4, 3).on_tables(&ledger),
        // notify dies before claiming a message (the message comes back). The claim is
        // the log's only UpdateItem asking for the old item.
        Rule::periodic(ddb, &["UpdateItem"], Kind::CrashBefore, period(41), 5)
            .on_tables(&log)
            .with_body("\"ReturnValues\":\"ALL_OLD\""),
        Rule::random(ddb, &[], Kind::Throttle, 500).on_tables(&ledger),
        // Contention: one commit in eight is cancelled for a transaction conflict.
        Rule::random(ddb, &["TransactWriteItems"], Kind::Conflict, 1_250).on_tables(&ledger),
        Rule::random(ddb, &["GetItem", "PutItem"], Kind::Fail, 300).on_tables(&ledger),
        Rule::random(ddb, &["GetItem", "PutItem"], Kind::Lose, 300).on_tables(&ledger),
        Rule::random(
            ddb,
            &["BatchGetItem", "TransactWriteItems", "UpdateItem"],
            Kind::Fail,
            1_500,
        )
        .on_tables(&ledger),
        Rule::random(
            ddb,
            &["TransactWriteItems", "UpdateItem"],
            Kind::Lose,
            1_500,
        )
        .on_tables(&ledger),
        // Notifications travel packed, ten to a body: SQS calls are few, so fault them
        // periodically. A lost delete brings its messages back after the visibility
        // timeout.
        Rule::periodic("SQS", &["SendMessageBatch"], Kind::Fail, 3, 2),
        Rule::periodic("SQS", &["SendMessageBatch"], Kind::Lose, 3, 2),
        Rule::periodic("SQS", &["DeleteMessageBatch"], Kind::Lose, 3, 3),
        Rule::random("SESv2", &["SendEmail"], Kind::Fail, 300),
        Rule::random("SNS", &["Publish"], Kind::Fail, 500),
    ]
}

struct Run {
    s: Arc<LocalStack>,
    users: Arc<Vec<User>>,
    outcomes: Vec<Outcome>,
    sampled_negatives: Vec<String>,
}

/// Verifies every invariant on the current state; prints and returns the violations.
async fn verify(run: &Run, phase: &str) -> usize {
    let accounts = observe::accounts(&run.s).await;
    let transactions = observe::transactions(&run.s).await;
    let sent = observe::sent(&run.s, &run.users).await;
    let checks: Vec<Check> = check(&Facts {
        users: &run.users,
        outcomes: &run.outcomes,
        accounts: &accounts,
        transactions: &transactions,
        sent: &sent,
        sampled_negatives: &run.sampled_negatives,
    });
    eprintln!(
        "chaos [{phase}]: {} transactions, {} emails, {} SMS",
        transactions.len(),
        sent.emails.len(),
        sent.sms.len()
    );
    eprintln!("chaos [{phase}]: {}", holds::tally(&transactions));
    let mut violations = 0;
    for c in &checks {
        let verdict = if c.violations.is_empty() {
            "ok"
        } else {
            "VIOLATED"
        };
        eprintln!("chaos [{phase}]:   {verdict:8} {}", c.name);
        for v in c.violations.iter().take(10) {
            eprintln!("chaos [{phase}]:            {v}");
        }
        violations += c.violations.len();
    }
    for (queue, id) in [
        ("ProcessingDLQ", "ProcessingDLQ"),
        ("NotificationsDLQ", "NotificationsDLQ"),
    ] {
        let depth = queue_depth(&run.s, &resource(&run.s, "queues", id)).await;
        eprintln!("chaos [{phase}]:   {queue}: {depth} messages");
        violations += usize::try_from(depth).unwrap_or(usize::MAX);
    }
    violations
}

/// The longest a short hold of the workload lasts before it expires, and then some
/// (see `workload::draw`).
const SHORT_HOLDS: Duration = Duration::from_secs(6);

/// Runs the reconciler (which ends the ACTIVE holds past their `expiresAt`) through
/// `config` until a run finds none due (at most `runs` times: with faults a run may
/// fail or crash, and ends what it can); returns what the runs reported.
async fn expire_holds(s: &LocalStack, config: &shared::aws::SdkConfig, runs: usize) -> String {
    let tables = shared::store::TableNames {
        accounts: resource(s, "tables", "AccountsTable"),
        transactions: resource(s, "tables", "TransactionsTable"),
    };
    let app =
        reconcile_pending::App::new(config, &tables, reconcile_pending::DEFAULT_MAX_AGE, "chaos");
    let mut reports = Vec::new();
    for _ in 0..runs {
        let app = app.clone();
        let run = tokio::spawn(async move { app.run(shared::settle::Deadline::none()).await });
        match run.await {
            Ok(Ok(report)) => {
                reports.push(format!(
                    "{} due/{} expired",
                    report.holds_due, report.holds_expired
                ));
                if report.holds_due == 0 {
                    break;
                }
            }
            Ok(Err(e)) => reports.push(format!("failed ({e})")),
            Err(_) => reports.push("crashed".to_owned()),
        }
    }
    reports.join(", ")
}

fn outcome_summary(ops: &[Op], outcomes: &[Outcome]) -> String {
    let planned: usize = ops.iter().map(|o| o.all().len()).sum();
    let skipped = planned.saturating_sub(outcomes.len());
    let accepted = outcomes.iter().filter(|o| o.accepted()).count();
    let retried: u32 = outcomes.iter().map(|o| o.retried_5xx).sum();
    let replayed: u32 = outcomes.iter().map(|o| o.replayed).sum();
    let requests: usize = outcomes
        .iter()
        .map(|o| o.statuses.len() + usize::from(o.reuse_status.is_some()))
        .sum();
    format!(
        "{requests} requests answered ({accepted} operations accepted; {skipped} follow-ups \
         not sent: their original was rejected), {retried} 5xx retried with the same key, \
         {replayed} answers marked Idempotent-Replayed"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bank_under_injected_faults_balances_to_the_cent_and_notifies_each_holder_once() {
    if let Ok(filter) = std::env::var("CHAOS_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .try_init();
    }
    let started = Instant::now();
    let seed = seed_from_env();
    let n = requests();
    let shards = shards();
    eprintln!(
        "chaos: seed {seed} (CHAOS_SEED={seed} replays it), {n} operations, {shards} stream shards"
    );
    quiet_injected_panics();
    let injector = FaultInjector::new(seed);
    let s = Arc::new(
        LocalStack::start_with_shards(
            {
                let injector = injector.clone();
                move |config| config.with_interceptor(injector)
            },
            shards,
        )
        .await,
    );
    shorten_visibility(&s, 2).await;
    let users = Arc::new(create_users(&s, USERS, ACCOUNTS_PER_USER).await);
    injector.set_rules(rules(&s, n));
    let ops = plan(&mut Rng::new(seed), &users, n);
    eprintln!(
        "chaos: {USERS} users, {} accounts, mix {}",
        USERS * ACCOUNTS_PER_USER,
        mix(&ops)
    );

    let (sampler, sampling) = Sampler::start(Arc::clone(&s), Duration::from_millis(300));
    injector.set_enabled(true);
    let outcomes = run_all(Arc::clone(&s), Arc::clone(&users), ops.clone(), CLIENTS).await;
    let clients_done = Instant::now();
    eprintln!(
        "chaos: clients done after {:?}: {}",
        started.elapsed(),
        outcome_summary(&ops, &outcomes)
    );
    // The reconciler ends the expired holds under the same faults.
    let faulty = s.stack.config.clone().with_interceptor(injector.clone());
    eprintln!(
        "chaos: expiring holds under faults: {}",
        expire_holds(&s, &faulty, 6).await
    );
    // The pipeline keeps working under faults for a while, then drains without them.
    let under_faults = drain(&s, &users, Duration::from_secs(45)).await;
    injector.set_enabled(false);
    let (samples, sampled_negatives) = sampler.stop();
    sampling.abort();
    eprintln!(
        "chaos: under faults: {} after {:?}",
        under_faults.last_state, under_faults.waited
    );
    for (kind, count) in injector.counts() {
        eprintln!("chaos: injected {:18} {count}", kind.name());
    }
    for line in injector.per_rule() {
        eprintln!("chaos:   {line}");
    }
    let first = drain(&s, &users, Duration::from_secs(120)).await;
    // Every short hold has expired by now: any still ACTIVE ends (else the scheduled
    // reconciler could end it while the invariants are read).
    tokio::time::sleep(SHORT_HOLDS.saturating_sub(clients_done.elapsed())).await;
    eprintln!(
        "chaos: expiring holds: {}",
        expire_holds(&s, &s.stack.config, 3).await
    );
    let drained = if first.settled {
        let mut again = drain(&s, &users, Duration::from_secs(60)).await;
        again.waited += first.waited;
        again.processing_replayed += first.processing_replayed;
        again.notifications_replayed += first.notifications_replayed;
        again
    } else {
        first
    };
    eprintln!(
        "chaos: drained={} after {:?} ({}), replayed from ProcessingDLQ {}, NotificationsDLQ {}; \
         {samples} balance samples during the run",
        drained.settled,
        drained.waited,
        drained.last_state,
        under_faults.processing_replayed + drained.processing_replayed,
        under_faults.notifications_replayed + drained.notifications_replayed,
    );
    let run = Run {
        s: Arc::clone(&s),
        users,
        outcomes,
        sampled_negatives,
    };
    let mut violations = verify(&run, "drained").await;

    // The same stream delivered again, every record: nothing may change.
    let expected = stream_records(&observe::transactions(&s).await);
    let (records, failed) = redeliver_stream(&s, expected).await;
    let again = drain(&s, &run.users, Duration::from_secs(60)).await;
    eprintln!(
        "chaos: redelivered {records} stream records ({failed} batches failed); drained={} after {:?}",
        again.settled, again.waited
    );
    violations += failed + verify(&run, "stream redelivered").await;
    eprintln!("chaos: seed {seed}, wall time {:?}", started.elapsed());

    for (kind, count) in injector.counts() {
        assert!(
            count > 0,
            "no {} fault was injected: the run proves nothing about it",
            kind.name()
        );
    }
    assert!(
        drained.settled && again.settled,
        "the pipeline did not drain (seed {seed})"
    );
    assert_eq!(
        violations, 0,
        "invariants violated (seed {seed}): see the report above"
    );
}
