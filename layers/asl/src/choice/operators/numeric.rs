//! Numeric comparisons (`Numeric*`).

use std::cmp::Ordering;

use crate::value::Number;

/// Compares two JSON numbers by value, as IEEE 754 doubles: `1` equals `1.0` and `-0` equals `0`.
///
/// "For interoperability, don't assume that numeric comparisons work with values outside the magnitude
/// or precision that the IEEE 754-2008 binary64 data type represents. In particular, integers outside of
/// the range [-2^53+1, 2^53-1] might fail to compare in the expected way." AWS compares binary64 values,
/// so integers beyond 2^53 that round to the same double compare equal here too.
pub(crate) fn compare(a: &Number, b: &Number) -> Ordering {
    let (x, y) = (to_f64(a), to_f64(b));
    // JSON has no NaN, so the order is total.
    x.partial_cmp(&y).unwrap_or(Ordering::Equal)
}

fn to_f64(n: &Number) -> f64 {
    // `as_f64` is total for serde_json numbers (integers convert, rounding to nearest).
    n.as_f64().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn integers_and_floats_compare_by_value() {
        assert_eq!(compare(&n("0"), &n("0.0")), Ordering::Equal);
        assert_eq!(compare(&n("-0"), &n("0")), Ordering::Equal);
        assert_eq!(compare(&n("-0.0"), &n("0")), Ordering::Equal);
        assert_eq!(compare(&n("1"), &n("1.0")), Ordering::Equal);
        assert_eq!(compare(&n("2.22"), &n("2.22")), Ordering::Equal);
        assert_eq!(compare(&n("1"), &n("1.1")), Ordering::Less);
        assert_eq!(compare(&n("-1"), &n("0")), Ordering::Less);
        assert_eq!(
            compare(&n("18446744073709551615"), &n("-9223372036854775808")),
            Ordering::Greater
        );
        assert_eq!(compare(&n("1e3"), &n("1000")), Ordering::Equal);
        assert_eq!(compare(&n("1.5e-3"), &n("0.0015")), Ordering::Equal);
    }

    #[test]
    fn integers_beyond_2_pow_53_compare_as_doubles() {
        assert_eq!(
            compare(&n("9007199254740993"), &n("9007199254740992")),
            Ordering::Equal
        );
        assert_eq!(
            compare(&n("9007199254740994"), &n("9007199254740992")),
            Ordering::Greater
        );
    }
}
