//! The pipeline's clients: users with an account each, and the concurrent HTTP load of
//! `POST /transactions`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use integration_tests::TestStack;
use integration_tests::cognito::{TestPool, create_user};
use serde_json::{Value, json};

const PASSWORD: &str = "Bench-Passw0rd!";

/// A signed-in user with one open account.
#[derive(Debug, Clone)]
pub struct User {
    pub token: String,
    pub account_id: String,
}

/// What the load produced.
#[derive(Debug, Default)]
pub struct LoadResult {
    /// Latency of each `201`, in ms.
    pub ingest_ms: Vec<f64>,
    /// Answers other than 201, by status.
    pub failures: Vec<u16>,
    pub started: Option<Instant>,
    pub elapsed_s: f64,
}

/// `POST url` with `body` (as `token`'s user, under `key`): (status, JSON answer).
pub(crate) async fn post(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &Value,
    key: Option<&str>,
) -> Result<(u16, Value), String> {
    let mut request = http.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}

/// Creates `n` users (email and phone, so each notification is an email and an SMS),
/// signs them in through the API and opens an account for each.
pub async fn users(
    stack: &TestStack,
    info: &Value,
    http: &reqwest::Client,
    n: usize,
) -> Result<Vec<User>, String> {
    let pool = TestPool {
        pool_id: info["userPoolId"].as_str().unwrap_or_default().to_owned(),
        client_id: info["userPoolClientId"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        region: info["region"].as_str().unwrap_or("us-east-1").to_owned(),
    };
    let api = info["apiUrl"].as_str().unwrap_or_default();
    let mut users = Vec::new();
    for i in 0..n {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let email = format!("bench-{i}-{}@bank.example", &tag[..8]);
        let phone = format!("+1555{:07}", (uuid::Uuid::new_v4().as_u128() % 10_000_000));
        let attributes = [
            ("email", email.as_str()),
            ("email_verified", "true"),
            ("phone_number", phone.as_str()),
        ];
        create_user(stack, &pool, &email, PASSWORD, &attributes).await;
        let login = json!({ "username": email, "password": PASSWORD });
        let (status, body) = post(http, &format!("{api}/auth/login"), None, &login, None).await?;
        let token = body["idToken"]
            .as_str()
            .filter(|_| status == 200)
            .ok_or(format!("login answered {status}"))?;
        let account = json!({ "name": "Bench", "currency": "USD" });
        let (status, body) = post(
            http,
            &format!("{api}/accounts"),
            Some(token),
            &account,
            None,
        )
        .await?;
        let account_id = body["accountId"]
            .as_str()
            .filter(|_| status == 201)
            .ok_or(format!("POST /accounts answered {status}"))?;
        users.push(User {
            token: token.to_owned(),
            account_id: account_id.to_owned(),
        });
    }
    Ok(users)
}

/// The `round`-th transaction of a user: mostly deposits, every fourth a small
/// withdrawal (rejected when it overtakes the deposits: also a result that notifies).
fn transaction(round: usize, user: &User) -> Value {
    if round % 4 == 3 {
        json!({ "accountId": user.account_id, "amount": 5, "type": "WITHDRAWAL", "description": "bench" })
    } else {
        json!({ "accountId": user.account_id, "amount": 25.5, "type": "DEPOSIT", "description": "bench" })
    }
}

/// `n` transactions over `concurrency` concurrent clients, round-robin over `users`.
pub async fn run(api: &str, users: Arc<Vec<User>>, n: usize, concurrency: usize) -> LoadResult {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap_or_default();
    let next = Arc::new(AtomicUsize::new(0));
    let url = Arc::new(format!("{api}/transactions"));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (http, next, url, users) = (
            http.clone(),
            Arc::clone(&next),
            Arc::clone(&url),
            Arc::clone(&users),
        );
        workers.push(tokio::spawn(async move {
            let mut mine = LoadResult::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n || users.is_empty() {
                    break;
                }
                let user = &users[i % users.len()];
                let key = uuid::Uuid::new_v4().to_string();
                let sent = Instant::now();
                match post(
                    &http,
                    &url,
                    Some(&user.token),
                    // The user's own round: every user gets three deposits, then a
                    // withdrawal.
                    &transaction(i / users.len(), user),
                    Some(&key),
                )
                .await
                {
                    Ok((201, _)) => mine.ingest_ms.push(sent.elapsed().as_secs_f64() * 1000.0),
                    Ok((status, _)) => mine.failures.push(status),
                    Err(_) => mine.failures.push(0),
                }
            }
            mine
        }));
    }
    let mut result = LoadResult {
        started: Some(started),
        ..LoadResult::default()
    };
    for worker in workers {
        if let Ok(mine) = worker.await {
            result.ingest_ms.extend(mine.ingest_ms);
            result.failures.extend(mine.failures);
        }
    }
    result.elapsed_s = started.elapsed().as_secs_f64();
    result
}
