//! The log's writes for many messages at once: one PartiQL `BatchExecuteStatement`
//! (up to [`STATEMENTS_PER_REQUEST`] statements, each applied or refused on its own,
//! billed as the single writes they stand for) instead of one request per message.
//!
//! * **claim** — a new message (the usual case) is claimed by an `INSERT`, which
//!   PartiQL refuses with `DuplicateItem` when the item exists. Only those refused go
//!   on to the single conditional claim ([`NotificationLog::claim`]), which takes a
//!   RELEASED or expired item over and says why it cannot take the others.
//! * **settle** — each message's outcome is an `UPDATE ... WHERE notificationId = ?
//!   AND claimToken = ?`: PartiQL's `UPDATE` also requires the item to exist, so a
//!   refused condition means the claim was taken over ([`LogError::ClaimLost`]).

use aws_sdk_dynamodb::types::{AttributeValue, BatchStatementError, BatchStatementRequest};
use shared::store::{ErrorClass, SdkFailure, classify, n, s};

use super::update::SettleStatement;
use super::{
    ATTR_CLAIM_TOKEN, ATTR_CLAIMED_AT, ATTR_EXPIRES_AT, ATTR_ID, ATTR_SETTLED_AT, ATTR_STATUS,
    COMPLETED, ChannelRecord, Claim, ClaimToken, IN_PROGRESS, Lease, LogError, NotificationLog,
    RELEASED, Recorded, lease, service,
};

/// DynamoDB's limit on the statements of one `BatchExecuteStatement`.
pub const STATEMENTS_PER_REQUEST: usize = 25;

/// PartiQL's answer to an `INSERT` of a key that exists.
const DUPLICATE_ITEM: &str = "DuplicateItem";
/// PartiQL's answer to a refused `WHERE` condition.
const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// One message's settle: the outcome of this attempt's channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settle<'a> {
    pub key: &'a str,
    pub token: &'a ClaimToken,
    /// COMPLETED (no channel left to retry) or RELEASED (the redelivery retries).
    pub completed: bool,
    /// Channels absent from it keep their recorded state.
    pub records: Vec<ChannelRecord>,
}

/// How one statement of a batch ended.
enum Answer {
    Done,
    /// Refused with this PartiQL error code.
    Refused(String),
    /// The request itself failed: nothing is known of the statement.
    Failed(LogError),
}

impl NotificationLog {
    /// Claims every message of `keys` (distinct), in order: new ones by one batched
    /// `INSERT` per [`STATEMENTS_PER_REQUEST`], existing ones through
    /// [`NotificationLog::claim`].
    pub async fn claim_many(&self, keys: &[String]) -> Vec<Result<Claim, LogError>> {
        let sent_at = self.clock.now();
        let expires_at = Lease::stored_expiry(sent_at, self.in_progress_ttl);
        let claimed_at = shared::clock::format_rfc3339(sent_at);
        let tokens: Vec<String> = keys
            .iter()
            .map(|_| uuid::Uuid::new_v4().to_string())
            .collect();
        let statement = format!(
            "INSERT INTO \"{}\" VALUE {{'{ATTR_ID}': ?, '{ATTR_STATUS}': ?, \
             '{ATTR_CLAIM_TOKEN}': ?, '{ATTR_EXPIRES_AT}': ?, '{ATTR_CLAIMED_AT}': ?}}",
            self.table
        );
        let requests = keys.iter().zip(&tokens).map(|(key, token)| {
            let parameters = vec![
                s(key),
                s(IN_PROGRESS),
                s(token),
                n(expires_at),
                s(&claimed_at),
            ];
            (statement.clone(), parameters)
        });
        let answers = self.execute(requests.collect()).await;
        let acquired_at = self.clock.now();
        let mut claims = Vec::with_capacity(keys.len());
        for ((key, token), answer) in keys.iter().zip(tokens).zip(answers) {
            claims.push(match answer {
                Answer::Done => Ok(Claim::Acquired {
                    token: ClaimToken(token),
                    recorded: Recorded::default(),
                    lease: Lease::new(sent_at, self.in_progress_ttl, acquired_at),
                }),
                Answer::Refused(code) if code == DUPLICATE_ITEM => self.claim(key).await,
                Answer::Refused(code) => Err(refused(&code)),
                Answer::Failed(error) => Err(error),
            });
        }
        claims
    }

