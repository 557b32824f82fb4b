//! Intrinsic functions (`States.Format(...)`, `States.Array(...)`, ...), parsed once and evaluated on
//! [`Value`]s.

use crate::Value;
use crate::error::StatesError;
use crate::path::Scope;

/// A parsed intrinsic function call, e.g. `States.MathAdd($.i, 1)`.
#[derive(Clone, Debug)]
pub struct Intrinsic {
    text: String,
}

/// An intrinsic call that does not parse (unknown function, wrong arity, bad literal, bad path).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid intrinsic function call '{text}': {reason}")]
pub struct IntrinsicError {
    /// The text that was given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Intrinsic {
    /// Whether `text` looks like an intrinsic call rather than a path (starts with `States.`).
    pub fn looks_like_call(text: &str) -> bool {
        text.trim_start().starts_with("States.")
    }

    /// Parses a call.
    pub fn parse(text: &str) -> Result<Intrinsic, IntrinsicError> {
        let _ = text;
        todo!("intrinsic parser")
    }

    /// The call as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Evaluates the call; path arguments are resolved in `scope`.
    pub fn eval(&self, scope: &dyn Scope) -> Result<Value, StatesError> {
        let _ = scope;
        todo!()
    }
}
