//! Conversions between the engine's [`Value`] and jsonata-core's `JValue`, converting only the parts
//! of a document an expression can reach.
//!
//! The two types cannot share memory (`JValue` is `Rc`-based and not `Send`; `Value` is `Arc`-based),
//! so every value handed to jsonata-core is a copy. [`Need`] records, per bound variable, which
//! member paths an expression reads (`$states.input.order.id` needs `input.order.id` and nothing
//! else), and [`to_jvalue_pruned`] copies just those.

use std::rc::Rc;

use jsonata_core::value::{JArray, JValue};

use crate::value::{Map, Str, Value};

/// How much of a bound value an expression may read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Need {
    /// All of it.
    Whole,
    /// Only these members (of an object, or of each object inside an array), each with its own need,
    /// in the order the expression first reads them. A map, not a list: merging the reads of an
    /// expression (or template) that names thousands of members stays linear.
    Members(Members),
}

/// The members a [`Need`] names.
pub(crate) type Members = indexmap::IndexMap<Box<str>, Need, foldhash::fast::RandomState>;

impl Need {
    /// The need for a value read through the member path `keys` (and wholly below it).
    pub(crate) fn path(keys: &[&str]) -> Need {
        keys.iter().rev().fold(Need::Whole, |inner, key| {
            Need::members([((*key).into(), inner)])
        })
    }

    /// A need for exactly these members.
    pub(crate) fn members(members: impl IntoIterator<Item = (Box<str>, Need)>) -> Need {
        Need::Members(members.into_iter().collect())
    }

    /// The union of two needs.
    pub(crate) fn merge(&mut self, other: Need) {
        match (&mut *self, other) {
            (Need::Whole, _) => {}
            (this, Need::Whole) => *this = Need::Whole,
            (Need::Members(mine), Need::Members(theirs)) => {
                for (key, need) in theirs {
                    match mine.get_mut(&key) {
                        Some(existing) => existing.merge(need),
                        None => {
                            mine.insert(key, need);
                        }
                    }
                }
            }
        }
    }

    /// The need for member `key`, if it is needed at all.
    pub(crate) fn member(&self, key: &str) -> Option<&Need> {
        match self {
            Need::Whole => Some(&Need::Whole),
            Need::Members(members) => members.get(key),
        }
    }
}

/// A full copy of `value`.
pub(crate) fn to_jvalue(value: &Value) -> JValue {
    match value {
        Value::Null => JValue::Null,
        Value::Bool(b) => JValue::Bool(*b),
        Value::Number(n) => JValue::Number(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => JValue::String(Rc::from(&**s)),
        Value::Array(items) => {
            let flat = !items.iter().any(|v| matches!(v, Value::Array(_)));
            JValue::Array(JArray::new_flat(
                items.iter().map(to_jvalue).collect(),
                flat,
            ))
        }
        Value::Object(map) => JValue::object(
            map.iter()
                .map(|(k, v)| (k.to_string(), to_jvalue(v)))
                .collect(),
        ),
    }
}

/// A copy of the parts of `value` that `need` names. A path step over an array reads the member
/// from each item, so an array keeps all its items, each pruned with the same need.
pub(crate) fn to_jvalue_pruned(value: &Value, need: &Need) -> JValue {
    let Need::Members(members) = need else {
        return to_jvalue(value);
    };
    match value {
        Value::Object(map) => JValue::object(
            members
                .iter()
                .filter_map(|(key, need)| {
                    map.get(&**key)
                        .map(|v| (key.to_string(), to_jvalue_pruned(v, need)))
                })
                .collect(),
        ),
        Value::Array(items) => {
            JValue::array(items.iter().map(|v| to_jvalue_pruned(v, need)).collect())
        }
        scalar => to_jvalue(scalar),
    }
}

/// Why a JSONata result cannot become a [`Value`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unsupported;

/// Converts an evaluation result back. `Ok(None)` is JSONata's `undefined`. Functions and regular
/// expressions have no JSON form.
pub(crate) fn from_jvalue(value: &JValue) -> Result<Option<Value>, Unsupported> {
    match value {
        JValue::Undefined => Ok(None),
        other => to_value(other).map(Some),
    }
}

fn to_value(value: &JValue) -> Result<Value, Unsupported> {
    Ok(match value {
        JValue::Null | JValue::Undefined => Value::Null,
        JValue::Bool(b) => Value::Bool(*b),
        JValue::Number(f) => number(*f),
        JValue::String(s) => Value::String(Str::from(&**s)),
        JValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                out.push(to_value(item)?);
            }
            Value::from_vec(out)
        }
        JValue::Object(map) => {
            let mut out = Map::with_capacity_and_hasher(map.len(), Default::default());
            for (k, v) in map.iter() {
                // Like `JSON.stringify`, a member whose value is undefined is left out.
                if !v.is_undefined() {
                    out.insert(Str::from(k.as_str()), to_value(v)?);
                }
            }
            Value::from_map(out)
        }
        JValue::Lambda(_) | JValue::Builtin { .. } | JValue::Regex { .. } => {
            return Err(Unsupported);
        }
        #[allow(unreachable_patterns)]
        _ => return Err(Unsupported),
    })
}

