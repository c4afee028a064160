//! Test harness for the integration and end-to-end tests.
//!
//! The emulators are started once by `make test` (`scripts/with-emulators.sh`), which
//! exports the SDK's standard endpoint variables. Each test builds its clients through
//! the same `shared::aws` code the Lambdas use and creates its own uniquely named
//! resources, so tests run in parallel and never see each other's data.

pub mod api;
pub mod canned;
pub mod chaos;
pub mod cognito;
pub mod events;
pub mod events_client;
pub mod faults;
pub mod fixture;
pub mod forge;
pub mod gateway;
pub mod gql;
pub mod local;
pub mod moto;
pub mod notify_fixture;
pub mod pipeline;
pub mod requests;
pub mod stack;
pub mod statements;
pub mod streams;
pub mod tables;
pub mod writes;

pub use stack::{TestStack, unique_name};
