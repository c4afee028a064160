//! SigV4 for AppSync Events (service `appsync`): signing a publish, and checking a
//! signed request the way AWS does (the local runtime's emulation of the IAM auth
//! mode). Both sides compute the signature with `aws-sigv4`, the SDK's own signer.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

/// The signing name of AppSync.
pub const SERVICE: &str = "appsync";

/// How far a request's `X-Amz-Date` may be from the verifier's clock (AWS: 15 min).
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// A request that could not be signed.
#[derive(Debug, thiserror::Error)]
#[error("cannot sign the request: {0}")]
pub struct SignError(String);

/// Why a signed request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the request is not signed")]
    Missing,
    #[error("the Authorization header is not a SigV4 signature")]
    Malformed,
    #[error("the security token included in the request is invalid")]
    UnknownAccessKey,
    #[error("the credential scope names another region or service")]
    WrongScope,
    #[error("the signature has expired or is not yet valid")]
    Skewed,
    #[error("the request signature does not match")]
    Mismatch,
}

/// The headers that sign a request: `authorization`, `x-amz-date` and, with session
/// credentials, `x-amz-security-token`. `headers` are the request's own (with `host`
/// when it differs from the URL's authority); all of them are signed.
pub fn sign_headers(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    time: SystemTime,
) -> Result<Vec<(String, String)>, SignError> {
    let mut settings = SigningSettings::default();
    settings.excluded_headers = Some(vec![Cow::Borrowed("authorization")]);
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| SignError(e.to_string()))?
        .into();
    let request = SignableRequest::new(
        method,
        url,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|e| SignError(e.to_string()))?;
    let (instructions, _) = sign(request, &params)
        .map_err(|e| SignError(e.to_string()))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Authorization<'a> {
    access_key: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, VerifyError> {
    let rest = value
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or(VerifyError::Malformed)?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim) {
        match part.split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => return Err(VerifyError::Malformed),
        }
    }
    let (credential, signed, signature) = match (credential, signed, signature) {
        (Some(c), Some(h), Some(s)) if !s.is_empty() => (c, h, s),
        _ => return Err(VerifyError::Malformed),
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key, _date, region, service, "aws4_request"] = scope[..] else {
        return Err(VerifyError::Malformed);
    };
    Ok(Authorization {
        access_key,
        region,
        service,
        signed_headers: signed.split(';').collect(),
        signature,
    })
}

/// Checks a request signed for `appsync` in `region` with `credentials`, at `now`:
/// the signature is recomputed over the headers the request says it signed and its
/// body, as AWS does. `headers` are the request's, names in any case.
pub fn verify(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    now: SystemTime,
) -> Result<(), VerifyError> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let auth = parse_authorization(header("authorization").ok_or(VerifyError::Missing)?)?;
    if auth.access_key != credentials.access_key_id() {
        return Err(VerifyError::UnknownAccessKey);
    }
    if auth.region != region || auth.service != SERVICE {
        return Err(VerifyError::WrongScope);
    }
    if !auth.signed_headers.contains(&"host") {
        return Err(VerifyError::Malformed);
    }
    let date = header("x-amz-date").ok_or(VerifyError::Malformed)?;
    let signed_at = parse_amz_date(date).ok_or(VerifyError::Malformed)?;
    let skew = now
        .duration_since(signed_at)
        .unwrap_or_else(|e| e.duration());
    if skew > MAX_SKEW {
        return Err(VerifyError::Skewed);
    }
    let signed: Vec<(String, String)> = auth
        .signed_headers
        .iter()
        .map(|name| {
            header(name)
                .map(|v| ((*name).to_owned(), v.to_owned()))
                .ok_or(VerifyError::Malformed)
        })
        .collect::<Result<_, _>>()?;
    let expected = sign_headers(method, url, &signed, body, credentials, region, signed_at)
        .map_err(|_| VerifyError::Malformed)?;
    let expected = expected
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| parse_authorization(v).ok().map(|a| a.signature.to_owned()))
        .ok_or(VerifyError::Mismatch)?;
    if expected.as_bytes() == auth.signature.as_bytes() {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// `20261201T101500Z`.
fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let at = chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ").ok()?;
    let seconds = u64::try_from(at.and_utc().timestamp()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:3000/event";
    const BODY: &[u8] = br#"{"channel":"/users/a","events":["{}"]}"#;

    fn credentials() -> Credentials {
        Credentials::new("AKIDLOCAL", "secret", None, None, "test")
    }

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn signed(time: SystemTime) -> Vec<(String, String)> {
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        let added = sign_headers(
            "POST",
            URL,
            &headers,
            BODY,
            &credentials(),
            "us-east-1",
            time,
        )
        .unwrap();
        headers.extend(added);
        headers.push(("host".to_owned(), "127.0.0.1:3000".to_owned()));
        headers
    }

    #[test]
    fn a_request_signed_with_the_credentials_verifies() {
        let now = at(1_795_000_000);
        let headers = signed(now);
        let verify_at = |h: &[(String, String)], body: &[u8], t| {
            verify("POST", URL, h, body, &credentials(), "us-east-1", t)
        };
        assert_eq!(verify_at(&headers, BODY, now), Ok(()));
        assert_eq!(verify_at(&headers, BODY, at(1_795_000_000 + 600)), Ok(()));
        assert_eq!(
            verify_at(&headers, BODY, at(1_795_000_000 + 1000)),
            Err(VerifyError::Skewed)
        );
        assert_eq!(
            verify_at(&headers, br#"{"channel":"/users/b","events":["{}"]}"#, now),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn other_keys_scopes_and_unsigned_requests_are_refused() {
        let now = at(1_795_000_000);
        let headers = signed(now);
        let other = Credentials::new("AKIDLOCAL", "other", None, None, "test");
        assert_eq!(
            verify("POST", URL, &headers, BODY, &other, "us-east-1", now),
            Err(VerifyError::Mismatch)
        );
        let stranger = Credentials::new("AKIDOTHER", "secret", None, None, "test");
        assert_eq!(
            verify("POST", URL, &headers, BODY, &stranger, "us-east-1", now),
            Err(VerifyError::UnknownAccessKey)
        );
        assert_eq!(
            verify(
                "POST",
                URL,
                &headers,
                BODY,
                &credentials(),
                "eu-west-1",
                now
            ),
            Err(VerifyError::WrongScope)
        );
        let plain = vec![(
            "authorization".to_owned(),
            "eyJhbGciOi.jwt.token".to_owned(),
        )];
        assert_eq!(
            verify("POST", URL, &plain, BODY, &credentials(), "us-east-1", now),
            Err(VerifyError::Malformed)
        );
        assert_eq!(
            verify("POST", URL, &[], BODY, &credentials(), "us-east-1", now),
            Err(VerifyError::Missing)
        );
    }
}
