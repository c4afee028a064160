//! A request's X-Ray trace id, carried across the asynchronous hops (the transaction
//! item, the stream consumer, the NotificationsQueue, notify) so that one transaction
//! can be followed from its POST to its email in the logs (`trace_id`).
//!
//! API Gateway (tracing enabled) and Lambda (`Tracing: Active`) give each request a
//! trace header, `Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>`: the
//! invocation context's `xray_trace_id`, and the request's `X-Amzn-Trace-Id`. Only its
//! root is kept, and only when it has exactly X-Ray's shape: anything else a client
//! sends is dropped, never stored or logged.

use serde::{Deserialize, Serialize};

use crate::domain::chain::is_lower_hex;

/// The request header API Gateway passes the trace header in.
pub const HEADER: &str = "X-Amzn-Trace-Id";

/// The SQS message system attribute carrying a trace header across a queue.
pub const SQS_ATTRIBUTE: &str = "AWSTraceHeader";

/// Longest header read: X-Ray's is under 100 bytes; a longer one is not looked at.
const MAX_HEADER: usize = 256;

/// An X-Ray trace root, `1-<8 lowercase hex: epoch seconds>-<24 lowercase hex>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TraceId(String);

impl TraceId {
    /// The root itself, when `text` has exactly its shape.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix("1-")?;
        let (time, random) = rest.split_once('-')?;
        (is_lower_hex(time, 8) && is_lower_hex(random, 24)).then(|| Self(text.to_owned()))
    }

    /// The `Root=` field of a trace header (`Root=…;Parent=…;Sampled=…`, fields in any
    /// order); `None` without exactly one well-formed root.
    pub fn from_header(header: &str) -> Option<Self> {
        if header.len() > MAX_HEADER {
            return None;
        }
        let mut roots = header
            .split(';')
            .filter_map(|field| field.trim_matches(' ').strip_prefix("Root="));
        let root = roots.next()?;
        if roots.next().is_some() {
            return None;
        }
        Self::parse(root)
    }

    /// The invocation context's trace header first (what Lambda was given), else the
    /// request's `X-Amzn-Trace-Id`.
    pub fn from_lambda_or_header(
        context_trace: Option<&str>,
        header: Option<&str>,
    ) -> Option<Self> {
        context_trace
            .and_then(Self::from_header)
            .or_else(|| header.and_then(Self::from_header))
    }

    /// A new root at `epoch_seconds` with `random`'s low 96 bits.
    pub fn from_parts(epoch_seconds: u32, random: u128) -> Self {
        let low = random & ((1u128 << 96) - 1);
        Self(format!("1-{epoch_seconds:08x}-{low:024x}"))
    }

    /// A new random root for now (what API Gateway makes for a request without one).
    pub fn new_random() -> Self {
        let seconds = u32::try_from(chrono::Utc::now().timestamp().max(0)).unwrap_or(u32::MAX);
        Self::from_parts(seconds, uuid::Uuid::new_v4().as_u128())
    }

    /// What is sent onward (an SQS message's `AWSTraceHeader`): `Root=<id>`.
    pub fn header(&self) -> String {
        format!("Root={}", self.0)
    }

    /// A full trace header under this root with a new random parent segment id,
    /// sampled (what API Gateway passes to the function it invokes).
    pub fn header_with_new_parent(&self) -> String {
        let parent = uuid::Uuid::new_v4().as_u128() as u64;
        format!("Root={};Parent={parent:016x};Sampled=1", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TraceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TraceId {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text).ok_or_else(|| "not an X-Ray trace root".to_owned())
    }
}

impl From<TraceId> for String {
    fn from(id: TraceId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "1-5759e988-bd862e3fe1be46a994272793";

    #[test]
    fn the_root_is_read_from_a_header_in_any_field_order() {
        let full = format!("Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1");
        assert_eq!(
            TraceId::from_header(&full).map(String::from),
            Some(ROOT.to_owned())
        );
        let reordered = format!("Sampled=0; Parent=53995c3f42cd8ad8; Root={ROOT}");
        assert_eq!(
            TraceId::from_header(&reordered)
                .as_ref()
                .map(TraceId::as_str),
            Some(ROOT)
        );
        assert_eq!(
            TraceId::from_header(&format!("Root={ROOT}")).map(|t| t.header()),
            Some(format!("Root={ROOT}"))
        );
    }

    #[test]
    fn anything_but_a_well_formed_root_is_dropped() {
        for bad in [
            "",
            "Root=",
            ROOT,
            "root=1-5759e988-bd862e3fe1be46a994272793",
            "Root=1-5759E988-bd862e3fe1be46a994272793",
            "Root=2-5759e988-bd862e3fe1be46a994272793",
            "Root=1-5759e98-bd862e3fe1be46a994272793",
            "Root=1-5759e988-bd862e3fe1be46a99427279",
            "Root=1-5759e988-bd862e3fe1be46a9942727933",
            "Root=1-5759e988-bd862e3fe1be46a99427279g",
            "Root=1-5759e988-bd862e3fe1be46a994272793 x",
            "Root=<script>alert(1)</script>",
            "Root=alice@example.com",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Root=1-5759e988-bd862e3fe1be46a994272794",
        ] {
            assert_eq!(TraceId::from_header(bad), None, "{bad}");
        }
        let long = format!("Root={ROOT};{}", "x".repeat(MAX_HEADER));
        assert_eq!(TraceId::from_header(&long), None);
    }

    #[test]
    fn the_lambda_context_comes_before_the_request_header() {
        let context = format!("Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1");
        let header = "Root=1-00000001-000000000000000000000001";
        let both = TraceId::from_lambda_or_header(Some(&context), Some(header));
        assert_eq!(both.as_ref().map(TraceId::as_str), Some(ROOT));
        let header_only = TraceId::from_lambda_or_header(Some("garbage"), Some(header));
        assert_eq!(
            header_only.as_ref().map(TraceId::as_str),
            Some("1-00000001-000000000000000000000001")
        );
        assert_eq!(TraceId::from_lambda_or_header(None, Some("nope")), None);
        assert_eq!(TraceId::from_lambda_or_header(None, None), None);
    }

    #[test]
    fn new_roots_are_well_formed_and_sent_onward_as_root_only() {
        let made = TraceId::from_parts(0x5759_e988, u128::MAX);
        assert_eq!(made.as_str(), "1-5759e988-ffffffffffffffffffffffff");
        let random = TraceId::new_random();
        assert_eq!(TraceId::parse(random.as_str()), Some(random.clone()));
        let full = random.header_with_new_parent();
        assert_eq!(TraceId::from_header(&full), Some(random.clone()));
        assert!(full.ends_with(";Sampled=1"), "{full}");
        assert_eq!(random.header(), format!("Root={random}"));
    }

    #[test]
    fn serde_accepts_only_a_root() {
        let id: Result<TraceId, _> = serde_json::from_str(&format!("\"{ROOT}\""));
        assert!(id.is_ok_and(|id| id.as_str() == ROOT));
        let bad: Result<TraceId, _> = serde_json::from_str("\"Root=x\"");
        assert!(bad.is_err());
        let text = serde_json::to_string(&TraceId::from_parts(1, 2)).unwrap_or_default();
        assert_eq!(text, "\"1-00000001-000000000000000000000002\"");
    }
}
