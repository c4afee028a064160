//! Making one account's statement for one period, once: the opening state and the
//! period's entries from the ledger, the holds active at the period's end (from
//! `AccountHistoryIndex`), [`build`] (which refuses anything that does not add up),
//! a KMS signature, the JSON and PDF objects in S3 under the statement's digest
//! (never overwritten), then the record, written only if absent. A run that
//! loses the race to another uses the winner's record; its own objects are never
//! referenced.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use aws_sdk_s3::error::ProvideErrorMetadata as _;
use aws_sdk_s3::primitives::ByteStream;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use shared::clock::Timestamp;
use shared::domain::chain::hex;
use shared::domain::{AccountId, Balance, ChainHead, TransactionKind};
use shared::statement::{
    Opening, Period, SIGNATURE_ALGORITHM, Statement, StatementAccount, StatementEntry,
    StatementHold, StatementSignature, build,
};
use shared::store::{
    Account, AccountsTable, EntryRange, StatementRecord, StatementsTable, TransactionsTable,
};

use crate::worker::JobError;

/// The S3 key prefix of every statement object.
pub const KEY_PREFIX: &str = "statements";

/// What asking for a statement found or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Generated {
    /// The period's statement already existed (or another run won the race): it stands.
    Existing(StatementRecord),
    /// Made now.
    Made(StatementRecord),
    /// Nothing to state (no entry, zero balance, not asked on demand), or no such account.
    Nothing,
}

/// The generator's clients and settings.
#[derive(Debug, Clone)]
pub struct Generator {
    pub statements: StatementsTable,
    pub accounts: AccountsTable,
    pub transactions: TransactionsTable,
    pub kms: aws_sdk_kms::Client,
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    pub key_id: String,
}

impl Generator {
    /// The statement of `account_id` for `period`: the existing one, else a new one;
    /// with `on_demand`, even when there is nothing to state.
    pub async fn statement(
        &self,
        account_id: &AccountId,
        period: Period,
        on_demand: bool,
    ) -> Result<(Generated, Option<Account>), JobError> {
        let account = self.accounts.get(account_id).await?;
        if let Some(existing) = self.statements.get(account_id, &period).await? {
            return Ok((Generated::Existing(existing), account));
        }
        let Some(account) = account else {
            tracing::warn!(account_id = %account_id, "no such account: no statement");
            return Ok((Generated::Nothing, None));
        };
        let (opening, entries) = self.ledger(account_id, period).await?;
        // Nothing settled and nothing left: nothing can be on hold either (a hold
        // never reserves more than the balance).
        if entries.is_empty() && opening.balance == Balance::ZERO && !on_demand {
            return Ok((Generated::Nothing, Some(account)));
        }
        let holds = self.holds(account_id, period).await?;
        let holder = StatementAccount {
            account_id: *account_id,
            name: account.name.clone(),
            holder_id: account.owner_id.as_str().to_owned(),
        };
        let now = Timestamp::now().as_str().to_owned();
        let mut statement = build(
            &period,
            holder,
            account.currency,
            opening,
            entries,
            holds,
            now,
        )?;
        statement.signature = Some(self.sign(&statement).await?);
        let record = self.store(&statement, period).await?;
        let generated = match self.statements.put_if_absent(&record).await? {
            None => Generated::Made(record),
            Some(existing) => {
                tracing::info!(account_id = %account_id, %period, "another run made this statement first");
                Generated::Existing(existing)
            }
        };
        Ok((generated, Some(account)))
    }

    /// The account before the period (balance, head and version after the last entry
    /// settled before `from`) and every entry settled in `[from, to)`.
    async fn ledger(
        &self,
        account_id: &AccountId,
        period: Period,
    ) -> Result<(Opening, Vec<StatementEntry>), JobError> {
        let account = account_id.to_string();
        let opening = match self
            .transactions
            .latest_entry(&account, &period.from())
            .await?
        {
            Some((entry, head)) => Opening {
                balance: entry.balance_after,
                head,
                version: entry.version,
            },
            None => Opening {
                balance: Balance::ZERO,
                head: ChainHead::genesis(),
                version: 0,
            },
        };
        let range = EntryRange {
            from: Some(period.from()),
            to: Some(period.to()),
        };
        let entries = self
            .transactions
            .ledger_entries(&account, &range)
            .await?
            .into_iter()
            .map(|(entry, hash)| StatementEntry::from_ledger(entry, hash))
            .collect();
        Ok((opening, entries))
    }

