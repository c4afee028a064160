//! The JSON the statements routes answer.

use serde_json::{Value, json};
use shared::store::StatementRecord;

/// A statement's summary, as listed: `{accountId, period, currency, openingBalance,
/// closingBalance, totalIn, totalOut, entries, openingHead, closingHead, digest,
/// generatedAt, keyId}` (money as decimal strings).
pub fn summary(record: &StatementRecord) -> Value {
    json!({
        "accountId": record.account_id.to_string(),
        "period": record.period.to_string(),
        "currency": record.currency.as_str(),
        "openingBalance": record.opening_balance.to_string(),
        "closingBalance": record.closing_balance.to_string(),
        "totalIn": record.total_in.to_string(),
        "totalOut": record.total_out.to_string(),
        "entries": record.entries,
        "openingHead": record.opening_head.as_str(),
        "closingHead": record.closing_head.as_str(),
        "digest": record.digest_hex,
        "generatedAt": record.generated_at,
        "keyId": record.key_id,
    })
}
