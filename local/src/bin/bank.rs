//! `bank`: tools for the bank's customers and auditors.
//!
//! ```text
//! bank verify-statement <statement.json> [--public-key <key.pem|key.der>]
//!                                        [--key-id <KMS key id or ARN>] [--stack .local/stack.json]
//! ```
//!
//! `verify-statement` checks a statement's JSON form (as `GET
//! /accounts/{id}/statements/{period}` answers it under `json`): whether the bank's
//! signature holds, and whether every entry chains from the opening head to the closing
//! head with balances and totals adding up. The bank's public key comes from a file
//! (PEM `PUBLIC KEY` or DER SubjectPublicKeyInfo: what KMS `GetPublicKey` gives, which
//! a third party gets once from the bank), else from KMS by key id, else from the
//! local stack's `StatementSigningKey`. Prints `{signatureValid, chainValid, problems}`;
//! exit status 0 when both hold, 1 when not, 2 on a usage or read error.

use std::process::ExitCode;

use base64::Engine as _;
use shared::statement::{Statement, verify};

const USAGE: &str = "usage: bank verify-statement <statement.json> [--public-key <key.pem|key.der>] [--key-id <KMS key id or ARN>] [--stack .local/stack.json]";

/// Where the bank's public key comes from.
#[derive(Debug, PartialEq, Eq)]
enum KeySource {
    File(String),
    Kms(String),
    Stack(String),
}

#[derive(Debug, PartialEq, Eq)]
struct Args {
    statement: String,
    key: KeySource,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut args = args.iter().peekable();
    if args.next().map(String::as_str) != Some("verify-statement") {
        return Err(USAGE.to_owned());
    }
    let mut statement = None;
    let mut key = KeySource::Stack(".local/stack.json".to_owned());
    while let Some(arg) = args.next() {
        let source: Option<fn(String) -> KeySource> = match arg.as_str() {
            "--public-key" => Some(KeySource::File),
            "--key-id" => Some(KeySource::Kms),
            "--stack" => Some(KeySource::Stack),
            _ => None,
        };
        match (source, args.next_if(|_| source.is_some())) {
            (Some(source), Some(value)) => key = source(value.clone()),
            (None, _) if statement.is_none() && !arg.starts_with("--") => {
                statement = Some(arg.clone());
            }
            _ => return Err(USAGE.to_owned()),
        }
    }
    let statement = statement.ok_or_else(|| USAGE.to_owned())?;
    Ok(Args { statement, key })
}

/// A public key file's DER: PEM (`-----BEGIN PUBLIC KEY-----`) or raw DER.
fn der_from_file(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(bytes.to_vec());
    };
    if !text.contains("-----BEGIN PUBLIC KEY-----") {
        return Ok(bytes.to_vec());
    }
    let body: String = text
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .map(str::trim)
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| format!("the PEM public key is not base64: {e}"))
}

async fn public_key(source: &KeySource) -> Result<Vec<u8>, String> {
    let key_id = match source {
        KeySource::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            return der_from_file(&bytes);
        }
        KeySource::Kms(id) => id.clone(),
        KeySource::Stack(path) => local_runtime::stack_file::StackFile::read(path)?
            .field("keys", "StatementSigningKey")?,
    };
    let kms = shared::aws::kms(&shared::aws::load_config().await);
    let answer = kms
        .get_public_key()
        .key_id(&key_id)
        .send()
        .await
        .map_err(|e| {
            format!(
                "KMS GetPublicKey {key_id}: {}",
                aws_sdk_kms::error::DisplayErrorContext(&e)
            )
        })?;
    answer
        .public_key()
        .map(|blob| blob.as_ref().to_vec())
        .ok_or_else(|| format!("KMS GetPublicKey {key_id}: no public key in the answer"))
}

