//! Lambda entry point: build the clients once, then consume stream batches.

use std::sync::Arc;

use aws_lambda_events::event::dynamodb::Event;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use process_transactions::App;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let config = shared::aws::load_config().await;
    let app = Arc::new(App::from_env(&config)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let app = Arc::clone(&app);
        let deadline = shared::settle::Deadline::at_system(event.context.deadline());
        async move { Ok::<_, Error>(app.handle_until(event.payload, deadline).await) }
    }))
    .await
}
