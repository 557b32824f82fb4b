//! The functions Step Functions adds to JSONata (`$partition`, `$range`, `$hash`, `$random` with a
//! seed, `$uuid`, `$parse`) and the one it takes away (`$eval`).
//!
//! AWS documents what each function computes ("Transforming data with JSONata in Step Functions",
//! section "JSONata functions provided by Step Functions") but not its edge cases. Where noted, the
//! edge cases follow measurements against AWS: LocalStack's recorded snapshots
//! (tests/aws/services/stepfunctions/v2/intrinsic_functions/*_jsonata.snapshot.json, also in
//! /work/shared/conformance/aws-recorded) and Floci's AWS comparisons (its JsonataEvaluator.java).

use std::rc::Rc;

use jsonata_core::evaluator::{EvaluatorError, HostFnResult};
use jsonata_core::value::JValue;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The names of the functions this module provides, as an expression calls them (without `$`).
pub(crate) const NAMES: [&str; 7] = [
    "partition",
    "range",
    "hash",
    "random",
    "uuid",
    "parse",
    "eval",
];

/// The host function for `name`, one of [`NAMES`].
pub(crate) fn host_fn(name: &str) -> fn(&[JValue]) -> HostFnResult {
    match name {
        "partition" => partition,
        "range" => range,
        "hash" => hash,
        "random" => random,
        "uuid" => uuid,
        "parse" => parse,
        _ => eval,
    }
}

/// Whether `name` replaces a jsonata-core built-in of the same name.
pub(crate) fn overrides_builtin(name: &str) -> bool {
    matches!(name, "random" | "eval")
}

/// The largest array `$range` builds. AWS refuses `$range(1, 360146, 1)` and accepts one element
/// fewer (Floci's measurement); the bound also keeps a typo from allocating gigabytes.
const MAX_RANGE_LEN: u64 = 360_145;

fn signature_error(function: &str, argument: usize) -> EvaluatorError {
    EvaluatorError::TypeError(format!(
        "T0410: Argument {argument} of function \"{function}\" does not match function signature"
    ))
}

/// A call with more arguments than the function takes names the first surplus one, as jsonata-js
/// signature validation does.
fn check_arity(args: &[JValue], function: &str, max: usize) -> Result<(), EvaluatorError> {
    if args.len() > max && !args[max].is_undefined() {
        return Err(signature_error(function, max + 1));
    }
    Ok(())
}

fn arg(args: &[JValue], i: usize) -> &JValue {
    args.get(i).unwrap_or(&JValue::Undefined)
}

/// A numeric argument rounded towards zero, as AWS does (`$partition(a, 2.9)` chunks by 2).
fn integer(value: &JValue, function: &str, argument: usize) -> Result<i64, EvaluatorError> {
    match value {
        JValue::Number(f) if f.is_finite() => Ok(f.trunc() as i64),
        _ => Err(signature_error(function, argument)),
    }
}

/// `$partition(array, chunkSize)`: "Partitions a large array into chunks of a specified size. The
/// last chunk may be smaller." AWS returns an array of arrays even for one chunk
/// (`$partition([0], 1)` is `[[0]]`, recorded). An empty array or a chunk size of zero evaluates to
/// undefined, a negative one fails (Floci's measurements).
fn partition(args: &[JValue]) -> HostFnResult {
    check_arity(args, "partition", 2)?;
    let items = match arg(args, 0) {
        JValue::Undefined => return Ok(JValue::Undefined),
        JValue::Array(items) => items,
        _ => {
            return Err(EvaluatorError::TypeError(
                "T0412: Argument 1 of function \"partition\" must be an array of undefined".into(),
            ));
        }
    };
    if items.is_empty() {
        return Ok(JValue::Undefined);
    }
    let size = match arg(args, 1) {
        JValue::Undefined => return Ok(JValue::array(vec![JValue::array(items.to_vec())])),
        v => integer(v, "partition", 2)?,
    };
    if size < 0 {
        return Err(EvaluatorError::EvaluationError(
            "D3137: Second argument must be zero or greater".into(),
        ));
    }
    if size == 0 {
        return Ok(JValue::Undefined);
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    Ok(JValue::array(
        items
            .chunks(size)
            .map(|chunk| JValue::array(chunk.to_vec()))
            .collect(),
    ))
}

/// `$range(start, end, step)`: "Generates an array of values from start to end, incremented by
/// step." The result is a JSONata sequence, so a one-element range is the bare number
/// (`$range(1, 9, 9)` is `1`, recorded) and an empty one is undefined. A missing step, or one whose
/// sign disagrees with the direction, evaluates to undefined (Floci's measurements).
fn range(args: &[JValue]) -> HostFnResult {
    check_arity(args, "range", 3)?;
    let start = integer(arg(args, 0), "range", 1)?;
    let end = integer(arg(args, 1), "range", 2)?;
    let step = match arg(args, 2) {
        JValue::Undefined => return Ok(JValue::Undefined),
        v => integer(v, "range", 3)?,
    };
    if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
        return Ok(JValue::Undefined);
    }
    let count = (i128::from(end) - i128::from(start)) / i128::from(step) + 1;
    if count > i128::from(MAX_RANGE_LEN) {
        return Err(EvaluatorError::EvaluationError(
            "Expression evaluation memory limit exceeded".into(),
        ));
    }
    let values = (0..count as i64)
        .map(|i| JValue::Number((start + i * step) as f64))
        .collect();
    Ok(JValue::sequence(values))
}

