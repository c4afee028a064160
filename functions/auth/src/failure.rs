//! Cognito's refusals and failures as the API answers them: every credential
//! refusal the same 401, throttling told apart, the detail logged as fixed words.

use aws_sdk_cognitoidentityprovider::config::http::HttpResponse;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;
use lambda_http::http::StatusCode;
use shared::http::ApiError;

/// Cognito errors that mean "these credentials do not sign anyone in". They all answer
/// the same 401 so that no response tells whether a username exists.
pub(crate) const CREDENTIAL_REFUSALS: [&str; 4] = [
    "NotAuthorizedException",
    "UserNotFoundException",
    "UserNotConfirmedException",
    "PasswordResetRequiredException",
];

/// Cognito throttling.
pub(crate) const THROTTLING: [&str; 3] = [
    "TooManyRequestsException",
    "LimitExceededException",
    "ThrottlingException",
];

/// 401 for a wrong password or an unknown, unconfirmed or locked-out user alike.
pub(crate) fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "INVALID_CREDENTIALS",
        "Incorrect username or password.",
    )
}

/// 401 for a refresh token that is unknown, expired or revoked.
pub(crate) fn invalid_refresh_token() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "INVALID_REFRESH_TOKEN",
        "The refresh token is invalid, expired or revoked; sign in again.",
    )
}

/// 500 without internals (the cause is logged by the caller).
pub(crate) fn internal_error() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        "The request could not be completed; retry later.",
    )
}

/// Cognito wants another step (only reachable with a correct password, so it reveals
/// nothing to someone guessing). This API does not implement challenge responses.
pub(crate) fn challenge_required(challenge: &ChallengeNameType) -> ApiError {
    tracing::info!(
        challenge = challenge.as_str(),
        "sign-in needs a challenge this API does not support"
    );
    if *challenge == ChallengeNameType::NewPasswordRequired {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "PASSWORD_CHANGE_REQUIRED",
            "The password must be changed before signing in.",
        )
    } else {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "AUTH_CHALLENGE_REQUIRED",
            "Signing in needs an additional step this API does not support.",
        )
        .with("challenge", challenge.as_str())
    }
}

/// How a Cognito error is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The credentials do not sign anyone in: one 401 for every reason.
    Refused,
    /// Cognito throttles: 429.
    Throttled,
    /// Anything else: 500, cause logged.
    Unexpected,
}

pub(crate) fn classify(code: Option<&str>) -> Failure {
    match code {
        Some(code) if CREDENTIAL_REFUSALS.contains(&code) => Failure::Refused,
        Some(code) if THROTTLING.contains(&code) => Failure::Throttled,
        _ => Failure::Unexpected,
    }
}

/// Why Cognito refused credentials, as a fixed word: Cognito's (and moto's) messages
/// may repeat the username or token, so they are not logged as they are. The ones an
/// operator must see (misconfigured app client) are told apart.
pub(crate) fn refusal_detail(code: &str, message: Option<&str>) -> &'static str {
    let message = message.unwrap_or_default().to_ascii_lowercase();
    if message.contains("auth flow not enabled") {
        "auth_flow_not_enabled"
    } else if message.contains("secret") {
        "client_secret_required"
    } else if message.contains("disabled") {
        "user_disabled"
    } else if message.contains("attempts exceeded") {
        "attempts_exceeded"
    } else {
        match code {
            "UserNotFoundException" => "user_not_found",
            "UserNotConfirmedException" => "user_not_confirmed",
            "PasswordResetRequiredException" => "password_reset_required",
            _ => "not_authorized",
        }
    }
}

/// The response for a failed Cognito call, logged without credentials.
pub(crate) fn cognito_failure<E>(
    operation: &'static str,
    error: &SdkError<E, HttpResponse>,
    refused: fn() -> ApiError,
) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = error.code();
    match classify(code) {
        Failure::Refused => {
            let detail = refusal_detail(code.unwrap_or_default(), error.message());
            tracing::info!(operation, code, detail, "credentials refused");
            refused()
        }
        Failure::Throttled => {
            tracing::warn!(operation, code, "Cognito is throttling");
            ApiError::too_many_requests()
        }
        Failure::Unexpected => match error {
            // Not Cognito's message: like a refusal's, it may repeat the username.
            SdkError::ServiceError(_) => {
                tracing::error!(operation, code, "Cognito call failed");
                internal_error()
            }
            _ => {
                tracing::error!(operation, error = %DisplayErrorContext(error), "Cognito unreachable");
                ApiError::unavailable()
            }
        },
    }
}
