//! SOAR's task functions: each is a plain async function from JSON to JSON (almost always the
//! scratchpad in and the scratchpad out), one file each, grouped by category, and all listed in ONE
//! [`Registry`]. The Lambda bootstrap dispatches on a function's `Handler` name to this registry, and
//! the local engine reaches the very same functions through it, so a local run and a deployed run
//! execute the same code.
//!
//! A task fails with a [`TaskError`] whose `error` is the name the state machines' `Retry` and `Catch`
//! list (`SOAR.InvalidFinding`, `DynamoDB.ThrottlingException`, ...): the names raised and the names
//! retried are the same strings, and a test proves it.
#![warn(missing_docs)]

pub mod ai;
pub mod aws;
pub mod core;
mod error;
pub mod lambda;
mod registry;
pub mod remediations;
pub mod securityhub;
mod services;
pub mod settings;
#[cfg(test)]
mod testing;
pub mod tickets;

pub use error::{TaskError, names};
pub use registry::{Registry, TaskFn, TaskFuture};
pub use services::Services;
pub use settings::Settings;
