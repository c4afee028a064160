//! `report.md`: the report's JSON as tables.

use std::fmt::Write as _;

use serde_json::Value;

pub(crate) fn s(v: &Value) -> String {
    match v {
        Value::String(text) => text.clone(),
        Value::Null => "–".to_owned(),
        other => other.to_string(),
    }
}

fn stat(v: &Value) -> String {
    format!("{} / {} / {}", s(&v["median"]), s(&v["p90"]), s(&v["max"]))
}

/// Renders the whole report.
pub fn render(report: &Value) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Benchmark report\n\nGenerated {} by `make bench`.\n",
        s(&report["generatedAt"])
    );
    targets(&mut md, report);
    cold_start(&mut md, &report["coldStart"]);
    handler(&mut md, &report["handler"]);
    pipeline(&mut md, &report["pipeline"]);
    hot_account(&mut md, &report["hotAccount"]);
    ledger(&mut md, &report["ledger"]);
    holds(&mut md, &report["holds"]);
    graphql(&mut md, &report["graphql"]);
    live(&mut md, &report["liveEvents"]);
    crate::statement::markdown(&mut md, &report["statements"]);
    crate::markdown_cost::cost(&mut md, &report["cost"]);
    md
}

fn graphql(md: &mut String, g: &Value) {
    if !g.is_object() {
        return;
    }
    let q = &g["accountsWithTransactions"];
    let r = &g["requestTransaction"];
    let _ = writeln!(
        md,
        "\n## GraphQL resolver\n\n{}.\n\n| query | invocations | DynamoDB requests | p50 / p99 ms |\n|---|---|---|---|\n| `{}` | {} | {} | {} / {} |\n| `requestTransaction` | {} | {} per call | {} / {} |",
        s(&g["how"]),
        s(&q["query"]),
        s(&q["invocations"]),
        s(&q["dynamodbRequests"]),
        s(&q["latencyMs"]["median"]),
        s(&q["latencyMs"]["p99"]),
        s(&r["invocations"]),
        s(&r["dynamodbRequestsPerCall"]),
        s(&r["latencyMs"]["median"]),
        s(&r["latencyMs"]["p99"]),
    );
    let e = &g["endpoint"];
    if e.is_object() {
        let _ = writeln!(
            md,
            "\nThrough the local endpoint ({}): `requestTransaction` p50 / p99 {} / {} ms; the accounts query {} / {} ms.",
            s(&e["how"]),
            s(&e["requestTransactionMs"]["median"]),
            s(&e["requestTransactionMs"]["p99"]),
            s(&e["accountsQueryMs"]["median"]),
            s(&e["accountsQueryMs"]["p99"]),
        );
    }
}

fn live(md: &mut String, l: &Value) {
    if !l.is_object() {
        return;
    }
    let ms = |v: &Value| format!("{} / {}", s(&v["median"]), s(&v["p99"]));
    let row = |name: &str, v: &Value| {
        format!(
            "| {name} | {} | {} | {} | {} |",
            ms(&v["postTo201Ms"]),
            ms(&v["postToLiveEventMs"]),
            ms(&v["createdToProcessedMs"]),
            ms(&v["processedToReceivedMs"]),
        )
    };
    let load = &l["underLoad"]["load"];
    let _ = writeln!(
        md,
        "\n## Live events\n\nThe local runtime in-process, one holder subscribed to `/users/<sub>` over the AppSync Events WebSocket, {} deposits one after the other at idle, then as many while {} other clients send {} transactions ({} accepted, {} per second). p50 / p99 in ms.\n\n| run | POST → 201 | POST → event received | createdAt → processedAt (ledger) | processedAt → received (queue, notify, publish) |\n|---|---|---|---|---|\n{}\n{}\n\nA signed `POST /event` reaches the subscriber in {} ms; notify makes one publish request per holder told ({} per settled deposit).",
        s(&l["deposits"]),
        s(&load["clients"]),
        s(&load["transactions"]),
        s(&load["accepted"]),
        s(&load["perSecond"]),
        row("idle", &l["idle"]),
        row("under load", &l["underLoad"]["series"]),
        ms(&l["signedPublishToSubscriberMs"]),
        s(&l["publishesPerHolderTold"]),
    );
}

