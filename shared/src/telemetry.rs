//! Structured logs with `tracing`: JSON on Lambda (CloudWatch), compact text locally.
//! Never log tokens, passwords, email addresses or phone numbers; ids and amounts are fine.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once. `RUST_LOG` filters (default `info`);
/// `LOG_FORMAT=text` forces human-readable output, otherwise JSON when running on Lambda.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // The runtime crates log whole events (bodies, Authorization headers) at trace:
    // never let them, whatever RUST_LOG says.
    let filter = [
        "lambda_runtime=info",
        "lambda_http=info",
        "lambda_runtime_api_client=info",
    ]
    .into_iter()
    .filter_map(|d| d.parse().ok())
    .fold(filter, EnvFilter::add_directive);
    let on_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let text = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("text"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = if on_lambda && !text {
        builder
            .json()
            .without_time()
            .with_current_span(false)
            .try_init()
    } else {
        builder.compact().try_init()
    };
    // A second init (tests, local runtime) keeps the first subscriber.
    drop(result);
}
