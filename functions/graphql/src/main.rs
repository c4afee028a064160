//! Lambda entry point: build the clients once, then resolve AppSync's fields.

use graphql::App;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let config = shared::aws::load_config().await;
    // The page token key, read from Secrets Manager once per execution environment.
    let pages = shared::paging::secret::from_env(&config).await?;
    let app = App::from_env(&config, pages)?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let app = app.clone();
        async move { app.handle(event.payload).await }
    }))
    .await
}