fn ledger(md: &mut String, l: &Value) {
    let Some(runs) = l["runs"].as_array() else {
        return;
    };
    let _ = writeln!(
        md,
        "\n## Ledger consumer: idle and under load, one and several shards\n\nEach run is the pipeline on a fresh local stack; several shards means the local runtime's virtual shards, consumed concurrently as Lambda consumes a stream's shards. 201 → COMPLETED is `createdAt` → `processedAt`; the stream mapping's 1 s batching window is part of it, as on AWS.\n\n| run | applied/s | 201 → COMPLETED p50 / p99 ms | completed / rejected / pending | DynamoDB requests per tx |\n|---|---|---|---|---|"
    );
    for r in runs {
        let _ = writeln!(
            md,
            "| {} | {} | {} / {} | {} / {} / {} | {} |",
            s(&r["name"]),
            s(&r["appliedPerSecond"]),
            s(&r["createdToProcessedMs"]["median"]),
            s(&r["createdToProcessedMs"]["p99"]),
            s(&r["completed"]),
            s(&r["rejected"]),
            s(&r["pending"]),
            s(&r["dynamodbPerTransaction"]),
        );
    }
}

fn holds(md: &mut String, h: &Value) {
    if !h.is_object() {
        return;
    }
    let _ = writeln!(
        md,
        "\n## Holds: requests per HOLD and per CAPTURE\n\n{} holds of 5.00 from {} concurrent clients over {} users (funded first, not counted), then a capture of 3.00 of each (the rest released). {}\n\n| per | accepted | DynamoDB requests (attempts) | WRU measured (+ in cancelled transactions) / RRU reported | estimated WRU / RRU | account writes | SQS requests |\n|---|---|---|---|---|---|---|",
        s(&h["holds"]),
        s(&h["concurrency"]),
        s(&h["users"]),
        s(&h["note"])
    );
    let rows = [("HOLD", &h["perHold"]), ("CAPTURE", &h["perCapture"])];
    for (name, p) in rows {
        let _ = writeln!(
            md,
            "| {name} | {} | {} ({}) | {} (+ {}) / {} | {} / {} | {} | {} |",
            s(&p["accepted"]),
            s(&p["dynamodb"]),
            s(&p["dynamodbAttempts"]),
            s(&p["measured"]["wru"]),
            s(&p["measured"]["cancelledTransactionsWru"]),
            s(&p["measured"]["rruReported"]),
            s(&p["wru"]),
            s(&p["rru"]),
            s(&p["accountWrites"]),
            s(&p["sqs"]),
        );
    }
    let _ = writeln!(
        md,
        "\n| operation | per HOLD | per CAPTURE |\n|---|---|---|"
    );
    let mut operations: Vec<&String> = rows
        .iter()
        .flat_map(|(_, p)| {
            p["byOperation"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.keys())
        })
        .collect();
    operations.sort();
    operations.dedup();
    for op in operations {
        let _ = writeln!(
            md,
            "| {op} | {} | {} |",
            s(&h["perHold"]["byOperation"][op.as_str()]),
            s(&h["perCapture"]["byOperation"][op.as_str()])
        );
    }
    md.push('\n');
}

fn targets(md: &mut String, report: &Value) {
    let _ = writeln!(
        md,
        "## Targets\n\n| target | measured | limit | met |\n|---|---|---|---|"
    );
    for t in report["targets"].as_array().into_iter().flatten() {
        let met = if t["met"] == true {
            "yes".to_owned()
        } else {
            format!("**no** (+{})", s(&t["by"]))
        };
        let _ = writeln!(
            md,
            "| {} | {} {} | {} | {met} |",
            s(&t["target"]),
            s(&t["measured"]),
            s(&t["unit"]),
            s(&t["limit"])
        );
    }
    md.push('\n');
}

