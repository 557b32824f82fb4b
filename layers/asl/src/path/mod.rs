//! JSONPath and Reference Paths, parsed once and evaluated on [`Value`]s.
//!
//! Step Functions uses Jayway JsonPath semantics: a *definite* path (only field names and single indexes)
//! selects one value; an indefinite path (wildcards, slices, filters, unions, `..`) selects a list. Paths
//! start at `$` (the state's input or effective payload), `$$` (the context object) or `$name` (a variable).
//!
//! The grammar and the evaluation rules follow Jayway's `PathCompiler`, `FilterCompiler` and path tokens
//! (json-path/JsonPath on GitHub); where AWS's recorded behaviour differs from plain Jayway, AWS wins and
//! the code says so.

mod eval;
mod filter;
mod function;
mod parse;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::Value;
use crate::error::StatesError;
use crate::value::Str;

pub(crate) use filter::Filter;
pub(crate) use function::Call;

/// The error name AWS raises when a `ResultPath` cannot be applied to the state's input.
///
/// The Amazon States Language specification names this `States.ResultPathMatchFailure`, but AWS reports
/// `{"error": "States.ReferencePathConflict", "cause": "Unable to apply ReferencePath $.someTaskResult to
/// input \"input1\""}` (Qiita, "Step Functions で States.ReferencePathConflict が起きたときの対処") and
/// `"States.ReferencePathConflict"` / `"Unable to apply step \"catalogBuilderOutput\" to input ..."`
/// (cdklabs/construct-hub pull request #459).
pub const REFERENCE_PATH_CONFLICT: &str = "States.ReferencePathConflict";

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

    /// The value at field names `names` of the context object (`["Map", "Item", "Value"]`), without
    /// building the whole object: `Some(None)` when there is none, `None` when this scope cannot tell.
    fn context_fields(&self, _names: &[Str]) -> Option<Option<Value>> {
        None
    }
}

/// A parsed path.
#[derive(Clone, Debug)]
pub struct Path {
    text: Str,
    root: Root,
    compiled: Arc<Compiled>,
    /// For `$$.a.b[0]...` made only of names and indexes: the leading names and the steps after them,
    /// so the context object need not be built whole (a Map's ItemSelector reads `$$.Map.Item` per item).
    context_fields: Option<Arc<(Box<[Str]>, Compiled)>>,
}

/// Paths are equal when they start from the same root and take the same steps, however they are spelled
/// (`$.a` equals `$['a']`).
impl PartialEq for Path {
    fn eq(&self, other: &Path) -> bool {
        self.root == other.root && self.compiled.steps == other.compiled.steps
    }
}

impl Eq for Path {}

/// A path that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSONPath '{path}': {reason}")]
pub struct PathError {
    /// The text that was given.
    pub path: String,
    /// What is wrong with it.
    pub reason: String,
}

impl PathError {
    /// The runtime error AWS raises when [`Path::assign`] fails: `States.ReferencePathConflict` with this
    /// error's reason as the cause (see [`REFERENCE_PATH_CONFLICT`]).
    pub fn to_result_path_error(&self) -> StatesError {
        StatesError::new(REFERENCE_PATH_CONFLICT, self.reason.clone())
    }
}

/// The steps of a path after its root, with the facts evaluation needs, computed once.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Compiled {
    steps: Box<[Step]>,
    /// Jayway's `isDefinite()`: every token selects at most one value.
    definite: bool,
    /// Only single field names and single indexes: evaluated by a plain walk.
    reference: bool,
    /// `$..x.fn()`: Jayway turns it into `fn($..x)` (`CompiledPath.invertScannerFunctionRelationship`).
    inverted: bool,
}

impl Compiled {
    fn new(steps: Vec<Step>) -> Compiled {
        let last = steps.len().saturating_sub(1);
        let definite = steps.iter().enumerate().all(|(i, s)| match s {
            Step::Field { .. } | Step::Index(_) | Step::Function(_) => true,
            // "in case of leaf multiprops will be merged, so it's kinda definite" (PropertyPathToken)
            Step::Fields { .. } => i == last,
            _ => false,
        });
        let reference = steps
            .iter()
            .all(|s| matches!(s, Step::Field { .. } | Step::Index(_)));
        let inverted = steps.len() > 1
            && matches!(steps.first(), Some(Step::Scan))
            && matches!(steps.last(), Some(Step::Function(_)));
        Compiled {
            steps: steps.into_boxed_slice(),
            definite: definite || inverted,
            reference,
            inverted,
        }
    }
}

/// A path inside a filter or a function argument: it starts at `@` (the current item) or `$` (the root).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SubPath {
    current: bool,
    compiled: Compiled,
}

/// One token of a path, as Jayway's `PathCompiler` splits it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Step {
    /// `.name`, `['name']` or `["name"]`; `quote` is the delimiter Jayway prints it with.
    Field { name: Str, quote: char },
    /// `['a','b']`: a union of names.
    Fields { names: Box<[Str]>, quote: char },
    /// `[n]`; a negative index counts from the end.
    Index(i32),
    /// `[a,b]`
    Indexes(Box<[i32]>),
    /// `[from:to]`, `[from:]`, `[:to]`
    Slice { from: Option<i32>, to: Option<i32> },
    /// `*`, `.*` or `[*]`
    Wildcard,
    /// `..`: the next step applies at every depth.
    Scan,
    /// `[?(...)]`
    Filter(Box<Filter>),
    /// `.length()` and the other functions; always the last step.
    Function(Box<Call>),
}

