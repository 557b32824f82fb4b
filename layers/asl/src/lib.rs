//! A faithful, fast interpreter for the Amazon States Language (AWS Step Functions).
#![warn(missing_docs)]

pub mod choice;
pub mod definition;
pub mod diagnostic;
pub mod error;
pub mod exec;
pub mod history;
pub mod intrinsics;
pub mod jsonata;
pub mod objects;
pub mod path;
pub mod payload;
pub mod resolver;
#[cfg(test)]
mod testing;
pub mod validate;
pub use soar_json as value;

pub use definition::{DefinitionError, Format, StateMachine};
pub use diagnostic::{Diagnostic, Severity};
pub use error::StatesError;
pub use exec::{Engine, Execution, ExecutionOptions, Status};
pub use soar_json::{Value, json};
