//! The local runtime, started in-process on 127.0.0.1 with its own uniquely named
//! stack (tables, queues, pool), driven over HTTP like a client would.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use shared::aws::SdkConfig;

use crate::{TestStack, unique_name};

/// A running local stack and an HTTP client for it.
#[derive(Debug)]
pub struct LocalStack {
    pub stack: TestStack,
    pub info: Value,
    pub api: String,
    pub http: reqwest::Client,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// Reads `response`: its status, headers and body (JSON, else the text as a string).
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Self {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        }
    }
}

impl LocalStack {
    /// `POST url` with the JSON text `body` and these extra headers (a signature, a
    /// token): the answer as it came.
    pub async fn post_json(&self, url: &str, body: &str, headers: &[(String, String)]) -> Answer {
        let mut request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        Answer::read(response).await
    }

    /// Starts a stack from the repository's `template.yml` on a free port.
    pub async fn start() -> Self {
        Self::start_with(|config| config).await
    }

    /// [`Self::start`] with the functions' and event sources' SDK configuration made
    /// by `configure` from the emulators' (e.g. with a fault-injecting interceptor).
    /// Provisioning, seeding and this harness's own clients stay without it.
    pub async fn start_with(configure: impl FnOnce(SdkConfig) -> SdkConfig) -> Self {
        Self::start_configured(configure, local_runtime::SourceOptions::from_env()).await
    }

    /// [`Self::start_with`] with the DynamoDB stream spread over `shards` virtual
    /// shards (the runtime's default otherwise: `BANK_STREAM_SHARDS`, else 4).
    pub async fn start_with_shards(
        configure: impl FnOnce(SdkConfig) -> SdkConfig,
        shards: usize,
    ) -> Self {
        let sources = local_runtime::SourceOptions::default().with_stream_shards(shards);
        Self::start_configured(configure, sources).await
    }

    async fn start_configured(
        configure: impl FnOnce(SdkConfig) -> SdkConfig,
        sources: local_runtime::SourceOptions,
    ) -> Self {
        let stack = TestStack::connect().await;
        let suffix = unique_name("e2e");
        let digits = uuid::Uuid::new_v4().as_u128() % 10_000_000;
        let options = local_runtime::Options {
            template: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("template.yml"),
            host: "127.0.0.1".to_owned(),
            port: 0,
            dynamodb_endpoint: std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_default(),
            moto_endpoint: stack.moto_endpoint.clone(),
            stack_name: suffix.clone(),
            environment: suffix,
            demo_phone: format!("+1555{digits:07}"),
        };
        let running =
            local_runtime::start_configured(&options, configure(stack.config.clone()), sources)
                .await
                .unwrap_or_else(|e| panic!("local runtime: {e}"));
        let api = running.info["apiUrl"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Self {
            stack,
            info: running.info,
            api,
            http: reqwest::Client::new(),
            tasks: running.tasks,
        }
    }

    /// The seeded demo user's token and account id.
    pub async fn demo_login(&self) -> (String, String) {
        let demo = &self.info["demoUser"];
        let token = self
            .login(
                demo["username"].as_str().unwrap_or(""),
                demo["password"].as_str().unwrap_or(""),
            )
            .await;
        let account = demo["accountId"].as_str().unwrap_or_default().to_owned();
        (token, account)
    }

    /// Writes to `table` a poison record (see [`put_poison`]).
    pub async fn put_poison(&self, table: &str, tag: &str) {
        put_poison(&self.stack.dynamodb, table, tag).await;
    }

    /// A request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Answer {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(bearer) = &bearer {
            headers.push(("Authorization", bearer));
        }
        if let Some(key) = key {
            headers.push(("Idempotency-Key", key));
        }
        self.send(method, path, &headers, body.map(Value::to_string))
            .await
    }

    /// A request with exactly these headers and, if any, a JSON body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut request = self.http.request(method, format!("{}{path}", self.api));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        Answer::read(response).await
    }

    /// Logs in; returns the IdToken.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let answer = self
            .call(
                "POST",
                "/auth/login",
                None,
                Some(&json!({ "username": username, "password": password })),
                None,
            )
            .await;
        assert_eq!(answer.status, 200, "login: {:?}", answer.body);
        answer.body["idToken"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Polls a transaction until it leaves PENDING (bounded).
    pub async fn settled(&self, token: &str, id: &str) -> Value {
        for _ in 0..300 {
            let answer = self
                .call(
                    "GET",
                    &format!("/transactions/{id}"),
                    Some(token),
                    None,
                    None,
                )
                .await;
            if answer.status == 200 && answer.body["status"] != "PENDING" {
                return answer.body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("transaction {id} still pending after 30 s");
    }
}

/// Writes to `table` a PENDING transaction no code of ours would write (its amount is
/// not a number), keyed `poison#<tag>`: a stream record that can never be applied.
pub async fn put_poison(dynamodb: &aws_sdk_dynamodb::Client, table: &str, tag: &str) {
    let key = format!("poison#{tag}");
    let request_key = uuid::Uuid::new_v4().to_string();
    let id = uuid::Uuid::new_v4().to_string();
    let poison = [
        ("idempotencyKey", key.as_str()),
        ("requestKey", request_key.as_str()),
        ("id", id.as_str()),
        ("userId", "nobody"),
        ("accountId", "0b7a6b1c-2f3e-4d5a-8b9c-0d1e2f3a4b5c"),
        ("type", "DEPOSIT"),
        ("amount", "ten"),
        ("currency", "USD"),
        ("status", "PENDING"),
        ("createdAt", "2026-11-25T09:00:00.000000Z"),
        ("requestHash", "x"),
    ];
    let mut put = dynamodb.put_item().table_name(table);
    for (k, v) in poison {
        put = put.item(k, aws_sdk_dynamodb::types::AttributeValue::S(v.to_owned()));
    }
    put.send()
        .await
        .unwrap_or_else(|e| panic!("PutItem: {e:?}"));
}
