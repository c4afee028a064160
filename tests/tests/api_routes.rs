//! Requests that reach a function on a path it does not serve, or with a method its
//! path does not take (a proxy integration or a stage mapping gone wrong): 404
//! `NOT_FOUND` and 405 `METHOD_NOT_ALLOWED`, before any caller check or table read.

use integration_tests::api::{ApiEvent, Caller, Reply};
use integration_tests::fixture::{ApiFixture, new_key};
use serde_json::json;

/// `method path` with no caller at all: a route answer, not a 401, proves the route is
/// decided first.
fn anonymous(sample: &str, method: &str, path: &str) -> ApiEvent {
    ApiEvent::from_sample(sample)
        .route(method, path, path)
        .caller(None)
}

fn assert_answer(reply: &Reply, status: u16, code: &str, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.json(), json!({ "code": code, "message": message }));
}

#[tokio::test]
async fn each_function_answers_404_off_its_paths_and_405_for_a_method_its_path_does_not_take() {
    let f = ApiFixture::new().await;
    let no_route = "No such route.";
    let no_method = "Method not allowed on this route.";

    for (method, path, status) in [
        ("GET", "/transactions", 404),
        ("GET", "/accounts/a1/transactions/t1", 404),
        ("DELETE", "/accounts/a1", 405),
        ("PUT", "/accounts", 405),
        ("GET", "/accounts/a1/freeze", 405),
    ] {
        let reply = f
            .accounts_call(&anonymous("accounts-get.json", method, path))
            .await;
        match status {
            404 => assert_answer(&reply, 404, "NOT_FOUND", no_route),
            _ => assert_answer(&reply, 405, "METHOD_NOT_ALLOWED", no_method),
        }
    }

    for (method, path, status) in [
        ("GET", "/accounts", 404),
        ("GET", "/transactions/t1/more", 404),
        ("POST", "/transactions", 405),
        ("DELETE", "/transactions/t1", 405),
    ] {
        let reply = f
            .get_call(&anonymous("transactions-list.json", method, path))
            .await;
        match status {
            404 => assert_answer(&reply, 404, "NOT_FOUND", no_route),
            _ => assert_answer(&reply, 405, "METHOD_NOT_ALLOWED", no_method),
        }
    }

    for method in ["GET", "PUT", "DELETE"] {
        let reply = f
            .record_call(&anonymous(
                "request-transaction.json",
                method,
                "/transactions",
            ))
            .await;
        assert_answer(
            &reply,
            405,
            "METHOD_NOT_ALLOWED",
            "Use POST to record a transaction.",
        );
    }

    // The same requests with a caller and the right method are served.
    let alice = Caller::new_user();
    let served = f
        .get_call(&ApiEvent::from_sample("transactions-list.json").caller(Some(&alice)))
        .await;
    assert_eq!(served.status, 200, "{}", served.text);
}

#[tokio::test]
async fn a_status_change_on_an_id_that_cannot_be_an_account_is_404_like_an_unknown_one() {
    let f = ApiFixture::new().await;
    let (owner, operator) = (Caller::new_user(), Caller::new_admin());
    for (caller, action) in [
        (&owner, "close"),
        (&operator, "freeze"),
        (&operator, "unfreeze"),
    ] {
        let event = ApiEvent::from_sample("accounts-create.json")
            .route(
                "POST",
                &format!("/accounts/not-an-id/{action}"),
                &format!("/accounts/{{accountId}}/{action}"),
            )
            .path_param("accountId", "not-an-id")
            .caller(Some(caller))
            .json_body(&json!({ "reason": "routine check" }));
        let reply = f.accounts_call(&event).await;
        assert_answer(&reply, 404, "NOT_FOUND", "Account not found.");
    }
}

#[tokio::test]
async fn hold_and_reversal_routes_take_only_post_and_an_id_that_cannot_be_one_is_404() {
    let f = ApiFixture::new().await;
    for action in ["capture", "void", "reverse"] {
        let sample = format!("transactions-{action}.json");
        for method in ["GET", "PUT", "DELETE"] {
            let path = format!("/transactions/t1/{action}");
            let reply = f.record_call(&anonymous(&sample, method, &path)).await;
            assert_answer(
                &reply,
                405,
                "METHOD_NOT_ALLOWED",
                "Use POST to record a transaction.",
            );
        }
    }

    let (owner, operator) = (Caller::new_user(), Caller::new_admin());
    let reason = json!({ "description": "routine check" });
    for (caller, action, body, message) in [
        (&owner, "capture", None, "Hold not found."),
        (&owner, "void", None, "Hold not found."),
        (
            &operator,
            "reverse",
            Some(&reason),
            "Transaction not found.",
        ),
    ] {
        let reply = f.act(caller, &new_key(), "not-an-id", action, body).await;
        assert_answer(&reply, 404, "NOT_FOUND", message);
    }
}
