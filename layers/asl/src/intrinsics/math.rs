//! `States.MathAdd` and `States.MathRandom`.

use crate::Value;

use super::{Invalid, truncated};

/// "You must specify integer values in the range of -2147483648 and 2147483647." AWS also fails when the
/// sum leaves that range (`MathAdd(2147483647, 1)`; public conformance suite run against AWS).
pub(super) fn add(args: &[Value]) -> Result<Value, Invalid> {
    let a = rounded_int32(&args[0])?;
    let b = rounded_int32(&args[1])?;
    let sum = a + b;
    if i32::try_from(sum).is_err() {
        return Err(Invalid);
    }
    Ok(Value::int(sum))
}

/// "If you specify a non-integer value for one or both the arguments, Step Functions will round it off to
/// the nearest integer." Halves round up, as Java's `Math.round` does: AWS gives 1.49 + 1.5 = 3,
/// 1.5 + 1.51 = 4 and -1.49 + -1.5 = -2 (LocalStack's recorded AWS snapshots, test_math_add).
fn rounded_int32(v: &Value) -> Result<i64, Invalid> {
    let n = v.as_number().ok_or(Invalid)?;
    let i = match n.as_i64() {
        Some(i) => i,
        None => {
            let f = n.as_f64().ok_or(Invalid)?;
            let floor = f.floor();
            let r = if f - floor >= 0.5 { floor + 1.0 } else { floor };
            if !(i32::MIN as f64..=i32::MAX as f64).contains(&r) {
                return Err(Invalid);
            }
            r as i64
        }
    };
    if i32::try_from(i).is_err() {
        return Err(Invalid);
    }
    Ok(i)
}

/// "returns a random number between the specified start and end number": the start is included and the
/// end excluded, and a start that is not below the end fails (public conformance suite run against AWS,
/// MRAND-001/005/006). Bounds and seed lose their fractions. "Input validation: You must specify integer
/// values for the start value and end value arguments."
///
/// With a seed the number is drawn from `java.util.Random(seed)`, so the same seed gives the same number.
pub(super) fn random(args: &[Value]) -> Result<Value, Invalid> {
    let start = truncated(&args[0])?;
    let end = truncated(&args[1])?;
    let seed = args.get(2).map(truncated).transpose()?;
    if start >= end {
        return Err(Invalid);
    }
    let span = (i128::from(end) - i128::from(start)) as u128;
    let offset = match seed {
        Some(seed) => JavaRandom::new(seed).below(span),
        None => rand::random_range(0..span),
    };
    Ok(Value::int((i128::from(start) + offset as i128) as i64))
}

/// `java.util.Random`: a 48-bit linear congruential generator.
struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    fn new(seed: i64) -> JavaRandom {
        JavaRandom {
            seed: (seed as u64 ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = (self.seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB)) & Self::MASK;
        (self.seed >> (48 - bits)) as i64 as i32
    }

    /// `nextInt(bound)` for spans that fit an `int`, else a 64-bit draw reduced to the span.
    fn below(&mut self, span: u128) -> u128 {
        if let Ok(bound) = i32::try_from(span) {
            if bound & bound.wrapping_neg() == bound {
                return ((i64::from(bound) * i64::from(self.next(31))) >> 31) as u128;
            }
            loop {
                let bits = self.next(31);
                let val = bits % bound;
                if bits.wrapping_sub(val).wrapping_add(bound - 1) >= 0 {
                    return val as u128;
                }
            }
        }
        let high = i64::from(self.next(32)) << 32;
        let long = high.wrapping_add(i64::from(self.next(32)));
        (long as u64 as u128) % span
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_random_matches_the_jdk() {
        // Values printed by OpenJDK: new Random(42).nextInt(100) twice, new Random(0).nextInt(10), ...
        let mut r = JavaRandom::new(42);
        assert_eq!(r.below(100), 30);
        assert_eq!(r.below(100), 63);
        assert_eq!(JavaRandom::new(0).below(10), 0);
        assert_eq!(JavaRandom::new(1).below(1000), 985);
        assert_eq!(JavaRandom::new(-10).below(9), 0);
        assert_eq!(JavaRandom::new(7).below(64), 46);
        assert_eq!(JavaRandom::new(42).below(99), 62);
    }
}
