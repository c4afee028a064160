//! Smoke test of the local stack: every AWS call shape the system relies on, made
//! through the real Rust SDK against DynamoDB Local and moto.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use integration_tests::{TestStack, cognito, moto, streams, tables, unique_name};

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: &str) -> AttributeValue {
    AttributeValue::N(value.to_owned())
}

/// A table keyed by `pk` with a NEW_AND_OLD_IMAGES stream.
async fn create_table(stack: &TestStack) -> String {
    tables::create_keyed_table(stack, "smoke", "pk", true).await
}

async fn put_account(stack: &TestStack, table: &str, pk: &str, balance: &str) {
    stack
        .dynamodb
        .put_item()
        .table_name(table)
        .item("pk", s(pk))
        .item("balance", n(balance))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutItem: {e:?}"));
}

#[tokio::test]
async fn conditional_put_refuses_to_overwrite_and_returns_the_existing_item() {
    let stack = TestStack::connect().await;
    let table = create_table(&stack).await;
    put_account(&stack, &table, "acct-1", "10.50").await;

    let second = stack
        .dynamodb
        .put_item()
        .table_name(&table)
        .item("pk", s("acct-1"))
        .item("balance", n("999"))
        .condition_expression("attribute_not_exists(pk)")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;

    let Err(SdkError::ServiceError(failure)) = second else {
        panic!("the second conditional put must fail, got {second:?}");
    };
    let PutItemError::ConditionalCheckFailedException(conflict) = failure.err() else {
        panic!(
            "expected ConditionalCheckFailedException, got {:?}",
            failure.err()
        );
    };
    let existing = conflict
        .item()
        .unwrap_or_else(|| panic!("ALL_OLD item missing"));
    // DynamoDB normalises numbers: 10.50 is stored (and returned) as 10.5.
    assert_eq!(existing.get("balance"), Some(&n("10.5")));
}

#[tokio::test]
async fn transact_write_with_a_failing_condition_exposes_per_item_reasons() {
    let stack = TestStack::connect().await;
    let table = create_table(&stack).await;
    put_account(&stack, &table, "rich", "100").await;
    put_account(&stack, &table, "poor", "5").await;

    let debit = |pk: &str, amount: &str| {
        let update = Update::builder()
            .table_name(&table)
            .key("pk", s(pk))
            .update_expression("SET balance = balance - :a")
            .condition_expression("balance >= :a")
            .expression_attribute_values(":a", n(amount))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        TransactWriteItem::builder().update(update).build()
    };
    let result = stack
        .dynamodb
        .transact_write_items()
        .transact_items(debit("rich", "10"))
        .transact_items(debit("poor", "10"))
        .send()
        .await;

    let Err(SdkError::ServiceError(failure)) = result else {
        panic!("the transaction must be cancelled, got {result:?}");
    };
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = failure.err() else {
        panic!(
            "expected TransactionCanceledException, got {:?}",
            failure.err()
        );
    };
    let codes: Vec<Option<&str>> = cancelled
        .cancellation_reasons()
        .iter()
        .map(|r| r.code())
        .collect();
    assert_eq!(codes, vec![Some("None"), Some("ConditionalCheckFailed")]);
    let old = cancelled.cancellation_reasons()[1]
        .item()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        old.get("balance"),
        Some(&n("5")),
        "ALL_OLD carries the failing item"
    );

    // Nothing of a cancelled transaction is applied.
    let rich = stack
        .dynamodb
        .get_item()
        .table_name(&table)
        .key("pk", s("rich"))
        .consistent_read(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetItem: {e:?}"));
    assert_eq!(rich.item().and_then(|i| i.get("balance")), Some(&n("100")));
}

#[tokio::test]
async fn table_stream_yields_insert_and_modify_records_as_lambda_events() {
    let stack = TestStack::connect().await;
    let table = create_table(&stack).await;
    put_account(&stack, &table, "acct-s", "1").await;
    let mut put = Put::builder()
        .table_name(&table)
        .item("pk", s("acct-s"))
        .item("balance", n("12345678901234567.89"));
    put = put.condition_expression("attribute_exists(pk)");
    stack
        .dynamodb
        .transact_write_items()
        .transact_items(
            TransactWriteItem::builder()
                .put(put.build().unwrap_or_else(|e| panic!("{e}")))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("TransactWriteItems: {e:?}"));

    let arn = streams::stream_arn(&stack, &table).await;
    let records = streams::read_records(&stack, &arn, 2).await;

    let names: Vec<&str> = records.iter().map(|r| r.event_name.as_str()).collect();
    assert_eq!(names, vec!["INSERT", "MODIFY"]);
    let modify = &records[1];
    assert_eq!(modify.event_source_arn.as_deref(), Some(arn.as_str()));
    assert!(modify.change.sequence_number.is_some());
    let old: HashMap<String, serde_json::Value> =
        serde_dynamo::from_item(modify.change.old_image.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(old.get("pk"), Some(&serde_json::json!("acct-s")));
    // The new image's number keeps every digit (read as text, never through f64).
    let balance = modify.change.new_image.get("balance");
    assert_eq!(
        balance,
        Some(&serde_dynamo::AttributeValue::N(
            "12345678901234567.89".to_owned()
        ))
    );

    // The record survives the JSON round trip a Lambda's event goes through.
    let event =
        serde_json::json!({ "Records": [serde_json::to_value(modify).unwrap_or_default()] });
    let parsed: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(event).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.records[0].event_id, modify.event_id);
}

