//! The bank workload: users with accounts, and concurrent clients recording deposits,
//! withdrawals (many overdrawing), transfers both ways between the same pairs and
//! admin adjustments, some replayed with the same Idempotency-Key (at once, later, or
//! with another body). A client retries a 5xx with the same key, as a real one would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::Value;

use super::rng::Rng;
use crate::cognito::{TestPool, create_user};
use crate::local::{Answer, LocalStack};

/// A user of the run, logged in.
#[derive(Debug, Clone)]
pub struct User {
    /// Cognito `sub` (the accounts' owner id).
    pub sub: String,
    pub email: String,
    pub phone: String,
    pub token: String,
    pub admin: bool,
    pub accounts: Vec<String>,
}

/// How an operation is replayed with its Idempotency-Key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    Once,
    /// `n` identical requests at the same time.
    Concurrent(usize),
    /// The same request again after this many milliseconds.
    Later(u64),
    /// Another body with the same key, after the first answer (must be 422).
    OtherBody,
}

/// One client operation.
#[derive(Debug, Clone)]
pub struct Op {
    pub user: usize,
    pub key: String,
    pub kind: &'static str,
    pub account: String,
    pub to: Option<String>,
    pub amount: Decimal,
    pub replay: Replay,
}

impl Op {
    /// The exact JSON body (amount as its decimal text, never through f64).
    pub fn body(&self, amount: Decimal) -> String {
        let to = self
            .to
            .as_ref()
            .map(|t| format!(r#","toAccountId":"{t}""#))
            .unwrap_or_default();
        format!(
            r#"{{"accountId":"{}","amount":{amount},"type":"{}","description":"chaos"{to}}}"#,
            self.account, self.kind
        )
    }
}

/// What the client saw for one operation.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub op: Op,
    /// Final status of every request sent for it (replays included).
    pub statuses: Vec<u16>,
    /// Transaction ids named by its 201 answers.
    pub transaction_ids: Vec<String>,
    /// 5xx answers retried.
    pub retried_5xx: u32,
    /// 201 answers marked `Idempotent-Replayed: true`.
    pub replayed: u32,
    /// Status of the other-body probe, if any.
    pub reuse_status: Option<u16>,
    pub reuse_code: Option<String>,
    /// When the first copy was sent.
    pub sent_at: Instant,
    /// When a 201 was first seen (no earlier than it arrived).
    pub accepted_at: Option<Instant>,
}

impl Outcome {
    /// Accepted: at least one 201.
    pub fn accepted(&self) -> bool {
        !self.transaction_ids.is_empty()
    }
}

/// Creates `n` users (the first in the admin group), each with a unique email and
/// phone and `accounts` accounts, logged in through the API.
pub async fn create_users(s: &LocalStack, n: usize, accounts: usize) -> Vec<User> {
    let pool = TestPool {
        pool_id: s.info["userPoolId"].as_str().unwrap_or_default().to_owned(),
        client_id: s.info["userPoolClientId"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        region: s.info["region"].as_str().unwrap_or("us-east-1").to_owned(),
    };
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let password = "Chaos-Passw0rd!";
    let mut users = Vec::new();
    for i in 0..n {
        let email = format!("chaos-{}-{i}@bank.example", &tag[..12]);
        let digits = (uuid::Uuid::new_v4().as_u128() % 10_000_000) as u64;
        let phone = format!("+1556{digits:07}");
        let sub = create_user(
            &s.stack,
            &pool,
            &email,
            password,
            &[
                ("email", &email),
                ("email_verified", "true"),
                ("phone_number", &phone),
            ],
        )
        .await;
        if i == 0 {
            s.stack
                .cognito
                .admin_add_user_to_group()
                .user_pool_id(&pool.pool_id)
                .username(&email)
                .group_name(shared::auth::ADMIN_GROUP)
                .send()
                .await
                .unwrap_or_else(|e| panic!("AdminAddUserToGroup: {e:?}"));
        }
        let token = s.login(&email, password).await;
        let mut ids = Vec::new();
        for a in 0..accounts {
            let body = serde_json::json!({ "name": format!("chaos {i}.{a}") });
            let created = s
                .call("POST", "/accounts", Some(&token), Some(&body), None)
                .await;
            assert_eq!(created.status, 201, "POST /accounts: {:?}", created.body);
            ids.push(
                created.body["accountId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        users.push(User {
            sub,
            email,
            phone,
            token,
            admin: i == 0,
            accounts: ids,
        });
    }
    users
}

fn cents(rng: &mut Rng, low: u64, high: u64) -> Decimal {
    let span = high.saturating_sub(low).max(1);
    Decimal::new(i64::try_from(low + rng.below(span)).unwrap_or(1), 2)
}

/// `n` operations drawn from `rng`: the mix is deterministic for a seed.
pub fn plan(rng: &mut Rng, users: &[User], n: usize) -> Vec<Op> {
    let mut ops = Vec::with_capacity(n);
    for _ in 0..n {
        let user_index = usize::try_from(rng.below(users.len() as u64)).unwrap_or(0);
        let user = &users[user_index];
        let account = rng.pick(&user.accounts).cloned().unwrap_or_default();
        let roll = rng.below(100);
        let mut account = account;
        let (kind, to, amount) = if roll < 30 {
            ("DEPOSIT", None, cents(rng, 100, 50_000))
        } else if roll < 55 {
            // Half of the withdrawals ask for far more than a typical balance.
            let high = if rng.chance(50) { 500_000 } else { 20_000 };
            ("WITHDRAWAL", None, cents(rng, 100, high))
        } else if roll < 85 || !user.admin {
            // Between the same pairs, both ways: the user's own other account, or the
            // same-position account of the next user (who sends back the other way).
            let to = if rng.chance(50) {
                user.accounts.iter().find(|a| **a != account).cloned()
            } else {
                let next = &users[(user_index + 1) % users.len()];
                let prev = &users[(user_index + users.len() - 1) % users.len()];
                let peer = if rng.chance(50) { next } else { prev };
                peer.accounts.first().cloned()
            };
            let to = to.filter(|t| *t != account);
            match to {
                Some(to) => ("TRANSFER", Some(to), cents(rng, 100, 40_000)),
                None => ("DEPOSIT", None, cents(rng, 100, 10_000)),
            }
        } else {
            // An operator corrects someone else's account, never their own.
            let customers: Vec<&User> = users.iter().filter(|u| !u.admin).collect();
            let customer = rng.pick(&customers).copied();
            match customer.and_then(|c| rng.pick(&c.accounts).cloned()) {
                Some(target) => {
                    account = target;
                    let amount = cents(rng, 100, 30_000);
                    let signed = if rng.chance(40) { -amount } else { amount };
                    ("ADJUSTMENT", None, signed)
                }
                None => ("DEPOSIT", None, cents(rng, 100, 10_000)),
            }
        };
        let replay = match rng.below(100) {
            0..=9 => Replay::Concurrent(2 + usize::try_from(rng.below(2)).unwrap_or(0)),
            10..=19 => Replay::Later(100 + rng.below(1_500)),
            20..=24 => Replay::OtherBody,
            _ => Replay::Once,
        };
        ops.push(Op {
            user: user_index,
            key: uuid::Uuid::from_u128(
                u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64()),
            )
            .to_string(),
            kind,
            account,
            to,
            amount,
            replay,
        });
    }
    ops
}

/// One request, retried with the same key while the API answers 5xx.
async fn send(s: &LocalStack, token: &str, key: &str, body: &str) -> (Answer, u32) {
    let bearer = format!("Bearer {token}");
    let headers = [("Authorization", bearer.as_str()), ("Idempotency-Key", key)];
    let mut retried = 0;
    loop {
        let answer = s
            .send("POST", "/transactions", &headers, Some(body.to_owned()))
            .await;
        if answer.status < 500 || retried >= 40 {
            return (answer, retried);
        }
        retried += 1;
        tokio::time::sleep(Duration::from_millis(20 * u64::from(retried.min(10)))).await;
    }
}

fn note(outcome: &mut Outcome, answer: &Answer, retried: u32) {
    outcome.retried_5xx += retried;
    outcome.statuses.push(answer.status);
    if answer.status == 201 {
        outcome.accepted_at.get_or_insert_with(Instant::now);
        if let Some(id) = answer.body["transactionId"].as_str() {
            outcome.transaction_ids.push(id.to_owned());
        }
        if answer
            .headers
            .get("Idempotent-Replayed")
            .is_some_and(|v| v == "true")
        {
            outcome.replayed += 1;
        }
    }
}

/// Runs one operation with its replays.
pub async fn run_op(s: Arc<LocalStack>, users: Arc<Vec<User>>, op: Op) -> Outcome {
    let token = users[op.user].token.clone();
    let body = op.body(op.amount);
    let mut outcome = Outcome {
        op: op.clone(),
        statuses: Vec::new(),
        transaction_ids: Vec::new(),
        retried_5xx: 0,
        replayed: 0,
        reuse_status: None,
        reuse_code: None,
        sent_at: Instant::now(),
        accepted_at: None,
    };
    let copies = match op.replay {
        Replay::Concurrent(n) => n,
        _ => 1,
    };
    let mut copies_in_flight = tokio::task::JoinSet::new();
    for _ in 0..copies {
        let (s, token, key, body) = (Arc::clone(&s), token.clone(), op.key.clone(), body.clone());
        copies_in_flight.spawn(async move { send(&s, &token, &key, &body).await });
    }
    while let Some(joined) = copies_in_flight.join_next().await {
        let (answer, retried) = joined.unwrap_or_else(|e| panic!("client copy: {e}"));
        note(&mut outcome, &answer, retried);
    }
    match op.replay {
        Replay::Later(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            let (answer, retried) = send(&s, &token, &op.key, &body).await;
            note(&mut outcome, &answer, retried);
        }
        Replay::OtherBody => {
            let other = op.body(op.amount + Decimal::ONE);
            let (answer, retried) = send(&s, &token, &op.key, &other).await;
            outcome.retried_5xx += retried;
            outcome.reuse_status = Some(answer.status);
            outcome.reuse_code = answer.body["code"].as_str().map(str::to_owned);
        }
        _ => {}
    }
    outcome
}

/// Runs `ops` with at most `clients` in flight at once.
pub async fn run_all(
    s: Arc<LocalStack>,
    users: Arc<Vec<User>>,
    ops: Vec<Op>,
    clients: usize,
) -> Vec<Outcome> {
    let permits = Arc::new(tokio::sync::Semaphore::new(clients.max(1)));
    let mut tasks = Vec::new();
    for op in ops {
        let (s, users, permits) = (Arc::clone(&s), Arc::clone(&users), Arc::clone(&permits));
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            run_op(s, users, op).await
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap_or_else(|e| panic!("client task: {e}")));
    }
    outcomes
}

/// A summary of the planned mix: counts per type and per replay style.
pub fn mix(ops: &[Op]) -> Value {
    let count = |f: &dyn Fn(&Op) -> bool| ops.iter().filter(|o| f(o)).count();
    serde_json::json!({
        "operations": ops.len(),
        "deposits": count(&|o| o.kind == "DEPOSIT"),
        "withdrawals": count(&|o| o.kind == "WITHDRAWAL"),
        "transfers": count(&|o| o.kind == "TRANSFER"),
        "adjustments": count(&|o| o.kind == "ADJUSTMENT"),
        "replayedConcurrently": count(&|o| matches!(o.replay, Replay::Concurrent(_))),
        "replayedLater": count(&|o| matches!(o.replay, Replay::Later(_))),
        "keyReusedWithOtherBody": count(&|o| o.replay == Replay::OtherBody),
    })
}
