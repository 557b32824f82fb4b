//! Evaluation: selecting with a compiled path (Jayway's path tokens) and writing with a reference path
//! (`ResultPath`).

use std::borrow::Cow;

use super::{Compiled, Path, PathError, Step, SubPath};
use crate::Value;
use crate::value::Map;

/// Evaluation stopped where Jayway throws (a function with nothing to work on).
#[derive(Debug)]
pub(super) struct Abort;

/// Evaluates `c` from `start`; `root` is what `$` means inside filters and function arguments.
pub(super) fn evaluate(c: &Compiled, start: &Value, root: &Value) -> Option<Value> {
    if c.reference {
        return walk(&c.steps, start).cloned();
    }
    let mut out = Vec::new();
    let result = match (c.inverted, c.steps.split_last()) {
        (true, Some((Step::Function(call), scanned))) => {
            call.apply(start, root, Some(scanned)).map(|v| out.push(v))
        }
        _ => collect(&c.steps, start, root, &mut out),
    };
    if c.definite {
        result.ok()?;
        out.pop()
    } else {
        if result.is_err() {
            out.clear();
        }
        Some(Value::from_vec(out))
    }
}

/// Evaluates a filter operand; a reference path borrows from the document instead of cloning.
pub(super) fn select_sub<'v>(
    p: &SubPath,
    item: &'v Value,
    root: &'v Value,
) -> Option<Cow<'v, Value>> {
    let start = if p.current { item } else { root };
    if p.compiled.reference {
        return walk(&p.compiled.steps, start).map(Cow::Borrowed);
    }
    evaluate(&p.compiled, start, root).map(Cow::Owned)
}

/// A reference path: a walk that allocates nothing.
fn walk<'v>(steps: &[Step], mut node: &'v Value) -> Option<&'v Value> {
    for step in steps {
        node = match step {
            Step::Field { name, .. } => node.as_object()?.get(&**name)?,
            Step::Index(i) => {
                let items = node.as_array()?;
                items.get(index_of(items.len(), *i)?)?
            }
            _ => return None,
        };
    }
    Some(node)
}

/// Jayway's `handleArrayIndex`: a negative index counts from the end; out of range selects nothing.
fn index_of(len: usize, i: i32) -> Option<usize> {
    let k = if i < 0 {
        len as i64 + i64::from(i)
    } else {
        i64::from(i)
    };
    usize::try_from(k).ok().filter(|&k| k < len)
}

/// Pushes onto `out` every value `steps` select from `node`, in Jayway's order.
pub(super) fn collect(
    steps: &[Step],
    node: &Value,
    root: &Value,
    out: &mut Vec<Value>,
) -> Result<(), Abort> {
    let Some((step, rest)) = steps.split_first() else {
        out.push(node.clone());
        return Ok(());
    };
    match step {
        Step::Field { name, .. } => {
            if let Some(v) = node.get(name) {
                collect(rest, v, root, out)?;
            }
        }
        Step::Fields { names, .. } => {
            if let Some(map) = node.as_object() {
                if rest.is_empty() {
                    // The last step merges the names that exist into one object (PropertyPathToken's
                    // "multiPropertyMergeCase").
                    let merged: Map = names
                        .iter()
                        .filter_map(|n| map.get(&**n).map(|v| (n.clone(), v.clone())))
                        .collect();
                    out.push(Value::from_map(merged));
                } else {
                    for n in names.iter() {
                        if let Some(v) = map.get(&**n) {
                            collect(rest, v, root, out)?;
                        }
                    }
                }
            }
        }
        Step::Index(i) => {
            if let Some(items) = node.as_array()
                && let Some(k) = index_of(items.len(), *i)
            {
                collect(rest, &items[k], root, out)?;
            }
        }
        Step::Indexes(list) => {
            if let Some(items) = node.as_array() {
                for i in list.iter() {
                    if let Some(k) = index_of(items.len(), *i) {
                        collect(rest, &items[k], root, out)?;
                    }
                }
            }
        }
        Step::Slice { from, to } => {
            if let Some(items) = node.as_array() {
                for i in slice(items.len(), *from, *to) {
                    if let Some(k) = index_of(items.len(), i) {
                        collect(rest, &items[k], root, out)?;
                    }
                }
            }
        }
        Step::Wildcard => match node {
            Value::Object(map) => {
                for v in map.values() {
                    collect(rest, v, root, out)?;
                }
            }
            Value::Array(items) => {
                for v in items.iter() {
                    collect(rest, v, root, out)?;
                }
            }
            _ => {}
        },
        Step::Scan => {
            if !rest.is_empty() {
                scan(rest, node, root, out)?;
            }
        }
        Step::Filter(f) => match node {
            // A filter applied to an object tests the object itself (PredicatePathToken).
            Value::Object(_) if f.accepts(node, root) => collect(rest, node, root, out)?,
            Value::Array(items) => {
                for item in items.iter() {
                    if f.accepts(item, root) {
                        collect(rest, item, root, out)?;
                    }
                }
            }
            _ => {}
        },
        Step::Function(call) => {
            let v = call.apply(node, root, None)?;
            collect(rest, &v, root, out)?;
        }
    }
    Ok(())
}

