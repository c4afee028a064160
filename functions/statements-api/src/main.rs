//! Lambda entry point: build the clients once, then serve API Gateway events.

use std::sync::Arc;

use lambda_http::{Error, service_fn};
use statements_api::App;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let config = shared::aws::load_config().await;
    // The page token key, read from Secrets Manager once per execution environment.
    let pages = shared::paging::secret::from_env(&config).await?;
    let app = Arc::new(App::from_env(&config, pages)?);
    lambda_http::run(service_fn(move |request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Error>(app.handle(request).await) }
    }))
    .await
}
