//! DynamoDB on-demand request units, estimated from the JSON a request sends and a
//! response returns (DynamoDB sizes items by attribute names and values; the JSON
//! text is a slight over-estimate, and items here are far below 1 KB either way).

use std::collections::BTreeMap;

use serde_json::Value;

const WRITE_UNIT_BYTES: f64 = 1024.0;
const READ_UNIT_BYTES: f64 = 4096.0;

fn units(bytes: usize, unit: f64) -> f64 {
    (bytes as f64 / unit).ceil().max(1.0)
}

fn size(value: &Value) -> usize {
    value.to_string().len()
}

/// Write request units of one write operation: 1 per KB (item sizes from the request
/// where it carries the item, else 1 KB), twice that inside a transaction.
pub fn write_units(operation: &str, body: &Value) -> f64 {
    match operation {
        "PutItem" => units(size(&body["Item"]), WRITE_UNIT_BYTES),
        "UpdateItem" | "DeleteItem" => 1.0,
        "TransactWriteItems" => body["TransactItems"].as_array().map_or(0.0, |items| {
            items
                .iter()
                .map(|item| 2.0 * units(size(&item["Put"]["Item"]), WRITE_UNIT_BYTES))
                .sum()
        }),
        // PartiQL: each statement is billed as the single write it stands for (the
        // notification log's claims and settles, items far below 1 KB).
        "BatchExecuteStatement" => body["Statements"].as_array().map_or(0.0, |statements| {
            statements
                .iter()
                .filter(|s| {
                    let text = s["Statement"].as_str().unwrap_or_default().trim_start();
                    !text
                        .get(..6)
                        .is_some_and(|w| w.eq_ignore_ascii_case("SELECT"))
                })
                .count() as f64
        }),
        "BatchWriteItem" => body["RequestItems"].as_object().map_or(0.0, |tables| {
            tables
                .values()
                .filter_map(Value::as_array)
                .flatten()
                .map(|r| units(size(&r["PutRequest"]["Item"]), WRITE_UNIT_BYTES))
                .sum()
        }),
        _ => 0.0,
    }
}

/// Whether `operation` reads (and is billed in read request units).
pub fn is_read(operation: &str) -> bool {
    matches!(
        operation,
        "GetItem" | "Query" | "Scan" | "BatchGetItem" | "TransactGetItems"
    )
}

/// Read request units of a read, from the size of its response: `GetItem` counted as
/// strongly consistent (1 per 4 KB, what the functions ask for), `Query`/`Scan` as
/// eventually consistent (½ per 4 KB; index queries cannot be consistent), a
/// transactional read twice.
pub fn read_units(operation: &str, response_len: usize) -> f64 {
    let base = units(response_len, READ_UNIT_BYTES);
    match operation {
        "GetItem" | "BatchGetItem" => base,
        "Query" | "Scan" => base * 0.5,
        "TransactGetItems" => base * 2.0,
        _ => 0.0,
    }
}

/// Account items written by one request: each `Update`/`Put` of `table` in a
/// `TransactWriteItems`, or an `UpdateItem`/`PutItem` of `table`.
pub fn account_writes(operation: &str, body: &Value, table: &str) -> u64 {
    if table.is_empty() {
        return 0;
    }
    let is_table = |v: &Value| v["TableName"].as_str() == Some(table);
    match operation {
        "TransactWriteItems" => body["TransactItems"].as_array().map_or(0, |items| {
            items
                .iter()
                .filter(|i| is_table(&i["Update"]) || is_table(&i["Put"]))
                .count() as u64
        }),
        "UpdateItem" | "PutItem" => u64::from(is_table(body)),
        _ => 0,
    }
}

/// Marks the units of cancelled transactions, after the table's name.
pub const CANCELLED: &str = "(cancelled transactions)";

/// Whether `operation` takes `ReturnConsumedCapacity`.
pub fn reports_capacity(operation: &str) -> bool {
    is_read(operation)
        || matches!(
            operation,
            "PutItem"
                | "UpdateItem"
                | "DeleteItem"
                | "BatchWriteItem"
                | "TransactWriteItems"
                | "ExecuteStatement"
                | "BatchExecuteStatement"
                | "ExecuteTransaction"
        )
}

/// Items a `TransactWriteItems` request writes, by table: (every item, condition checks
/// included, as DynamoDB bills them; items that can write an index: puts, updates and
/// deletes).
pub fn transaction_items(body: &Value) -> BTreeMap<String, (f64, f64)> {
    let mut items: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for item in body["TransactItems"].as_array().into_iter().flatten() {
        for (kind, writes_indexes) in [
            ("Put", true),
            ("Update", true),
            ("Delete", true),
            ("ConditionCheck", false),
        ] {
            if let Some(table) = item[kind]["TableName"].as_str() {
                let entry = items.entry(table.to_owned()).or_default();
                entry.0 += 1.0;
                if writes_indexes {
                    entry.1 += 1.0;
                }
            }
        }
    }
    items
}