async fn run(args: &Args) -> Result<bool, String> {
    let text = std::fs::read(&args.statement)
        .map_err(|e| format!("cannot read {}: {e}", args.statement))?;
    let statement: Statement = serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not a statement: {e}", args.statement))?;
    let key = public_key(&args.key).await?;
    let verification = verify(&statement, &key);
    let shown = serde_json::to_string_pretty(&verification).map_err(|e| e.to_string())?;
    // The verdict is the command's output.
    #[allow(clippy::print_stdout)]
    {
        println!("{shown}");
    }
    Ok(verification.signature_valid && verification.chain_valid)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&args) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("bank: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("bank: {message}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::EncodePublicKey as _;
    use shared::domain::{AccountId, Balance, ChainHead, DEFAULT_CURRENCY};
    use shared::statement::{Opening, Period, StatementAccount, StatementSignature, build};

    /// A statement of a quiet month, signed as KMS signs (ECDSA P-256 over SHA-256 of
    /// the signing message, DER, base64); its JSON and the key's DER, in files.
    fn signed(dir: &std::path::Path) -> (String, String, Statement) {
        let key = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap_or_else(|e| panic!("{e}"));
        let account = StatementAccount {
            account_id: AccountId::new_random(),
            name: "Everyday".to_owned(),
            holder_id: "holder".to_owned(),
        };
        let period = Period::parse("2026-10").unwrap_or_else(|e| panic!("{e}"));
        let opening = Opening {
            balance: "12.34".parse::<Balance>().unwrap_or_else(|e| panic!("{e}")),
            head: ChainHead::genesis(),
            version: 3,
        };
        let mut statement = build(
            &period,
            account,
            DEFAULT_CURRENCY,
            opening,
            vec![],
            vec![],
            "2026-11-01T02:00:00.000000Z".to_owned(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let signature: p256::ecdsa::Signature = key.sign(&statement.signing_message());
        statement.signature = Some(StatementSignature {
            key_id: "alias/test".to_owned(),
            algorithm: "ECDSA_SHA_256".to_owned(),
            value: base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes()),
        });
        let der = p256::PublicKey::from(key.verifying_key())
            .to_public_key_der()
            .unwrap_or_else(|e| panic!("{e}"))
            .into_vec();
        let key_path = dir.join("bank.der");
        std::fs::write(&key_path, der).unwrap_or_else(|e| panic!("{e}"));
        let file = dir.join("statement.json");
        let json = serde_json::to_vec(&statement).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&file, json).unwrap_or_else(|e| panic!("{e}"));
        (
            file.display().to_string(),
            key_path.display().to_string(),
            statement,
        )
    }

    #[tokio::test]
    async fn a_genuine_statement_verifies_and_one_cent_changed_does_not() {
        let dir = std::env::temp_dir().join(format!("bank-verify-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let (file, key, mut statement) = signed(&dir);
        let args = Args {
            statement: file.clone(),
            key: KeySource::File(key.clone()),
        };
        assert_eq!(run(&args).await, Ok(true));
        statement.closing_balance = "12.35".parse().unwrap_or_else(|e| panic!("{e}"));
        let json = serde_json::to_vec(&statement).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&file, json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(run(&args).await, Ok(false));
        // Unreadable inputs are errors, not verdicts.
        std::fs::write(&file, b"{}").unwrap_or_else(|e| panic!("{e}"));
        assert!(run(&args).await.is_err());
        let missing = Args {
            statement: dir.join("none.json").display().to_string(),
            key: KeySource::File(key),
        };
        assert!(run(&missing).await.is_err());
        let no_stack = Args {
            statement: file,
            key: KeySource::Stack(dir.join("stack.json").display().to_string()),
        };
        assert!(run(&no_stack).await.is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    /// Against moto's KMS (the emulators `make test` starts): the key named by the
    /// stack file signs, and the command fetches its public key to check.
    #[tokio::test]
    async fn the_stack_key_is_fetched_from_kms_and_checks_a_kms_signature() {
        if std::env::var("AWS_ENDPOINT_URL_KMS").is_err() {
            panic!("AWS_ENDPOINT_URL_KMS is not set: run under scripts/with-emulators.sh");
        }
        let kms = shared::aws::kms(&shared::aws::load_config().await);
        let created = kms
            .create_key()
            .key_spec(aws_sdk_kms::types::KeySpec::EccNistP256)
            .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateKey: {e:?}"));
        let key_id = created
            .key_metadata()
            .map(|m| m.key_id().to_owned())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!("bank-kms-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let (file, _, mut statement) = signed(&dir);
        let signature = kms
            .sign()
            .key_id(&key_id)
            .message(aws_sdk_kms::primitives::Blob::new(
                statement.signing_message(),
            ))
            .message_type(aws_sdk_kms::types::MessageType::Raw)
            .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .unwrap_or_else(|e| panic!("Sign: {e:?}"));
        let value = signature
            .signature()
            .map(|b| b.as_ref().to_vec())
            .unwrap_or_default();
        statement.signature = Some(StatementSignature {
            key_id: key_id.clone(),
            algorithm: "ECDSA_SHA_256".to_owned(),
            value: base64::engine::general_purpose::STANDARD.encode(value),
        });
        let json = serde_json::to_vec(&statement).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&file, json).unwrap_or_else(|e| panic!("{e}"));
        let stack = dir.join("stack.json");
        let names = serde_json::json!({"keys": {"StatementSigningKey": key_id}});
        std::fs::write(&stack, names.to_string()).unwrap_or_else(|e| panic!("{e}"));
        for key in [
            KeySource::Stack(stack.display().to_string()),
            KeySource::Kms(key_id.clone()),
        ] {
            let args = Args {
                statement: file.clone(),
                key,
            };
            assert_eq!(run(&args).await, Ok(true));
        }
        let unknown = Args {
            statement: file,
            key: KeySource::Kms("alias/none".to_owned()),
        };
        assert!(run(&unknown).await.is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn arguments_name_the_statement_and_the_key_source() {
        assert_eq!(
            parse_args(&args("verify-statement s.json --public-key k.pem")),
            Ok(Args {
                statement: "s.json".to_owned(),
                key: KeySource::File("k.pem".to_owned()),
            })
        );
        assert_eq!(
            parse_args(&args("verify-statement s.json")).map(|a| a.key),
            Ok(KeySource::Stack(".local/stack.json".to_owned()))
        );
        for bad in [
            "",
            "verify",
            "verify-statement",
            "verify-statement a b",
            "verify-statement s.json --key-id",
        ] {
            assert_eq!(parse_args(&args(bad)), Err(USAGE.to_owned()), "{bad}");
        }
    }

    #[test]
    fn a_pem_key_reads_as_its_der_and_der_passes_through() {
        let der = [0x30_u8, 0x59, 0x30, 0x13, 0xff];
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n");
        assert_eq!(der_from_file(pem.as_bytes()), Ok(der.to_vec()));
        assert_eq!(der_from_file(&der), Ok(der.to_vec()));
        assert!(
            der_from_file(b"-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----").is_err()
        );
    }
}
