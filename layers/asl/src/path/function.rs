//! Path functions (`.length()`, `.sum()`, ...): Jayway's `PathFunctionFactory` and its functions.

use super::eval::{self, Abort};
use super::{Step, SubPath};
use crate::Value;

/// The functions Jayway's `PathFunctionFactory` registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FnName {
    /// `length()` and `size()`: the number of items of an array or entries of an object.
    Length,
    Min,
    Max,
    Avg,
    Sum,
    StdDev,
    Keys,
    Concat,
    Append,
    First,
    Last,
    Index,
    Distinct,
}

impl FnName {
    pub(super) fn from_name(name: &str) -> Option<FnName> {
        Some(match name {
            "length" | "size" => FnName::Length,
            "min" => FnName::Min,
            "max" => FnName::Max,
            "avg" => FnName::Avg,
            "sum" => FnName::Sum,
            "stddev" => FnName::StdDev,
            "keys" => FnName::Keys,
            "concat" => FnName::Concat,
            "append" => FnName::Append,
            "first" => FnName::First,
            "last" => FnName::Last,
            "index" => FnName::Index,
            "distinct" => FnName::Distinct,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            FnName::Length => "length",
            FnName::Min => "min",
            FnName::Max => "max",
            FnName::Avg => "avg",
            FnName::Sum => "sum",
            FnName::StdDev => "stddev",
            FnName::Keys => "keys",
            FnName::Concat => "concat",
            FnName::Append => "append",
            FnName::First => "first",
            FnName::Last => "last",
            FnName::Index => "index",
            FnName::Distinct => "distinct",
        }
    }
}

/// A function argument: a JSON value, or a path evaluated against the document root.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Param {
    Path(SubPath),
    Json(Value),
}

/// A function call ending a path.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    f: FnName,
    params: Box<[Param]>,
    /// The arguments as written, for equality.
    args: Box<str>,
}

impl PartialEq for Call {
    fn eq(&self, other: &Call) -> bool {
        self.f == other.f && self.args == other.args
    }
}

impl Call {
    pub(super) fn new(f: FnName, params: Vec<Param>, args: Box<str>) -> Call {
        Call {
            f,
            params: params.into_boxed_slice(),
            args,
        }
    }

    /// Jayway's `FunctionPathToken.getPathFragment()`: `.name()` or `.name(...)`.
    pub(super) fn write_fragment(&self, out: &mut String) {
        out.push('.');
        out.push_str(self.f.name());
        out.push_str(if self.params.is_empty() {
            "()"
        } else {
            "(...)"
        });
    }

    /// Applies the function to `model`. `scanned` is set for `$..x.fn()`, which Jayway evaluates as
    /// `fn($..x)` on the root: the scanned path replaces the declared arguments.
    pub(super) fn apply(
        &self,
        model: &Value,
        root: &Value,
        scanned: Option<&[Step]>,
    ) -> Result<Value, Abort> {
        match self.f {
            FnName::Length => self.length(model, scanned),
            FnName::Min | FnName::Max | FnName::Avg | FnName::Sum | FnName::StdDev => {
                let mut agg = Aggregate::default();
                if let Some(items) = model.as_array() {
                    items
                        .iter()
                        .filter_map(Value::as_f64)
                        .for_each(|n| agg.add(n));
                }
                for p in self.values(root, scanned)? {
                    match &p {
                        Value::Array(items) => items
                            .iter()
                            .filter_map(Value::as_f64)
                            .for_each(|n| agg.add(n)),
                        other => other.as_f64().into_iter().for_each(|n| agg.add(n)),
                    }
                }
                // "Aggregation function attempted to calculate value using empty array"
                if agg.count == 0 {
                    return Err(Abort);
                }
                let n = agg.count as f64;
                Ok(Value::float(match self.f {
                    FnName::Min => agg.min,
                    FnName::Max => agg.max,
                    FnName::Sum => agg.sum,
                    FnName::Avg => agg.sum / n,
                    _ => (agg.sum_sq / n - agg.sum * agg.sum / n / n).sqrt(),
                }))
            }
            FnName::Keys => Ok(match model.as_object() {
                Some(map) => map.keys().map(|k| Value::String(k.clone())).collect(),
                None => Value::Null,
            }),
            FnName::Concat => {
                let mut out = String::new();
                if let Some(items) = model.as_array() {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .for_each(|s| out.push_str(s));
                }
                for p in self.values(root, scanned)? {
                    match &p {
                        Value::Array(items) => {
                            for item in items.iter().filter(|v| !v.is_null()) {
                                match item.as_str() {
                                    Some(s) => out.push_str(s),
                                    None => out.push_str(&item.to_json_string()),
                                }
                            }
                        }
                        Value::String(s) => out.push_str(s),
                        _ => {}
                    }
                }
                Ok(Value::string(out))
            }
            FnName::Append => {
                let mut model = model.clone();
                let params = self.values(root, scanned)?;
                if let Some(items) = model.as_array_mut() {
                    items.extend(params);
                }
                Ok(model)
            }
            FnName::First | FnName::Last | FnName::Index => {
                let items = model.as_array().ok_or(Abort)?;
                let index = match self.f {
                    FnName::First => 0,
                    FnName::Last => -1,
                    _ => {
                        let params = self.values(root, scanned)?;
                        let first = params
                            .iter()
                            .flat_map(|p| match p {
                                Value::Array(items) => items.iter().cloned().collect::<Vec<_>>(),
                                other => vec![other.clone()],
                            })
                            .find_map(|v| v.as_f64())
                            .ok_or(Abort)?;
                        first as i64
                    }
                };
                let real = if index < 0 {
                    items.len() as i64 + index
                } else {
                    index
                };
                usize::try_from(real)
                    .ok()
                    .and_then(|i| items.get(i))
                    .cloned()
                    .ok_or(Abort)
            }
            FnName::Distinct => {
                let items = model.as_array().ok_or(Abort)?;
                let mut out: Vec<Value> = Vec::with_capacity(items.len());
                for item in items.iter() {
                    if !out.contains(item) {
                        out.push(item.clone());
                    }
                }
                Ok(Value::from_vec(out))
            }
        }
    }

