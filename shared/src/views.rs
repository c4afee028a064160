//! What a client sees of the ledger's records: the JSON values of accounts,
//! transactions and status changes. The REST edge sends them as bodies and the GraphQL
//! edge as field values (the same names: DESIGN §3b); the store only reads and writes
//! items. Someone else's free text is shown without control or bidirectional-override
//! characters, whatever was stored.

use serde_json::{Map, Value, json};

use crate::domain::text::displayable;
use crate::domain::{TransactionStatus, TransactionType};
use crate::store::{Account, HistoryEntry, STATUS_CHANGE, StatusChange, TransactionRecord, View};

/// An account.
pub fn account(account: &Account) -> Value {
    json!({
        "accountId": account.account_id.to_string(),
        "name": displayable(&account.name),
        "currency": account.currency.as_str(),
        "balance": account.balance.to_string(),
        "heldAmount": account.held.to_string(),
        "availableBalance": available(account).to_string(),
        "status": account.status.as_str(),
        "createdAt": account.created_at,
        "updatedAt": account.updated_at,
    })
}

/// What an account can pay out: its posted balance less its ACTIVE holds.
pub fn available(account: &Account) -> rust_decimal::Decimal {
    account.balance.as_decimal() - account.held.as_decimal()
}

/// An account's balance as of an instant (`GET /accounts/{id}/balance`).
#[cfg(feature = "app")]
pub fn balance_at(balance: &crate::app::BalanceAt) -> Value {
    json!({
        "accountId": balance.account_id.to_string(),
        "at": balance.at,
        "balance": balance.balance.to_string(),
        "currency": balance.currency.as_str(),
        "version": balance.version,
        "chainHead": balance.head.as_str(),
    })
}

/// A transaction, from the `view` of one of its accounts (see [`View`]).
pub fn transaction(record: &TransactionRecord, view: View) -> Value {
    let mut body = Map::new();
    let mut put = |k: &str, v: Value| {
        body.insert(k.to_owned(), v);
    };
    put("transactionId", json!(record.transaction_id.to_string()));
    put("accountId", json!(record.account_id.to_string()));
    if let Some(to) = record.kind.destination() {
        put("toAccountId", json!(to.to_string()));
    }
    put("type", json!(record.kind.transaction_type().as_str()));
    put("amount", json!(record.kind.amount_text()));
    put("currency", json!(record.currency.as_str()));
    // Someone else's text reaches this screen: shown without control or
    // bidirectional-override characters, whatever was stored.
    put(
        "description",
        record
            .description
            .as_deref()
            .map_or(Value::Null, |d| json!(displayable(d))),
    );
    put("status", json!(record.status.as_str()));
    if let (TransactionStatus::Rejected, Some(reason), false) = (
        record.status,
        record.rejection_reason,
        view == View::Destination,
    ) {
        put("rejectionReason", json!(reason.as_str()));
    }
    if matches!(
        record.kind.transaction_type(),
        TransactionType::Adjustment | TransactionType::Reversal | TransactionType::Expiry
    ) {
        put("initiatedBy", json!(record.user_id));
    }
    linked_fields(record, &mut put);
    let after = match view {
        View::Source | View::Holder => record.balance_after,
        View::Destination => record.to_balance_after,
    };
    if let (TransactionStatus::Completed, Some(after)) = (record.status, after) {
        put("balanceAfter", json!(after.to_string()));
    }
    put("createdAt", json!(record.created_at));
    if let Some(at) = &record.processed_at {
        put("processedAt", json!(at));
    }
    if view == View::Source {
        put("idempotencyKey", json!(record.idempotency_key.to_string()));
    }
    Value::Object(body)
}

/// The hold and reversal fields, each only where it applies (so the answers of the
/// other types are unchanged).
fn linked_fields(record: &TransactionRecord, put: &mut impl FnMut(&str, Value)) {
    if let Some(hold) = record.hold_id() {
        put("holdId", json!(hold.to_string()));
    }
    if let Some(original) = record.reversal_of() {
        put("reversalOf", json!(original.to_string()));
    }
    if let Some(direction) = record.direction_text() {
        put("direction", json!(direction));
    }
    if let Some(at) = &record.expires_at {
        put("expiresAt", json!(at));
    }
    if let Some(by) = record.ended_by {
        put("endedBy", json!(by.to_string()));
    }
    if let Some(captured) = record.captured_amount {
        put("capturedAmount", json!(captured.to_string()));
    }
    if let Some(reversed) = record.reversed_amount {
        put("reversedAmount", json!(reversed.to_string()));
    }
}

