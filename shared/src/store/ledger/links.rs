//! What an applied capture, void, expiry or reversal writes on the transaction it
//! acts on, inside the commit: a hold ended, an original's reversed amount.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use super::Ledger;
use crate::domain::{Money, TransactionId, TransactionStatus};
use crate::store::StoreError;
use crate::store::attrs::{n, s};
use crate::store::schema::attr;

/// What an applied capture, void, expiry or reversal writes on the transaction it
/// acts on, conditioned on the state it was decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkWrite {
    /// Ends the ACTIVE hold at table key `key` (and takes it out of the expiry
    /// index).
    EndHold {
        key: String,
        status: TransactionStatus,
        by: TransactionId,
        captured: Option<Money>,
    },
    /// Moves the reversed amount of the original at `key` from `before` to `after`.
    Reversed {
        key: String,
        before: Option<Money>,
        after: Money,
    },
}

impl Ledger {
    /// A hold's end, or an original's reversed amount, conditioned on the state the
    /// plan read.
    pub(super) fn link_update(
        &self,
        link: &LinkWrite,
        now: &str,
    ) -> Result<TransactWriteItem, StoreError> {
        let builder = Update::builder().table_name(&self.transactions);
        let builder = match link {
            LinkWrite::EndHold {
                key,
                status,
                by,
                captured,
            } => {
                let mut set = "SET #st = :to, #by = :by, #ea = :now".to_owned();
                let mut b = builder
                    .key(attr::IDEMPOTENCY_KEY, s(key))
                    .condition_expression("#st = :active")
                    .expression_attribute_names("#st", attr::STATUS)
                    .expression_attribute_names("#by", attr::ENDED_BY)
                    .expression_attribute_names("#ea", attr::ENDED_AT)
                    .expression_attribute_names("#day", attr::HOLD_DAY)
                    .expression_attribute_values(":to", s(status.as_str()))
                    .expression_attribute_values(":by", s(by.to_string()))
                    .expression_attribute_values(":now", s(now))
                    .expression_attribute_values(":active", s(TransactionStatus::Active.as_str()));
                if let Some(captured) = captured {
                    set.push_str(", #cap = :cap");
                    b = b
                        .expression_attribute_names("#cap", attr::CAPTURED_AMOUNT)
                        .expression_attribute_values(":cap", n(captured));
                }
                set.push_str(" REMOVE #day");
                b.update_expression(set)
            }
            LinkWrite::Reversed { key, before, after } => {
                let b = builder
                    .key(attr::IDEMPOTENCY_KEY, s(key))
                    .update_expression("SET #r = :after")
                    .expression_attribute_names("#r", attr::REVERSED_AMOUNT)
                    .expression_attribute_values(":after", n(after));
                match before {
                    Some(before) => b
                        .condition_expression("#r = :before")
                        .expression_attribute_values(":before", n(before)),
                    None => b.condition_expression("attribute_not_exists(#r)"),
                }
            }
        };
        let update = builder
            .build()
            .map_err(|e| StoreError::corrupt("update", e.to_string()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}