fn cold_start(md: &mut String, part: &Value) {
    let Some(functions) = part["functions"].as_array() else {
        let _ = writeln!(md, "## Cold start\n\nNot measured.\n");
        return;
    };
    let _ = writeln!(
        md,
        "## Cold start (release `bootstrap`, local Runtime API stub)\n"
    );
    let _ = writeln!(
        md,
        "Each binary spawned {} times. Init = exec → first `GET /next`; first invocation = event handed out → response posted; peak RSS = `VmHWM`. Values median / p90 / max.\n",
        functions.first().map_or(String::new(), |f| s(&f["runs"]))
    );
    let _ = writeln!(
        md,
        "| function | init ms | first invocation ms | peak RSS MiB | zip bytes (MB) | event |\n|---|---|---|---|---|---|"
    );
    for f in functions {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} ({}) | {} |",
            s(&f["function"]),
            stat(&f["initMs"]),
            stat(&f["firstInvocationMs"]),
            stat(&f["peakRssMiB"]),
            s(&f["zipBytes"]),
            s(&f["zipMB"]),
            s(&f["event"])
        );
    }
    md.push('\n');
}

fn handler(md: &mut String, part: &Value) {
    let _ = writeln!(md, "## Handler CPU per request (criterion)\n");
    if part.is_object() {
        let _ = writeln!(
            md,
            "`request_transaction::App::handle` on a REST proxy request with authorizer claims, DynamoDB answered in-process (PutItem; the account GetItem only on the first request, cached after): mean **{} µs** (95% CI {}–{}), median {} µs. Target ≤ 50 µs.\n",
            s(&part["meanUs"]),
            s(&part["meanLowerUs"]),
            s(&part["meanUpperUs"]),
            s(&part["medianUs"])
        );
        handler_parts(md, part);
    } else {
        let _ = writeln!(md, "Not measured.\n");
    }
}

fn pipeline(md: &mut String, p: &Value) {
    let _ = writeln!(md, "## End-to-end local pipeline\n");
    if !p.is_object() {
        let _ = writeln!(md, "Not measured.\n");
        return;
    }
    let _ = writeln!(
        md,
        "{} transactions (`POST /transactions`) from {} concurrent clients over {} users, each with an email and a phone (one email + one SMS per transaction). Accepted {}; other statuses: {}.\n",
        s(&p["transactions"]),
        s(&p["concurrency"]),
        s(&p["users"]),
        s(&p["accepted"]),
        s(&p["failedStatuses"])
    );
    let rows = [
        (
            "ingest throughput",
            format!(
                "{} /s ({} s)",
                s(&p["ingest"]["perSecond"]),
                s(&p["ingest"]["seconds"])
            ),
        ),
        (
            "ingest latency p50 / p99 ms (POST → 201)",
            format!(
                "{} / {}",
                s(&p["ingest"]["latencyMs"]["median"]),
                s(&p["ingest"]["latencyMs"]["p99"])
            ),
        ),
        (
            "201 → COMPLETED/REJECTED p50 / p99 ms (processedAt − createdAt)",
            format!(
                "{} / {}",
                s(&p["settled"]["createdToProcessedMs"]["median"]),
                s(&p["settled"]["createdToProcessedMs"]["p99"])
            ),
        ),
        (
            "completed / rejected / pending",
            format!(
                "{} / {} / {}",
                s(&p["settled"]["completed"]),
                s(&p["settled"]["rejected"]),
                s(&p["settled"]["pending"])
            ),
        ),
        (
            "applied throughput (first createdAt → last processedAt)",
            format!("{} /s", s(&p["settled"]["appliedPerSecond"])),
        ),
        (
            "emails / SMS sent",
            format!(
                "{} / {}",
                s(&p["notified"]["emails"]),
                s(&p["notified"]["sms"])
            ),
        ),
        (
            "end to end (first POST → last notification)",
            format!(
                "{} s, {} transactions/s",
                s(&p["notified"]["firstPostToLastNotificationS"]),
                s(&p["notified"]["endToEndPerSecond"])
            ),
        ),
        (
            "emulator raw conditional PutItem rate (same concurrency)",
            format!("{} /s", s(&p["rawConditionalPutItem"]["perSecond"])),
        ),
        (
            "applied throughput / raw PutItem rate",
            s(&p["rawConditionalPutItem"]["pipelineAppliedToRawRatio"]),
        ),
        (
            "DynamoDB requests per transaction",
            format!(
                "{} (attempts {})",
                s(&p["perTransaction"]["dynamodb"]),
                s(&p["perTransaction"]["dynamodbAttempts"])
            ),
        ),
        (
            "SQS requests per notification",
            s(&p["perNotification"]["sqs"]),
        ),
        (
            "Cognito requests per notification",
            s(&p["perNotification"]["cognito"]),
        ),
        (
            "SES / SNS requests per notification",
            format!(
                "{} / {}",
                s(&p["perNotification"]["ses"]),
                s(&p["perNotification"]["sns"])
            ),
        ),
        (
            "estimated WRU / RRU per transaction (base tables)",
            format!(
                "{} / {}",
                s(&p["perTransaction"]["wru"]),
                s(&p["perTransaction"]["rru"])
            ),
        ),
    ];
    let _ = writeln!(md, "| measure | value |\n|---|---|");
    for (k, v) in rows {
        let _ = writeln!(md, "| {k} | {v} |");
    }
    let _ = writeln!(
        md,
        "\nAWS requests per transaction, by operation (operations; retries are in `report.json` → `pipeline.requests.attempts`):\n\n| operation | per transaction |\n|---|---|"
    );
    for (op, v) in p["perTransaction"]["byOperation"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let _ = writeln!(md, "| {op} | {} |", s(v));
    }
    md.push('\n');
    crate::markdown_cost::capacity(md, &p["perTransaction"]["measured"]);
}

