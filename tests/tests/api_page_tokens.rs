//! Sealed page tokens over real HTTP against the local runtime (from `template.yml`,
//! its page token secret provisioned in moto): paging works, a token tells nothing,
//! opens only for its caller and listing, and anything that does not open answers
//! 400 `INVALID_NEXT_TOKEN`, never a 5xx.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use integration_tests::cognito::{self, TestPool};
use integration_tests::local::LocalStack;
use integration_tests::unique_name;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use shared::paging::{Listing, PageSealer};

const PASSWORD: &str = "Correct-Horse-9!";

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// `GET path` with `query` for `token`'s user: (status, body).
async fn get(s: &LocalStack, token: &str, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let response = s
        .http
        .get(format!("{}{path}", s.api))
        .query(query)
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// Every item id of a listing, read `limit` at a time by following `nextToken`, and
/// the tokens handed out on the way.
async fn page_through(
    s: &LocalStack,
    token: &str,
    path: &str,
    id_field: &str,
) -> (Vec<String>, Vec<String>) {
    let (mut ids, mut tokens) = (Vec::new(), Vec::new());
    let mut next: Option<String> = None;
    for _ in 0..20 {
        let mut query = vec![("limit", "1")];
        if let Some(next) = &next {
            query.push(("nextToken", next));
        }
        let (status, body) = get(s, token, path, &query).await;
        assert_eq!(status, 200, "{path}: {body}");
        ids.extend(
            body["items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|item| text(&item[id_field])),
        );
        next = body["nextToken"].as_str().map(str::to_owned);
        match &next {
            Some(t) => tokens.push(t.clone()),
            None => return (ids, tokens),
        }
    }
    panic!("{path}: more than 20 pages");
}

async fn new_user(s: &LocalStack) -> String {
    let pool = TestPool {
        pool_id: text(&s.info["userPoolId"]),
        client_id: text(&s.info["userPoolClientId"]),
        region: text(&s.info["region"]),
    };
    let username = format!("{}@holder.example", unique_name("pager"));
    cognito::create_user(
        &s.stack,
        &pool,
        &username,
        PASSWORD,
        &[("email", &username)],
    )
    .await;
    s.login(&username, PASSWORD).await
}

async fn post(s: &LocalStack, token: &str, path: &str, body: &Value) -> Value {
    let key = uuid::Uuid::new_v4().to_string();
    let answer = s
        .call("POST", path, Some(token), Some(body), Some(&key))
        .await;
    assert_eq!(answer.status, 201, "{path}: {:?}", answer.body);
    answer.body
}

/// A stack whose demo user has three accounts and three transactions on the first.
struct Paged {
    s: LocalStack,
    alice: String,
    alice_sub: String,
    accounts: Vec<String>,
}

async fn paged_stack() -> Paged {
    let s = LocalStack::start().await;
    let (alice, first) = s.demo_login().await;
    let alice_sub = text(&s.info["demoUser"]["sub"]);
    let mut accounts = vec![first.clone()];
    for name in ["Savings", "Travel"] {
        let opened = post(&s, &alice, "/accounts", &json!({ "name": name })).await;
        accounts.push(text(&opened["accountId"]));
    }
    for amount in ["1.00", "2.00", "3.00"] {
        let body = json!({ "accountId": first, "type": "DEPOSIT", "amount": amount });
        post(&s, &alice, "/transactions", &body).await;
    }
    Paged {
        s,
        alice,
        alice_sub,
        accounts,
    }
}

/// `(path, token)` of one sealed token of each of alice's listings.
async fn tokens_of_each_listing(p: &Paged) -> Vec<(String, String)> {
    let history = format!("/accounts/{}/transactions", p.accounts[0]);
    let mut out = Vec::new();
    for (path, id) in [
        ("/accounts".to_owned(), "accountId"),
        (history, "transactionId"),
        ("/transactions".to_owned(), "transactionId"),
    ] {
        let (_, tokens) = page_through(&p.s, &p.alice, &path, id).await;
        assert!(!tokens.is_empty(), "{path} has a second page");
        out.push((path, tokens[0].clone()));
    }
    out
}

fn assert_invalid_token(status: u16, body: &Value, what: &str) {
    assert_eq!(status, 400, "{what}: {body}");
    assert_eq!(body["code"], "INVALID_NEXT_TOKEN", "{what}: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {body}"
    );
}

#[tokio::test]
async fn sealed_tokens_page_through_accounts_and_history_and_tell_nothing() {
    let p = paged_stack().await;
    let (accounts, account_tokens) = page_through(&p.s, &p.alice, "/accounts", "accountId").await;
    assert_eq!(
        accounts.iter().collect::<HashSet<_>>(),
        p.accounts.iter().collect::<HashSet<_>>()
    );
    assert_eq!(accounts.len(), 3, "each account exactly once");
    let history = format!("/accounts/{}/transactions", p.accounts[0]);
    let (recorded, history_tokens) = page_through(&p.s, &p.alice, &history, "transactionId").await;
    assert_eq!(
        recorded.iter().collect::<HashSet<_>>().len(),
        3,
        "{recorded:?}"
    );
    let (mine, mine_tokens) = page_through(&p.s, &p.alice, "/transactions", "transactionId").await;
    assert_eq!(
        mine.iter().collect::<HashSet<_>>(),
        recorded.iter().collect::<HashSet<_>>()
    );

    for token in account_tokens
        .iter()
        .chain(&history_tokens)
        .chain(&mine_tokens)
    {
        let bytes = URL_SAFE_NO_PAD.decode(token).unwrap_or_default();
        let seen = String::from_utf8_lossy(&bytes);
        assert!(!bytes.is_empty(), "{token}");
        assert!(
            serde_json::from_slice::<Value>(&bytes).is_err(),
            "not JSON: {seen}"
        );
        for secret in [&p.alice_sub, &p.accounts[0]] {
            assert!(!seen.contains(secret.as_str()) && !token.contains(secret.as_str()));
        }
    }
}

#[tokio::test]
async fn a_token_opens_only_for_its_user_and_its_listing() {
    let p = paged_stack().await;
    let bob = new_user(&p.s).await;
    let other_history = format!("/accounts/{}/transactions", p.accounts[1]);
    let listings = tokens_of_each_listing(&p).await;
    for (path, token) in &listings {
        // The control: the owner reads the next page with it.
        let (status, body) = get(&p.s, &p.alice, path, &[("nextToken", token)]).await;
        assert_eq!(status, 200, "{path}: {body}");

        let (status, body) = get(&p.s, &bob, path, &[("nextToken", token)]).await;
        let stolen = format!("alice's {path} token used by bob");
        if path.starts_with("/accounts/") {
            // Another user's account answers 404 before its token is looked at, or
            // the token is refused: never the page.
            assert!(status == 400 || status == 404, "{stolen}: {status} {body}");
        } else {
            assert_invalid_token(status, &body, &stolen);
        }
        let bobs_own = ["/accounts", "/transactions"];
        for other in bobs_own {
            let (status, body) = get(&p.s, &bob, other, &[("nextToken", token)]).await;
            assert_invalid_token(
                status,
                &body,
                &format!("alice's {path} token on bob's {other}"),
            );
        }
        for other in ["/accounts", other_history.as_str(), "/transactions"] {
            if other == path {
                continue;
            }
            let (status, body) = get(&p.s, &p.alice, other, &[("nextToken", token)]).await;
            assert_invalid_token(status, &body, &format!("{path} token on {other}"));
        }
    }
}

#[tokio::test]
async fn a_token_sealed_with_the_real_key_but_unusable_keys_is_refused_never_a_5xx() {
    let p = paged_stack().await;
    let arn = text(&p.s.info["secrets"]["PageTokenSecret"]);
    let sealer: PageSealer = shared::paging::secret::load(&p.s.stack.config, &arn)
        .await
        .unwrap_or_else(|e| panic!("page token key: {e}"));
    let sub = p.alice_sub.as_str();
    let account = p.accounts[0].as_str();
    let positions = [
        json!({}),
        json!([]),
        json!("text"),
        json!({ "ownerId": sub }),
        json!({ "accountId": "", "ownerId": sub, "createdAt": "x" }),
        json!({ "accountId": "a", "ownerId": sub, "createdAt": "x", "extra": "y" }),
        json!({ "accountId": 1, "ownerId": sub, "createdAt": "x" }),
        json!({ "accountId": "a", "ownerId": "someone-else", "createdAt": "x" }),
        json!({ "idempotencyKey": "k", "userId": sub }),
        json!({ "o.accountId": account }),
        json!({ "o.idempotencyKey": "k", "o.accountId": "another", "o.createdAt": "x", "i.done": "1" }),
        json!({ "o.idempotencyKey": "k", "o.accountId": account, "o.createdAt": "x", "o.userId": sub }),
    ];
    let history = format!("/accounts/{account}/transactions");
    let statements = format!("/accounts/{account}/statements");
    let from = "2026-01-01T00:00:00.000000Z";
    let period: &[(&str, &str)] = &[("from", from)];
    let listings = [
        ("/accounts", Listing::Accounts, &[][..]),
        (history.as_str(), Listing::AccountHistory(account), &[][..]),
        ("/transactions", Listing::UserTransactions, &[][..]),
        (
            statements.as_str(),
            Listing::AccountStatements(account),
            &[][..],
        ),
        (
            history.as_str(),
            Listing::AccountLedger {
                account,
                from,
                to: "",
            },
            period,
        ),
    ];
    for (path, listing, query) in listings {
        let bound = sealer.bind(sub, listing);
        for position in &positions {
            let sealed = bound
                .seal(position.to_string().as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
            let params: Vec<(&str, &str)> = [query, &[("nextToken", sealed.as_str())][..]].concat();
            let (status, body) = get(&p.s, &p.alice, path, &params).await;
            assert_invalid_token(status, &body, &format!("{path} resumed at {position}"));
        }
        // Well-shaped positions resume (DynamoDB takes any string as a key value).
        let shaped = match listing {
            Listing::Accounts => json!({ "accountId": "a", "ownerId": sub, "createdAt": "x" }),
            Listing::AccountHistory(a) => {
                json!({ "o.idempotencyKey": "k", "o.accountId": a, "o.createdAt": "x", "i.done": "1" })
            }
            Listing::UserTransactions => {
                json!({ "idempotencyKey": "k", "userId": sub, "createdAt": "x" })
            }
            Listing::AccountStatements(a) => json!({ "accountId": a, "period": "x" }),
            Listing::AccountLedger { account: a, .. } => {
                json!({ "o.idempotencyKey": "k", "o.accountId": a, "o.entryKey": "x", "i.done": "1" })
            }
        };
        let sealed = bound
            .seal(shaped.to_string().as_bytes())
            .unwrap_or_default();
        let params: Vec<(&str, &str)> = [query, &[("nextToken", sealed.as_str())][..]].concat();
        let (status, body) = get(&p.s, &p.alice, path, &params).await;
        assert_eq!(status, 200, "{path} resumed at {shaped}: {body}");
    }
}

/// A real token changed: one character replaced, cut, extended, or a bit flipped in
/// its bytes.
fn mutate(token: &str, kind: u8, at: usize, with: char) -> String {
    let chars: Vec<char> = token.chars().collect();
    let at = at % chars.len().max(1);
    match kind % 5 {
        0 => chars
            .iter()
            .enumerate()
            .map(|(i, c)| if i == at { with } else { *c })
            .collect(),
        1 => chars[..at].iter().collect(),
        2 => format!("{token}{with}"),
        3 => {
            let mut bytes = URL_SAFE_NO_PAD.decode(token).unwrap_or_default();
            let len = bytes.len().max(1);
            if let Some(byte) = bytes.get_mut(at % len) {
                *byte ^= 1 << (u32::from(with) % 8);
            }
            URL_SAFE_NO_PAD.encode(bytes)
        }
        _ => format!("{}{}", &token[..token.len() / 2], token),
    }
}

#[derive(Debug, Clone)]
enum Probe {
    Random(String),
    Mutated {
        listing: usize,
        kind: u8,
        at: usize,
        with: char,
    },
}

fn probes() -> impl Strategy<Value = (Probe, usize)> {
    let probe = prop_oneof![
        ".{0,200}".prop_map(Probe::Random),
        "[A-Za-z0-9_-]{0,300}".prop_map(Probe::Random),
        "[A-Za-z0-9_-]{2040,2100}".prop_map(Probe::Random),
        (0usize..3, any::<u8>(), any::<usize>(), any::<char>()).prop_map(
            |(listing, kind, at, with)| Probe::Mutated {
                listing,
                kind,
                at,
                with
            }
        ),
    ];
    (probe, 0usize..3)
}

#[test]
fn random_and_mutated_tokens_answer_200_or_400_invalid_next_token_never_5xx() {
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let (p, listings) = runtime.block_on(async {
        let p = paged_stack().await;
        let listings = tokens_of_each_listing(&p).await;
        (p, listings)
    });
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&probes(), |(probe, route)| {
        let token = match &probe {
            Probe::Random(text) => text.clone(),
            Probe::Mutated {
                listing,
                kind,
                at,
                with,
            } => mutate(&listings[*listing].1, *kind, *at, *with),
        };
        let path = &listings[route].0;
        let (status, body) = runtime.block_on(get(&p.s, &p.alice, path, &[("nextToken", &token)]));
        let refused = status == 400 && body["code"] == "INVALID_NEXT_TOKEN";
        if status == 200 || refused {
            Ok(())
        } else {
            Err(TestCaseError::fail(format!(
                "{path} with {probe:?}: {status} {body}"
            )))
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
