//! A faithful, fast interpreter for the Amazon States Language (AWS Step Functions).
#![warn(missing_docs)]

pub mod choice;
pub mod diagnostic;
pub mod error;
pub mod intrinsics;
pub mod jsonata;
pub mod path;
pub mod payload;
pub mod validate;
pub mod value;

pub use diagnostic::{Diagnostic, Severity};
pub use error::StatesError;
pub use value::Value;
