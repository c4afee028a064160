//! Dollars per million transactions from the measured requests per transaction and
//! AWS's public unit prices (us-east-1).

use serde_json::{Value, json};

use crate::stats::round3;

/// When the prices below were taken from the AWS pricing pages.
pub const PRICES_AS_OF: &str = "2025-11 (us-east-1, on-demand, no free tier)";

/// Unit prices, in USD.
#[derive(Debug, Clone, Copy)]
pub struct Prices {
    pub api_gateway_rest_per_million: f64,
    pub lambda_arm_per_gb_second: f64,
    pub lambda_per_million_requests: f64,
    pub dynamodb_per_million_wru: f64,
    pub dynamodb_per_million_rru: f64,
    pub sqs_per_million_requests: f64,
    pub ses_per_thousand_emails: f64,
    pub sns_sms_us_per_message: f64,
}

/// The prices used.
pub const PRICES: Prices = Prices {
    api_gateway_rest_per_million: 3.50,
    lambda_arm_per_gb_second: 0.000_013_333_4,
    lambda_per_million_requests: 0.20,
    dynamodb_per_million_wru: 0.625,
    dynamodb_per_million_rru: 0.125,
    sqs_per_million_requests: 0.40,
    ses_per_thousand_emails: 0.10,
    sns_sms_us_per_message: 0.005_81,
};

/// One function's share of a transaction: invocations and billed milliseconds each.
#[derive(Debug, Clone, Copy)]
pub struct LambdaUse {
    pub invocations_per_transaction: f64,
    pub billed_ms_per_invocation: f64,
    pub memory_mb: f64,
}

/// Lambda dollars per transaction for `uses`.
pub fn lambda_per_transaction(prices: &Prices, uses: &[LambdaUse]) -> f64 {
    uses.iter()
        .map(|u| {
            let gb_seconds =
                u.memory_mb / 1024.0 * u.billed_ms_per_invocation.ceil().max(1.0) / 1000.0;
            u.invocations_per_transaction
                * (gb_seconds * prices.lambda_arm_per_gb_second
                    + prices.lambda_per_million_requests / 1e6)
        })
        .sum()
}

/// What a transaction uses, as measured.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub api_requests: f64,
    pub wru: f64,
    pub rru: f64,
    pub sqs_requests: f64,
}

/// Dollars per million transactions, by service.
pub fn per_million(prices: &Prices, usage: &Usage, lambda: &[LambdaUse]) -> Value {
    let million = 1e6;
    let api = usage.api_requests * prices.api_gateway_rest_per_million;
    let lambda = lambda_per_transaction(prices, lambda) * million;
    let dynamodb =
        usage.wru * prices.dynamodb_per_million_wru + usage.rru * prices.dynamodb_per_million_rru;
    let sqs = usage.sqs_requests * prices.sqs_per_million_requests;
    json!({
        "apiGateway": round3(api),
        "lambda": round3(lambda),
        "dynamodb": round3(dynamodb),
        "sqs": round3(sqs),
        "total": round3(api + lambda + dynamodb + sqs),
    })
}

/// Dollars per notification sent, by channel (SES email; SNS SMS to the US, before
/// carrier fees).
pub fn per_notification(prices: &Prices) -> Value {
    json!({
        "email": prices.ses_per_thousand_emails / 1000.0,
        "smsUs": prices.sns_sms_us_per_message,
    })
}

/// The prices as JSON (for the report).
pub fn prices_json(prices: &Prices) -> Value {
    json!({
        "asOf": PRICES_AS_OF,
        "apiGatewayRestPerMillionRequests": prices.api_gateway_rest_per_million,
        "lambdaArm64PerGbSecond": prices.lambda_arm_per_gb_second,
        "lambdaPerMillionRequests": prices.lambda_per_million_requests,
        "dynamodbOnDemandPerMillionWru": prices.dynamodb_per_million_wru,
        "dynamodbOnDemandPerMillionRru": prices.dynamodb_per_million_rru,
        "sqsStandardPerMillionRequests": prices.sqs_per_million_requests,
        "sesPerThousandEmails": prices.ses_per_thousand_emails,
        "snsSmsUsPerMessage": prices.sns_sms_us_per_message,
        "cognito": "per monthly active user; API requests (AdminGetUser, ListUsers) are not billed per request, only rate-limited",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_128_mb_10_ms_invocation() {
        let cost = lambda_per_transaction(
            &PRICES,
            &[LambdaUse {
                invocations_per_transaction: 1.0,
                billed_ms_per_invocation: 9.2,
                memory_mb: 128.0,
            }],
        );
        // 0.125 GB × 0.010 s × price + 0.20/M
        let expected = 0.125 * 0.010 * 0.000_013_333_4 + 0.2e-6;
        assert!((cost - expected).abs() < 1e-15, "{cost} vs {expected}");
    }

    #[test]
    fn per_million_sums_services() {
        let usage = Usage {
            api_requests: 1.0,
            wru: 10.0,
            rru: 2.0,
            sqs_requests: 0.5,
        };
        let cost = per_million(&PRICES, &usage, &[]);
        assert_eq!(cost["apiGateway"], 3.5);
        assert_eq!(cost["dynamodb"], 6.5);
        assert_eq!(cost["sqs"], 0.2);
        assert_eq!(cost["total"], 10.2);
    }
}