    /// Settles every message of `settles`, in order: one batched `UPDATE` per
    /// [`STATEMENTS_PER_REQUEST`], each conditioned on its claim token.
    pub async fn settle_many(&self, settles: &[Settle<'_>]) -> Vec<Result<(), LogError>> {
        let at = self.clock.now();
        let now = shared::clock::format_rfc3339(at);
        let expires_at = lease::epoch_after(at, self.retention);
        let requests = settles
            .iter()
            .map(|settle| {
                let mut update = SettleStatement::default();
                update
                    .set(
                        ATTR_STATUS,
                        s(if settle.completed {
                            COMPLETED
                        } else {
                            RELEASED
                        }),
                    )
                    .set(ATTR_EXPIRES_AT, n(expires_at))
                    .set(ATTR_SETTLED_AT, s(&now));
                for record in &settle.records {
                    update.channel(record, &now);
                }
                update.into_request(&self.table, settle.key, &settle.token.0)
            })
            .collect();
        self.execute(requests)
            .await
            .into_iter()
            .map(|answer| match answer {
                Answer::Done => Ok(()),
                Answer::Refused(code) if code == CONDITION_FAILED => Err(LogError::ClaimLost),
                Answer::Refused(code) => Err(refused(&code)),
                Answer::Failed(error) => Err(error),
            })
            .collect()
    }

    /// Runs the statements, [`STATEMENTS_PER_REQUEST`] per request, and answers each.
    async fn execute(&self, statements: Vec<(String, Vec<AttributeValue>)>) -> Vec<Answer> {
        let mut answers = Vec::with_capacity(statements.len());
        let mut statements = statements.into_iter().peekable();
        while statements.peek().is_some() {
            let chunk: Vec<_> = statements.by_ref().take(STATEMENTS_PER_REQUEST).collect();
            let count = chunk.len();
            let requests: Result<Vec<_>, _> = chunk
                .into_iter()
                .map(|(statement, parameters)| {
                    BatchStatementRequest::builder()
                        .statement(statement)
                        .set_parameters(Some(parameters))
                        .build()
                })
                .collect();
            let sent = match requests {
                Ok(requests) => {
                    self.client
                        .batch_execute_statement()
                        .set_statements(Some(requests))
                        .send()
                        .await
                }
                Err(error) => {
                    let failure = SdkFailure::new("ConstructionFailure", ErrorClass::Transient);
                    tracing::error!(error = %error, "log statement could not be built");
                    answers.extend((0..count).map(|_| {
                        Answer::Failed(LogError::Service {
                            operation: "BatchExecuteStatement",
                            failure: failure.clone(),
                        })
                    }));
                    continue;
                }
            };
            match sent {
                Ok(output) => {
                    let responses = output.responses();
                    answers.extend((0..count).map(|i| match responses.get(i) {
                        Some(response) => response.error().map_or(Answer::Done, answer),
                        None => Answer::Failed(LogError::Service {
                            operation: "BatchExecuteStatement",
                            failure: SdkFailure::new("MissingResponse", ErrorClass::Transient),
                        }),
                    }));
                }
                Err(error) => {
                    let failure = service("BatchExecuteStatement", &error);
                    answers.extend((0..count).map(|_| Answer::Failed(failure.clone())));
                }
            }
        }
        answers
    }
}

fn answer(error: &BatchStatementError) -> Answer {
    Answer::Refused(
        error
            .code()
            .map_or("Unknown", |code| code.as_str())
            .to_owned(),
    )
}

fn refused(code: &str) -> LogError {
    LogError::Service {
        operation: "BatchExecuteStatement",
        failure: SdkFailure::new(code, classify(code)),
    }
}
