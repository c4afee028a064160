//! Strongly consistent `BatchGetItem`: the ledger's reads of accounts and
//! transactions, and the items behind a page of a keys-only index.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::KeysAndAttributes;

use super::StoreError;
use super::attrs::Item;

/// How many `BatchGetItem` rounds are spent on keys DynamoDB leaves unprocessed.
const BATCH_GET_ROUNDS: usize = 10;
/// DynamoDB's limit on the keys of one `BatchGetItem`.
const BATCH_GET_KEYS: usize = 100;

/// Strongly consistent `BatchGetItem` of `keys` on `table`, 100 keys a call, retrying
/// the keys DynamoDB leaves unprocessed. A key given twice is asked once: DynamoDB
/// refuses the whole call when a key repeats. Missing items are left out; the order is
/// DynamoDB's.
pub(super) async fn get_consistent(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
) -> Result<Vec<Item>, StoreError> {
    get(client, table, keys, true).await
}

/// As [`get_consistent`], eventually consistent where `consistent` is false (half
/// the read units; may miss a write of the last moments).
pub(super) async fn get(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
    consistent: bool,
) -> Result<Vec<Item>, StoreError> {
    let mut unique: Vec<Item> = Vec::with_capacity(keys.len());
    for key in keys {
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    let mut items = Vec::with_capacity(unique.len());
    for group in unique.chunks(BATCH_GET_KEYS) {
        let mut request = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(group.to_vec()))
                .consistent_read(consistent)
                .build()
                .map_err(|e| StoreError::corrupt("keys", e.to_string()))?,
        );
        for _ in 0..BATCH_GET_ROUNDS {
            let Some(keys) = request.take() else { break };
            let output = client
                .batch_get_item()
                .request_items(table, keys)
                .send()
                .await
                .map_err(|e| StoreError::sdk("BatchGetItem", &e))?;
            items.extend(
                output
                    .responses()
                    .and_then(|r| r.get(table))
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
            request = output
                .unprocessed_keys()
                .and_then(|u| u.get(table))
                .filter(|k| !k.keys().is_empty())
                .cloned();
        }
        if request.is_some() {
            return Err(StoreError::service(
                "BatchGetItem",
                super::error::UNPROCESSED_KEYS,
                "keys left unprocessed after retries",
            ));
        }
    }
    Ok(items)
}

/// The items behind `entries` (a page of a keys-only or `INCLUDE` index of `table`,
/// whose key attribute is `key`), whole and in the page's order. An entry whose item
/// is missing is an error: nothing is ever deleted from the tables indexed this way.
pub(super) async fn whole_items(
    client: &Client,
    table: &str,
    key: &'static str,
    entries: &[Item],
) -> Result<Vec<Item>, StoreError> {
    let keys: Vec<Item> = entries
        .iter()
        .map(|entry| {
            entry
                .get(key)
                .map(|value| Item::from([(key.to_owned(), value.clone())]))
                .ok_or_else(|| StoreError::corrupt(key, "index entry without its table key"))
        })
        .collect::<Result<_, _>>()?;
    let found: HashMap<String, Item> = get_consistent(client, table, keys.clone())
        .await?
        .into_iter()
        .filter_map(|item| Some((item.get(key)?.as_s().ok()?.clone(), item)))
        .collect();
    keys.iter()
        .map(|k| {
            let id = k
                .get(key)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            // A key listed twice gets its item twice (DynamoDB was asked once).
            found
                .get(&id)
                .cloned()
                .ok_or_else(|| StoreError::corrupt(key, "index entry whose item is missing"))
        })
        .collect()
}