impl Path {
    /// Parses `text` (e.g. `$.a.b[0]`, `$$.Execution.Id`, `$items[?(@.x > 1)]`).
    pub fn parse(text: &str) -> Result<Path, PathError> {
        match parse::parse_path(text) {
            Ok((root, compiled)) => Ok(Path {
                text: text.into(),
                context_fields: context_fields(&root, &compiled),
                root,
                compiled: Arc::new(compiled),
            }),
            Err(e) => Err(PathError {
                path: text.to_string(),
                reason: format!(
                    "{} (at position {})",
                    e.msg,
                    text[..e.pos.min(text.len())].chars().count()
                ),
            }),
        }
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
        self.compiled.definite
    }

    /// Whether this is a Reference Path: only field names and single array indexes (what `ResultPath`,
    /// `Variable` and `*Path` comparisons accept).
    ///
    /// "A reference path is a path whose syntax is limited in such a way that it can identify only a single
    /// node in a JSON structure: You can access object fields using only dot (.) and square bracket ([ ])
    /// notation. Functions such as length() aren't supported. Lexical operators, which are non-symbolic,
    /// such as subsetof aren't supported. Filtering by regular expression or by referencing another value in
    /// the JSON structure isn't supported. The operators @, ,, :, and ? aren't supported."
    pub fn is_reference_path(&self) -> bool {
        self.compiled.reference
    }

    /// Jayway's normalized form, e.g. `$['a']['b'][0]`, used in AWS's error causes.
    ///
    /// Names keep the quote they were written with (`.a` prints as `['a']`, `["a"]` as `["a"]`), filters
    /// print as `[?]` and functions as `.length()`, as Jayway's `getPathFragment()` does. The root prints
    /// as written: `$`, `$$` or `$name`.
    pub fn normalized(&self) -> String {
        let mut out = match &self.root {
            Root::Input => String::from("$"),
            Root::Context => String::from("$$"),
            Root::Variable(name) => format!("${name}"),
        };
        for step in self.compiled.steps.iter() {
            step.write_fragment(&mut out);
        }
        out
    }

    /// Evaluates against `root_value` (the value of [`Path::root`]). A definite path yields the value or
    /// `None` when it is missing; an indefinite path always yields an array of the matches.
    ///
    /// "Missing" covers a missing field, a field asked of a non-object, an index out of range or asked of a
    /// non-array, and a function that fails (an aggregate of no numbers). An indefinite path whose
    /// evaluation fails that way yields an empty array, as AWS does for `$.items[1:]` on `{}`.
    pub fn select(&self, root_value: &Value) -> Option<Value> {
        eval::evaluate(&self.compiled, root_value, root_value)
    }

    /// Evaluates in a scope: finds the root, then [`Path::select`].
    pub fn resolve(&self, scope: &dyn Scope) -> Option<Value> {
        if let Some(fields) = &self.context_fields
            && let Some(found) = scope.context_fields(&fields.0)
        {
            return found.and_then(|v| eval::evaluate(&fields.1, &v, &v));
        }
        scope.root(&self.root).and_then(|v| self.select(&v))
    }

    /// `ResultPath` semantics: returns `target` with `value` written at this (reference) path, creating
    /// intermediate objects. `$` replaces the whole target. Fails when a step on the way is not an object
    /// (or the index is out of range for an array).
    ///
    /// The error's `reason` is AWS's whole cause; raise it with [`PathError::to_result_path_error`]:
    /// - `Unable to apply ReferencePath $.x to input "text"` when the input itself is not an object or an
    ///   array (the input printed as compact JSON);
    /// - `Unable to apply step "b" to input {...}` when the step `b` meets a value it cannot be applied to
    ///   (a field of a non-object, an index of a non-array or out of range); index steps print as `[0]`.
    ///
    /// Only the spine from the root to the written value is copied; every other subtree stays shared.
    pub fn assign(&self, target: Value, value: Value) -> Result<Value, PathError> {
        eval::assign(self, target, value)
    }
}

/// The leading field names of a `$$` reference path, and the steps after them.
fn context_fields(root: &Root, compiled: &Compiled) -> Option<Arc<(Box<[Str]>, Compiled)>> {
    if *root != Root::Context || !compiled.reference {
        return None;
    }
    let names: Box<[Str]> = compiled
        .steps
        .iter()
        .map_while(|s| match s {
            Step::Field { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect();
    if names.is_empty() {
        return None;
    }
    let rest = Compiled::new(compiled.steps[names.len()..].to_vec());
    Some(Arc::new((names, rest)))
}

impl Step {
    /// Jayway's `getPathFragment()`.
    fn write_fragment(&self, out: &mut String) {
        use std::fmt::Write;
        match self {
            Step::Field { name, quote } => {
                let _ = write!(out, "[{quote}{name}{quote}]");
            }
            Step::Fields { names, quote } => {
                out.push('[');
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{quote}{name}{quote}");
                }
                out.push(']');
            }
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Step::Indexes(list) => {
                out.push('[');
                for (n, i) in list.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{i}");
                }
                out.push(']');
            }
            Step::Slice { from, to } => {
                out.push('[');
                if let Some(f) = from {
                    let _ = write!(out, "{f}");
                }
                out.push(':');
                if let Some(t) = to {
                    let _ = write!(out, "{t}");
                }
                out.push(']');
            }
            Step::Wildcard => out.push_str("[*]"),
            Step::Scan => out.push_str(".."),
            Step::Filter(_) => out.push_str("[?]"),
            Step::Function(call) => call.write_fragment(out),
        }
    }
}
