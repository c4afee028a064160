//! API Gateway REST proxy events for the API handlers, built from the sample events in
//! `events/` (the same files `sam local invoke` takes).

use std::path::PathBuf;

use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

/// The repository's `events/` folder.
pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("events")
}

/// A sample event by file name, as JSON.
pub fn sample_event(name: &str) -> Value {
    let path = events_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A caller as API Gateway's Cognito authorizer describes it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub sub: String,
    pub groups: Option<String>,
}

impl Caller {
    /// A new user with no groups.
    pub fn new_user() -> Self {
        Self {
            sub: uuid::Uuid::new_v4().to_string(),
            groups: None,
        }
    }

    /// A new member of the `admin` group.
    pub fn new_admin() -> Self {
        Self {
            sub: uuid::Uuid::new_v4().to_string(),
            groups: Some("admin".to_owned()),
        }
    }
}

/// A REST proxy event, starting from a sample event file.
#[derive(Debug, Clone)]
pub struct ApiEvent(Value);

impl ApiEvent {
    /// `GET /accounts/{account}/transactions` by `caller`.
    pub fn account_history(account: &str, caller: &Caller) -> Self {
        Self::from_sample("accounts-transactions.json")
            .route(
                "GET",
                &format!("/accounts/{account}/transactions"),
                "/accounts/{accountId}/transactions",
            )
            .path_param("accountId", account)
            .caller(Some(caller))
    }

    /// `GET /accounts/{account}/balance` for `caller`.
    pub fn account_balance(account: &str, caller: &Caller) -> Self {
        Self::from_sample("accounts-balance.json")
            .route(
                "GET",
                &format!("/accounts/{account}/balance"),
                "/accounts/{accountId}/balance",
            )
            .path_param("accountId", account)
            .caller(Some(caller))
            .no_query()
    }

    /// `GET /accounts/{account}` by `caller`.
    pub fn get_account(account: &str, caller: &Caller) -> Self {
        Self::from_sample("accounts-get.json")
            .route(
                "GET",
                &format!("/accounts/{account}"),
                "/accounts/{accountId}",
            )
            .path_param("accountId", account)
            .caller(Some(caller))
    }

    /// `GET /transactions/{id}` by `caller`.
    pub fn get_transaction(id: &str, caller: &Caller) -> Self {
        Self::from_sample("transactions-get.json")
            .route(
                "GET",
                &format!("/transactions/{id}"),
                "/transactions/{transactionId}",
            )
            .path_param("transactionId", id)
            .caller(Some(caller))
    }

    /// Without any query string.
    pub fn no_query(mut self) -> Self {
        self.0["queryStringParameters"] = Value::Null;
        self.0["multiValueQueryStringParameters"] = Value::Null;
        self
    }

    /// Starts from `events/<file>`.
    pub fn from_sample(file: &str) -> Self {
        Self(sample_event(file))
    }

    /// Sets method, path and resource template.
    pub fn route(mut self, method: &str, path: &str, resource: &str) -> Self {
        self.0["httpMethod"] = json!(method);
        self.0["path"] = json!(path);
        self.0["resource"] = json!(resource);
        self.0["requestContext"]["httpMethod"] = json!(method);
        self.0["requestContext"]["resourcePath"] = json!(resource);
        self.0["requestContext"]["path"] = json!(format!("/dev{path}"));
        self
    }

    /// Sets a path parameter.
    pub fn path_param(mut self, name: &str, value: &str) -> Self {
        if !self.0["pathParameters"].is_object() {
            self.0["pathParameters"] = json!({});
        }
        self.0["pathParameters"][name] = json!(value);
        self
    }

    /// Sets a query string parameter.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        if !self.0["queryStringParameters"].is_object() {
            self.0["queryStringParameters"] = json!({});
        }
        self.0["queryStringParameters"][name] = json!(value);
        self.0["multiValueQueryStringParameters"] = Value::Null;
        self
    }

    /// Sets (or with `None` removes) a header.
    pub fn header(mut self, name: &str, value: Option<&str>) -> Self {
        if !self.0["headers"].is_object() {
            self.0["headers"] = json!({});
        }
        let headers = self.0["headers"]
            .as_object_mut()
            .unwrap_or_else(|| panic!("headers"));
        headers.retain(|k, _| !k.eq_ignore_ascii_case(name));
        if let Some(value) = value {
            headers.insert(name.to_owned(), json!(value));
        }
        self.0["multiValueHeaders"] = Value::Null;
        self
    }

    /// Sets the raw body text.
    pub fn body(mut self, body: &str) -> Self {
        self.0["body"] = json!(body);
        self
    }

    /// Sets the body to `value` serialised.
    pub fn json_body(self, value: &Value) -> Self {
        self.body(&value.to_string())
    }

    /// The authorizer claims of `caller` (or none).
    pub fn caller(mut self, caller: Option<&Caller>) -> Self {
        self.0["requestContext"]["authorizer"] = match caller {
            Some(c) => {
                let mut claims = json!({ "sub": c.sub, "token_use": "id" });
                if let Some(groups) = &c.groups {
                    claims["cognito:groups"] = json!(groups);
                }
                json!({ "claims": claims })
            }
            None => Value::Null,
        };
        self
    }

    /// The event as JSON.
    pub fn to_json(&self) -> &Value {
        &self.0
    }

    /// The `lambda_http` request, parsed exactly as the Lambda runtime parses it.
    pub fn request(&self) -> Request {
        lambda_http::request::from_str(&self.0.to_string()).unwrap_or_else(|e| panic!("event: {e}"))
    }
}

/// A handler's response, read for assertions.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: lambda_http::http::HeaderMap,
    pub text: String,
}

impl Reply {
    /// Reads a response.
    pub fn from(response: Response<Body>) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = match response.into_body() {
            Body::Text(text) => text,
            Body::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            _ => String::new(),
        };
        Self {
            status,
            headers,
            text,
        }
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("body {:?}: {e}", self.text))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