fn hot_account(md: &mut String, h: &Value) {
    let _ = writeln!(
        md,
        "## Hot account (stream consumer, batch size {})\n",
        s(&h["batchSize"])
    );
    if !h.is_object() {
        let _ = writeln!(md, "Not measured.\n");
        return;
    }
    let _ = writeln!(
        md,
        "{} deposits and withdrawals on one account (after one opening deposit), read from the DynamoDB Local stream and handed to `process_transactions::App::handle`.\n",
        s(&h["transactions"])
    );
    let _ = writeln!(
        md,
        "| run | applied | completed / rejected / pending | seconds | applied/s | account writes per tx | account-writing requests per tx | DynamoDB requests per tx | redeliveries |\n|---|---|---|---|---|---|---|---|---|"
    );
    let run = &h["run"];
    if run.is_object() {
        let _ = writeln!(
            md,
            "| as built: one write path, batched | {} | {} / {} / {} | {} | {} | {} | {} | {} | {} |",
            s(&run["applied"]),
            s(&run["completed"]),
            s(&run["rejected"]),
            s(&run["pending"]),
            s(&run["seconds"]),
            s(&run["appliedPerSecond"]),
            s(&run["accountWritesPerTransaction"]),
            s(&run["accountWriteRequestsPerTransaction"]),
            s(&run["dynamodbRequestsPerTransaction"]),
            s(&run["redeliveries"])
        );
    }
    md.push('\n');
}

/// Where the handler's time goes: its parts measured alone, and the rest (our code).
fn handler_parts(md: &mut String, part: &Value) {
    let Some(parts) = part["parts"].as_array() else {
        return;
    };
    let measured: Vec<(&str, f64)> = parts
        .iter()
        .filter_map(|p| Some((p["what"].as_str()?, p["meanUs"].as_f64()?)))
        .collect();
    let Some(total) = part["meanUs"].as_f64() else {
        return;
    };
    if measured.is_empty() {
        return;
    }
    let _ = writeln!(md, "| part (measured alone) | µs |\n|---|---|");
    for (what, us) in &measured {
        let _ = writeln!(md, "| {what} | {us:.1} |");
    }
    let rest = total - measured.iter().map(|(_, us)| us).sum::<f64>();
    let _ = writeln!(
        md,
        "| the rest: body parsing and validation, the item, the response JSON (rendered again for a replay, not stored), allocation | {rest:.1} |\n"
    );
    if total > 50.0 {
        let _ = writeln!(
            md,
            "Why the target is missed: the AWS SDK's request pipeline alone (one signed, serialised `PutItem`) costs about as much as the whole budget, and the profile of the rest is flat (malloc/free, memmove, SHA-256, JSON escaping, header maps) with no hotspot to remove. Meeting 50 µs would mean bypassing the SDK. At 128 MB this CPU costs about $0.0000002 per request, beside 5–10 ms waiting on DynamoDB.\n"
        );
    }
}
