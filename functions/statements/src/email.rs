//! Telling the holder a statement is ready: their address from Cognito (by `sub`),
//! one SES v2 email (text and HTML) with a presigned link to the PDF. Addresses are
//! never logged.

use std::time::Duration;

use aws_sdk_sesv2::types::Destination;
use shared::domain::text::escape_html as escape;
use shared::store::{Account, StatementRecord};

use crate::worker::JobError;

/// How long the emailed link works: short, as a link to account details in a mailbox
/// should be, and within the life of the Lambda role's temporary credentials that sign
/// it (a link dies with them). `GET /accounts/{id}/statements/{period}` gives a fresh
/// one at any time.
pub const LINK_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// What happened to the email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emailed {
    Sent,
    /// Email is switched off (`SES_ENABLED=false`).
    Disabled,
    /// The holder has no usable address (unknown user, none, or explicitly unverified).
    NoAddress,
}

/// The mailer's clients and settings.
#[derive(Debug, Clone)]
pub struct Mailer {
    pub sesv2: aws_sdk_sesv2::Client,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    pub from: String,
    pub user_pool_id: String,
    pub enabled: bool,
}

impl Mailer {
    /// Emails `account`'s holder about `record`.
    pub async fn send(
        &self,
        account: &Account,
        record: &StatementRecord,
    ) -> Result<Emailed, JobError> {
        if !self.enabled {
            tracing::info!(account_id = %record.account_id, period = %record.period, "email disabled: statement not emailed");
            return Ok(Emailed::Disabled);
        }
        let Some(to) = self.address(account.owner_id.as_str()).await? else {
            tracing::warn!(account_id = %record.account_id, "holder has no usable email address");
            return Ok(Emailed::NoAddress);
        };
        let link =
            shared::aws::presigned_get(&self.s3, &self.bucket, &record.pdf_key, LINK_LIFETIME)
                .await
                .map_err(JobError::Malformed)?;
        let (subject, text, html) = render(account, record, &link);
        let content = shared::email::simple(&subject, &text, &html)
            .map_err(|e| JobError::Malformed(format!("email content: {e}")))?;
        self.sesv2
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(to).build())
            .content(content)
            .send()
            .await
            .map_err(|e| JobError::aws("SendEmail", &e))?;
        tracing::info!(account_id = %record.account_id, period = %record.period, "statement emailed");
        Ok(Emailed::Sent)
    }

    /// The holder's email address by Cognito `sub` ([`shared::contacts`]: unless
    /// explicitly unverified).
    async fn address(&self, sub: &str) -> Result<Option<String>, JobError> {
        let contact = shared::contacts::lookup(&self.cognito, &self.user_pool_id, sub)
            .await
            .map_err(|e| JobError::aws("ListUsers", &e))?;
        Ok(contact.and_then(|c| c.email().map(str::to_owned)))
    }
}

/// Subject, text and HTML of the email.
fn render(account: &Account, record: &StatementRecord, link: &str) -> (String, String, String) {
    let currency = record.currency.as_str();
    let subject = format!("Your statement for {} is ready", record.period);
    let text = format!(
        "Your statement for {period} ({name}) is ready.\n\n\
         Opening balance: {opening} {currency}\n\
         Closing balance: {closing} {currency}\n\n\
         Download the PDF (this link works for one hour; the statement stays in your account's statements):\n{link}\n",
        period = record.period,
        name = account.name,
        opening = record.opening_balance,
        closing = record.closing_balance,
    );
    let html = format!(
        "<p>Your statement for <strong>{period}</strong> ({name}) is ready.</p>\
         <table><tr><td>Opening balance</td><td>{opening} {currency}</td></tr>\
         <tr><td>Closing balance</td><td>{closing} {currency}</td></tr></table>\
         <p><a href=\"{href}\">Download the PDF</a> (this link works for one hour; the statement stays in your account's statements).</p>",
        period = record.period,
        name = escape(&account.name),
        opening = record.opening_balance,
        closing = record.closing_balance,
        href = escape(link),
    );
    (subject, text, html)
}
