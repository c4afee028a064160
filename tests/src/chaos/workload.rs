//! The bank workload: users with accounts, and concurrent clients recording deposits,
//! withdrawals (many overdrawing), transfers both ways between the same pairs, admin
//! adjustments and holds; then, on what they were answered, captures (full and
//! partial) and voids of the holds (some racing each other, some after the hold
//! expired) and an operator's reversals of deposits, withdrawals, transfers and
//! captures (whole, in part, in parts adding up to more than the original, some
//! racing). Some are replayed with the same Idempotency-Key (at once, later, or with
//! another body). A client retries a 5xx with the same key, as a real one would.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;
use shared::domain::TransactionStatus;
use shared::store::TransactionsTable;

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

/// One client operation, with the operations a client makes on its answer.
#[derive(Debug, Clone)]
pub struct Op {
    pub user: usize,
    pub key: String,
    /// DEPOSIT, WITHDRAWAL, TRANSFER, ADJUSTMENT, HOLD (`POST /transactions`);
    /// CAPTURE, VOID, REVERSAL (`POST /transactions/{id}/<action>` on its parent's
    /// transaction).
    pub kind: &'static str,
    /// The account it is recorded on (a transfer's reversal: the transfer's receiver).
    pub account: String,
    /// A transfer's receiver; a transfer's reversal: the transfer's sender.
    pub to: Option<String>,
    /// What it moves or holds: a full capture's is its hold's; a reversal without an
    /// amount in its body (`explicit` false) takes what is left, at most this.
    pub amount: Decimal,
    /// Whether the body names the amount.
    pub explicit: bool,
    pub replay: Replay,
    /// A hold's `expiresAt`, this long after it is first sent (else the default).
    pub expires_in_ms: Option<u64>,
    /// A reversal's original type.
    pub reverses: Option<&'static str>,
    /// How long after its parent was accepted it is sent.
    pub delay_ms: u64,
    /// What is done on its transaction once accepted (a reversal once it COMPLETED):
    /// one after another, or all at once when `race`.
    pub then: Vec<Op>,
    pub race: bool,
}

impl Op {
    /// The path it is sent to (`target`: the transaction it acts on).
    pub fn path(&self, target: Option<&str>) -> String {
        let action = match self.kind {
            "CAPTURE" => "capture",
            "VOID" => "void",
            "REVERSAL" => "reverse",
            _ => return "/transactions".to_owned(),
        };
        format!("/transactions/{}/{action}", target.unwrap_or_default())
    }

    /// The exact JSON body (amount as its decimal text, never through f64).
    pub fn body(&self, amount: Decimal, expires_at: Option<&str>) -> String {
        match (self.kind, self.explicit) {
            ("CAPTURE", true) => return format!(r#"{{"amount":{amount}}}"#),
            ("CAPTURE" | "VOID", _) => return "{}".to_owned(),
            ("REVERSAL", true) => {
                return format!(r#"{{"amount":{amount},"description":"chaos reversal"}}"#);
            }
            ("REVERSAL", false) => return r#"{"description":"chaos reversal"}"#.to_owned(),
            _ => {}
        }
        let to = self
            .to
            .as_ref()
            .map(|t| format!(r#","toAccountId":"{t}""#))
            .unwrap_or_default();
        let expires = expires_at
            .map(|at| format!(r#","expiresAt":"{at}""#))
            .unwrap_or_default();
        format!(
            r#"{{"accountId":"{}","amount":{amount},"type":"{}","description":"chaos"{to}{expires}}}"#,
            self.account, self.kind
        )
    }

    /// The amount of the other body sent with the same key (`Replay::OtherBody`):
    /// a cent less where more would be refused as exceeding the hold or original.
    pub fn other_amount(&self) -> Decimal {
        match self.kind {
            "CAPTURE" | "REVERSAL" => self.amount - Decimal::new(1, 2),
            _ => self.amount + Decimal::ONE,
        }
    }

    /// The amount the client knows it moves: `None` for a reversal of what was left.
    pub fn known_amount(&self) -> Option<Decimal> {
        (self.kind != "REVERSAL" || self.explicit).then_some(self.amount)
    }

    /// Its effect on each account it touches when it COMPLETED having moved `amount`.
    pub fn effects(&self, amount: Decimal) -> Vec<(String, Decimal)> {
        let on = |account: &String, delta: Decimal| (account.clone(), delta);
        let both = |delta: Decimal| {
            let mut out = vec![on(&self.account, -delta)];
            out.extend(self.to.iter().map(|to| on(to, delta)));
            out
        };
        match (self.kind, self.reverses) {
            ("DEPOSIT" | "ADJUSTMENT", _) | ("REVERSAL", Some("WITHDRAWAL" | "CAPTURE")) => {
                vec![on(&self.account, amount)]
            }
            ("WITHDRAWAL" | "CAPTURE", _) | ("REVERSAL", Some("DEPOSIT")) => {
                vec![on(&self.account, -amount)]
            }
            ("TRANSFER", _) | ("REVERSAL", Some("TRANSFER")) => both(amount),
            _ => Vec::new(),
        }
    }

    /// It and every operation planned on its answer.
    pub fn all(&self) -> Vec<&Op> {
        let mut out = vec![self];
        for child in &self.then {
            out.extend(child.all());
        }
        out
    }
}

/// What the client saw for one operation.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The operation (without its follow-ups, which have their own outcomes).
    pub op: Op,
    /// The transaction it acted on (a capture's or void's hold, a reversal's
    /// original).
    pub target: Option<String>,
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

mod plan;
mod run;

pub use plan::plan;
pub use run::{run_all, run_op};

/// A summary of the planned mix: counts per type and per replay style.
pub fn mix(ops: &[Op]) -> Value {
    let all: Vec<&Op> = ops.iter().flat_map(Op::all).collect();
    let count = |f: &dyn Fn(&Op) -> bool| all.iter().filter(|o| f(o)).count();
    serde_json::json!({
        "operations": all.len(),
        "deposits": count(&|o| o.kind == "DEPOSIT"),
        "withdrawals": count(&|o| o.kind == "WITHDRAWAL"),
        "transfers": count(&|o| o.kind == "TRANSFER"),
        "adjustments": count(&|o| o.kind == "ADJUSTMENT"),
        "holds": count(&|o| o.kind == "HOLD"),
        "holdsExpiringSoon": count(&|o| o.expires_in_ms.is_some()),
        "capturesFull": count(&|o| o.kind == "CAPTURE" && !o.explicit),
        "capturesPartial": count(&|o| o.kind == "CAPTURE" && o.explicit),
        "voids": count(&|o| o.kind == "VOID"),
        "sentAfterExpiry": count(&|o| o.delay_ms > 0),
        "racingCaptureAndVoid": count(&|o| o.kind == "HOLD" && o.race),
        "reversals": count(&|o| o.kind == "REVERSAL"),
        "reversalsOfRest": count(&|o| o.kind == "REVERSAL" && !o.explicit),
        "racingReversals": count(&|o| o.kind != "HOLD" && o.race),
        "replayedConcurrently": count(&|o| matches!(o.replay, Replay::Concurrent(_))),
        "replayedLater": count(&|o| matches!(o.replay, Replay::Later(_))),
        "keyReusedWithOtherBody": count(&|o| o.replay == Replay::OtherBody),
    })
}
