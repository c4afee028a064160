//! The web console (`web/console/`, served by the local runtime at `/console/`) as a
//! person uses it: headless Chromium (Debian's package) driven by
//! `scripts/web-console-test.sh` against a local stack started here. The script signs
//! in as the demo user, deposits through the form and waits, without a reload, for
//! the balance on the page to change and the row to say COMPLETED, told by the live
//! channel (the page records which: `data-updated-by="live"`); then an overdraft must
//! show "Rejected: insufficient funds"; with the channel refused, a deposit must still
//! settle on the page by polling. It saves its screenshot under `target/screenshots/`;
//! with `BANK_UPDATE_DOCS=1` it refreshes the README's `docs/web-console.png` too (so a
//! plain `make test` leaves the working tree as it found it).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use integration_tests::local::LocalStack;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, String, String) {
    let response = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let kind = header("content-type");
    let location_or_policy = if status == 200 {
        header("content-security-policy")
    } else {
        header("location")
    };
    let body = response.text().await.unwrap_or_default();
    (status, format!("{kind}|{location_or_policy}"), body)
}

#[tokio::test]
async fn the_console_is_served_with_its_content_types_and_a_configuration_naming_the_api() {
    let s = LocalStack::start().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();

    let (status, headers, _) = get(&client, &format!("{}/console", s.api)).await;
    assert_eq!(status, 308, "{headers}");
    assert!(headers.ends_with("|/console/"), "{headers}");

    let (status, headers, html) = get(&client, &format!("{}/console/", s.api)).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        headers.starts_with("text/html; charset=utf-8|"),
        "{headers}"
    );
    assert!(
        headers.contains(&format!("connect-src 'self' {}", s.api)),
        "the page may call the API: {headers}"
    );
    assert!(html.contains(r#"<script type="module" src="app.js">"#));

    for (file, kind) in [
        ("app.js", "text/javascript"),
        ("live.js", "text/javascript"),
        ("style.css", "text/css"),
    ] {
        let (status, headers, body) = get(&client, &format!("{}/console/{file}", s.api)).await;
        assert_eq!(status, 200, "{file}: {body}");
        assert!(headers.starts_with(kind), "{file}: {headers}");
        assert!(!body.is_empty(), "{file} is empty");
    }
    let (status, _, _) = get(&client, &format!("{}/console/../template.yml", s.api)).await;
    assert_ne!(status, 200, "only the console's own files are served");

    let (status, headers, body) = get(&client, &format!("{}/console/config.json", s.api)).await;
    assert_eq!(status, 200, "{body}");
    assert!(headers.starts_with("application/json"), "{headers}");
    let config: Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(config["apiUrl"], s.api.as_str());
    assert_eq!(config["region"], s.info["region"]);
    assert_eq!(config["eventsRealtimeUrl"], s.info["eventsRealtimeUrl"]);
    assert!(config.get("userPoolId").is_none(), "{config}");
}

#[tokio::test]
async fn a_person_signs_in_deposits_sees_the_balance_change_live_and_is_refused_an_overdraft() {
    let node = tokio::process::Command::new("node")
        .arg("--version")
        .output()
        .await;
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "node is needed to drive the browser (e.g. 'apt-get install nodejs npm'); this test does not skip"
    );
    let s = LocalStack::start().await;
    let demo = &s.info["demoUser"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let screenshot = repo()
        .join("target")
        .join("screenshots")
        .join("web-console.png");

    let script = repo().join("scripts").join("web-console-test.sh");
    let child = tokio::process::Command::new("bash")
        .arg(&script)
        .args(["--url", &s.api])
        .args(["--username", &text(&demo["username"])])
        .args(["--account", &text(&demo["accountId"])])
        .arg("--screenshot")
        .arg(&screenshot)
        .env("WEB_CONSOLE_PASSWORD", text(&demo["password"]))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    // The first run also installs chromium (apt) and playwright-core (npm).
    let output = tokio::time::timeout(Duration::from_secs(900), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{} did not finish within 15 minutes", script.display()))
        .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the web console test failed ({}):\n{stderr}\n{stdout}",
        output.status
    );
    eprintln!("web console: {}", stdout.trim());

    let summary: Value = serde_json::from_str(stdout.trim()).unwrap_or_default();
    assert_eq!(summary["ok"], true, "{stdout}");
    assert!(
        summary["live"]["rejection"]
            .as_str()
            .unwrap_or_default()
            .contains("Rejected: insufficient funds"),
        "{summary}"
    );
    let png = std::fs::read(&screenshot).unwrap_or_default();
    assert!(
        png.starts_with(b"\x89PNG"),
        "no screenshot at {}",
        screenshot.display()
    );
    if std::env::var_os("BANK_UPDATE_DOCS").is_some() {
        let docs = repo().join("docs").join("web-console.png");
        std::fs::write(&docs, &png).unwrap_or_else(|e| panic!("{}: {e}", docs.display()));
    }
}
