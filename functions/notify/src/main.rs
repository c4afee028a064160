//! Lambda entry point: build the clients once, then consume NotificationsQueue batches.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use notify::App;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let config = shared::aws::load_config().await;
    let app = App::from_env(&config)?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let app = app.clone();
        let deadline = notify::deadline(event.context.deadline);
        async move { Ok::<_, Error>(app.handle_until(event.payload, deadline).await) }
    }))
    .await
}
