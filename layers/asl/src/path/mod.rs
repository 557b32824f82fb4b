//! JSONPath and Reference Paths, parsed once and evaluated on [`Value`]s.
//!
//! Step Functions uses Jayway JsonPath semantics: a *definite* path (only field names and single indexes)
//! selects one value; an indefinite path (wildcards, slices, filters, unions, `..`) selects a list. Paths
//! start at `$` (the state's input or effective payload), `$$` (the context object) or `$name` (a variable).

use crate::Value;
use crate::value::Str;

/// What a path starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Root {
    /// `$`: the current input.
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: the variable `name` (JSONPath-mode variable reference).
    Variable(Str),
}

/// Where paths find their roots while a state runs.
pub trait Scope {
    /// The value of `root`, or `None` when it does not exist (an unassigned variable).
    fn root(&self, root: &Root) -> Option<Value>;
}

/// A parsed path.
#[derive(Clone, Debug)]
pub struct Path {
    text: Str,
    root: Root,
}

/// A path that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSONPath '{path}': {reason}")]
pub struct PathError {
    /// The text that was given.
    pub path: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Path {
    /// Parses `text` (e.g. `$.a.b[0]`, `$$.Execution.Id`, `$items[?(@.x > 1)]`).
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let _ = text;
        todo!("path parser")
    }

    /// The path as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What the path starts from.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// Whether the path selects at most one value.
    pub fn is_definite(&self) -> bool {
        todo!()
    }

    /// Whether this is a Reference Path: only field names and single array indexes (what `ResultPath`,
    /// `Variable` and `*Path` comparisons accept).
    pub fn is_reference_path(&self) -> bool {
        todo!()
    }

    /// Jayway's normalized form, e.g. `$['a']['b'][0]`, used in AWS's error causes.
    pub fn normalized(&self) -> String {
        todo!()
    }

    /// Evaluates against `root_value` (the value of [`Path::root`]). A definite path yields the value or
    /// `None` when it is missing; an indefinite path always yields an array of the matches.
    pub fn select(&self, root_value: &Value) -> Option<Value> {
        let _ = root_value;
        todo!()
    }

    /// Evaluates in a scope: finds the root, then [`Path::select`].
    pub fn resolve(&self, scope: &dyn Scope) -> Option<Value> {
        scope.root(&self.root).and_then(|v| self.select(&v))
    }

    /// `ResultPath` semantics: returns `target` with `value` written at this (reference) path, creating
    /// intermediate objects. `$` replaces the whole target. Fails when a step on the way is not an object
    /// (or the index is out of range for an array).
    pub fn assign(&self, target: Value, value: Value) -> Result<Value, PathError> {
        let _ = (target, value);
        todo!()
    }
}
