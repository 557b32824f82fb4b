//! The type tests: `IsNull`, `IsPresent`, `IsNumeric`, `IsString`, `IsBoolean`, `IsTimestamp`.

use super::timestamp::Timestamp;
use crate::Value;

/// What an `Is*` operator tests (`IsPresent` is handled before the value is looked at).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TypeTest {
    /// `IsNull`: the value is JSON `null`.
    Null,
    /// `IsNumeric`: the value is a number (integer or not).
    Numeric,
    /// `IsString`: the value is a string.
    String,
    /// `IsBoolean`: the value is `true` or `false`.
    Boolean,
    /// `IsTimestamp`: the value is a string that parses as a timestamp.
    Timestamp,
}

impl TypeTest {
    /// Whether `value` is of this type. A timestamp is also a string, and a number in a string is not
    /// numeric ("Step Functions doesn't attempt to match a numeric field to a string value").
    pub(crate) fn holds(self, value: &Value) -> bool {
        match self {
            TypeTest::Null => value.is_null(),
            TypeTest::Numeric => matches!(value, Value::Number(_)),
            TypeTest::String => matches!(value, Value::String(_)),
            TypeTest::Boolean => matches!(value, Value::Bool(_)),
            TypeTest::Timestamp => value.as_str().and_then(Timestamp::parse).is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn each_test_holds_for_its_type_only() {
        let values = [
            json!(null),
            json!(0),
            json!(1.1),
            json!(""),
            json!("2012-10-09T19:00:55Z"),
            json!("2012-10-09T19:00:55"),
            json!("1"),
            json!([]),
            json!({}),
            json!(true),
            json!(false),
        ];
        let holds = |t: TypeTest| values.iter().map(|v| t.holds(v)).collect::<Vec<_>>();
        let (f, t) = (false, true);
        assert_eq!(holds(TypeTest::Null), [t, f, f, f, f, f, f, f, f, f, f]);
        assert_eq!(holds(TypeTest::Numeric), [f, t, t, f, f, f, f, f, f, f, f]);
        assert_eq!(holds(TypeTest::String), [f, f, f, t, t, t, t, f, f, f, f]);
        assert_eq!(holds(TypeTest::Boolean), [f, f, f, f, f, f, f, f, f, t, t]);
        assert_eq!(
            holds(TypeTest::Timestamp),
            [f, f, f, f, t, f, f, f, f, f, f]
        );
    }
}
