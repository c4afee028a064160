//! DynamoDB on-demand request units, estimated from the JSON a request sends and a
//! response returns (DynamoDB sizes items by attribute names and values; the JSON
//! text is a slight over-estimate, and items here are far below 1 KB either way).

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
