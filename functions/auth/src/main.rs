//! The auth Lambda: telemetry, configuration and the Cognito client once, then serve.

use std::convert::Infallible;
use std::sync::Arc;

use auth::AuthApp;
use lambda_http::service_fn;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let config = shared::aws::load_config().await;
    let app = Arc::new(AuthApp::from_env(&config)?);
    lambda_http::run(service_fn(move |request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(app.handle(request).await) }
    }))
    .await
}
