//! An account's ledger by time through the accounts function: history by period
//! (`?from=&to=`) and the balance as of an instant (`/balance?at=`), both in settlement
//! order, agreeing at every pair of instants; and the hash chain every settled entry
//! extends, checked over the account's whole history.

use std::time::Duration;

use integration_tests::api::{ApiEvent, Caller};
use integration_tests::fixture::ApiFixture;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use shared::domain::{AccountId, ChainHead, chain::check_chain};
use shared::store::{AccountsTable, EntryRange, TransactionsTable};

/// An instant strictly between what settled before and what settles after.
async fn mark() -> String {
    tokio::time::sleep(Duration::from_millis(3)).await;
    let at = shared::app::ledger_time(&chrono::Utc::now());
    tokio::time::sleep(Duration::from_millis(3)).await;
    at
}

/// Every entry settled in `[from, to)`, `limit` at a time.
async fn period(
    f: &ApiFixture,
    account: &str,
    caller: &Caller,
    from: &str,
    to: &str,
    limit: usize,
) -> Vec<Value> {
    let event = ApiEvent::account_history(account, caller)
        .no_query()
        .query("from", from)
        .query("to", to);
    f.all_pages(&event, limit).await
}

async fn balance(f: &ApiFixture, account: &str, caller: &Caller, at: Option<&str>) -> Value {
    let mut event = ApiEvent::account_balance(account, caller);
    if let Some(at) = at {
        event = event.query("at", at);
    }
    let reply = f.accounts_call(&event).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

fn decimal(value: &Value) -> Decimal {
    value
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal string: {value}"))
}

/// What an item of `account`'s history did to it.
fn signed(item: &Value, account: &str) -> Decimal {
    let amount = decimal(&item["amount"]);
    let outgoing = item["type"] == "WITHDRAWAL"
        || (item["type"] == "TRANSFER" && item["toAccountId"] != account);
    if outgoing { -amount } else { amount }
}

#[tokio::test]
async fn history_by_period_and_balances_as_of_agree_at_every_pair_of_instants() {
    let f = ApiFixture::new().await;
    let (alice, bob, operator) = (Caller::new_user(), Caller::new_user(), Caller::new_admin());
    let alices = f.open_account(&alice, "USD").await;
    let bobs = f.open_account(&bob, "USD").await;
    let funding = json!({ "accountId": bobs, "amount": "100.00", "type": "ADJUSTMENT", "description": "opening credit" });
    f.record_settled(&operator, &funding).await;

    let deposit =
        |amount: &str| json!({ "accountId": alices, "amount": amount, "type": "DEPOSIT" });
    let withdrawal =
        |amount: &str| json!({ "accountId": alices, "amount": amount, "type": "WITHDRAWAL" });
    let transfer = |amount: &str| json!({ "accountId": bobs, "toAccountId": alices, "amount": amount, "type": "TRANSFER" });
    let mut marks = vec![mark().await];
    let mut expected = Vec::new();
    for (caller, body) in [
        (&alice, deposit("10.00")),
        (&bob, transfer("2.50")),
        (&alice, withdrawal("4.25")),
        (&alice, deposit("0.75")),
        (&bob, transfer("1.01")),
    ] {
        expected.push(f.record_settled(caller, &body).await);
        marks.push(mark().await);
    }
    // A rejection settles but is no entry: the ledger does not list it.
    f.record_settled(&alice, &withdrawal("1000.00")).await;
    marks.push(mark().await);

    let now = balance(&f, &alices, &alice, None).await;
    assert_eq!(now["balance"], "10.01");
    assert_eq!(now["currency"], "USD");
    let last = marks.len() - 1;
    for i in 0..marks.len() {
        let at_i = balance(&f, &alices, &alice, Some(&marks[i])).await;
        for j in i + 1..marks.len() {
            let at_j = balance(&f, &alices, &alice, Some(&marks[j])).await;
            let items = period(&f, &alices, &alice, &marks[i], &marks[j], 2).await;
            let ids: Vec<&str> = items
                .iter()
                .filter_map(|i| i["transactionId"].as_str())
                .collect();
            let upto = j.min(expected.len());
            assert_eq!(ids, expected[i.min(upto)..upto], "[{i}, {j})");
            let moved: Decimal = items.iter().map(|item| signed(item, &alices)).sum();
            assert_eq!(
                decimal(&at_j["balance"]),
                decimal(&at_i["balance"]) + moved,
                "[{i}, {j})"
            );
        }
    }
    assert_eq!(
        balance(&f, &alices, &alice, Some(&marks[0])).await["balance"],
        "0.00"
    );
    let latest = balance(&f, &alices, &alice, Some(&marks[last])).await;
    assert_eq!(latest["balance"], now["balance"]);
    assert_eq!(latest["version"], json!(5));
    // Every page size lists the same entries, oldest first.
    for limit in [1, 3, 10] {
        let items = period(&f, &alices, &alice, &marks[0], &marks[last], limit).await;
        let ids: Vec<&str> = items
            .iter()
            .filter_map(|i| i["transactionId"].as_str())
            .collect();
        assert_eq!(ids, expected, "limit {limit}");
    }
    // An operator audits any account; dates are whole days.
    let today = &marks[0][..10];
    let audited = balance(&f, &alices, &operator, Some(today)).await;
    assert_eq!(audited["balance"], "0.00");
}

#[tokio::test]
async fn bad_bounds_future_instants_foreign_accounts_and_foreign_tokens_are_refused() {
    let f = ApiFixture::new().await;
    let (alice, mallory) = (Caller::new_user(), Caller::new_user());
    let alices = f.open_account(&alice, "EUR").await;
    for amount in ["1.00", "2.00", "3.00"] {
        let body = json!({ "accountId": alices, "amount": amount, "type": "DEPOSIT" });
        f.record_settled(&alice, &body).await;
    }
    let history = |from: &str, to: &str| {
        ApiEvent::account_history(&alices, &alice)
            .no_query()
            .query("from", from)
            .query("to", to)
    };
    for (event, field) in [
        (history("yesterday", "2026-12-01"), "from"),
        (history("2026-11-01", "2026-13-01"), "to"),
        (history("2026-11-02", "2026-11-01"), "to"),
        (
            ApiEvent::account_balance(&alices, &alice).query("at", "2999-01-01T00:00:00Z"),
            "at",
        ),
        (
            ApiEvent::account_balance(&alices, &alice).query("at", "noon"),
            "at",
        ),
    ] {
        let reply = f.accounts_call(&event).await;
        assert_eq!(reply.status, 400, "{}", reply.text);
        assert_eq!(reply.json()["code"], "VALIDATION_ERROR", "{}", reply.text);
        assert_eq!(reply.json()["field"], field, "{}", reply.text);
    }
    // Someone else's account answers like a missing one.
    for event in [
        ApiEvent::account_balance(&alices, &mallory),
        ApiEvent::account_history(&alices, &mallory)
            .no_query()
            .query("from", "2026-01-01"),
        ApiEvent::account_balance(&AccountId::new_random().to_string(), &alice),
    ] {
        let reply = f.accounts_call(&event).await;
        assert_eq!(reply.status, 404, "{}", reply.text);
    }
    // A token is bound to its period: another period refuses it.
    let first = f
        .accounts_call(&history("2026-01-01", "2999-01-01").query("limit", "1"))
        .await;
    let token = first.json()["nextToken"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {}", first.text))
        .to_owned();
    let other = f
        .accounts_call(&history("2026-01-02", "2999-01-01").query("nextToken", &token))
        .await;
    assert_eq!(other.status, 400, "{}", other.text);
    assert_eq!(other.json()["code"], "INVALID_NEXT_TOKEN");
}

#[tokio::test]
async fn every_entry_of_an_account_chains_from_genesis_to_its_head() {
    let f = ApiFixture::new().await;
    let (alice, bob) = (Caller::new_user(), Caller::new_user());
    let alices = f.open_account(&alice, "USD").await;
    let bobs = f.open_account(&bob, "USD").await;
    f.record_settled(&alice, &json!({ "accountId": alices, "amount": "50.00", "type": "DEPOSIT", "description": "salary \"Nov\"" })).await;
    for amount in ["5.00", "7.25"] {
        let body = json!({ "accountId": alices, "toAccountId": bobs, "amount": amount, "type": "TRANSFER" });
        f.record_settled(&alice, &body).await;
    }
    f.record_settled(
        &bob,
        &json!({ "accountId": bobs, "amount": "1.00", "type": "WITHDRAWAL" }),
    )
    .await;
    let client = shared::aws::dynamodb(&f.stack.config);
    let transactions = TransactionsTable::new(client.clone(), &f.tables.transactions);
    let accounts = AccountsTable::new(client, &f.tables.accounts);
    for (id, entries) in [(&alices, 3), (&bobs, 3)] {
        let account_id = AccountId::parse(id).unwrap_or_else(|e| panic!("{e}"));
        let account = accounts
            .get(&account_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no account {id}"));
        let ledger = transactions
            .ledger_entries(id, &EntryRange::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ledger.len(), entries, "{id}");
        let versions: Vec<u64> = ledger.iter().map(|(e, _)| e.version).collect();
        assert_eq!(versions, (1..=entries as u64).collect::<Vec<_>>());
        let pairs = ledger.iter().map(|(entry, head)| (entry, head));
        assert_eq!(
            check_chain(&ChainHead::genesis(), pairs, &account.chain_head),
            Ok(())
        );
        assert_eq!(
            ledger.last().map(|(e, _)| e.balance_after),
            Some(account.balance)
        );
        // The balance endpoint shows the same head.
        let owner = if id == &alices { &alice } else { &bob };
        let now = balance(&f, id, owner, None).await;
        assert_eq!(now["chainHead"], account.chain_head.as_str());
    }
}
