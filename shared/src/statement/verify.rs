//! Checking a statement as a third party would: is the signature the bank's, and does
//! the statement add up (its chain, balances, totals and dates, and in
//! `bank-statement/v2` the amount on hold)? A `bank-statement/v1` statement is
//! checked exactly as before v2 existed (and must not carry v2's fields).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use serde::{Deserialize, Serialize};

use super::build::{Opening, Walk, text_problems, walk};
use super::holds::held_problems;
use super::{FORMAT_V1, FORMAT_V2, Period, Statement};

/// The only accepted `signature.algorithm`: ECDSA P-256 with SHA-256 (KMS
/// `ECC_NIST_P256` keys).
pub const SIGNATURE_ALGORITHM: &str = "ECDSA_SHA_256";

/// The outcome of [`verify`]: `{signatureValid, chainValid, problems}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// The signature is the bank key's, over this statement's signed message.
    pub signature_valid: bool,
    /// The statement adds up: the format, the period and its bounds, the chain from
    /// the opening to the closing head, the balances, the totals, the versions, and
    /// (v2) the amount on hold and the available balance.
    pub chain_valid: bool,
    /// What is wrong, as short sentences (empty when both are valid).
    pub problems: Vec<String>,
}

/// Checks `statement`'s signature with `public_key_der` (the DER
/// SubjectPublicKeyInfo that KMS `GetPublicKey` returns for an `ECC_NIST_P256` key)
/// and its consistency. Never panics, whatever the input.
pub fn verify(statement: &Statement, public_key_der: &[u8]) -> Verification {
    let signature = check_signature(statement, public_key_der);
    let consistency = consistency_problems(statement);
    let signature_valid = signature.is_ok();
    let chain_valid = consistency.is_empty();
    let mut problems: Vec<String> = signature.err().into_iter().collect();
    problems.extend(consistency);
    Verification {
        signature_valid,
        chain_valid,
        problems,
    }
}

/// Whether the signature is valid, or why not.
fn check_signature(statement: &Statement, public_key_der: &[u8]) -> Result<(), String> {
    let Some(signature) = &statement.signature else {
        return Err("the statement is not signed".to_owned());
    };
    if signature.algorithm != SIGNATURE_ALGORITHM {
        return Err(format!(
            "the signature algorithm is not {SIGNATURE_ALGORITHM}"
        ));
    }
    let key = VerifyingKey::from_public_key_der(public_key_der).map_err(|_| {
        "the bank's public key is not a P-256 key (DER SubjectPublicKeyInfo)".to_owned()
    })?;
    let der = STANDARD
        .decode(signature.value.as_bytes())
        .map_err(|_| "the signature value is not standard base64".to_owned())?;
    let signature = Signature::from_der(&der)
        .map_err(|_| "the signature value is not a DER ECDSA P-256 signature".to_owned())?;
    key.verify(&statement.signing_message(), &signature)
        .map_err(|_| "the signature does not match this statement and the bank's key".to_owned())
}

/// Everything that does not add up in `statement`, in reading order.
fn consistency_problems(statement: &Statement) -> Vec<String> {
    let mut problems = Vec::new();
    if statement.format != FORMAT_V1 && statement.format != FORMAT_V2 {
        problems.push(format!("format is neither {FORMAT_V2} nor {FORMAT_V1}"));
    }
    let period = match Period::parse(&statement.period) {
        Ok(period) => Some(period),
        Err(error) => {
            problems.push(error.to_string());
            None
        }
    };
    if let Some(period) = &period {
        if statement.from != period.from() {
            problems.push(format!(
                "from is not the start of {period} ({})",
                period.from()
            ));
        }
        if statement.to != period.to() {
            problems.push(format!("to is not the end of {period} ({})", period.to()));
        }
    }
    let opening = Opening {
        balance: statement.opening_balance,
        head: statement.opening_head.clone(),
        version: statement.opening_version,
    };
    let account_id = statement.account.account_id;
    let walked = walk(
        period.as_ref(),
        account_id,
        statement.currency,
        &opening,
        &statement.entries,
    );
    problems.extend(walked.problems.iter().map(ToString::to_string));
    problems.extend(closing_problems(statement, &walked));
    problems.extend(held_problems(statement));
    let texts = text_problems(&statement.account.holder_id, &statement.generated_at);
    problems.extend(texts.iter().map(ToString::to_string));
    problems
}

/// Where the statement's closing state and totals differ from the walk's.
fn closing_problems(statement: &Statement, walked: &Walk) -> Vec<String> {
    let mut problems = Vec::new();
    let last = if statement.entries.is_empty() {
        "the opening"
    } else {
        "the last entry"
    };
    if statement.closing_balance != walked.balance {
        problems.push(format!(
            "closingBalance is {}, but {last} leaves {}",
            statement.closing_balance, walked.balance
        ));
    }
    if statement.closing_head != walked.head {
        problems.push(format!("closingHead is not the chain head of {last}"));
    }
    if statement.closing_version != walked.version {
        problems.push(format!(
            "closingVersion is {}, but {last} is at version {}",
            statement.closing_version, walked.version
        ));
    }
    let totals = [
        ("totalIn", statement.total_in, walked.total_in),
        ("totalOut", statement.total_out, walked.total_out),
    ];
    for (field, claimed, sum) in totals {
        if claimed.as_decimal() != sum {
            problems.push(format!(
                "{field} is {claimed}, but the entries sum to {sum}"
            ));
        }
    }
    problems
}