/// A JSONata number as a JSON number: integral values print without a fraction, as JavaScript
/// prints them. JSON has no literal for a non-finite number; AWS writes one as the string
/// JavaScript names it by (`1/0` is `"Infinity"`), as measured by Floci's AWS comparison (its
/// docs, "JSONata nulls"); there is no AWS document for it.
pub(crate) fn number(f: f64) -> Value {
    if f.is_finite() {
        Value::number_from_f64(f)
    } else if f.is_nan() {
        Value::string("NaN")
    } else if f > 0.0 {
        Value::string("Infinity")
    } else {
        Value::string("-Infinity")
    }
}

/// `value` with its numbers as a JSONata result prints them: a number is a double there, so an
/// integral one prints without a fraction (`1.0` and `1e2` in the input come out as `1` and `100`).
/// Shares `value` when nothing changes, which is the rule.
pub(crate) fn normalize_numbers(value: &Value) -> Value {
    if has_integral_float(value) {
        rebuild(value)
    } else {
        value.clone()
    }
}

fn is_integral_float(n: &serde_json::Number) -> bool {
    n.is_f64() && n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

fn has_integral_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => is_integral_float(n),
        Value::Array(items) => items.iter().any(has_integral_float),
        Value::Object(map) => map.values().any(has_integral_float),
        _ => false,
    }
}

fn rebuild(value: &Value) -> Value {
    match value {
        Value::Number(n) if is_integral_float(n) => number(n.as_f64().unwrap_or_default()),
        Value::Array(items) if items.iter().any(has_integral_float) => {
            items.iter().map(rebuild).collect()
        }
        Value::Object(map) if map.values().any(has_integral_float) => {
            map.iter().map(|(k, v)| (k.clone(), rebuild(v))).collect()
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn round_trip_keeps_shape_and_order() {
        let v = json!({"z": [1, 2.5, "s", null, true, {"a": []}], "a": {}});
        let back = from_jvalue(&to_jvalue(&v)).unwrap().unwrap();
        assert_eq!(back.to_json_string(), v.to_json_string());
    }

    #[test]
    fn integral_floats_print_as_integers() {
        assert_eq!(number(-0.0).to_json_string(), "0");
        assert_eq!(number(3.0).to_json_string(), "3");
        assert_eq!(number(1.1).to_json_string(), "1.1");
        assert_eq!(number(f64::INFINITY).to_json_string(), r#""Infinity""#);
        assert_eq!(number(f64::NAN).to_json_string(), r#""NaN""#);
    }

    #[test]
    fn integral_floats_are_normalized_and_the_rest_shared() {
        let v = Value::from_json_str(r#"{"a": [1.0, 2.5, 3], "b": {"c": 1e2}, "d": {"e": "x"}}"#)
            .unwrap();
        let n = normalize_numbers(&v);
        assert_eq!(
            n.to_json_string(),
            r#"{"a":[1,2.5,3],"b":{"c":100},"d":{"e":"x"}}"#
        );
        match (n.get("d").unwrap(), v.get("d").unwrap()) {
            (Value::Object(x), Value::Object(y)) => assert!(std::sync::Arc::ptr_eq(x, y)),
            _ => unreachable!(),
        }
        let plain = json!({"a": [1, 2.5]});
        match (normalize_numbers(&plain), &plain) {
            (Value::Object(x), Value::Object(y)) => assert!(std::sync::Arc::ptr_eq(&x, y)),
            _ => unreachable!(),
        }
    }

    #[test]
    fn pruning_keeps_only_needed_members_through_arrays() {
        let v = json!({"a": [{"b": 1, "c": 2}, {"b": [3], "x": 0}], "d": {"e": 1}});
        let mut need = Need::path(&["a", "b"]);
        need.merge(Need::path(&["d"]));
        let pruned = from_jvalue(&to_jvalue_pruned(&v, &need)).unwrap().unwrap();
        assert_eq!(pruned, json!({"a": [{"b": 1}, {"b": [3]}], "d": {"e": 1}}));
        need.merge(Need::Whole);
        assert_eq!(need, Need::Whole);
    }

    #[test]
    fn undefined_members_are_dropped_and_functions_refused() {
        let obj = JValue::object([("a".to_string(), JValue::Undefined)].into_iter().collect());
        assert_eq!(from_jvalue(&obj).unwrap().unwrap(), json!({}));
        assert_eq!(from_jvalue(&JValue::Undefined), Ok(None));
        assert_eq!(from_jvalue(&JValue::builtin("sum")), Err(Unsupported));
        let arr = JValue::array(vec![JValue::builtin("sum")]);
        assert_eq!(from_jvalue(&arr), Err(Unsupported));
    }
}
