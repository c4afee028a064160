//! Cold starts of the release `bootstrap` binaries against the Runtime API stub:
//! exec → first `/next` (init), event handed out → response posted (first invocation),
//! peak RSS (`VmHWM`), and the deployment zip's size.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::functions::{self, Function};
use crate::runtime_stub::{Hit, RuntimeStub};
use crate::stats::{Summary, round3};

const WAIT: Duration = Duration::from_secs(10);

/// One cold start.
#[derive(Debug, Clone, Copy)]
struct Sample {
    init_ms: f64,
    invoke_ms: f64,
    rss_kib: f64,
}

/// Runs every function `runs` times; the JSON part of the report.
pub async fn run(root: &Path, release_dir: &Path, runs: usize) -> Result<Value, String> {
    let mut stub = RuntimeStub::start().await?;
    let mut results = Vec::new();
    let only = std::env::var("BANK_BENCH_ONLY").ok();
    let selected: Vec<Function> = functions::all(&root.join("events"))?
        .into_iter()
        .filter(|f| only.as_deref().is_none_or(|o| o == f.name))
        .collect();
    let page_key = page_key_env(&selected).await;
    for function in selected {
        let binary = release_dir.join(function.name);
        if !binary.is_file() {
            return Err(format!(
                "{} is missing: build it with `cargo build --release -p {}`",
                binary.display(),
                function.name
            ));
        }
        let zip_bytes = zipped_size(&binary)?;
        let mut samples = Vec::new();
        let mut first_response = String::new();
        let mut failures = Vec::new();
        while samples.len() < runs {
            match once(&mut stub, &binary, &function, &page_key).await {
                Ok((sample, body)) => {
                    if first_response.is_empty() {
                        first_response = body;
                    }
                    samples.push(sample);
                }
                // A lost run (the machine is shared) is retried, and reported.
                Err(e) if failures.len() < runs => failures.push(e),
                Err(e) => return Err(e),
            }
        }
        let summary =
            |f: fn(&Sample) -> f64| Summary::of(&samples.iter().map(f).collect::<Vec<_>>());
        let rss_mib = summary(|s| s.rss_kib / 1024.0);
        eprintln!(
            "cold-start {:<22} init median {:.2} ms, first invocation median {:.2} ms, peak RSS max {:.1} MiB, zip {:.2} MB",
            function.name,
            summary(|s| s.init_ms).median,
            summary(|s| s.invoke_ms).median,
            rss_mib.max,
            zip_bytes as f64 / 1e6
        );
        results.push(json!({
            "function": function.name,
            "event": function.event_note,
            "response": truncate(&first_response, 200),
            "runs": runs,
            "failedRuns": failures,
            "initMs": summary(|s| s.init_ms).to_json(),
            "firstInvocationMs": summary(|s| s.invoke_ms).to_json(),
            "peakRssMiB": rss_mib.to_json(),
            "zipBytes": zip_bytes,
            "zipMB": round3(zip_bytes as f64 / 1e6),
            "binaryBytes": std::fs::metadata(&binary).map(|m| m.len()).unwrap_or(0),
        }));
    }
    Ok(json!({
        "targets": { "initMedianMs": 15, "firstInvocationMs": 5, "peakRssMiB": 32, "zipMB": 5 },
        "functions": results,
    }))
}

/// The environment of a function that reads the page token key at init: a secret
/// created in the emulators' Secrets Manager (moto), and its endpoint.
async fn page_key_env(functions: &[Function]) -> Vec<(String, String)> {
    if !functions.iter().any(|f| f.page_key) {
        return Vec::new();
    }
    let stack = integration_tests::TestStack::connect().await;
    let arn = stack.create_page_token_secret().await;
    let endpoint = std::env::var("AWS_ENDPOINT_URL_SECRETS_MANAGER").unwrap_or_default();
    vec![
        ("PAGE_TOKEN_SECRET_ARN".to_owned(), arn),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER".to_owned(), endpoint),
    ]
}

/// Spawns the binary once, hands it the event, measures, kills it.
async fn once(
    stub: &mut RuntimeStub,
    binary: &Path,
    function: &Function,
    page_key: &[(String, String)],
) -> Result<(Sample, String), String> {
    stub.prepare(function.event.clone());
    let mut command = tokio::process::Command::new(binary);
    command
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .envs(functions::base_env(function.name, &stub.address))
        .envs(function.env.iter().copied())
        .envs(
            page_key
                .iter()
                .filter(|_| function.page_key)
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .stdin(Stdio::null())
        .stdout(child_output())
        .stderr(child_output())
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let pid = child.id().unwrap_or(0);
    let outcome = measure(stub, started, pid, function).await;
    drop(child.start_kill());
    drop(child.wait().await);
    outcome
}

async fn measure(
    stub: &mut RuntimeStub,
    started: Instant,
    pid: u32,
    function: &Function,
) -> Result<(Sample, String), String> {
    let name = function.name;
    let handed_out = match stub.hit(WAIT).await {
        Some(Hit::Next(at)) => at,
        Some(Hit::InitError(body)) => return Err(format!("{name}: init error {body}")),
        other => return Err(format!("{name}: no first /next ({other:?})")),
    };
    let (answered, body) = match stub.hit(WAIT).await {
        Some(Hit::Done { at, error, body }) => {
            if error != function.expects_error {
                return Err(format!("{name}: invocation error {error}: {body}"));
            }
            (at, body)
        }
        other => return Err(format!("{name}: no response ({other:?})")),
    };
    // The runtime is idle again (second /next) when it has finished the invocation.
    match stub.hit(WAIT).await {
        Some(Hit::Next(_)) => {}
        other => return Err(format!("{name}: no second /next ({other:?})")),
    }
    let rss_kib = peak_rss_kib(pid).ok_or_else(|| format!("{name}: no VmHWM for pid {pid}"))?;
    Ok((
        Sample {
            init_ms: ms(handed_out - started),
            invoke_ms: ms(answered - handed_out),
            rss_kib,
        },
        body,
    ))
}

/// The functions' logs: discarded, or shown with `BANK_BENCH_LOGS=1` (debugging).
fn child_output() -> Stdio {
    if std::env::var_os("BANK_BENCH_LOGS").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `VmHWM` (peak resident set) of a live process, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The size of the deployment package: the binary zipped as `bootstrap` (deflate).
fn zipped_size(binary: &Path) -> Result<u64, String> {
    let out = std::env::temp_dir().join(format!("bank-bench-{}.zip", uuid::Uuid::new_v4()));
    let script = "import sys, zipfile\n\
        info = zipfile.ZipInfo('bootstrap')\n\
        info.external_attr = 0o100755 << 16\n\
        info.compress_type = zipfile.ZIP_DEFLATED\n\
        data = open(sys.argv[1], 'rb').read()\n\
        with zipfile.ZipFile(sys.argv[2], 'w') as z:\n    z.writestr(info, data, compresslevel=9)\n";
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(binary)
        .arg(&out)
        .status()
        .map_err(|e| format!("python3 (zip): {e}"))?;
    if !status.success() {
        return Err(format!("zipping {} failed", binary.display()));
    }
    let size = std::fs::metadata(&out)
        .map(|m| m.len())
        .map_err(|e| format!("{}: {e}", out.display()));
    drop(std::fs::remove_file(&out));
    size
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Where `cargo build --release` put the binaries.
pub fn release_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("release")
}
