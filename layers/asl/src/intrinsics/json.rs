//! The JSON intrinsics: StringToJson, JsonToString and JsonMerge.

use crate::Value;

use super::{Invalid, string_arg};

/// "The interpreter applies a JSON parser and returns its parsed JSON form." AWS parses `""` and `" "` to
/// `null` (LocalStack's recorded AWS snapshots, test_string_to_json) and fails on text that is not JSON.
pub(super) fn string_to_json(args: &[Value]) -> Result<Value, Invalid> {
    let s = string_arg(&args[0])?;
    if s.trim().is_empty() {
        return Ok(Value::Null);
    }
    Value::from_json_str(s).map_err(|_| Invalid)
}

/// "The interpreter returns a string which is a JSON text representing the data identified by the Path."
pub(super) fn json_to_string(args: &[Value]) -> Value {
    Value::string(args[0].to_json_string())
}

/// "The first two arguments are the JSON objects that you want to merge. The third argument is a boolean
/// value of false. [...] In the shallow mode, if the same key exists in both JSON objects, the latter
/// object's key overrides the same key in the first object." AWS takes any third argument other than
/// `true` as shallow (a public conformance suite run against AWS saw `'false'` accepted, JMG-13).
pub(super) fn merge(args: &[Value]) -> Result<Value, Invalid> {
    let (Some(first), Some(second)) = (args[0].as_object(), args[1].as_object()) else {
        return Err(Invalid);
    };
    let deep = match &args[2] {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    if deep {
        return Err(Invalid);
    }
    if second.is_empty() {
        return Ok(args[0].clone());
    }
    if first.is_empty() {
        return Ok(args[1].clone());
    }
    let mut merged = first.clone();
    merged.reserve(second.len());
    for (k, v) in second.iter() {
        merged.insert(k.clone(), v.clone());
    }
    Ok(Value::from_map(merged))
}
