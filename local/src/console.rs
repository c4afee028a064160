//! The web console (`web/console/` beside the template): static files served at
//! `/console/`, plus `/console/config.json`, which tells the page where the API and the
//! live events endpoint are.
//!
//! The files are read once at start-up from the repository (next to `template.yml`, as
//! the GraphQL schema is), not embedded with `include_str!`: changing the page needs a
//! restart of `bank-local`, never a rebuild of it, and the binary does not carry a
//! copy that could drift from the files. A missing file is reported once at start and
//! its route answers 404 saying where it was looked for; the API runs regardless.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Value, json};

/// Where the console is served.
pub const PREFIX: &str = "/console";

/// The files served, with their content types (nothing else under the folder is).
pub const FILES: [(&str, &str); 8] = [
    ("index.html", "text/html; charset=utf-8"),
    ("style.css", "text/css; charset=utf-8"),
    ("app.js", "text/javascript; charset=utf-8"),
    ("api.js", "text/javascript; charset=utf-8"),
    ("live.js", "text/javascript; charset=utf-8"),
    ("settle.js", "text/javascript; charset=utf-8"),
    ("state.js", "text/javascript; charset=utf-8"),
    ("view.js", "text/javascript; charset=utf-8"),
];

/// What the page reads at start: `config.json`, and the policy its HTML is served
/// with (it may connect to the API and the live events endpoint only).
#[derive(Debug)]
struct Configured {
    config: String,
    policy: String,
}

/// The console's files and, once the stack is up, its configuration.
#[derive(Debug, Clone)]
pub struct Console {
    dir: PathBuf,
    files: Arc<Vec<(&'static str, &'static str, Option<String>)>>,
    configured: Arc<OnceLock<Configured>>,
}

impl Console {
    /// Reads the files from `web/console` in the folder of `template`.
    pub fn load(template: &Path) -> Self {
        let root = template.parent().unwrap_or_else(|| Path::new("."));
        let dir = root.join("web").join("console");
        let files: Vec<_> = FILES
            .iter()
            .map(|(name, kind)| (*name, *kind, std::fs::read_to_string(dir.join(name)).ok()))
            .collect();
        let missing: Vec<&str> = files
            .iter()
            .filter(|(_, _, text)| text.is_none())
            .map(|(name, _, _)| *name)
            .collect();
        if !missing.is_empty() {
            tracing::warn!(dir = %dir.display(), missing = ?missing, "web console files not found");
        }
        Self {
            dir,
            files: Arc::new(files),
            configured: Arc::new(OnceLock::new()),
        }
    }

    /// Sets `config.json` from the stack's details (`apiUrl`, `region`, and the live
    /// events endpoints when the stack has them). Only the first call counts.
    pub fn configure(&self, info: &Value) {
        let config = config(info);
        let policy = content_security_policy(&config);
        let _ = self.configured.set(Configured {
            config: config.to_string(),
            policy,
        });
    }

    /// The routes: `/console` (redirect), `/console/` and each file, `config.json`.
    pub fn router(&self) -> Router {
        let mut router = Router::new()
            .route(PREFIX, get(|| async { Redirect::permanent("/console/") }))
            .route(&format!("{PREFIX}/config.json"), {
                let console = self.clone();
                get(move || async move { console.config_json() })
            });
        for &(name, _, _) in self.files.iter() {
            let console = self.clone();
            let serve = get(move || async move { console.file(name) });
            if name == "index.html" {
                router = router.route(&format!("{PREFIX}/"), serve.clone());
            }
            router = router.route(&format!("{PREFIX}/{name}"), serve);
        }
        router
    }