/// An account's status change, as an entry of its history.
pub fn status_change(change: &StatusChange) -> Value {
    json!({
        "entryType": STATUS_CHANGE,
        "eventId": change.event_id.to_string(),
        "accountId": change.account_id.to_string(),
        "fromStatus": change.from.as_str(),
        "toStatus": change.to.as_str(),
        "reason": change.reason.as_deref().map(displayable),
        "initiatedBy": change.initiated_by,
        "createdAt": change.created_at,
    })
}

/// An entry of an account's history: a transaction from `view`, or a status change.
pub fn history_entry(entry: &HistoryEntry, view: View) -> Value {
    match entry {
        HistoryEntry::Transaction(record) => transaction(record, view),
        HistoryEntry::StatusChange(change) => status_change(change),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        AccountId, AccountStatus, Balance, DEFAULT_CURRENCY, IdempotencyKey, Money,
        RejectionReason, TransactionId, TransactionKind, UserId,
    };

    fn transfer(status: TransactionStatus) -> TransactionRecord {
        let amount: Money = "25.00".parse().unwrap_or_else(|_| panic!("amount"));
        let key = IdempotencyKey::parse("5a1c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47")
            .unwrap_or_else(|e| panic!("{e}"));
        let at =
            |text: &str| crate::clock::Timestamp::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let kind = TransactionKind::Transfer {
            amount,
            to: AccountId::new_random(),
        };
        TransactionRecord {
            description: Some("rent\u{202E}txt".to_owned()),
            status,
            rejection_reason: (status == TransactionStatus::Rejected)
                .then_some(RejectionReason::InsufficientFunds),
            balance_after: Some(Balance::ZERO),
            to_balance_after: Some("25.00".parse().unwrap_or_else(|_| panic!("balance"))),
            to_user_id: Some(UserId::new("receiver")),
            account_version: Some(3),
            to_account_version: Some(8),
            processed_at: Some(at("2026-11-25T09:21:00.000000Z")),
            ..TransactionRecord::new_pending(
                UserId::new("sender"),
                key,
                (AccountId::new_random(), kind, DEFAULT_CURRENCY),
                at("2026-11-25T09:20:59.000000Z"),
            )
        }
    }

    #[test]
    fn the_recorder_sees_everything_and_the_receiver_only_their_side() {
        let done = transfer(TransactionStatus::Completed);
        let mine = transaction(&done, View::Source);
        assert_eq!(
            mine["idempotencyKey"],
            "5a1c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47"
        );
        assert_eq!(mine["balanceAfter"], "0.00");
        assert_eq!(mine["description"], "renttxt", "bidi stripped");
        let theirs = transaction(&done, View::Destination);
        assert_eq!(theirs["balanceAfter"], "25.00");
        assert!(theirs.get("idempotencyKey").is_none(), "{theirs}");
        assert!(!theirs.to_string().contains("sender"), "{theirs}");
    }

    #[test]
    fn a_rejection_reason_is_the_recorders_and_no_balance_shows_before_completion() {
        let rejected = transfer(TransactionStatus::Rejected);
        let mine = transaction(&rejected, View::Source);
        assert_eq!(mine["rejectionReason"], "INSUFFICIENT_FUNDS");
        assert!(mine.get("balanceAfter").is_none(), "{mine}");
        let theirs = transaction(&rejected, View::Destination);
        assert!(theirs.get("rejectionReason").is_none(), "{theirs}");
        let held = transaction(&transfer(TransactionStatus::Pending), View::Holder);
        assert!(held.get("balanceAfter").is_none(), "{held}");
        assert!(held.get("idempotencyKey").is_none(), "{held}");
    }

    #[test]
    fn a_status_change_entry_names_who_and_why_shown_safely() {
        let change = StatusChange {
            event_id: TransactionId::new_random(),
            account_id: AccountId::new_random(),
            holder_id: UserId::new("holder"),
            from: AccountStatus::Open,
            to: AccountStatus::Frozen,
            reason: Some("case\u{7} 41".to_owned()),
            initiated_by: UserId::new("operator"),
            created_at: crate::clock::Timestamp::parse("2026-11-25T09:21:00.000000Z")
                .unwrap_or_else(|e| panic!("{e}")),
        };
        let shown = history_entry(&HistoryEntry::StatusChange(change), View::Source);
        assert_eq!(shown["entryType"], "STATUS_CHANGE");
        assert_eq!(shown["reason"], "case 41");
        assert_eq!(shown["initiatedBy"], "operator");
        assert_eq!(shown["toStatus"], "FROZEN");
        assert!(shown.get("holderId").is_none(), "{shown}");
    }
}
