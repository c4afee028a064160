//! `bank-local`: the whole system on 127.0.0.1. Started by `make run`, which starts the
//! emulators first and exports their endpoints.

use std::path::PathBuf;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    shared::telemetry::init();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(dynamodb), Some(moto)) =
        (env("AWS_ENDPOINT_URL_DYNAMODB"), env("BANK_MOTO_ENDPOINT"))
    else {
        eprintln!(
            "bank-local: the emulators are not configured: run `make run` (or `scripts/emulators.sh start && source .local/emulators.env`)."
        );
        return std::process::ExitCode::FAILURE;
    };
    let options = local_runtime::Options {
        template: PathBuf::from(env("BANK_TEMPLATE").unwrap_or_else(|| "template.yml".to_owned())),
        host: "127.0.0.1".to_owned(),
        port: env("BANK_API_PORT")
            .and_then(|p| p.parse().ok())
            .unwrap_or(3000),
        dynamodb_endpoint: dynamodb,
        moto_endpoint: moto,
        stack_name: "banking-local".to_owned(),
        environment: "local".to_owned(),
        demo_phone: local_runtime::seed::DEMO_PHONE.to_owned(),
    };
    let started = std::time::Instant::now();
    let stack_file =
        PathBuf::from(env("BANK_STACK_FILE").unwrap_or_else(|| ".local/stack.json".to_owned()));
    let running = match local_runtime::start(&options).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("bank-local: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let text = serde_json::to_string_pretty(&running.info).unwrap_or_default();
    if let Err(e) = std::fs::write(&stack_file, &text) {
        eprintln!("bank-local: cannot write {}: {e}", stack_file.display());
        return std::process::ExitCode::FAILURE;
    }
    local_runtime::print_quickstart(&running.info, &stack_file);
    eprintln!("bank-local: ready in {} ms", started.elapsed().as_millis());
    let _ = tokio::signal::ctrl_c().await;
    eprintln!("bank-local: stopping");
    for task in running.tasks {
        task.abort();
    }
    std::process::ExitCode::SUCCESS
}
