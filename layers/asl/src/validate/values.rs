//! Field-value checks shared by every state: JSON types, numeric ranges, enums.

use serde_json::{Map, Value};

use super::{Ql, Validator};

/// Writes a bound the way AWS's messages do: `0` for integer fields, `1.0` for number fields.
fn float_bound(bound: f64) -> String {
    if bound.fract() == 0.0 {
        format!("{bound:.1}")
    } else {
        format!("{bound}")
    }
}

/// The value of an integer JSON number, wide enough for `u64` and `i64` alike.
fn as_integer(value: &Value) -> Option<i128> {
    let n = value.as_number()?;
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

impl Validator {
    /// The value as a string, or "Expected value of type [STRING]" (AWS's wording, measured for
    /// `QueryLanguage: 5`).
    pub(crate) fn expect_string<'v>(&mut self, value: &'v Value, loc: &str) -> Option<&'v str> {
        match value {
            Value::String(s) => Some(s),
            _ => {
                self.schema(loc, "Expected value of type [STRING]");
                None
            }
        }
    }

    /// The value as a non-empty string (transition targets, `Resource`).
    pub(crate) fn expect_nonempty_string<'v>(
        &mut self,
        value: &'v Value,
        loc: &str,
    ) -> Option<&'v str> {
        let s = self.expect_string(value, loc)?;
        if s.is_empty() {
            self.schema(loc, "Value cannot be empty");
            return None;
        }
        Some(s)
    }

    pub(crate) fn expect_bool(&mut self, value: &Value, loc: &str) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.schema(loc, "Expected value of type [BOOLEAN]");
                None
            }
        }
    }

    pub(crate) fn expect_object<'v>(
        &mut self,
        value: &'v Value,
        loc: &str,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(o) => Some(o),
            _ => {
                self.schema(loc, "Expected value of type [OBJECT]");
                None
            }
        }
    }

    pub(crate) fn expect_array<'v>(
        &mut self,
        value: &'v Value,
        loc: &str,
    ) -> Option<&'v Vec<Value>> {
        match value {
            Value::Array(a) => Some(a),
            _ => {
                self.schema(loc, "Expected value of type [ARRAY]");
                None
            }
        }
    }

    /// A non-empty array ("Value cannot be empty", AWS's wording for an empty `Choices`, `Branches` or
    /// `ErrorEquals`).
    pub(crate) fn expect_nonempty_array<'v>(
        &mut self,
        value: &'v Value,
        loc: &str,
    ) -> Option<&'v Vec<Value>> {
        let a = self.expect_array(value, loc)?;
        if a.is_empty() {
            self.schema(loc, "Value cannot be empty");
        }
        Some(a)
    }

    /// An integer in `[min, max]`. AWS's messages: "Minimum value is 0", "Maximum value is 99999999".
    pub(crate) fn integer_in(&mut self, value: &Value, loc: &str, min: i64, max: Option<i64>) {
        let Some(n) = as_integer(value) else {
            self.schema(loc, "Expected value of type [INTEGER]");
            return;
        };
        if n < i128::from(min) {
            self.schema(loc, format!("Minimum value is {min}"));
        } else if let Some(max) = max
            && n > i128::from(max)
        {
            self.schema(loc, format!("Maximum value is {max}"));
        }
    }

    /// A number in `[min, max]`. AWS's messages: "Minimum value is 0.0", "Maximum value is 100.0".
    pub(crate) fn number_in(&mut self, value: &Value, loc: &str, min: f64, max: Option<f64>) {
        let Some(n) = value.as_f64() else {
            self.schema(loc, "Expected value of type [NUMBER]");
            return;
        };
        if n < min {
            self.schema(loc, format!("Minimum value is {}", float_bound(min)));
        } else if let Some(max) = max
            && n > max
        {
            self.schema(loc, format!("Maximum value is {}", float_bound(max)));
        }
    }

    /// An integer field that a JSONata state may also give as a `{% %}` expression ("Transitioning to
    /// JSONata": fields such as `Seconds`, `TimeoutSeconds`, `MaxConcurrency` accept expressions).
    pub(crate) fn integer_or_expression(
        &mut self,
        ql: Ql,
        value: &Value,
        loc: &str,
        min: i64,
        max: Option<i64>,
    ) {
        match (ql, value) {
            (Ql::Jsonata, Value::String(s)) => self.jsonata_string(s, loc),
            _ => self.integer_in(value, loc, min, max),
        }
    }

    /// A number field that a JSONata state may also give as a `{% %}` expression.
    pub(crate) fn number_or_expression(
        &mut self,
        ql: Ql,
        value: &Value,
        loc: &str,
        min: f64,
        max: Option<f64>,
    ) {
        match (ql, value) {
            (Ql::Jsonata, Value::String(s)) => self.jsonata_string(s, loc),
            _ => self.number_in(value, loc, min, max),
        }
    }

    /// A string field that a JSONata state may give as a `{% %}` expression (`Error`, `Cause`).
    pub(crate) fn string_or_expression(&mut self, ql: Ql, value: &Value, loc: &str) {
        if let Some(s) = self.expect_string(value, loc)
            && ql == Ql::Jsonata
            && s.starts_with("{%")
        {
            self.jsonata_string(s, loc);
        }
    }

    /// A string from a fixed set. AWS's message: "Value should be one of the following: [A, B]".
    pub(crate) fn one_of(&mut self, value: &Value, loc: &str, allowed: &[&str]) {
        if let Some(s) = self.expect_string(value, loc)
            && !allowed.contains(&s)
        {
            self.schema(
                loc,
                format!(
                    "Value should be one of the following: [{}]",
                    allowed.join(", ")
                ),
            );
        }
    }

    /// Reports every key of `obj` not in `allowed` as "Field 'X' is not supported" at `loc`.
    pub(crate) fn only_fields(&mut self, obj: &Map<String, Value>, loc: &str, allowed: &[&str]) {
        for key in obj.keys() {
            if !allowed.contains(&key.as_str()) {
                self.not_supported(loc, key);
            }
        }
    }
}