/// The indexes Jayway's `ArraySliceToken` visits: `[from:]` and `[:to]` count negative bounds from the
/// end; `[from:to]` clamps only `to` to the length and visits each index as `[i]` would.
fn slice(len: usize, from: Option<i32>, to: Option<i32>) -> std::ops::Range<i32> {
    let len = i32::try_from(len).unwrap_or(i32::MAX);
    let empty = 0..0;
    match (from, to) {
        (Some(f), None) => {
            let f = if f < 0 { len.saturating_add(f) } else { f }.max(0);
            if len == 0 || f >= len { empty } else { f..len }
        }
        (Some(f), Some(t)) => {
            let t = t.min(len);
            if f >= t || len == 0 {
                empty
            } else {
                // Indexes below -len select nothing; skip them instead of counting through them.
                f.max(-len)..t
            }
        }
        (None, Some(t)) => {
            if len == 0 {
                return empty;
            }
            let t = if t < 0 { len.saturating_add(t) } else { t }.min(len);
            0..t.max(0)
        }
        (None, None) => empty,
    }
}

/// `..target rest`: Jayway's `ScanPathToken.walk`, depth first, each node before its children.
fn scan(steps: &[Step], node: &Value, root: &Value, out: &mut Vec<Value>) -> Result<(), Abort> {
    let (target, after) = steps.split_first().expect("scan has a target");
    match node {
        Value::Object(map) => {
            if scan_matches(target, after.is_empty(), node, root) {
                collect(steps, node, root, out)?;
            }
            for v in map.values() {
                scan(steps, v, root, out)?;
            }
        }
        Value::Array(items) => {
            if scan_matches(target, after.is_empty(), node, root) {
                if after.is_empty() {
                    collect(steps, node, root, out)?;
                } else {
                    // Jayway's `walkArray` hands each item to the step after the target.
                    for item in items.iter() {
                        collect(after, item, root, out)?;
                    }
                }
            }
            for item in items.iter() {
                scan(steps, item, root, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Jayway's scan predicates: which nodes the target step is tried on.
fn scan_matches(target: &Step, leaf: bool, node: &Value, root: &Value) -> bool {
    match target {
        Step::Field { name, .. } => node.as_object().is_some_and(|m| m.contains_key(&**name)),
        Step::Fields { names, .. } => node
            .as_object()
            .is_some_and(|m| !leaf || names.iter().all(|n| m.contains_key(&**n))),
        Step::Index(_) | Step::Indexes(_) | Step::Slice { .. } => node.as_array().is_some(),
        Step::Wildcard => true,
        Step::Filter(f) => f.accepts(node, root),
        Step::Scan | Step::Function(_) => false,
    }
}

/// `ResultPath`: see [`Path::assign`].
pub(super) fn assign(path: &Path, mut target: Value, value: Value) -> Result<Value, PathError> {
    let steps = &path.compiled.steps;
    if steps.is_empty() {
        return Ok(value);
    }
    if !path.compiled.reference {
        return Err(PathError {
            path: path.text().to_string(),
            reason: format!(
                "'{}' is not a reference path, so it cannot be written to",
                path.text()
            ),
        });
    }
    // Check first, so that a failure reports the untouched input and a success copies only the spine.
    if let Some(i) = conflict(steps, &target) {
        let input = target.to_json_string();
        let reason = if i == 0 && !matches!(target, Value::Object(_) | Value::Array(_)) {
            format!(
                "Unable to apply ReferencePath {} to input {input}",
                path.text()
            )
        } else {
            let step = match &steps[i] {
                Step::Field { name, .. } => name.to_string(),
                Step::Index(n) => format!("[{n}]"),
                _ => String::new(),
            };
            format!("Unable to apply step \"{step}\" to input {input}")
        };
        return Err(PathError {
            path: path.text().to_string(),
            reason,
        });
    }
    write(steps, &mut target, value);
    Ok(target)
}

/// The first step that cannot be applied: a field of something that is neither an object nor missing
/// (a missing field becomes `{}`), an index of a non-array or out of range.
fn conflict(steps: &[Step], target: &Value) -> Option<usize> {
    let mut cur = Some(target);
    for (i, step) in steps.iter().enumerate() {
        cur = match (step, cur) {
            (Step::Field { .. }, None) => None,
            (Step::Field { name, .. }, Some(Value::Object(map))) => map.get(&**name),
            (Step::Index(n), Some(Value::Array(items))) => match index_of(items.len(), *n) {
                Some(k) => Some(&items[k]),
                None => return Some(i),
            },
            _ => return Some(i),
        };
    }
    None
}

/// Writes `value` at `steps`, which [`conflict`] has accepted; copy-on-write along the spine only.
fn write(steps: &[Step], target: &mut Value, value: Value) {
    let Some((last, spine)) = steps.split_last() else {
        *target = value;
        return;
    };
    let mut cur = target;
    for step in spine {
        cur = match step {
            Step::Field { name, .. } => {
                let Some(map) = cur.as_object_mut() else {
                    return;
                };
                map.entry(name.clone()).or_insert_with(Value::object)
            }
            Step::Index(n) => {
                let Some(items) = cur.as_array_mut() else {
                    return;
                };
                let Some(k) = index_of(items.len(), *n) else {
                    return;
                };
                &mut items[k]
            }
            _ => return,
        };
    }
    match last {
        Step::Field { name, .. } => {
            if let Some(map) = cur.as_object_mut() {
                map.insert(name.clone(), value);
            }
        }
        Step::Index(n) => {
            if let Some(items) = cur.as_array_mut()
                && let Some(k) = index_of(items.len(), *n)
            {
                items[k] = value;
            }
        }
        _ => {}
    }
}
