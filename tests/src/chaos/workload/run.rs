//! Running the workload: each operation sent (retried on a 5xx, replayed as drawn),
//! its follow-ups once its answer is known.

use super::*;

/// One request, retried with the same key while the API answers 5xx.
async fn send(s: &LocalStack, token: &str, key: &str, path: &str, body: &str) -> (Answer, u32) {
    let bearer = format!("Bearer {token}");
    let headers = [("Authorization", bearer.as_str()), ("Idempotency-Key", key)];
    let mut retried = 0;
    loop {
        let answer = s.send("POST", path, &headers, Some(body.to_owned())).await;
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

/// Runs one operation (on `target`, the transaction it acts on) with its replays.
pub async fn run_op(
    s: Arc<LocalStack>,
    users: Arc<Vec<User>>,
    mut op: Op,
    target: Option<String>,
) -> Outcome {
    op.then.clear();
    let token = users[op.user].token.clone();
    let expires_at = op.expires_in_ms.map(|ms| {
        let ms = i64::try_from(ms).unwrap_or(0);
        shared::clock::format_rfc3339(chrono::Utc::now() + chrono::Duration::milliseconds(ms))
    });
    let path = op.path(target.as_deref());
    let body = op.body(op.amount, expires_at.as_deref());
    let mut outcome = Outcome {
        op: op.clone(),
        target,
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
        let (s, token, key, path, body) = (
            Arc::clone(&s),
            token.clone(),
            op.key.clone(),
            path.clone(),
            body.clone(),
        );
        copies_in_flight.spawn(async move { send(&s, &token, &key, &path, &body).await });
    }
    while let Some(joined) = copies_in_flight.join_next().await {
        let (answer, retried) = joined.unwrap_or_else(|e| panic!("client copy: {e}"));
        note(&mut outcome, &answer, retried);
    }
    match op.replay {
        Replay::Later(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            let (answer, retried) = send(&s, &token, &op.key, &path, &body).await;
            note(&mut outcome, &answer, retried);
        }
        Replay::OtherBody => {
            let other = op.body(op.other_amount(), expires_at.as_deref());
            let (answer, retried) = send(&s, &token, &op.key, &path, &other).await;
            outcome.retried_5xx += retried;
            outcome.reuse_status = Some(answer.status);
            outcome.reuse_code = answer.body["code"].as_str().map(str::to_owned);
        }
        _ => {}
    }
    outcome
}

/// Whether transaction `id` COMPLETED, once it left PENDING (read without faults;
/// `false` when it is still PENDING after a minute).
async fn completed(s: &LocalStack, id: &str) -> bool {
    let table = TransactionsTable::new(
        s.stack.dynamodb.clone(),
        crate::chaos::observe::resource(s, "tables", "TransactionsTable"),
    );
    for _ in 0..240 {
        match table.get_by_id(id).await {
            Ok(Some(t)) if t.status != TransactionStatus::Pending => {
                return t.status == TransactionStatus::Completed;
            }
            _ => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
    false
}

/// Follow-ups left to run after the clients (waiting: a reversal for its original to
/// settle, a late capture for its hold to expire).
type Deferred = Arc<Mutex<Vec<tokio::task::JoinHandle<Vec<Outcome>>>>>;

type Outcomes = Pin<Box<dyn Future<Output = Vec<Outcome>> + Send>>;

/// Runs `op` and then what is planned on its answer: at once on the client, or,
/// when it must wait, in `deferred`.
fn run_tree(
    s: Arc<LocalStack>,
    users: Arc<Vec<User>>,
    mut op: Op,
    target: Option<String>,
    deferred: Deferred,
) -> Outcomes {
    Box::pin(async move {
        tokio::time::sleep(Duration::from_millis(op.delay_ms)).await;
        let (then, race) = (std::mem::take(&mut op.then), op.race);
        let reversed = then.iter().any(|t| t.kind == "REVERSAL");
        let outcome = run_op(Arc::clone(&s), Arc::clone(&users), op, target).await;
        let mut out = vec![outcome];
        let Some(id) = out[0].transaction_ids.first().cloned() else {
            return out;
        };
        if then.is_empty() {
            return out;
        }
        let waits = reversed || then.iter().any(|t| t.delay_ms > 0);
        let pending = Arc::clone(&deferred);
        let follow = async move {
            if reversed && !completed(&s, &id).await {
                return Vec::new();
            }
            let run = |next: Op| {
                run_tree(
                    Arc::clone(&s),
                    Arc::clone(&users),
                    next,
                    Some(id.clone()),
                    Arc::clone(&deferred),
                )
            };
            let mut out = Vec::new();
            if race {
                for done in futures::future::join_all(then.into_iter().map(run)).await {
                    out.extend(done);
                }
            } else {
                for next in then {
                    out.extend(run(next).await);
                }
            }
            out
        };
        if waits {
            let handle = tokio::spawn(follow);
            pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(handle);
        } else {
            out.extend(follow.await);
        }
        out
    })
}

/// Runs `ops` (and what is planned on their answers) from `clients` concurrent
/// clients, each taking the next operation when done with its last.
pub async fn run_all(
    s: Arc<LocalStack>,
    users: Arc<Vec<User>>,
    ops: Vec<Op>,
    clients: usize,
) -> Vec<Outcome> {
    let ops = Arc::new(ops);
    let next = Arc::new(AtomicUsize::new(0));
    let deferred: Deferred = Arc::default();
    let mut workers = Vec::new();
    for _ in 0..clients.max(1) {
        let (s, users, ops, next, deferred) = (
            Arc::clone(&s),
            Arc::clone(&users),
            Arc::clone(&ops),
            Arc::clone(&next),
            Arc::clone(&deferred),
        );
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(op) = ops.get(i).cloned() else {
                    return mine;
                };
                let done = run_tree(
                    Arc::clone(&s),
                    Arc::clone(&users),
                    op,
                    None,
                    Arc::clone(&deferred),
                )
                .await;
                mine.push((i, done));
            }
        }));
    }
    let mut outcomes = Vec::new();
    for worker in workers {
        outcomes.extend(worker.await.unwrap_or_else(|e| panic!("client: {e}")));
    }
    outcomes.sort_by_key(|(i, _)| *i);
    let mut outcomes: Vec<Outcome> = outcomes.into_iter().flat_map(|(_, o)| o).collect();
    // Deferred follow-ups may defer more (a capture's reversal): until none is left.
    loop {
        let handles: Vec<_> = std::mem::take(
            &mut *deferred
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if handles.is_empty() {
            return outcomes;
        }
        for handle in handles {
            outcomes.extend(handle.await.unwrap_or_else(|e| panic!("follow-up: {e}")));
        }
    }
}