/// The capacity a response's `ConsumedCapacity` (one object, or a list of them) reports,
/// by table and `table/index`, counted as written or read after `operation`.
///
/// DynamoDB Local miscounts a `TransactWriteItems`: 2 units for three updates of one
/// table, 4 for an update and a condition check. With `items` (see
/// [`transaction_items`]) a table is counted as DynamoDB bills it, 2 units per item
/// (every item here is far below 1 KB: the measured inserts take 1 unit each), and each
/// index Local reports as written, 2 units per item that could write it (an
/// over-estimate when only some items of the request are in a sparse index).
pub fn reported(
    consumed: &Value,
    operation: &str,
    items: Option<&BTreeMap<String, (f64, f64)>>,
) -> Vec<(String, crate::counter::Measured)> {
    let entries: Vec<&Value> = match consumed {
        Value::Array(list) => list.iter().collect(),
        Value::Object(_) => vec![consumed],
        _ => Vec::new(),
    };
    let read = is_read(operation);
    let reported_units = |value: &Value| {
        let units = value["CapacityUnits"].as_f64().unwrap_or(0.0);
        let (write, read) = if read { (0.0, units) } else { (units, 0.0) };
        crate::counter::Measured { write, read }
    };
    let mut found = Vec::new();
    let cancelled = entries.is_empty();
    for entry in entries {
        let table = entry["TableName"].as_str().unwrap_or("unknown").to_owned();
        let transaction = items.and_then(|items| items.get(&table).copied());
        // A transaction's tables are counted from its items, below; its indexes at 2
        // units per item that could write them, when Local says they were written.
        let index_units = |value: &Value| match transaction {
            Some((_, writing)) if value["CapacityUnits"].as_f64().unwrap_or(0.0) > 0.0 => {
                crate::counter::Measured {
                    write: 2.0 * writing,
                    read: 0.0,
                }
            }
            Some(_) => crate::counter::Measured::default(),
            None => reported_units(value),
        };
        if transaction.is_none() {
            // The table's own figure, or only a total: the table's.
            let own = if entry["Table"].is_object() {
                &entry["Table"]
            } else {
                entry
            };
            found.push((table.clone(), reported_units(own)));
        }
        for kind in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
            for (index, value) in entry[kind].as_object().into_iter().flatten() {
                found.push((format!("{table}/{index}"), index_units(value)));
            }
        }
    }
    // Every table a transaction wrote: 2 units per item. A transaction that reported
    // nothing was cancelled (a condition, a conflict): counted apart, as billed (an
    // upper bound: it wrote nothing, indexes included).
    for (table, (all, _)) in items.into_iter().flatten() {
        let write = 2.0 * all;
        let name = if cancelled {
            format!("{table} {CANCELLED}")
        } else {
            table.clone()
        };
        found.push((name, crate::counter::Measured { write, read: 0.0 }));
    }
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reported_capacity_is_split_by_table_and_index() {
        let consumed = serde_json::json!([{
            "TableName": "bank-1a2b-TransactionsTable",
            "CapacityUnits": 4.0,
            "Table": {"CapacityUnits": 2.0},
            "GlobalSecondaryIndexes": {"PendingIndex": {"CapacityUnits": 2.0}}
        }]);
        let body = serde_json::json!({"TransactItems": [
            {"Update": {"TableName": "bank-1a2b-TransactionsTable"}},
            {"Update": {"TableName": "bank-1a2b-TransactionsTable"}},
            {"ConditionCheck": {"TableName": "bank-1a2b-TransactionsTable"}},
        ]});
        let items = transaction_items(&body);
        let found = reported(&consumed, "TransactWriteItems", Some(&items));
        assert_eq!(found.len(), 2);
        // Three items billed, two of them writing the index.
        assert_eq!(found[0].0, "bank-1a2b-TransactionsTable/PendingIndex");
        assert!((found[0].1.write - 4.0).abs() < 1e-9);
        assert_eq!(found[1].0, "bank-1a2b-TransactionsTable");
        assert!((found[1].1.write - 6.0).abs() < 1e-9 && found[1].1.read == 0.0);
        let read = reported(
            &serde_json::json!({"TableName": "t-AccountsTable", "CapacityUnits": 1.5}),
            "BatchGetItem",
            None,
        );
        assert_eq!(read[0].0, "t-AccountsTable");
        assert!((read[0].1.read - 1.5).abs() < 1e-9);
        assert!(reported(&Value::Null, "PutItem", None).is_empty());
        let cancelled = reported(&Value::Null, "TransactWriteItems", Some(&items));
        assert_eq!(
            cancelled[0].0,
            format!("bank-1a2b-TransactionsTable {CANCELLED}")
        );
        assert!((cancelled[0].1.write - 6.0).abs() < 1e-9);
    }

    #[test]
    fn transactions_cost_two_units_per_item_and_count_account_updates() {
        let body = json!({ "TransactItems": [
            { "Update": { "TableName": "accounts", "Key": {} } },
            { "Update": { "TableName": "transactions", "Key": {} } },
        ]});
        assert_eq!(write_units("TransactWriteItems", &body), 4.0);
        assert_eq!(account_writes("TransactWriteItems", &body, "accounts"), 1);
        assert_eq!(account_writes("TransactWriteItems", &body, ""), 0);
    }

    #[test]
    fn reads_round_up_per_4_kb() {
        assert_eq!(read_units("GetItem", 100), 1.0);
        assert_eq!(read_units("GetItem", 5000), 2.0);
        assert_eq!(read_units("Query", 100), 0.5);
        assert_eq!(read_units("PutItem", 100), 0.0);
    }
}
