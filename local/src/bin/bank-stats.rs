//! `bank-stats`: prints the running local stack's business metrics, one screen
//! (`make stats`; see `local_runtime::stats`).
//!
//! ```text
//! bank-stats [--stack .local/stack.json] [--json]
//! ```
//!
//! Reads the API's address from the stack file `make run` writes and asks the runtime
//! for `GET /_local/stats`. Exit status 0 when printed, 2 when the stack cannot be read
//! or reached.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut stack = ".local/stack.json".to_owned();
    let mut json = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--stack" => match args.next() {
                Some(path) => stack = path,
                None => return usage(),
            },
            "--json" => json = true,
            _ => return usage(),
        }
    }
    match fetch(&stack, json).await {
        Ok(text) => {
            #[allow(clippy::print_stdout)]
            {
                print!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bank-stats: {error}");
            ExitCode::from(2)
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: bank-stats [--stack .local/stack.json] [--json]");
    ExitCode::from(2)
}

async fn fetch(stack: &str, json: bool) -> Result<String, String> {
    let api = local_runtime::stack_file::StackFile::read(stack)?.field("", "apiUrl")?;
    let format = if json { "json" } else { "text" };
    let url = format!("{api}{}?format={format}", local_runtime::stats::PATH);
    let response = reqwest::get(&url)
        .await
        .map_err(|e| format!("cannot reach {url} (is `make run` running?): {e}"))?;
    if !response.status().is_success() {
        return Err(format!("{url} answered {}", response.status()));
    }
    let body = response
        .text()
        .await
        .map_err(|e| format!("reading {url}: {e}"))?;
    Ok(if body.ends_with('\n') {
        body
    } else {
        format!("{body}\n")
    })
}