#[tokio::test]
async fn sqs_messages_are_sent_received_and_deleted() {
    let stack = TestStack::connect().await;
    let created = stack
        .sqs
        .create_queue()
        .queue_name(unique_name("smoke"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateQueue: {e:?}"));
    let url = created.queue_url().unwrap_or_default().to_owned();

    stack
        .sqs
        .send_message()
        .queue_url(&url)
        .message_body(r#"{"transactionId":"t-1"}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("SendMessage: {e:?}"));
    let received = stack
        .sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .wait_time_seconds(5)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ReceiveMessage: {e:?}"));
    let messages = received.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].body(), Some(r#"{"transactionId":"t-1"}"#));

    stack
        .sqs
        .delete_message()
        .queue_url(&url)
        .receipt_handle(messages[0].receipt_handle().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteMessage: {e:?}"));
    let again = stack
        .sqs
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ReceiveMessage: {e:?}"));
    assert!(
        again.messages().is_empty(),
        "a deleted message is not delivered again"
    );
}

#[tokio::test]
async fn ses_email_and_sns_sms_are_read_back_from_moto() {
    use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

    let stack = TestStack::connect().await;
    let sender = format!("{}@bank.example", unique_name("sender"));
    let recipient = format!("{}@holder.example", unique_name("holder"));
    stack
        .sesv2
        .create_email_identity()
        .email_identity(&sender)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateEmailIdentity: {e:?}"));
    let content = |text: &str| {
        Content::builder()
            .data(text)
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let message = Message::builder()
        .subject(content("Deposit completed"))
        .body(
            Body::builder()
                .text(content("You deposited 150.75 USD."))
                .html(content("<p>You deposited <b>150.75 USD</b>.</p>"))
                .build(),
        )
        .build();
    stack
        .sesv2
        .send_email()
        .from_email_address(&sender)
        .destination(Destination::builder().to_addresses(&recipient).build())
        .content(EmailContent::builder().simple(message).build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("SendEmail: {e:?}"));

    let phone = format!("+1555{:07}", rand_digits());
    stack
        .sns
        .publish()
        .phone_number(&phone)
        .message("Deposit of 150.75 USD completed.")
        .send()
        .await
        .unwrap_or_else(|e| panic!("Publish: {e:?}"));

    let emails = moto::emails_to(&stack, &recipient).await;
    assert_eq!(emails.len(), 1, "one email to {recipient}: {emails:?}");
    assert_eq!(emails[0]["subject"], "Deposit completed");
    assert_eq!(emails[0]["source"], sender.as_str());
    let sms = moto::sms_to(&stack, &phone).await;
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0]["message"], "Deposit of 150.75 USD completed.");
}

fn rand_digits() -> u32 {
    (uuid::Uuid::new_v4().as_u128() % 10_000_000) as u32
}

#[tokio::test]
async fn cognito_id_token_verifies_against_the_pool_jwks() {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, jwk::JwkSet};

    let stack = TestStack::connect().await;
    let pool = cognito::create_pool(&stack).await;
    let sub = cognito::create_user(
        &stack,
        &pool,
        "alice",
        "Correct-Horse-9!",
        &[("email", "alice@holder.example")],
    )
    .await;
    let (id_token, _access, refresh) =
        cognito::login(&stack, &pool, "alice", "Correct-Horse-9!").await;
    assert!(!refresh.is_empty(), "a refresh token is issued");

    let jwks: JwkSet = stack
        .http
        .get(pool.jwks_url(&stack))
        .send()
        .await
        .unwrap_or_else(|e| panic!("JWKS: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("JWKS body: {e}"));
    let header = decode_header(&id_token).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.unwrap_or_default();
    let jwk = jwks
        .find(&kid)
        .unwrap_or_else(|| panic!("kid {kid} not in the JWKS"));
    let key = DecodingKey::from_jwk(jwk).unwrap_or_else(|e| panic!("{e}"));
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[pool.issuer()]);
    validation.set_audience(&[pool.client_id.as_str()]);
    let claims = decode::<serde_json::Value>(&id_token, &key, &validation)
        .unwrap_or_else(|e| panic!("the IdToken must verify: {e}"))
        .claims;
    assert_eq!(claims["sub"], sub.as_str());
    assert_eq!(claims["token_use"], "id");
    assert_eq!(claims["email"], "alice@holder.example");

    // The same token does not verify for another audience.
    let mut wrong = Validation::new(Algorithm::RS256);
    wrong.set_audience(&["another-client"]);
    assert!(decode::<serde_json::Value>(&id_token, &key, &wrong).is_err());
}
