//! The security test matrix, over real HTTP against the local runtime (API Gateway with
//! the Cognito User Pool authorizer emulation) started in-process from `template.yml`:
//! the authorizer against every bad credential ([`authorizer`]), ownership and roles
//! ([`ownership`]), holds and reversals ([`holds`]), body size and injection
//! ([`limits`]). No response may be a 5xx. One test binary: each links the whole stack.

mod authorizer;
mod holds;
mod limits;
mod ownership;
