//! What moto recorded: sent email and SMS, read back from `/moto-api/data.json`.
//!
//! moto's state is shared by every test, so readers filter by a recipient that only
//! the calling test uses.

use serde_json::Value;

use crate::TestStack;

/// moto's whole recorded state.
pub async fn data(stack: &TestStack) -> Value {
    let url = format!("{}/moto-api/data.json", stack.moto_endpoint);
    let response = stack
        .http
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    response
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: body is not JSON: {e}"))
}

fn records<'a>(data: &'a Value, service: &str, kind: &str) -> impl Iterator<Item = &'a Value> {
    data.get(service)
        .and_then(|s| s.get(kind))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// SES messages sent to `address` (any of To/Cc/Bcc).
pub async fn emails_to(stack: &TestStack, address: &str) -> Vec<Value> {
    let data = data(stack).await;
    records(&data, "ses", "Message")
        .filter(|m| {
            m.get("destinations")
                .and_then(Value::as_object)
                .is_some_and(|d| {
                    d.values()
                        .filter_map(Value::as_array)
                        .flatten()
                        .any(|a| a.as_str() == Some(address))
                })
        })
        .cloned()
        .collect()
}

/// The subjects of the first `count` messages sent to `address`, in the order sent,
/// polling until they have all arrived (panics after 30 s).
pub async fn wait_for_subjects(stack: &TestStack, address: &str, count: usize) -> Vec<String> {
    for _ in 0..300 {
        let sent = emails_to(stack, address).await;
        if sent.len() >= count {
            return sent
                .iter()
                .map(|m| m["subject"].as_str().unwrap_or_default().to_owned())
                .collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("fewer than {count} e-mails to the holder after 30 s");
}

/// SNS SMS messages published to `phone_number`.
pub async fn sms_to(stack: &TestStack, phone_number: &str) -> Vec<Value> {
    let data = data(stack).await;
    records(&data, "sns", "SMS")
        .filter(|m| m.get("phone_number").and_then(Value::as_str) == Some(phone_number))
        .cloned()
        .collect()
}
