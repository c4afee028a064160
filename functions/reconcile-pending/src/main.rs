//! Lambda entry point: build the clients once, then reconcile on every scheduled event.

use std::sync::Arc;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use reconcile_pending::App;
use shared::settle::Deadline;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let config = shared::aws::load_config().await;
    let app = Arc::new(App::from_env(&config)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let app = Arc::clone(&app);
        let deadline = Deadline::at_system(event.context.deadline());
        async move { Ok::<_, Error>(Box::pin(app.run(deadline)).await?) }
    }))
    .await
}
