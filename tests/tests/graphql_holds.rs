//! Holds and reversals through the GraphQL resolver: the same application as REST
//! (the same answers, idempotency and rules), balances with what is held.

use integration_tests::api::{ApiEvent, Caller};
use integration_tests::fixture::new_key;
use integration_tests::gql::{Gql, deposit};
use serde_json::{Value, json};

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_hold_is_placed_captured_and_ended_once_through_graphql() {
    let g = Gql::new().await;
    let (alice, mallory) = (Caller::new_user(), Caller::new_user());
    let account = g.open(&alice).await;
    g.settled(&alice, deposit(&account, "100.00")).await;
    let hold = json!({ "accountId": account, "type": "HOLD", "amount": "60.00" });
    let held = g.settled(&alice, hold).await;
    let shown = g.transaction(&alice, &held).await;
    assert_eq!(shown["status"], "ACTIVE", "{shown}");
    assert!(shown["expiresAt"].is_string(), "{shown}");
    assert_eq!(
        g.balances(&alice, &account).await,
        ["100.00", "60.00", "40.00"]
    );
    // The account listing shows the same amounts.
    let listed = g.ok(&alice, "Query", "accounts", json!({})).await;
    assert_eq!(listed["items"][0]["heldAmount"], "60.00", "{listed}");
    assert_eq!(listed["items"][0]["availableBalance"], "40.00", "{listed}");

    // Only the holder acts on a hold; a capture above it writes nothing.
    let on_hold = |amount: Option<&str>| {
        let mut arguments = json!({ "transactionId": held, "idempotencyKey": new_key() });
        if let Some(amount) = amount {
            arguments["amount"] = json!(amount);
        }
        arguments
    };
    for field in ["captureHold", "voidHold"] {
        assert_eq!(
            g.error_type(&mallory, "Mutation", field, on_hold(None))
                .await,
            "NOT_FOUND",
            "{field}"
        );
    }
    for bad in ["60.01", "1.001", "-1"] {
        assert_eq!(
            g.error_type(&alice, "Mutation", "captureHold", on_hold(Some(bad)))
                .await,
            "VALIDATION_ERROR",
            "{bad}"
        );
    }
    let no_key = json!({ "transactionId": held, "idempotencyKey": "nope" });
    assert_eq!(
        g.error_type(&alice, "Mutation", "voidHold", no_key).await,
        "VALIDATION_ERROR"
    );

    let key = new_key();
    let args = json!({ "transactionId": held, "amount": "25.50", "idempotencyKey": key });
    let capture = g.ok(&alice, "Mutation", "captureHold", args.clone()).await;
    assert_eq!(capture["replayed"], false, "{capture}");
    assert_eq!(capture["transaction"]["type"], "CAPTURE");
    assert_eq!(capture["transaction"]["status"], "PENDING");
    assert_eq!(capture["transaction"]["holdId"], held.as_str());
    g.fx.settle(&alice, &key).await;
    let again = g.ok(&alice, "Mutation", "captureHold", args).await;
    assert_eq!(again["replayed"], true);
    assert_eq!(
        again["transaction"], capture["transaction"],
        "the first answer"
    );
    let other = json!({ "transactionId": held, "amount": "1.00", "idempotencyKey": key });
    assert_eq!(
        g.error_type(&alice, "Mutation", "captureHold", other).await,
        "IDEMPOTENCY_KEY_REUSED"
    );
    // The same JSON as REST's answer for the capture.
    let captured_id = text(&capture["transaction"]["transactionId"]);
    let rest =
        g.fx.get_call(
            &ApiEvent::from_sample("transactions-get.json")
                .caller(Some(&alice))
                .path_param("transactionId", &captured_id),
        )
        .await;
    let captured = g.transaction(&alice, &captured_id).await;
    assert_eq!(rest.json(), captured);
    assert_eq!(captured["status"], "COMPLETED", "{captured}");
    assert_eq!(captured["balanceAfter"], "74.50");
    assert_eq!(
        g.balances(&alice, &account).await,
        ["74.50", "0.00", "74.50"]
    );
    let ended = g.transaction(&alice, &held).await;
    assert_eq!(ended["status"], "CAPTURED", "{ended}");
    assert_eq!(ended["capturedAmount"], "25.50");
    assert_eq!(ended["endedBy"], captured_id.as_str());

    // Ended once: a void now is recorded and rejected, nothing moves.
    let void = g
        .act_settled(&alice, "voidHold", json!({ "transactionId": held }))
        .await;
    assert_eq!(void["transaction"]["type"], "VOID");
    let void = g
        .transaction(&alice, &text(&void["transaction"]["transactionId"]))
        .await;
    assert_eq!(void["status"], "REJECTED", "{void}");
    assert_eq!(void["rejectionReason"], "HOLD_NOT_ACTIVE");
    assert_eq!(
        g.balances(&alice, &account).await,
        ["74.50", "0.00", "74.50"]
    );

    // A second hold, voided: all of it released.
    let hold = json!({ "accountId": account, "type": "HOLD", "amount": "10.00" });
    let second = g.settled(&alice, hold).await;
    assert_eq!(
        g.balances(&alice, &account).await,
        ["74.50", "10.00", "64.50"]
    );
    g.act_settled(&alice, "voidHold", json!({ "transactionId": second }))
        .await;
    assert_eq!(g.transaction(&alice, &second).await["status"], "VOIDED");
    assert_eq!(
        g.balances(&alice, &account).await,
        ["74.50", "0.00", "74.50"]
    );
}

