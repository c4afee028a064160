//! The statements API function: owners list and read their statements, operators any,
//! everyone else gets 404; on-demand statements for closed months only, made by the
//! worker; verification without a token.

use integration_tests::api::Caller;
use integration_tests::statements::StatementsFixture;
use serde_json::{Value, json};

/// A fixture with one holder's account and its October statement made by the worker.
async fn with_october() -> (StatementsFixture, Caller, String) {
    let f = StatementsFixture::new(200).await;
    let (holder, _) = f.holder().await;
    let account = f
        .september_account(
            &holder,
            &[
                ("DEPOSIT", "80.00", "2026-10-02T08:00:00.000000Z"),
                ("WITHDRAWAL", "0.50", "2026-10-20T08:00:00.000000Z"),
            ],
        )
        .await;
    let reply = f
        .call(
            "POST",
            &format!("/accounts/{account}/statements/2026-10"),
            Some(&holder),
            None,
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({"accountId": account.to_string(), "period": "2026-10", "status": "QUEUED"})
    );
    f.drain().await;
    (f, holder, account.to_string())
}

#[tokio::test]
async fn the_list_pages_newest_first_with_a_token_only_its_caller_can_use() {
    let (f, holder, account) = with_october().await;
    for period in ["2026-08", "2026-09"] {
        let reply = f
            .call(
                "POST",
                &format!("/accounts/{account}/statements/{period}"),
                Some(&holder),
                None,
            )
            .await;
        assert_eq!(reply.status, 202, "{}", reply.text);
    }
    f.drain().await;
    let list = |query: String| format!("/accounts/{account}/statements?{query}");
    let first = f
        .call("GET", &list("limit=2".to_owned()), Some(&holder), None)
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let periods = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["period"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(periods(&first.json()), ["2026-10", "2026-09"]);
    let token = first.json()["nextToken"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {}", first.text))
        .to_owned();
    let second = f
        .call(
            "GET",
            &list(format!("limit=2&nextToken={token}")),
            Some(&holder),
            None,
        )
        .await;
    assert_eq!(periods(&second.json()), ["2026-08"]);
    assert_eq!(second.json()["nextToken"], Value::Null, "{}", second.text);
    // Another caller (an operator, who may read the account) cannot use the token.
    let operator = Caller::new_admin();
    let stolen = f
        .call(
            "GET",
            &list(format!("nextToken={token}")),
            Some(&operator),
            None,
        )
        .await;
    assert_eq!(stolen.status, 400, "{}", stolen.text);
    assert_eq!(stolen.json()["code"], "INVALID_NEXT_TOKEN");
    let bad_limit = f
        .call("GET", &list("limit=0".to_owned()), Some(&holder), None)
        .await;
    assert_eq!(bad_limit.status, 400, "{}", bad_limit.text);
}

#[tokio::test]
async fn an_owner_lists_and_reads_a_statement_made_on_demand_with_a_working_pdf_link() {
    let (f, holder, account) = with_october().await;
    let listed = f
        .call(
            "GET",
            &format!("/accounts/{account}/statements"),
            Some(&holder),
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let items = listed.json()["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["period"], "2026-10");
    assert_eq!(items[0]["closingBalance"], "79.50");

    let got = f
        .call(
            "GET",
            &format!("/accounts/{account}/statements/2026-10"),
            Some(&holder),
            None,
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.text);
    let body = got.json();
    assert_eq!(body["openingBalance"], "0.00");
    assert_eq!(body["json"]["closingBalance"], "79.50");
    assert_eq!(body["json"]["entries"].as_array().map(Vec::len), Some(2));
    let url = body["pdfUrl"].as_str().unwrap_or_default();
    let pdf = reqwest::get(url).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(pdf.status().is_success());
    assert!(pdf.bytes().await.unwrap_or_default().starts_with(b"%PDF"));

    let missing = f
        .call(
            "GET",
            &format!("/accounts/{account}/statements/2026-09"),
            Some(&holder),
            None,
        )
        .await;
    assert_eq!(missing.status, 404, "{}", missing.text);
}

#[tokio::test]
async fn another_user_gets_404_and_an_operator_gets_the_statement() {
    let (f, _, account) = with_october().await;
    let stranger = Caller::new_user();
    for (method, path) in [
        ("GET", format!("/accounts/{account}/statements")),
        ("GET", format!("/accounts/{account}/statements/2026-10")),
        ("POST", format!("/accounts/{account}/statements/2026-10")),
    ] {
        let reply = f.call(method, &path, Some(&stranger), None).await;
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text);
    }
    let unknown = f
        .call(
            "GET",
            &format!("/accounts/{}/statements", uuid::Uuid::new_v4()),
            Some(&stranger),
            None,
        )
        .await;
    assert_eq!(unknown.status, 404);
    let operator = Caller::new_admin();
    let reply = f
        .call(
            "GET",
            &format!("/accounts/{account}/statements/2026-10"),
            Some(&operator),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn the_current_month_a_future_month_and_a_malformed_period_are_refused() {
    let f = StatementsFixture::new(200).await;
    let (holder, _) = f.holder().await;
    let account = f
        .open_account_at(&holder, "2026-09-15T10:00:00.000000Z")
        .await;
    let now = chrono::Utc::now();
    let current = shared::statement::Period::containing(now).to_string();
    let future = shared::statement::Period::containing(now)
        .next()
        .map(|p| p.to_string())
        .unwrap_or_default();
    for period in [current.as_str(), future.as_str(), "2026-13", "october"] {
        let reply = f
            .call(
                "POST",
                &format!("/accounts/{account}/statements/{period}"),
                Some(&holder),
                None,
            )
            .await;
        assert_eq!(reply.status, 400, "{period}: {}", reply.text);
        assert_eq!(reply.json()["code"], "VALIDATION_ERROR");
        assert_eq!(reply.json()["field"], "period");
    }
    assert!(f.drain().await.is_empty(), "nothing queued");
}

#[tokio::test]
async fn verify_accepts_the_genuine_statement_and_refuses_one_cent_changed() {
    let (f, _, account) = with_october().await;
    let owner = f
        .call(
            "GET",
            &format!("/accounts/{account}/statements/2026-10"),
            Some(&Caller::new_admin()),
            None,
        )
        .await;
    let statement = owner.json()["json"].clone();
    let genuine = f
        .call("POST", "/statements/verify", None, Some(&statement))
        .await;
    assert_eq!(genuine.status, 200, "{}", genuine.text);
    assert_eq!(genuine.json()["signatureValid"], true);
    assert_eq!(genuine.json()["chainValid"], true);

    let mut altered: Value = statement.clone();
    altered["closingBalance"] = json!("79.51");
    let refused = f
        .call("POST", "/statements/verify", None, Some(&altered))
        .await;
    assert_eq!(refused.status, 200, "{}", refused.text);
    assert_eq!(refused.json()["signatureValid"], false);
    assert_eq!(refused.json()["chainValid"], false);
    assert!(
        !refused.json()["problems"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .is_empty()
    );

    let malformed = f
        .call(
            "POST",
            "/statements/verify",
            None,
            Some(&json!({"format": 1})),
        )
        .await;
    assert_eq!(malformed.status, 400, "{}", malformed.text);
}

#[tokio::test]
async fn the_local_runtime_serves_the_routes_and_its_worker_makes_the_statement_asked_for() {
    let local = integration_tests::local::LocalStack::start().await;
    let (token, account) = local.demo_login().await;
    let period = shared::statement::Period::previous(chrono::Utc::now()).to_string();
    let path = format!("/accounts/{account}/statements/{period}");
    let queued = local.call("POST", &path, Some(&token), None, None).await;
    assert_eq!(queued.status, 202, "{:?}", queued.body);
    let mut statement = Value::Null;
    for _ in 0..300 {
        let got = local.call("GET", &path, Some(&token), None, None).await;
        if got.status == 200 {
            statement = got.body["json"].clone();
            break;
        }
        assert_eq!(got.status, 404, "{:?}", got.body);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        statement["period"],
        json!(period),
        "no statement after 30 s"
    );
    let verdict = local
        .call("POST", "/statements/verify", None, Some(&statement), None)
        .await;
    assert_eq!(verdict.status, 200, "{:?}", verdict.body);
    assert_eq!(verdict.body["signatureValid"], true, "{:?}", verdict.body);
    assert_eq!(verdict.body["chainValid"], true, "{:?}", verdict.body);
    let list = local
        .call(
            "GET",
            &format!("/accounts/{account}/statements"),
            Some(&token),
            None,
            None,
        )
        .await;
    assert_eq!(
        list.body["items"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        list.body
    );
}
