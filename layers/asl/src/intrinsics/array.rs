//! The array intrinsics: ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem, ArrayLength, ArrayUnique
//! (`States.Array` itself just collects its arguments).

use std::hash::{BuildHasher, Hash, Hasher};

use crate::Value;

use super::{Invalid, truncated};

/// The most items `States.ArrayRange` may produce.
const MAX_RANGE_ITEMS: i128 = 1000;

fn array_arg(v: &Value) -> Result<&Vec<Value>, Invalid> {
    v.as_array().ok_or(Invalid)
}

/// "You must specify an array as the input value for the function's first argument. You must specify a
/// non-zero, positive integer for the second argument representing the chunk size value."
pub(super) fn partition(args: &[Value]) -> Result<Value, Invalid> {
    let items = array_arg(&args[0])?;
    let size = truncated(&args[1])?;
    if size < 1 {
        return Err(Invalid);
    }
    let size = usize::try_from(size)
        .unwrap_or(usize::MAX)
        .min(items.len().max(1));
    Ok(items
        .chunks(size)
        .map(|chunk| Value::from_vec(chunk.to_vec()))
        .collect())
}

/// "determine if a specific value is present in an array"
pub(super) fn contains(args: &[Value]) -> Result<Value, Invalid> {
    let items = array_arg(&args[0])?;
    Ok(Value::Bool(items.contains(&args[1])))
}

/// "You must specify integer values for all of the arguments. [...] You must specify a non-zero value for
/// the third argument. The newly generated array can't contain more than 1000 items."
pub(super) fn range(args: &[Value]) -> Result<Value, Invalid> {
    let start = i128::from(truncated(&args[0])?);
    let end = i128::from(truncated(&args[1])?);
    let step = i128::from(truncated(&args[2])?);
    if step == 0 {
        return Err(Invalid);
    }
    // A step that points away from the end gives an empty array (AWS: ArrayRange(5, 1, 1) is []).
    let count = if (step > 0 && start > end) || (step < 0 && start < end) {
        0
    } else {
        (end - start) / step + 1
    };
    if count > MAX_RANGE_ITEMS {
        return Err(Invalid);
    }
    Ok((0..count)
        .map(|i| Value::int((start + i * step) as i64))
        .collect())
}

/// "returns a specified index's value". An index outside the array fails; AWS answers `null` for any
/// index into an empty array (public conformance suite run against AWS, case AGI-011).
pub(super) fn get_item(args: &[Value]) -> Result<Value, Invalid> {
    let items = array_arg(&args[0])?;
    let index = truncated(&args[1])?;
    if items.is_empty() {
        return Ok(Value::Null);
    }
    usize::try_from(index)
        .ok()
        .and_then(|i| items.get(i))
        .cloned()
        .ok_or(Invalid)
}

/// "returns the length of an array"
pub(super) fn length(args: &[Value]) -> Result<Value, Invalid> {
    Ok(Value::int(array_arg(&args[0])?.len() as i64))
}

/// "removes duplicate values from an array and returns an array containing only unique elements", keeping
/// the first occurrence of each. Values are bucketed by a structural hash so long arrays stay linear.
pub(super) fn unique(args: &[Value]) -> Result<Value, Invalid> {
    let items = array_arg(&args[0])?;
    let state = foldhash::fast::FixedState::with_seed(0x5eed);
    let mut seen: std::collections::HashMap<u64, Vec<usize>, foldhash::fast::FixedState> =
        std::collections::HashMap::with_capacity_and_hasher(items.len(), state.clone());
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        let mut h = state.build_hasher();
        structural_hash(item, &mut h);
        let bucket = seen.entry(h.finish()).or_default();
        if bucket.iter().all(|&i| out[i] != *item) {
            bucket.push(out.len());
            out.push(item.clone());
        }
    }
    Ok(Value::from_vec(out))
}

/// A hash consistent with `Value`'s equality: numbers by value, objects regardless of key order.
fn structural_hash(v: &Value, h: &mut impl Hasher) {
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, b).hash(h),
        Value::Number(n) => {
            // 1 and 1.0 are equal, so hash every number through f64 (-0.0 folded into 0.0).
            let f = n.as_f64().unwrap_or(0.0);
            (2u8, if f == 0.0 { 0 } else { f.to_bits() }).hash(h);
        }
        Value::String(s) => (3u8, &**s).hash(h),
        Value::Array(a) => {
            (4u8, a.len()).hash(h);
            for item in a.iter() {
                structural_hash(item, h);
            }
        }
        Value::Object(o) => {
            let state = foldhash::fast::FixedState::with_seed(0x0b1);
            let sum = o.iter().fold(0u64, |acc, (k, v)| {
                let mut eh = state.build_hasher();
                k.hash(&mut eh);
                structural_hash(v, &mut eh);
                acc.wrapping_add(eh.finish())
            });
            (5u8, o.len(), sum).hash(h);
        }
    }
}
