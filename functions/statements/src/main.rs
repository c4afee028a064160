//! Lambda entry point: build the clients once, then consume StatementsQueue batches.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use statements::{Worker, WorkerConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let settings = WorkerConfig::from_env().map_err(|e| format!("statements worker: {e}"))?;
    let config = shared::aws::load_config().await;
    let worker = Worker::new(&config, &settings);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let worker = worker.clone();
        async move { Ok::<_, Error>(worker.handle(event.payload).await) }
    }))
    .await
}