/// `$hash(data, algorithm)`: "Calculates the hash value of a given input. ... MD5, SHA-1, SHA-256,
/// SHA-384, SHA-512", as lowercase hex like `States.Hash`. The algorithm names are case-sensitive;
/// a missing algorithm evaluates to undefined (Floci's measurements).
fn hash(args: &[JValue]) -> HostFnResult {
    check_arity(args, "hash", 2)?;
    let JValue::String(data) = arg(args, 0) else {
        return Err(signature_error("hash", 1));
    };
    let algorithm = match arg(args, 1) {
        JValue::Undefined => return Ok(JValue::Undefined),
        JValue::String(a) => a,
        _ => return Err(signature_error("hash", 2)),
    };
    let bytes = data.as_bytes();
    let digest: Vec<u8> = match &**algorithm {
        "MD5" => Md5::digest(bytes).to_vec(),
        "SHA-1" => Sha1::digest(bytes).to_vec(),
        "SHA-256" => Sha256::digest(bytes).to_vec(),
        "SHA-384" => Sha384::digest(bytes).to_vec(),
        "SHA-512" => Sha512::digest(bytes).to_vec(),
        other => {
            return Err(EvaluatorError::EvaluationError(format!(
                "D3137: Hash algorithm '{other}' must be one of SHA-1, SHA-384, SHA-256, SHA-512, MD5"
            )));
        }
    };
    let mut hex = String::with_capacity(digest.len() * 2);
    for b in digest {
        hex.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    Ok(JValue::String(Rc::from(hex)))
}

/// `$random([seed])`: "Returns a random number n where 0 ≤ n < 1. You can optionally provide an
/// integer seed." The same seed gives the same number; AWS draws it from `java.util.Random`
/// (`$random(42)` is 0.7275636800328681 on AWS, per Floci's measurement).
fn random(args: &[JValue]) -> HostFnResult {
    check_arity(args, "random", 1)?;
    Ok(JValue::Number(match arg(args, 0) {
        JValue::Undefined => rand::random::<f64>(),
        seed => java_random_next_double(integer(seed, "random", 1)?),
    }))
}

/// `new java.util.Random(seed).nextDouble()`: a 48-bit linear congruential generator.
fn java_random_next_double(seed: i64) -> f64 {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;
    let mut state = (seed as u64 ^ MULTIPLIER) & MASK;
    let mut next = |bits: u32| {
        state = state.wrapping_mul(MULTIPLIER).wrapping_add(0xB) & MASK;
        state >> (48 - bits)
    };
    let high = next(26);
    let low = next(27);
    ((high << 27) + low) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `$uuid()`: "Returns a version 4 UUID generated using random numbers."
fn uuid(args: &[JValue]) -> HostFnResult {
    check_arity(args, "uuid", 0)?;
    Ok(JValue::String(Rc::from(uuid::Uuid::new_v4().to_string())))
}

/// `$parse(jsonString)`: "JSONata function to deserialize JSON data" (the replacement for `$eval`).
/// `$parse("-0")` is `0` (recorded). Text that is not one JSON document fails.
fn parse(args: &[JValue]) -> HostFnResult {
    check_arity(args, "parse", 1)?;
    match arg(args, 0) {
        JValue::Undefined => Ok(JValue::Undefined),
        JValue::String(text) => serde_json::from_str::<crate::Value>(text)
            .map(|v| super::convert::to_jvalue(&v))
            .map_err(|_| EvaluatorError::EvaluationError("D3137: Invalid JSON".into())),
        _ => Err(signature_error("parse", 1)),
    }
}

/// `$eval` "is not available—use $parse instead". Calling it fails as calling any unbound name
/// does (Floci's measurement: T1006).
fn eval(_args: &[JValue]) -> HostFnResult {
    Err(EvaluatorError::ReferenceError(
        "T1006: Attempted to invoke a non-function".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(f: f64) -> JValue {
        JValue::Number(f)
    }

    fn json(v: &JValue) -> String {
        v.to_json_string().unwrap()
    }

    #[test]
    fn java_random_matches_the_jdk() {
        // new java.util.Random(42).nextDouble() and new Random(0).nextDouble() on a JDK.
        assert_eq!(java_random_next_double(42), 0.7275636800328681);
        assert_eq!(java_random_next_double(0), 0.730967787376657);
        let r = random(&[]).unwrap();
        let f = r.as_f64().unwrap();
        assert!((0.0..1.0).contains(&f));
        assert_eq!(json(&random(&[n(42.9)]).unwrap()), "0.7275636800328681");
    }

    #[test]
    fn partition_chunks_as_aws_recorded() {
        let arr = |v: Vec<f64>| JValue::array(v.into_iter().map(n).collect());
        assert_eq!(
            json(&partition(&[arr(vec![0.0]), n(1.0)]).unwrap()),
            "[[0]]"
        );
        assert_eq!(
            json(&partition(&[arr(vec![0.0, 1.0]), n(2.0)]).unwrap()),
            "[[0,1]]"
        );
        assert_eq!(
            json(&partition(&[arr(vec![0.0, 1.0, 2.0, 3.0]), n(3.0)]).unwrap()),
            "[[0,1,2],[3]]"
        );
        assert_eq!(
            json(&partition(&[arr(vec![0.0, 1.0, 2.0, 3.0]), n(5.0)]).unwrap()),
            "[[0,1,2,3]]"
        );
        assert!(partition(&[arr(vec![]), n(2.0)]).unwrap().is_undefined());
        assert!(partition(&[arr(vec![1.0]), n(0.0)]).unwrap().is_undefined());
        assert!(partition(&[arr(vec![1.0]), n(-2.0)]).is_err());
        assert!(partition(&[arr(vec![1.0]), n(1.0), n(1.0)]).is_err());
    }

    #[test]
    fn range_counts_inclusively() {
        assert_eq!(
            json(&range(&[n(0.0), n(10.0), n(3.0)]).unwrap()),
            "[0,3,6,9]"
        );
        assert_eq!(
            json(&range(&[n(10.0), n(0.0), n(-5.0)]).unwrap()),
            "[10,5,0]"
        );
        assert!(range(&[n(1.0), n(0.0), n(1.0)]).unwrap().is_undefined());
        assert!(range(&[n(1.0), n(2.0)]).unwrap().is_undefined());
        assert!(range(&[n(0.0), n(1e9), n(1.0)]).is_err());
        assert_eq!(
            range(&[JValue::string("a"), n(1.0), n(1.0)])
                .unwrap_err()
                .message(),
            "T0410: Argument 1 of function \"range\" does not match function signature"
        );
    }

    #[test]
    fn hash_is_lowercase_hex() {
        let s = JValue::string("abc");
        assert_eq!(
            json(&hash(&[s.clone(), JValue::string("SHA-256")]).unwrap()),
            "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""
        );
        assert_eq!(
            json(&hash(&[JValue::string("abc"), JValue::string("MD5")]).unwrap()),
            "\"900150983cd24fb0d6963f7d28e17f72\""
        );
        assert!(hash(&[s.clone(), JValue::string("sha-256")]).is_err());
        assert!(hash(&[s]).unwrap().is_undefined());
    }

    #[test]
    fn parse_reads_one_json_document() {
        assert_eq!(json(&parse(&[JValue::string("-0")]).unwrap()), "0");
        assert_eq!(
            json(&parse(&[JValue::string("[1, 2, \"x\"]")]).unwrap()),
            "[1,2,\"x\"]"
        );
        assert!(parse(&[JValue::string("1 2")]).is_err());
        assert!(parse(&[JValue::string("")]).is_err());
        assert!(parse(&[n(1.0)]).is_err());
    }

    #[test]
    fn uuid_is_v4_and_eval_is_gone() {
        let u = uuid(&[]).unwrap();
        let s = u.as_str().unwrap();
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
        assert_eq!(
            eval(&[]).unwrap_err().message(),
            "T1006: Attempted to invoke a non-function"
        );
    }
}
