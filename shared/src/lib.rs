//! Shared code of the banking Lambdas: the pure domain core (money, identifiers,
//! transaction types, ledger rules) and the AWS adapters the functions use.
//!
//! The domain is synchronous and free of I/O; each AWS adapter sits behind a cargo
//! feature so that a function links only the SDK clients it needs.

pub mod domain;
pub mod events;
pub mod notification;
pub mod trace;

#[cfg(feature = "aws")]
pub mod aws;

#[cfg(feature = "http")]
pub mod http;

#[cfg(feature = "auth")]
pub mod auth;

#[cfg(feature = "telemetry")]
pub mod telemetry;

pub mod clock;

#[cfg(feature = "sesv2")]
pub mod email;

#[cfg(feature = "cognito")]
pub mod contacts;
pub mod metrics;

#[cfg(feature = "cache")]
pub mod cache;

#[cfg(feature = "paging")]
pub mod paging;

#[cfg(feature = "store")]
pub mod store;

#[cfg(feature = "store")]
pub mod views;

#[cfg(feature = "app")]
pub mod app;

#[cfg(feature = "settle")]
pub mod settle;

pub mod statement;

#[cfg(all(feature = "auth", feature = "app"))]
pub mod context;