#[tokio::test]
async fn only_an_operator_reverses_and_never_more_than_the_original() {
    let g = Gql::new().await;
    let (alice, operator) = (Caller::new_user(), Caller::new_admin());
    let account = g.open(&alice).await;
    let deposit = g.settled(&alice, deposit(&account, "100.00")).await;
    let reverse = |amount: &str, description: Option<&str>| {
        let mut arguments =
            json!({ "transactionId": deposit, "amount": amount, "idempotencyKey": new_key() });
        if let Some(description) = description {
            arguments["description"] = json!(description);
        }
        arguments
    };
    assert_eq!(
        g.error_type(
            &alice,
            "Mutation",
            "reverseTransaction",
            reverse("1.00", Some("mine"))
        )
        .await,
        "FORBIDDEN"
    );
    for bad in [reverse("1.00", None), reverse("100.01", Some("too much"))] {
        assert_eq!(
            g.error_type(&operator, "Mutation", "reverseTransaction", bad.clone())
                .await,
            "VALIDATION_ERROR",
            "{bad}"
        );
    }
    let reversed = g
        .act_settled(
            &operator,
            "reverseTransaction",
            json!({ "transactionId": deposit, "amount": "30.00", "description": "chargeback 41" }),
        )
        .await;
    assert_eq!(reversed["transaction"]["type"], "REVERSAL", "{reversed}");
    assert_eq!(reversed["transaction"]["reversalOf"], deposit.as_str());
    assert_eq!(reversed["transaction"]["direction"], "DEBIT");
    let id = text(&reversed["transaction"]["transactionId"]);
    let shown = g.transaction(&alice, &id).await;
    assert_eq!(shown["status"], "COMPLETED", "{shown}");
    assert_eq!(shown["balanceAfter"], "70.00");
    assert_eq!(
        g.transaction(&alice, &deposit).await["reversedAmount"],
        "30.00"
    );
    // No amount: what is left. Then nothing is left: recorded, then rejected.
    let rest = g
        .act_settled(
            &operator,
            "reverseTransaction",
            json!({ "transactionId": deposit, "description": "the rest" }),
        )
        .await;
    assert_eq!(rest["transaction"]["amount"], "70.00", "{rest}");
    let over = g
        .act_settled(
            &operator,
            "reverseTransaction",
            json!({ "transactionId": deposit, "amount": "0.01", "description": "more" }),
        )
        .await;
    let over = g
        .transaction(&alice, &text(&over["transaction"]["transactionId"]))
        .await;
    assert_eq!(
        over["rejectionReason"], "REVERSAL_EXCEEDS_ORIGINAL",
        "{over}"
    );
    assert_eq!(g.balances(&alice, &account).await, ["0.00", "0.00", "0.00"]);
}
