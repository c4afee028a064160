//! A local stand-in for the Lambda Runtime API (2018-06-01) on 127.0.0.1: hands out
//! one prepared event per run and reports, with timestamps, what the function did.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::mpsc;

const PREFIX: &str = "/2018-06-01/runtime";
/// How long a `/next` waits when no event is prepared (the process is killed first).
const IDLE_WAIT: Duration = Duration::from_secs(30);

/// What the function did, and when.
#[derive(Debug)]
pub enum Hit {
    /// `GET /invocation/next`.
    Next(Instant),
    /// `POST /invocation/{id}/response` or `/error`, with the body.
    Done {
        at: Instant,
        error: bool,
        body: String,
    },
    /// `POST /init/error`.
    InitError(String),
}

#[derive(Debug)]
struct Shared {
    event: Mutex<Option<(String, String)>>,
    hits: mpsc::UnboundedSender<Hit>,
}

/// The running stub.
#[derive(Debug)]
pub struct RuntimeStub {
    pub address: String,
    shared: Arc<Shared>,
    hits: mpsc::UnboundedReceiver<Hit>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeStub {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl RuntimeStub {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start() -> Result<Self, String> {
        let (tx, hits) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            event: Mutex::new(None),
            hits: tx,
        });
        let app = Router::new()
            .route(&format!("{PREFIX}/invocation/next"), get(next))
            .route(
                &format!("{PREFIX}/invocation/{{id}}/response"),
                post(response),
            )
            .route(&format!("{PREFIX}/invocation/{{id}}/error"), post(error))
            .route(&format!("{PREFIX}/init/error"), post(init_error))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("runtime stub: {e}"))?;
        let address = listener
            .local_addr()
            .map_err(|e| format!("runtime stub: {e}"))?
            .to_string();
        let server = tokio::spawn(async move {
            drop(axum::serve(listener, app).await);
        });
        Ok(Self {
            address,
            shared,
            hits,
            server,
        })
    }

    /// The event the next `/next` hands out (once), and forgets anything reported before.
    pub fn prepare(&mut self, event: String) {
        while self.hits.try_recv().is_ok() {}
        let id = uuid::Uuid::new_v4().to_string();
        if let Ok(mut slot) = self.shared.event.lock() {
            *slot = Some((id, event));
        }
    }

    /// The next report, or `None` after `timeout`.
    pub async fn hit(&mut self, timeout: Duration) -> Option<Hit> {
        tokio::time::timeout(timeout, self.hits.recv())
            .await
            .ok()
            .flatten()
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let now = Instant::now();
    drop(shared.hits.send(Hit::Next(now)));
    let prepared = shared.event.lock().ok().and_then(|mut slot| slot.take());
    let Some((id, event)) = prepared else {
        tokio::time::sleep(IDLE_WAIT).await;
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
        + 10_000;
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    put("lambda-runtime-aws-request-id", id);
    put("lambda-runtime-deadline-ms", deadline.to_string());
    put(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:bench".to_owned(),
    );
    put(
        "lambda-runtime-trace-id",
        "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".to_owned(),
    );
    put("content-type", "application/json".to_owned());
    (StatusCode::OK, headers, event).into_response()
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(_id): Path<String>,
    body: Bytes,
) -> StatusCode {
    done(&shared, false, &body)
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(_id): Path<String>,
    body: Bytes,
) -> StatusCode {
    done(&shared, true, &body)
}

fn done(shared: &Shared, error: bool, body: &[u8]) -> StatusCode {
    drop(shared.hits.send(Hit::Done {
        at: Instant::now(),
        error,
        body: String::from_utf8_lossy(body).into_owned(),
    }));
    StatusCode::ACCEPTED
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    drop(
        shared
            .hits
            .send(Hit::InitError(String::from_utf8_lossy(&body).into_owned())),
    );
    StatusCode::ACCEPTED
}