    /// Jayway's `Length`: with a path argument, the number of children of what the path selects in
    /// `model` (Jayway appends `[*]` to the argument); otherwise the size of an array or an object, and
    /// `null` for anything else.
    fn length(&self, model: &Value, scanned: Option<&[Step]>) -> Result<Value, Abort> {
        let children = |steps: &[Step]| -> Result<Value, Abort> {
            let mut matches = Vec::new();
            eval::collect(steps, model, model, &mut matches)?;
            let n: usize = matches
                .iter()
                .map(|m| {
                    m.as_array()
                        .map(Vec::len)
                        .or_else(|| m.as_object().map(|o| o.len()))
                        .unwrap_or(0)
                })
                .sum();
            Ok(Value::int(n as i64))
        };
        if let Some(steps) = scanned {
            return children(steps);
        }
        match self.params.first() {
            Some(Param::Path(p)) if !matches!(p.compiled.steps.last(), Some(Step::Function(_))) => {
                return children(&p.compiled.steps);
            }
            Some(Param::Path(p)) => {
                if let Some(Value::Array(items)) = eval::evaluate(&p.compiled, model, model) {
                    return Ok(Value::int(items.len() as i64));
                }
            }
            Some(Param::Json(_)) => return Err(Abort),
            None => {}
        }
        Ok(match model {
            Value::Array(items) => Value::int(items.len() as i64),
            Value::Object(map) => Value::int(map.len() as i64),
            _ => Value::Null,
        })
    }

    /// The argument values: paths are evaluated against the document root (Jayway's
    /// `evaluateParameters`); a definite path that finds nothing fails the function.
    fn values(&self, root: &Value, scanned: Option<&[Step]>) -> Result<Vec<Value>, Abort> {
        if let Some(steps) = scanned {
            let mut matches = Vec::new();
            eval::collect(steps, root, root, &mut matches)?;
            return Ok(vec![Value::from_vec(matches)]);
        }
        self.params
            .iter()
            .map(|p| match p {
                Param::Json(v) => Ok(v.clone()),
                Param::Path(p) => eval::evaluate(&p.compiled, root, root).ok_or(Abort),
            })
            .collect()
    }
}

/// Jayway's numeric functions work on doubles.
struct Aggregate {
    count: usize,
    sum: f64,
    sum_sq: f64,
    min: f64,
    max: f64,
}

impl Default for Aggregate {
    fn default() -> Aggregate {
        Aggregate {
            count: 0,
            sum: 0.0,
            sum_sq: 0.0,
            min: f64::MAX,
            max: -f64::MAX,
        }
    }
}

impl Aggregate {
    fn add(&mut self, n: f64) {
        self.count += 1;
        self.sum += n;
        self.sum_sq += n * n;
        self.min = self.min.min(n);
        self.max = self.max.max(n);
    }
}