    /// The holds of the account ACTIVE at the period's end (`to`), in the order they
    /// were placed.
    async fn holds(
        &self,
        account_id: &AccountId,
        period: Period,
    ) -> Result<Vec<StatementHold>, JobError> {
        let to = Timestamp::parse(&period.to())
            .map_err(|e| JobError::Malformed(format!("period end {}: {e}", period.to())))?;
        let records = self
            .transactions
            .holds_active_at(&account_id.to_string(), &to)
            .await?;
        Ok(records
            .into_iter()
            .filter_map(|record| {
                let TransactionKind::Hold { amount } = record.kind else {
                    return None;
                };
                Some(StatementHold {
                    transaction_id: record.transaction_id,
                    amount,
                    expires_at: record
                        .expires_at
                        .as_ref()
                        .map(String::from)
                        .unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Signs the statement's signing message with the KMS key (RAW message, ECDSA
    /// SHA-256: KMS hashes it once).
    async fn sign(&self, statement: &Statement) -> Result<StatementSignature, JobError> {
        let output = self
            .kms
            .sign()
            .key_id(&self.key_id)
            .message(Blob::new(statement.signing_message()))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .map_err(|e| JobError::aws("Sign", &e))?;
        let signature = output
            .signature()
            .ok_or_else(|| JobError::Malformed("KMS Sign answered no signature".to_owned()))?;
        Ok(StatementSignature {
            key_id: output.key_id().unwrap_or(&self.key_id).to_owned(),
            algorithm: SIGNATURE_ALGORITHM.to_owned(),
            value: STANDARD.encode(signature.as_ref()),
        })
    }

    /// Writes the JSON and the PDF under the statement's digest; the record naming them.
    async fn store(
        &self,
        statement: &Statement,
        period: Period,
    ) -> Result<StatementRecord, JobError> {
        let digest_hex = hex(&statement.digest());
        let base = format!(
            "{KEY_PREFIX}/{}/{}/{digest_hex}",
            statement.account.account_id, statement.period
        );
        let (json_key, pdf_key) = (format!("{base}.json"), format!("{base}.pdf"));
        let json = serde_json::to_vec_pretty(statement)
            .map_err(|e| JobError::Malformed(format!("statement JSON: {e}")))?;
        self.put(&json_key, json, "application/json").await?;
        self.put(&pdf_key, crate::pdf::render(statement), "application/pdf")
            .await?;
        let key_id = statement
            .signature
            .as_ref()
            .map_or_else(|| self.key_id.clone(), |s| s.key_id.clone());
        Ok(StatementRecord {
            account_id: statement.account.account_id,
            period,
            currency: statement.currency,
            opening_balance: statement.opening_balance,
            closing_balance: statement.closing_balance,
            total_in: statement.total_in,
            total_out: statement.total_out,
            entries: u64::try_from(statement.entries.len()).unwrap_or(u64::MAX),
            opening_head: statement.opening_head.clone(),
            closing_head: statement.closing_head.clone(),
            digest_hex,
            json_key,
            pdf_key,
            generated_at: statement.generated_at.clone(),
            key_id,
        })
    }

    /// Puts an object unless one exists under `key` (the same digest: the same bytes
    /// but for the PDF's own metadata, and never referenced twice).
    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), JobError> {
        let result = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .if_none_match("*")
            .body(ByteStream::from(body))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.code(),
                    Some("PreconditionFailed" | "ConditionalRequestConflict")
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(JobError::aws("PutObject", &e)),
        }
    }
}
