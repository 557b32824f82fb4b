//! The `soar` library behind the command: reading `template.yaml` and running SOAR's state machines
//! locally on the embedded defaults.
#![warn(missing_docs)]

pub mod runner;
pub mod template;
