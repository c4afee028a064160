use super::*;
use crate::domain::{Direction, Money};

fn deposit() -> TransactionRecord {
    let amount: Money = "10.00".parse().unwrap_or_else(|_| unreachable!());
    let account = AccountId::new_random();
    let kind = TransactionKind::Deposit { amount };
    crate::settle::testing::pending(account, kind, "2026-12-01T00:00:00Z")
}

#[test]
fn holds_captures_and_reversals_read_back_as_written() {
    let account = AccountId::new_random();
    let amount: Money = "10.00".parse().unwrap_or_else(|_| unreachable!());
    let hold_id = TransactionId::new_random();
    let kinds = [
        TransactionKind::Hold { amount },
        TransactionKind::Capture {
            amount,
            hold: hold_id,
        },
        TransactionKind::Void {
            amount,
            hold: hold_id,
        },
        TransactionKind::Expiry {
            amount,
            hold: hold_id,
        },
        TransactionKind::Reversal {
            amount,
            of: hold_id,
            direction: Direction::Credit,
        },
        TransactionKind::Reversal {
            amount,
            of: hold_id,
            direction: Direction::Debit,
        },
        TransactionKind::Reversal {
            amount,
            of: hold_id,
            direction: Direction::Transfer {
                to: AccountId::new_random(),
            },
        },
    ];
    for kind in kinds {
        let mut record = crate::settle::testing::pending(account, kind, "2026-12-01T00:00:00Z");
        record.link_key = Some("owner#key".to_owned());
        record.expires_at = Timestamp::parse("2026-12-08T00:00:00.000000Z").ok();
        record.status = TransactionStatus::Active;
        let item = record.to_item();
        assert_eq!(
            item.contains_key(attr::HOLD_DAY),
            matches!(kind, TransactionKind::Hold { .. }) || record.expires_at.is_some()
        );
        let read = TransactionRecord::from_item(&item);
        assert_eq!(read.as_ref().ok(), Some(&record), "{kind:?}");
    }
    // A capture without its hold is not a capture.
    let capture = crate::settle::testing::pending(
        account,
        TransactionKind::Capture {
            amount,
            hold: hold_id,
        },
        "2026-12-01T00:00:00Z",
    );
    let mut item = capture.to_item();
    item.remove(attr::HOLD_ID);
    assert!(TransactionRecord::from_item(&item).is_err());
}

#[test]
fn the_trace_root_is_stored_and_read_back_and_a_bad_one_is_dropped() {
    let mut record = deposit();
    assert!(!record.to_item().contains_key(attr::TRACE_ID));
    record.trace_id = TraceId::parse("1-6758a3c1-0123456789abcdef01234567");
    let mut item = record.to_item();
    let read = TransactionRecord::from_item(&item).map(|r| r.trace_id);
    assert_eq!(read.ok().flatten(), record.trace_id);
    item.insert(attr::TRACE_ID.to_owned(), s("Root=<script>"));
    let read = TransactionRecord::from_item(&item).map(|r| r.trace_id);
    assert!(matches!(read, Ok(None)));
}

#[test]
fn a_record_as_recorded_is_what_was_inserted_whatever_happened_since() {
    let inserted = TransactionRecord {
        description: Some("rent".to_owned()),
        request_hash: "hash".to_owned(),
        link_key: Some("sub#key".to_owned()),
        ..deposit()
    };
    let settled_at = Timestamp::parse("2026-11-02T00:00:00.000000Z").ok();
    let since = TransactionRecord {
        status: TransactionStatus::Completed,
        balance_after: Some(Balance::ZERO),
        account_version: Some(7),
        processed_at: settled_at.clone(),
        response: Some("{}".to_owned()),
        ended_at: settled_at,
        reversed_amount: "1.00".parse().ok(),
        ..inserted.clone()
    };
    assert_ne!(since, inserted);
    assert_eq!(since.as_recorded(), inserted);
}
