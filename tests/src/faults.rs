//! A test-only fault injector, plugged into every SDK client of the local runtime's
//! functions and event sources through the SDK's own interceptor mechanism
//! ([`shared::aws::SdkConfig::with_interceptor`]).
//!
//! For a chosen fraction of the calls matching a [`Rule`] (service, operations, the
//! tables a DynamoDB request names), an attempt:
//! - [`Kind::Fail`]: fails before it is sent (nothing reaches the emulator);
//! - [`Kind::Lose`]: is applied by the emulator, then its response is lost;
//! - [`Kind::Throttle`]: DynamoDB throttles it: the request is replaced by a harmless
//!   `ListTables` and its answer by a 400 `ProvisionedThroughputExceededException`, so
//!   the SDK's retry classifier sees throttling and nothing was applied;
//! - [`Kind::Conflict`]: DynamoDB cancels a `TransactWriteItems` for contention: the
//!   request is replaced like a throttled one and answered with a 400
//!   `TransactionCanceledException` whose reason is `TransactionConflict` (nothing
//!   applied; the SDK does not retry it, the caller must);
//! - [`Kind::Crash`]: the calling function dies (a panic) before or after the emulator
//!   applied the call, every `every`-th matching call, at most `max` times.
//!
//! Counts of injected faults per kind are kept so a test can prove they fired.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeDeserializationInterceptorContextRef,
    BeforeTransmitInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

use crate::chaos::rng::Rng;

/// What happens to a faulted attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An error before the request is sent.
    Fail,
    /// An error after the emulator applied the request: the response is lost.
    Lose,
    /// A DynamoDB throttling answer; the request is not applied.
    Throttle,
    /// A `TransactionCanceledException` for a transaction conflict; not applied.
    Conflict,
    /// A panic before the request is sent.
    CrashBefore,
    /// A panic after the emulator applied the request.
    CrashAfter,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Self; 6] = [
        Self::Fail,
        Self::Lose,
        Self::Throttle,
        Self::Conflict,
        Self::CrashBefore,
        Self::CrashAfter,
    ];

    /// A short name for reports.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Fail => "fail-before-send",
            Self::Lose => "response-lost",
            Self::Throttle => "throttled",
            Self::Conflict => "transaction-conflict",
            Self::CrashBefore => "crash-before-send",
            Self::CrashAfter => "crash-after-apply",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// Which DynamoDB tables a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tables {
    /// Any request (other services, or any table).
    Any,
    /// DynamoDB requests naming one of these tables (as `TableName`, or as a key of
    /// `RequestItems`).
    Named(Vec<String>),
}

/// A fault to inject into matching calls.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The SDK's service name (`DynamoDB`, `SQS`, `SESv2`, `SNS`, ...).
    pub service: &'static str,
    /// Operation names; empty: every operation.
    pub operations: Vec<&'static str>,
    pub tables: Tables,
    pub kind: Kind,
    /// Fraction of matching attempts faulted, per ten thousand (random kinds).
    pub per_10k: u64,
    /// For crashes: every `every`-th matching call (0: use `per_10k`).
    pub every: u64,
    /// At most this many faults from this rule (0: no limit).
    pub max: u64,
    /// Only requests whose body contains this text.
    pub body_contains: Option<&'static str>,
}

impl Rule {
    /// A random fault on `per_10k` of the matching attempts.
    pub fn random(
        service: &'static str,
        operations: &[&'static str],
        kind: Kind,
        per_10k: u64,
    ) -> Self {
        Self {
            service,
            operations: operations.to_vec(),
            tables: Tables::Any,
            kind,
            per_10k,
            every: 0,
            max: 0,
            body_contains: None,
        }
    }

    /// A fault (any kind, crashes included) on every `every`-th matching call, at most
    /// `max` times: for calls too few for a random fraction to hit reliably.
    pub fn periodic(
        service: &'static str,
        operations: &[&'static str],
        kind: Kind,
        every: u64,
        max: u64,
    ) -> Self {
        Self {
            every,
            max,
            ..Self::random(service, operations, kind, 0)
        }
    }

    /// Only DynamoDB requests naming one of `tables`.
    #[must_use]
    pub fn on_tables(mut self, tables: &[String]) -> Self {
        self.tables = Tables::Named(tables.to_vec());
        self
    }

    /// Only requests whose body contains `text` (e.g. one kind of `UpdateItem`).
    #[must_use]
    pub const fn with_body(mut self, text: &'static str) -> Self {
        self.body_contains = Some(text);
        self
    }

    fn matches(&self, metadata: &Metadata, body: Option<&[u8]>) -> bool {
        if !metadata.service().eq_ignore_ascii_case(self.service) {
            return false;
        }
        if let Some(text) = self.body_contains {
            let body = body.map(String::from_utf8_lossy).unwrap_or_default();
            if !body.contains(text) {
                return false;
            }
        }
        if !self.operations.is_empty() && !self.operations.contains(&metadata.name()) {
            return false;
        }
        match &self.tables {
            Tables::Any => true,
            Tables::Named(names) => {
                let text = body.map(String::from_utf8_lossy).unwrap_or_default();
                names
                    .iter()
                    .any(|name| text.contains(&format!("\"{name}\"")))
            }
        }
    }
}

/// The decision for the current attempt, kept in the attempt's config bag.
#[derive(Debug, Clone, Copy)]
struct Decision(Option<Kind>);

impl Storable for Decision {
    type Storer = StoreReplace<Self>;
}

#[derive(Debug)]
struct State {
    rules: Vec<Rule>,
    /// Matching calls seen and faults fired, per rule.
    seen: Vec<u64>,
    fired: Vec<u64>,
    rng: Rng,
}

/// The injector; clones share state and counts.
#[derive(Debug, Clone)]
pub struct FaultInjector {
    enabled: Arc<AtomicBool>,
    state: Arc<Mutex<State>>,
    counts: Arc<[AtomicU64; Kind::ALL.len()]>,
}

/// What a throttled request sends instead of itself (`ListTables`).
const HARMLESS_BODY: &str = r#"{"Limit":1}"#;

const CONFLICT_BODY: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]","CancellationReasons":[{"Code":"TransactionConflict","Message":"Injected: transaction is ongoing for the item"}]}"#;
const THROTTLE_BODY: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"Injected by the chaos test: throughput exceeded"}"#;

