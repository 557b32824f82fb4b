//! The Security Hub finding (ASFF) model, the shapes findings arrive in, and SOAR's scratchpad: the one
//! JSON document every task reads and returns.
//!
//! The usual flow: [`event::parse`] turns whatever a user or EventBridge hands over into [`Incoming`]
//! findings (raw JSON plus where each came from), [`validate::validate_at`] rejects the ones missing
//! required ASFF fields with every problem named, [`Finding::from_value`] gives the typed view with
//! SOAR's helpers ([`Finding::control_id`], [`Finding::resource_owner_account`], ...), and
//! [`Scratchpad::new`] starts the document a state machine execution carries.
//!
//! ```
//! use soar_model::{event, validate, Finding, Scratchpad};
//!
//! let input = r#"{"Findings": [{
//!     "SchemaVersion": "2018-10-08",
//!     "Id": "arn:aws:securityhub:eu-west-1:111122223333:security-control/S3.8/finding/1",
//!     "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
//!     "GeneratorId": "security-control/S3.8",
//!     "AwsAccountId": "111122223333",
//!     "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
//!     "CreatedAt": "2026-03-02T09:14:51.392Z",
//!     "UpdatedAt": "2026-03-09T09:14:58.704Z",
//!     "Severity": {"Label": "HIGH", "Normalized": 70},
//!     "Title": "S3 general purpose buckets should block public access",
//!     "Description": "This control checks whether an S3 bucket blocks public access.",
//!     "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::example-bucket"}],
//!     "Compliance": {"Status": "FAILED", "SecurityControlId": "S3.8"}
//! }]}"#;
//!
//! for incoming in event::parse(input)? {
//!     incoming.validate()?;
//!     let finding = Finding::from_value(incoming.finding.clone())?;
//!     assert_eq!(finding.control_id().as_deref(), Some("S3.8"));
//!     assert_eq!(finding.resource_owner_account(), "111122223333");
//!     let pad = Scratchpad::new(incoming.finding);
//!     assert!(!pad.actions.suppress_finding);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

#[macro_use]
mod string_enum;

pub mod arn;
pub mod controls;
pub mod event;
pub mod finding;
mod pointer;
pub mod scratchpad;
pub mod validate;

pub use event::{Incoming, InputError, Origin};
pub use finding::{Finding, FindingError};
pub use scratchpad::{Scratchpad, ScratchpadError};
pub use validate::{ValidationError, validate, validate_at};
