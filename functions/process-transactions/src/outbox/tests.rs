use super::*;
use shared::domain::{
    AccountId, AccountStatus, DEFAULT_CURRENCY, RejectionReason, TransactionId, UserId,
};

fn message(n: u128) -> NotificationMessage {
    NotificationMessage {
        transaction_id: TransactionId::from(uuid::Uuid::from_u128(n)),
        account_id: AccountId::from(uuid::Uuid::from_u128(1000 + n)),
        holder_id: UserId::new(uuid::Uuid::from_u128(2000 + n).to_string()),
        role: HolderRole::Source,
        kind: TransactionType::Deposit,
        amount: format!("{n}.00"),
        currency: DEFAULT_CURRENCY,
        status: TransactionStatus::Completed,
        rejection_reason: None,
        balance_after: Some(format!("{n}.00")),
        held_after: None,
        direction: None,
        counterparty_account_id: None,
        account_version: None,
        created_at: "2026-11-25T09:20:59.000000Z".to_owned(),
        processed_at: "2026-11-25T09:21:00.000000Z".to_owned(),
        trace_id: None,
    }
}

/// A transaction of `kind` on account 1, recorded by `user`, settled to `status`.
fn settled(kind: TransactionKind, status: TransactionStatus, user: &str) -> TransactionRecord {
    let at = |text: &str| shared::clock::Timestamp::parse(text).unwrap_or_else(|e| panic!("{e}"));
    let balance = |text: &str| text.parse().unwrap_or_else(|_| panic!("{text}"));
    let completed = status != TransactionStatus::Rejected;
    let key = shared::domain::IdempotencyKey::parse(&uuid::Uuid::from_u128(6).to_string())
        .unwrap_or_else(|e| panic!("{e}"));
    let account = AccountId::from(uuid::Uuid::from_u128(1));
    let created = at("2026-12-01T10:00:00Z");
    TransactionRecord {
        transaction_id: TransactionId::from(uuid::Uuid::from_u128(5)),
        status,
        rejection_reason: (!completed).then_some(RejectionReason::HoldNotActive),
        balance_after: completed.then(|| balance("100.00")),
        to_balance_after: completed.then(|| balance("40.00")),
        held_after: completed.then(|| balance("60.00")),
        to_held_after: completed.then(|| balance("10.00")),
        to_user_id: completed.then(|| UserId::new("receiver")),
        account_version: Some(3),
        to_account_version: completed.then_some(9),
        holder_id: (user != "holder").then(|| UserId::new("holder")),
        processed_at: Some(at("2026-12-01T10:00:01Z")),
        ..TransactionRecord::new_pending(
            UserId::new(user),
            key,
            (account, kind, DEFAULT_CURRENCY),
            created,
        )
    }
}

fn money(text: &str) -> shared::domain::Money {
    text.parse().unwrap_or_else(|_| panic!("{text}"))
}

#[test]
fn an_active_hold_tells_its_holder_the_held_amount() {
    let hold = TransactionKind::Hold {
        amount: money("60.00"),
    };
    let told = notifications_for(&settled(hold, TransactionStatus::Active, "holder"));
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].status, TransactionStatus::Active);
    assert_eq!(told[0].held_after.as_deref(), Some("60.00"));
    assert_eq!(told[0].balance_after.as_deref(), Some("100.00"));
    assert_eq!(told[0].direction, None);
}

#[test]
fn an_expiry_tells_the_holder_when_it_released_the_hold_and_nobody_when_rejected() {
    let expiry = TransactionKind::Expiry {
        amount: money("60.00"),
        hold: TransactionId::from(uuid::Uuid::from_u128(4)),
    };
    let system = shared::store::SYSTEM_USER;
    let done = notifications_for(&settled(expiry, TransactionStatus::Completed, system));
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].holder_id, "holder");
    assert_eq!(done[0].kind, TransactionType::Expiry);
    let rejected = settled(expiry, TransactionStatus::Rejected, system);
    assert!(notifications_for(&rejected).is_empty());
    // A rejected capture or void is the holder's own request: they hear of it.
    let capture = TransactionKind::Capture {
        amount: money("25.50"),
        hold: TransactionId::from(uuid::Uuid::from_u128(4)),
    };
    let refused = notifications_for(&settled(capture, TransactionStatus::Rejected, "holder"));
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].held_after, None);
}

