//! The application's tables, created per test with unique names.
//!
//! Keys, indexes and streams match `template.yml` (the local runtime creates them from
//! the template itself; these tests create them directly so each test has its own).

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use shared::store::{TableNames, attr, index};

use crate::{TestStack, unique_name};

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn string_attr(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// An index's projection and its one included attribute, as `template.yml` declares.
pub fn projection(name: &str) -> (ProjectionType, Option<&'static str>) {
    match name {
        index::PENDING
        | index::HOLD_EXPIRY
        | index::TRANSACTION_ID
        | index::USER_HISTORY
        | index::OWNER => (ProjectionType::KeysOnly, None),
        index::ACCOUNT_HISTORY => (ProjectionType::Include, Some(attr::TYPE)),
        index::INCOMING_HISTORY => (ProjectionType::Include, Some(attr::STATUS)),
        _ => (ProjectionType::All, None),
    }
}

fn gsi(name: &str, hash: &str, range: Option<&str>) -> GlobalSecondaryIndex {
    // As in template.yml (`local_runtime_provisions_the_template_s_projections`
    // checks the local runtime's tables against these).
    let (projection, included) = projection(name);
    let mut builder = GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(hash, KeyType::Hash))
        .projection(
            Projection::builder()
                .projection_type(projection)
                .set_non_key_attributes(included.map(|a| vec![a.to_owned()]))
                .build(),
        );
    if let Some(range) = range {
        builder = builder.key_schema(key(range, KeyType::Range));
    }
    builder.build().unwrap_or_else(|e| panic!("{e}"))
}

fn stream() -> StreamSpecification {
    StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::NewAndOldImages)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Creates a fresh accounts table and transactions table (with their indexes and
/// streams) and returns their names.
pub async fn create_tables(stack: &TestStack) -> TableNames {
    let names = TableNames {
        accounts: unique_name("accounts"),
        transactions: unique_name("transactions"),
    };
    stack
        .dynamodb
        .create_table()
        .table_name(&names.accounts)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attr(attr::ACCOUNT_ID))
        .attribute_definitions(string_attr(attr::OWNER_ID))
        .attribute_definitions(string_attr(attr::CREATED_AT))
        .key_schema(key(attr::ACCOUNT_ID, KeyType::Hash))
        .global_secondary_indexes(gsi(index::OWNER, attr::OWNER_ID, Some(attr::CREATED_AT)))
        .stream_specification(stream())
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTable accounts: {e:?}"));
    stack
        .dynamodb
        .create_table()
        .table_name(&names.transactions)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attr(attr::IDEMPOTENCY_KEY))
        .attribute_definitions(string_attr(attr::TRANSACTION_ID))
        .attribute_definitions(string_attr(attr::ACCOUNT_ID))
        .attribute_definitions(string_attr(attr::TO_ACCOUNT_ID))
        .attribute_definitions(string_attr(attr::USER_ID))
        .attribute_definitions(string_attr(attr::CREATED_AT))
        .attribute_definitions(string_attr(attr::PENDING_ACCOUNT_ID))
        .attribute_definitions(string_attr(attr::ENTRY_KEY))
        .attribute_definitions(string_attr(attr::TO_ENTRY_KEY))
        .attribute_definitions(string_attr(attr::HOLD_DAY))
        .attribute_definitions(string_attr(attr::EXPIRES_AT))
        .key_schema(key(attr::IDEMPOTENCY_KEY, KeyType::Hash))
        .global_secondary_indexes(gsi(index::TRANSACTION_ID, attr::TRANSACTION_ID, None))
        .global_secondary_indexes(gsi(
            index::ACCOUNT_HISTORY,
            attr::ACCOUNT_ID,
            Some(attr::CREATED_AT),
        ))
        .global_secondary_indexes(gsi(
            index::INCOMING_HISTORY,
            attr::TO_ACCOUNT_ID,
            Some(attr::CREATED_AT),
        ))
        .global_secondary_indexes(gsi(
            index::USER_HISTORY,
            attr::USER_ID,
            Some(attr::CREATED_AT),
        ))
        .global_secondary_indexes(gsi(
            index::PENDING,
            attr::PENDING_ACCOUNT_ID,
            Some(attr::CREATED_AT),
        ))
        .global_secondary_indexes(gsi(index::LEDGER, attr::ACCOUNT_ID, Some(attr::ENTRY_KEY)))
        .global_secondary_indexes(gsi(
            index::INCOMING_LEDGER,
            attr::TO_ACCOUNT_ID,
            Some(attr::TO_ENTRY_KEY),
        ))
        .global_secondary_indexes(gsi(
            index::HOLD_EXPIRY,
            attr::HOLD_DAY,
            Some(attr::EXPIRES_AT),
        ))
        .stream_specification(stream())
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTable transactions: {e:?}"));
    names
}

/// A fresh table keyed by the string `hash_key` alone, optionally with a
/// NEW_AND_OLD_IMAGES stream; returns its name.
pub async fn create_keyed_table(
    stack: &TestStack,
    prefix: &str,
    hash_key: &str,
    with_stream: bool,
) -> String {
    let name = unique_name(prefix);
    let mut request = stack
        .dynamodb
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attr(hash_key))
        .key_schema(key(hash_key, KeyType::Hash));
    if with_stream {
        request = request.stream_specification(stream());
    }
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTable {name}: {e:?}"));
    name
}
