//! Monthly account statements (DESIGN §3d): the StatementsQueue worker (a run fans
//! out over the accounts a page at a time; each account's statement is made once per
//! period, signed with KMS, stored as JSON and PDF in S3, recorded, and emailed to
//! the holder) and the PDF rendering.

pub mod config;
pub mod email;
pub mod fanout;
pub mod generate;
pub mod pdf;
pub mod worker;

pub use config::{ConfigError, WorkerConfig};
pub use worker::{Done, Job, JobError, Worker};
