//! The conditional insert both tables use for idempotency: a `PutItem` that never
//! overwrites, whose failed condition hands back the item already holding the key
//! (ALL_OLD), so a replay costs the same one request as the first write.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use super::StoreError;
use super::attrs::Item;

/// What a conditional insert found.
pub(super) enum PutIfAbsent {
    Written,
    /// The key was taken: the item holding it.
    Taken(Item),
}

/// Writes `item` to `table` unless an item with the same `key_attr` exists.
pub(super) async fn put_if_absent(
    client: &Client,
    table: &str,
    item: Item,
    key_attr: &'static str,
) -> Result<PutIfAbsent, StoreError> {
    let result = client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#k)")
        .expression_attribute_names("#k", key_attr)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match result {
        Ok(_) => Ok(PutIfAbsent::Written),
        Err(SdkError::ServiceError(failure)) => match failure.err() {
            // The condition fails only when an item holds the key, and ALL_OLD hands
            // that item back: an answer without it is not DynamoDB's.
            PutItemError::ConditionalCheckFailedException(conflict) => conflict
                .item()
                .cloned()
                .map(PutIfAbsent::Taken)
                .ok_or_else(|| StoreError::corrupt(key_attr, "conflict without item")),
            _ => Err(StoreError::sdk("PutItem", &SdkError::ServiceError(failure))),
        },
        Err(other) => Err(StoreError::sdk("PutItem", &other)),
    }
}
