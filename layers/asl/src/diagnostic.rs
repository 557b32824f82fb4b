//! Definition problems, in the shape of AWS's ValidateStateMachineDefinition diagnostics.

use std::fmt;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The definition is invalid: AWS would refuse to create it.
    Error,
    /// Valid, but probably not what the author meant (e.g. an unreachable state).
    Warning,
}

/// One problem found in a definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code such as `SCHEMA_VALIDATION_FAILED`, `MISSING_TRANSITION_TARGET`, `UNREACHABLE_STATE`.
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
    /// A JSON Pointer into the definition, e.g. `/States/Decide/Choices/2/Next`.
    pub location: String,
}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: location.into(),
        }
    }

    /// A warning at `location`.
    pub fn warning(
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            location: location.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{level}[{}] at {}: {}",
            self.code, self.location, self.message
        )
    }
}

/// Appends a JSON Pointer token to `base`, escaping `~` and `/` as RFC 6901 requires.
pub fn pointer(base: &str, token: impl fmt::Display) -> String {
    let token = token.to_string().replace('~', "~0").replace('/', "~1");
    format!("{base}/{token}")
}
