//! Holds placed and ended in the past, for statements that state what was held.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use shared::clock::{Timestamp, format_rfc3339};
use shared::domain::AccountId;

use super::StatementsFixture;
use crate::api::Caller;
use crate::fixture::new_key;

impl StatementsFixture {
    /// Places a HOLD of `amount` on `account` as if requested at `placed_at` (its
    /// `createdAt`, with `expiresAt` seven days later) and settles it (ACTIVE) at
    /// `settled_at`; its transaction id. The request goes through
    /// request-transaction; only its two times are moved back before it settles.
    pub async fn hold_at(
        &self,
        caller: &Caller,
        account: &AccountId,
        amount: &str,
        placed_at: &str,
        settled_at: &str,
    ) -> String {
        let key = new_key();
        let body = json!({"accountId": account.to_string(), "amount": amount, "type": "HOLD"});
        let reply = self.api.record(caller, &key, &body).await;
        assert_eq!(reply.status, 201, "hold: {}", reply.text);
        let placed = Timestamp::parse(placed_at).unwrap_or_else(|e| panic!("{placed_at}: {e}"));
        let expires = format_rfc3339(placed.instant() + chrono::Duration::days(7));
        self.api
            .stack
            .dynamodb
            .update_item()
            .table_name(&self.api.tables.transactions)
            .key(
                "idempotencyKey",
                AttributeValue::S(format!("{}#{key}", caller.sub)),
            )
            .update_expression("SET createdAt = :c, expiresAt = :e")
            .condition_expression("#s = :pending")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":c", AttributeValue::S(placed_at.to_owned()))
            .expression_attribute_values(":e", AttributeValue::S(expires))
            .expression_attribute_values(":pending", AttributeValue::S("PENDING".to_owned()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("back-date the hold: {e:?}"));
        self.settle_keys_at(caller, account, std::slice::from_ref(&key), settled_at)
            .await;
        reply.json()["transactionId"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// `action` (`capture` with `body`, or `void`) on `caller`'s hold `hold_id` on
    /// `account`, settled at `at`.
    pub async fn end_hold_at(
        &self,
        caller: &Caller,
        account: &AccountId,
        hold_id: &str,
        action: &str,
        body: Option<&Value>,
        at: &str,
    ) {
        let key = new_key();
        let reply = self.api.act(caller, &key, hold_id, action, body).await;
        assert_eq!(reply.status, 201, "{action}: {}", reply.text);
        self.settle_keys_at(caller, account, std::slice::from_ref(&key), at)
            .await;
    }
}
