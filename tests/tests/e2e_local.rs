//! End to end through 127.0.0.1 HTTP against the local runtime started from
//! `template.yml`: gateway, authorizer, functions, stream, queue, SES and SNS.

use std::time::Duration;

use integration_tests::local::LocalStack;
use integration_tests::moto;
use serde_json::{Value, json};

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn record(s: &LocalStack, token: &str, body: Value) -> String {
    let answer = s
        .call(
            "POST",
            "/transactions",
            Some(token),
            Some(&body),
            Some(&key()),
        )
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    assert_eq!(answer.body["status"], "PENDING");
    answer.body["transactionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Mail and SMS moto recorded that mention `needle` (a transaction id).
async fn sent_about(s: &LocalStack, needle: &str) -> (Vec<Value>, Vec<Value>) {
    let data = moto::data(&s.stack).await;
    let mentions = |v: &Value| v.to_string().contains(needle);
    let mail = data["ses"]["Message"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| mentions(m))
        .cloned()
        .collect();
    let sms = data["sns"]["SMS"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| mentions(m))
        .cloned()
        .collect();
    (mail, sms)
}

#[tokio::test]
async fn a_newcomer_logs_in_deposits_is_refused_an_overdraft_transfers_and_is_notified() {
    let s = LocalStack::start().await;
    let (token, account) = s.demo_login().await;

    // The authorizer answers before any function runs.
    let anonymous = s.call("GET", "/accounts", None, None, None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body, json!({ "message": "Unauthorized" }));
    let forged = s
        .call("GET", "/accounts", Some("not.a.token"), None, None)
        .await;
    assert_eq!(forged.status, 401);

    let mine = s.call("GET", "/accounts", Some(&token), None, None).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["items"][0]["accountId"], account.as_str());

    let deposit = record(
        &s,
        &token,
        json!({ "accountId": account, "type": "DEPOSIT", "amount": 150.75 }),
    )
    .await;
    let done = s.settled(&token, &deposit).await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["balanceAfter"], "150.75");
    let read = s
        .call(
            "GET",
            &format!("/accounts/{account}"),
            Some(&token),
            None,
            None,
        )
        .await;
    assert_eq!(read.body["balance"], "150.75");

    let overdraft = record(
        &s,
        &token,
        json!({ "accountId": account, "type": "WITHDRAWAL", "amount": "1000" }),
    )
    .await;
    let refused = s.settled(&token, &overdraft).await;
    assert_eq!(refused["status"], "REJECTED");
    assert_eq!(refused["rejectionReason"], "INSUFFICIENT_FUNDS");

    // A transfer to another user's account.
    let admin = &s.info["adminUser"];
    let admin_token = s
        .login(
            admin["username"].as_str().unwrap_or(""),
            admin["password"].as_str().unwrap_or(""),
        )
        .await;
    let opened = s
        .call(
            "POST",
            "/accounts",
            Some(&admin_token),
            Some(&json!({ "name": "Ops" })),
            None,
        )
        .await;
    assert_eq!(opened.status, 201, "{:?}", opened.body);
    let other = opened.body["accountId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let transfer = record(&s, &token, json!({ "accountId": account, "toAccountId": other, "type": "TRANSFER", "amount": "50.75" })).await;
    assert_eq!(s.settled(&token, &transfer).await["balanceAfter"], "100.00");
    let theirs = s
        .call(
            "GET",
            &format!("/accounts/{other}"),
            Some(&admin_token),
            None,
            None,
        )
        .await;
    assert_eq!(theirs.body["balance"], "50.75");
    let hidden = s
        .call(
            "GET",
            &format!("/accounts/{other}"),
            Some(&token),
            None,
            None,
        )
        .await;
    assert_eq!(hidden.status, 404);

    // Notifications: one email per holder and transaction; one SMS per transaction to
    // the demo user (the only holder with a phone number).
    let phone = s.info["demoUser"]["phoneNumber"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut mail = Vec::new();
    let mut sms = Vec::new();
    for _ in 0..150 {
        mail = sent_about(&s, &transfer).await.0;
        sms = moto::sms_to(&s.stack, &phone).await;
        if mail.len() >= 2 && sms.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(mail.len(), 2, "one transfer email per holder: {mail:?}");
    assert_eq!(sms.len(), 3, "deposit, refusal and transfer SMS: {sms:?}");
    for id in [&deposit, &overdraft] {
        let (mail, _) = sent_about(&s, id).await;
        assert_eq!(mail.len(), 1, "{id}: {mail:?}");
    }
}

#[tokio::test]
async fn the_readme_quickstart_works_as_written() {
    let s = LocalStack::start().await;
    let script = local_runtime::quickstart(&s.api);
    assert!(
        script.contains("/auth/login") && script.contains("Idempotency-Key"),
        "{script}"
    );
    let output = tokio::process::Command::new("bash")
        .arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(&script)
        .output()
        .await
        .unwrap_or_else(|e| panic!("bash: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "quickstart failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(lines.len(), 3, "three JSON answers: {stdout}");
    assert_eq!(lines[0]["status"], "PENDING");
    assert_eq!(lines[0]["amount"], "150.75");
    assert_eq!(lines[1]["accountId"], s.info["demoUser"]["accountId"]);
    assert_eq!(
        lines[2]["items"][0]["transactionId"],
        lines[0]["transactionId"]
    );
}

#[tokio::test]
async fn the_whole_systems_logs_carry_no_token_password_email_or_phone_number() {
    let capture = integration_tests::notify_fixture::LogCapture::with_filter(
        "info,local_runtime=trace,shared=trace,auth=trace,accounts=trace,request_transaction=trace,\
         get_transactions=trace,process_transactions=trace,notify=trace",
    );
    let s = LocalStack::start().await;
    let (demo, admin) = (&s.info["demoUser"], &s.info["adminUser"]);
    let secret = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let (user, password, phone) = (
        secret(demo, "username"),
        secret(demo, "password"),
        secret(demo, "phoneNumber"),
    );

    let refused = s
        .call(
            "POST",
            "/auth/login",
            None,
            Some(&json!({ "username": user, "password": "Wrong-Passw0rd!" })),
            None,
        )
        .await;
    assert_eq!(refused.status, 401);
    let login = s
        .call(
            "POST",
            "/auth/login",
            None,
            Some(&json!({ "username": user, "password": password })),
            None,
        )
        .await;
    let token = login.body["idToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let refresh = login.body["refreshToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let admin_token = s
        .login(&secret(admin, "username"), &secret(admin, "password"))
        .await;
    let opened = s
        .call(
            "POST",
            "/accounts",
            Some(&admin_token),
            Some(&json!({})),
            None,
        )
        .await;
    let account = secret(demo, "accountId");
    record(
        &s,
        &token,
        json!({ "accountId": account, "type": "DEPOSIT", "amount": "10" }),
    )
    .await;
    let transfer = record(&s, &token, json!({ "accountId": account, "toAccountId": opened.body["accountId"], "type": "TRANSFER", "amount": "4" })).await;
    s.settled(&token, &transfer).await;
    let refreshed = s
        .call(
            "POST",
            "/auth/refresh",
            None,
            Some(&json!({ "refreshToken": refresh })),
            None,
        )
        .await;
    assert_eq!(refreshed.status, 200);
    // Let notify send the last email and SMS.
    for _ in 0..100 {
        if moto::sms_to(&s.stack, &phone).await.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let logs = capture.text();
    assert!(
        logs.contains("\"api\"") || logs.contains("api"),
        "requests are logged"
    );
    assert!(logs.lines().count() > 10, "the capture saw the run: {logs}");
    let signature = |jwt: &str| jwt.rsplit('.').next().unwrap_or_default().to_owned();
    for (what, needle) in [
        ("demo password", password.clone()),
        ("wrong password", "Wrong-Passw0rd!".to_owned()),
        ("admin password", secret(admin, "password")),
        ("demo email", user.clone()),
        ("admin email", secret(admin, "username")),
        ("phone number", phone.clone()),
        ("id token", signature(&token)),
        ("admin id token", signature(&admin_token)),
        ("refresh token", refresh.chars().take(24).collect()),
    ] {
        assert!(!needle.is_empty(), "{what} is known");
        assert!(!logs.contains(&needle), "the logs contain the {what}");
    }
    assert!(
        !logs.contains("Bearer "),
        "the logs contain an Authorization header"
    );
}
