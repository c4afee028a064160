//! Lambda entry point: decide every subscribe request AppSync Events hands over.

use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    lambda_runtime::run(service_fn(
        |event: LambdaEvent<serde_json::Value>| async move {
            Ok::<_, Error>(events_subscribe::handle(event.payload))
        },
    ))
    .await
}