    fn file(&self, name: &str) -> Response {
        let Some((_, kind, Some(text))) = self.files.iter().find(|(n, _, _)| *n == name) else {
            let path = self.dir.join(name);
            return text_response(
                StatusCode::NOT_FOUND,
                &format!("The web console's {} was not found.\n", path.display()),
            );
        };
        let mut response = (StatusCode::OK, text.clone()).into_response();
        set_headers(&mut response, kind);
        if name == "index.html" {
            let Some(configured) = self.configured.get() else {
                return starting();
            };
            if let Ok(policy) = HeaderValue::from_str(&configured.policy) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, policy);
            }
        }
        response
    }

    fn config_json(&self) -> Response {
        let Some(configured) = self.configured.get() else {
            return starting();
        };
        let mut response = (StatusCode::OK, configured.config.clone()).into_response();
        set_headers(&mut response, "application/json");
        response
    }
}

/// The page's configuration: the stack's public endpoints, nothing else.
pub fn config(info: &Value) -> Value {
    let text = |key: &str| info[key].as_str().map_or(Value::Null, |s| json!(s));
    json!({
        "apiUrl": text("apiUrl"),
        "eventsRealtimeUrl": text("eventsRealtimeUrl"),
        "eventsHttpUrl": text("eventsHttpUrl"),
        "region": text("region"),
    })
}

/// The page's policy: its own scripts and styles only, and connections to the API and
/// the live events endpoint named in `config` (their origins).
pub fn content_security_policy(config: &Value) -> String {
    let mut sources = vec!["'self'".to_owned()];
    for key in ["apiUrl", "eventsRealtimeUrl"] {
        if let Some(origin) = config[key].as_str().and_then(origin)
            && !sources.contains(&origin)
        {
            sources.push(origin);
        }
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src {}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        sources.join(" ")
    )
}

/// `scheme://host[:port]` of `url`, if it is an http(s) or ws(s) URL with a plain host.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !["http", "https", "ws", "wss"].contains(&scheme) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    (!authority.is_empty() && authority.chars().all(plain))
        .then(|| format!("{scheme}://{authority}"))
}

fn set_headers(response: &mut Response, kind: &'static str) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    // Re-read on every load: a restarted runtime may serve a changed page.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

fn text_response(status: StatusCode, text: &str) -> Response {
    let mut response = (status, text.to_owned()).into_response();
    set_headers(&mut response, "text/plain; charset=utf-8");
    response
}

fn starting() -> Response {
    text_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "The local runtime is still starting; reload in a moment.\n",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_keeps_the_scheme_host_and_port_and_drops_the_path() {
        assert_eq!(
            origin("ws://127.0.0.1:3000/event/realtime").as_deref(),
            Some("ws://127.0.0.1:3000")
        );
        assert_eq!(
            origin("https://abc.execute-api.us-east-1.amazonaws.com/dev").as_deref(),
            Some("https://abc.execute-api.us-east-1.amazonaws.com")
        );
        assert_eq!(origin("javascript:alert(1)"), None);
        assert_eq!(origin("http://a b/"), None);
        assert_eq!(origin("http:///x"), None);
    }

    #[test]
    fn the_page_may_connect_only_to_itself_the_api_and_the_live_endpoint() {
        let info = json!({
            "apiUrl": "http://127.0.0.1:3000",
            "eventsRealtimeUrl": "ws://127.0.0.1:3000/event/realtime",
            "region": "us-east-1",
            "userPoolId": "secret-enough-not-to-repeat",
        });
        let config = config(&info);
        assert_eq!(config["eventsHttpUrl"], Value::Null);
        assert!(config.get("userPoolId").is_none());
        let policy = content_security_policy(&config);
        assert!(policy.contains("connect-src 'self' http://127.0.0.1:3000 ws://127.0.0.1:3000;"));
        assert!(policy.contains("script-src 'self';"));
    }

    #[test]
    fn a_stack_without_live_events_gets_a_null_realtime_url() {
        let config = config(&json!({ "apiUrl": "http://127.0.0.1:1", "region": "us-east-1" }));
        assert_eq!(config["eventsRealtimeUrl"], Value::Null);
        assert!(
            content_security_policy(&config).contains("connect-src 'self' http://127.0.0.1:1;")
        );
    }
}
