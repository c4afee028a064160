//! A Jepsen-style bank test through the local runtime's HTTP API, with faults
//! injected into the functions' AWS calls (see [`crate::faults`]).

pub mod chain;
pub mod drain;
pub mod holds;
pub mod invariants;
mod notified;
pub mod observe;
pub mod order;
pub mod rng;
pub mod workload;
