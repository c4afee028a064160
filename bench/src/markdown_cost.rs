//! The report's cost section and the capacity table it rests on.

use std::fmt::Write as _;

use serde_json::Value;

use crate::markdown::s;

/// Measured capacity units per transaction, by table and index.
pub(crate) fn capacity(md: &mut String, m: &Value) {
    let Some(by) = m["byTableAndIndex"].as_object() else {
        return;
    };
    let _ = writeln!(
        md,
        "DynamoDB capacity per transaction as DynamoDB reported it (`ReturnConsumedCapacity=INDEXES` on every request; method in the cost section): {} WRU in all, {} more in cancelled transactions.\n\n| table / index | WRU | RRU reported |\n|---|---|---|",
        s(&m["wru"]),
        s(&m["cancelledTransactionsWru"])
    );
    for (name, v) in by {
        let _ = writeln!(md, "| {name} | {} | {} |", s(&v["write"]), s(&v["read"]));
    }
    for operation in m["writesEstimatedFor"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "| {} (estimated: not reported locally) | | |",
            operation.as_str().unwrap_or_default()
        );
    }
    md.push('\n');
}

/// The cost section: this run beside the baseline, the prices and the method.
pub(crate) fn cost(md: &mut String, c: &Value) {
    let _ = writeln!(
        md,
        "## Cost (us-east-1, prices as of {})\n",
        s(&c["prices"]["asOf"])
    );
    if !c.is_object() {
        let _ = writeln!(md, "Not computed (no pipeline figures).\n");
        return;
    }
    let (d, before) = (&c["dollarsPerMillionTransactions"], &c["before"]);
    let _ = writeln!(
        md,
        "| per million transactions | USD, this run | USD, before ({}) |\n|---|---|---|",
        s(&before["what"])
    );
    for k in ["apiGateway", "lambda", "dynamodb", "sqs", "total"] {
        let was = &before["dollarsPerMillionTransactions"][k];
        let _ = writeln!(md, "| {k} | {} | {} |", s(&d[k]), s(was));
    }
    // Whether AWS bills a cancelled transaction's items is not documented; shown
    // apart so that the total above is not mistaken for the worst case.
    let price = c["prices"]["dynamodbOnDemandPerMillionWru"].as_f64();
    let if_billed = |total: &Value, cancelled: &Value| match (total.as_f64(), cancelled.as_f64()) {
        (Some(total), Some(cancelled)) => price.map_or_else(
            || "-".to_owned(),
            |price| format!("{:.3}", total + cancelled * price),
        ),
        _ => "-".to_owned(),
    };
    let _ = writeln!(
        md,
        "| total if cancelled transactions are billed ({} / {} WRU per transaction) | {} | {} |",
        s(&c["cancelledTransactionsWru"]),
        s(&before["cancelledTransactionsWru"]),
        if_billed(&d["total"], &c["cancelledTransactionsWru"]),
        if_billed(
            &before["dollarsPerMillionTransactions"]["total"],
            &before["cancelledTransactionsWru"]
        ),
    );
    let (u, was) = (&c["usagePerTransaction"], &before["usagePerTransaction"]);
    for (k, label) in [
        ("wru", "DynamoDB WRU per transaction"),
        ("rru", "DynamoDB RRU per transaction"),
    ] {
        let _ = writeln!(md, "| {label} | {} | {} |", s(&u[k]), s(&was[k]));
    }
    if let Some(by) = before["wruByTableAndIndex"].as_object() {
        let _ = writeln!(
            md,
            "\nBefore, WRU per transaction by table and index:\n\n| table / index | WRU |\n|---|---|"
        );
        for (name, wru) in by {
            let _ = writeln!(md, "| {name} | {} |", s(wru));
        }
    }
    let n = &c["dollarsPerNotification"];
    let _ = writeln!(
        md,
        "\nPer notification: email (SES) ${}, SMS to the US (SNS) ${} plus carrier fees. Cognito: {}.\n\nUnit prices: {}\n\nAssumptions:\n",
        s(&n["email"]),
        s(&n["smsUs"]),
        s(&c["prices"]["cognito"]),
        s(&c["prices"])
    );
    for a in c["assumptions"].as_array().into_iter().flatten() {
        let _ = writeln!(md, "- {}", s(a));
    }
    md.push('\n');
}