impl FaultInjector {
    /// A disabled injector with no rules, its randomness seeded by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            enabled: Arc::new(AtomicBool::new(false)),
            state: Arc::new(Mutex::new(State {
                rules: Vec::new(),
                seen: Vec::new(),
                fired: Vec::new(),
                rng: Rng::new(seed ^ 0xFA17_FA17),
            })),
            counts: Arc::new(std::array::from_fn(|_| AtomicU64::new(0))),
        }
    }

    /// Replaces the rules.
    pub fn set_rules(&self, rules: Vec<Rule>) {
        let mut state = self.lock();
        state.seen = vec![0; rules.len()];
        state.fired = vec![0; rules.len()];
        state.rules = rules;
    }

    /// Starts or stops injecting.
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::SeqCst);
    }

    /// Faults injected so far, per kind.
    pub fn counts(&self) -> Vec<(Kind, u64)> {
        Kind::ALL
            .iter()
            .map(|k| (*k, self.counts[k.index()].load(Ordering::SeqCst)))
            .collect()
    }

    /// Faults injected so far, per rule: (service, operations, kind, fired).
    pub fn per_rule(&self) -> Vec<String> {
        let state = self.lock();
        state
            .rules
            .iter()
            .zip(&state.fired)
            .zip(&state.seen)
            .map(|((rule, fired), seen)| {
                format!(
                    "{} {:?} {}: {fired} of {seen} calls",
                    rule.service,
                    rule.operations,
                    rule.kind.name()
                )
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Decides the fate of one attempt.
    fn decide(&self, metadata: &Metadata, body: Option<&[u8]>) -> Option<Kind> {
        if !self.enabled.load(Ordering::SeqCst) {
            return None;
        }
        let mut state = self.lock();
        let state = &mut *state;
        for (i, rule) in state.rules.iter().enumerate() {
            if !rule.matches(metadata, body) {
                continue;
            }
            state.seen[i] += 1;
            if rule.max > 0 && state.fired[i] >= rule.max {
                continue;
            }
            let fire = if rule.every > 0 {
                state.seen[i].is_multiple_of(rule.every)
            } else {
                state.rng.below(10_000) < rule.per_10k
            };
            if fire {
                state.fired[i] += 1;
                self.counts[rule.kind.index()].fetch_add(1, Ordering::SeqCst);
                return Some(rule.kind);
            }
        }
        None
    }
}

fn decision(cfg: &ConfigBag) -> Option<Kind> {
    cfg.load::<Decision>().and_then(|d| d.0)
}

fn injected(kind: Kind, metadata: Option<&Metadata>) -> BoxError {
    let operation = metadata.map_or("?", Metadata::name);
    format!("chaos: injected {} on {operation}", kind.name()).into()
}

impl Intercept for FaultInjector {
    fn name(&self) -> &'static str {
        "ChaosFaultInjector"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let metadata = cfg.load::<Metadata>().cloned();
        let kind = metadata
            .as_ref()
            .and_then(|m| self.decide(m, context.request().body().bytes()));
        cfg.interceptor_state().store_put(Decision(kind));
        if matches!(kind, Some(Kind::Throttle | Kind::Conflict)) {
            // Throttled or cancelled requests are not applied: send a harmless read.
            let request = context.request_mut();
            let _ = request
                .headers_mut()
                .insert("x-amz-target", "DynamoDB_20120810.ListTables");
            let _ = request
                .headers_mut()
                .insert("content-length", HARMLESS_BODY.len().to_string());
            *request.body_mut() = SdkBody::from(HARMLESS_BODY);
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match decision(cfg) {
            Some(Kind::Fail) => Err(injected(Kind::Fail, cfg.load::<Metadata>())),
            Some(Kind::CrashBefore) => {
                panic!("{}", injected(Kind::CrashBefore, cfg.load::<Metadata>()))
            }
            _ => Ok(()),
        }
    }

    fn read_after_transmit(
        &self,
        _: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match decision(cfg) {
            Some(Kind::Lose) => Err(injected(Kind::Lose, cfg.load::<Metadata>())),
            Some(Kind::CrashAfter) => {
                panic!("{}", injected(Kind::CrashAfter, cfg.load::<Metadata>()))
            }
            _ => Ok(()),
        }
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = match decision(cfg) {
            Some(Kind::Throttle) => Some(THROTTLE_BODY),
            Some(Kind::Conflict) => Some(CONFLICT_BODY),
            _ => None,
        };
        if let Some(body) = body {
            let status =
                StatusCode::try_from(400_u16).map_err(|e| BoxError::from(e.to_string()))?;
            let mut response = HttpResponse::new(status, SdkBody::from(body));
            let _ = response
                .headers_mut()
                .insert("content-type", "application/x-amz-json-1.0");
            *context.response_mut() = response;
        }
        Ok(())
    }
}

/// Prints injected crashes as one line instead of a panic report with a backtrace
/// (other panics are reported as usual). The hook is process-wide: call it from a
/// test that runs in its own process (nextest does that).
pub fn quiet_injected_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("chaos: injected") {
            eprintln!("{message}");
        } else {
            previous(info);
        }
    }));
}