#[test]
fn a_completed_reversal_of_a_transfer_tells_both_holders_which_way_it_went() {
    let sender = AccountId::from(uuid::Uuid::from_u128(2));
    let reversal = TransactionKind::Reversal {
        amount: money("25.00"),
        of: TransactionId::from(uuid::Uuid::from_u128(4)),
        direction: Direction::Transfer { to: sender },
    };
    let told = notifications_for(&settled(reversal, TransactionStatus::Completed, "operator"));
    assert_eq!(told.len(), 2, "{told:?}");
    let (debited, credited) = (&told[0], &told[1]);
    assert_eq!(debited.holder_id, "holder");
    assert_eq!(debited.direction, Some(Flow::Debit));
    assert_eq!(debited.counterparty_account_id, Some(sender));
    assert_eq!(credited.holder_id, "receiver");
    assert_eq!(credited.role, HolderRole::Destination);
    assert_eq!(credited.account_id, sender);
    assert_eq!(credited.direction, Some(Flow::Credit));
    assert_eq!(credited.balance_after.as_deref(), Some("40.00"));
    assert_eq!(credited.held_after.as_deref(), Some("10.00"));
    assert_eq!(credited.account_version, Some(9));
    assert_eq!(credited.counterparty_account_id, Some(debited.account_id));
    let rejected = settled(reversal, TransactionStatus::Rejected, "operator");
    assert_eq!(notifications_for(&rejected).len(), 1);
    for (direction, flow) in [
        (Direction::Credit, Flow::Credit),
        (Direction::Debit, Flow::Debit),
    ] {
        let kind = TransactionKind::Reversal {
            amount: money("5.00"),
            of: TransactionId::from(uuid::Uuid::from_u128(4)),
            direction,
        };
        let told = notifications_for(&settled(kind, TransactionStatus::Completed, "operator"));
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].direction, Some(flow));
    }
}

fn change(holder: &str, by: &str) -> StatusChange {
    StatusChange {
        event_id: TransactionId::from(uuid::Uuid::from_u128(7)),
        account_id: AccountId::from(uuid::Uuid::from_u128(8)),
        holder_id: UserId::new(holder),
        from: AccountStatus::Open,
        to: AccountStatus::Frozen,
        reason: Some("Card reported stolen".to_owned()),
        initiated_by: UserId::new(by),
        created_at: shared::clock::Timestamp::parse("2026-11-25T09:21:00.000000Z")
            .unwrap_or_else(|e| panic!("{e}")),
    }
}

#[test]
fn a_status_change_tells_its_holder_who_made_it_without_naming_the_operator() {
    let holder = uuid::Uuid::from_u128(9).to_string();
    let operator = uuid::Uuid::from_u128(10).to_string();
    let by_bank = status_notification(&change(&holder, &operator));
    assert_eq!(by_bank.changed_by, ChangedBy::Bank);
    assert_eq!(by_bank.holder_id, holder.as_str());
    assert_eq!(by_bank.to_status, AccountStatus::Frozen);
    assert_eq!(by_bank.reason.as_deref(), Some("Card reported stolen"));
    let body =
        serde_json::to_string(&Notification::from(by_bank)).unwrap_or_else(|e| panic!("{e}"));
    assert!(!body.contains(&operator), "{body}");
    let by_holder = status_notification(&change(&holder, &holder));
    assert_eq!(by_holder.changed_by, ChangedBy::Holder);
}

#[test]
fn messages_are_packed_in_order_and_each_body_names_its_first_record() {
    // 23 messages from records 0..=11 (two per record, one for the last), every
    // fifth a status change: both kinds share the bodies.
    let holder = uuid::Uuid::from_u128(9).to_string();
    let messages: Vec<(usize, Notification)> = (0..23u128)
        .map(|n| {
            let notification = if n % 5 == 4 {
                status_notification(&change(&holder, &holder)).into()
            } else {
                message(n).into()
            };
            (n as usize / 2, notification)
        })
        .collect();
    let bodies = pack(&messages).unwrap_or_else(|i| panic!("record {i} not packed"));
    assert_eq!(
        bodies.iter().map(|b| b.first_index).collect::<Vec<_>>(),
        [0, 5, 10]
    );
    let mut unpacked = Vec::new();
    for body in &bodies {
        let batch: NotificationBatch =
            serde_json::from_str(&body.text).unwrap_or_else(|e| panic!("{e}"));
        assert!(batch.notifications.len() <= MAX_PER_BODY);
        unpacked.extend(batch.notifications);
    }
    let sent: Vec<Notification> = messages.into_iter().map(|(_, m)| m).collect();
    assert_eq!(unpacked, sent);
    assert!(pack(&[]).is_ok_and(|bodies| bodies.is_empty()));
}

#[test]
fn each_notification_carries_its_trace_and_a_body_is_sent_under_its_first() {
    let holder = uuid::Uuid::from_u128(9).to_string();
    let traced = |n: u128, root: &str| {
        let mut m = message(n);
        m.trace_id = TraceId::parse(root);
        (n as usize, Notification::from(m))
    };
    let first = "1-6758a3c1-0123456789abcdef01234567";
    let second = "1-6758a3c2-0123456789abcdef01234567";
    let status = status_notification(&change(&holder, &holder)).into();
    let messages = vec![(0, status), traced(1, first), traced(2, second)];
    let bodies = pack(&messages).unwrap_or_else(|i| panic!("record {i} not packed"));
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0].trace.as_ref().map(TraceId::as_str), Some(first));
    assert!(bodies[0].text.contains(first) && bodies[0].text.contains(second));
    let header = bodies[0].trace.as_ref().and_then(trace_attribute);
    assert_eq!(
        header.as_ref().and_then(|h| h.string_value()),
        Some(format!("Root={first}").as_str())
    );
    let untraced = pack(&[(0, message(3).into())]).unwrap_or_else(|_| panic!("not packed"));
    assert!(untraced[0].trace.is_none());
}
