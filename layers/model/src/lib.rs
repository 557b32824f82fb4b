//! The Security Hub finding (ASFF) model, the shapes findings arrive in, and SOAR's scratchpad: the one
//! JSON document every task reads and returns.
#![warn(missing_docs)]

#[macro_use]
mod string_enum;

pub mod arn;
pub mod controls;
pub mod event;
pub mod finding;
mod pointer;
pub mod validate;

pub use event::{Incoming, InputError, Origin};
pub use finding::{Finding, FindingError};
pub use validate::{ValidationError, validate, validate_at};
