//! `States.Format`: the `{}` template, and how AWS renders each kind of value into it.

use std::fmt::Write;

use crate::Value;

/// A template split into literal text and placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FormatTemplate {
    /// Literal text; a placeholder sits between each two consecutive pieces.
    pieces: Vec<String>,
}

impl FormatTemplate {
    /// Splits a template written with the intrinsic escapes (`\'`, `\{`, `\}`, `\\`). `Err` when a brace is
    /// unmatched (`'Hello {'`, `'}'`, `'{{}}'`) or a backslash escapes anything else: AWS fails such a call.
    pub fn parse(raw: &str) -> Result<FormatTemplate, ()> {
        let mut pieces = vec![String::new()];
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(e @ ('\'' | '{' | '}' | '\\')) => {
                        pieces.last_mut().expect("never empty").push(e)
                    }
                    _ => return Err(()),
                },
                // "may include zero or more instances of the character sequence {}"
                '{' if chars.peek() == Some(&'}') => {
                    chars.next();
                    pieces.push(String::new());
                }
                '{' | '}' => return Err(()),
                c => pieces.last_mut().expect("never empty").push(c),
            }
        }
        Ok(FormatTemplate { pieces })
    }

    /// How many `{}` the template holds.
    pub fn placeholders(&self) -> usize {
        self.pieces.len() - 1
    }

    /// The template with each `{}` replaced by the rendering of the matching value. The caller has checked
    /// that there are [`FormatTemplate::placeholders`] values.
    pub fn render(&self, values: &[Value]) -> String {
        let mut out = String::with_capacity(
            self.pieces.iter().map(String::len).sum::<usize>() + 16 * values.len(),
        );
        for (i, piece) in self.pieces.iter().enumerate() {
            out.push_str(piece);
            if let Some(v) = values.get(i) {
                render_value(&mut out, v);
            }
        }
        out
    }
}

/// Renders a value the way AWS's `States.Format` does: strings as they are, numbers, booleans and `null` as
/// JSON, and containers in Java's collection notation. AWS formats `{"Arg1": 1, "Arg2": []}` as
/// `{Arg1=1, Arg2=[]}` and the context object's `$$.StateMachine` as `{Id=arn:..., Name=...}` (LocalStack's
/// recorded AWS snapshots, test_generic test_format_2 and test_context_json_path).
pub(crate) fn render_value(out: &mut String, value: &Value) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => java_double(out, f),
            _ => {
                let _ = write!(out, "{n}");
            }
        },
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                render_value(out, v);
            }
            out.push('}');
        }
    }
}

/// Writes a double the way Java's `Double.toString` does (AWS's runtime is Java): plain decimals from 10^-3
/// up to 10^7, scientific notation with `E` outside, and always a fractional digit (`100.0`, `1.0E7`).
fn java_double(out: &mut String, f: f64) {
    let abs = f.abs();
    if abs == 0.0 || (1e-3..1e7).contains(&abs) {
        let start = out.len();
        let _ = write!(out, "{f}");
        if !out[start..].contains('.') {
            out.push_str(".0");
        }
    } else {
        let sci = format!("{f:e}");
        let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
        out.push_str(mantissa);
        if !mantissa.contains('.') {
            out.push_str(".0");
        }
        out.push('E');
        out.push_str(exponent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn splits_placeholders_and_resolves_escapes() {
        let t = FormatTemplate::parse(r"a {} b \{\} {}\\ \'x\'").unwrap();
        assert_eq!(t.placeholders(), 2);
        assert_eq!(t.render(&[json!(1), json!("z")]), r"a 1 b {} z\ 'x'");
    }

    #[test]
    fn unmatched_braces_are_malformed() {
        for bad in ["Hello {", "}", "Hello {{}}", "{ }", r"\n"] {
            assert_eq!(FormatTemplate::parse(bad), Err(()), "{bad}");
        }
        assert_eq!(
            FormatTemplate::parse("no placeholders")
                .unwrap()
                .placeholders(),
            0
        );
    }

    #[test]
    fn renders_like_aws() {
        let t = FormatTemplate::parse("{}|{}|{}|{}|{}|{}").unwrap();
        let out = t.render(&[
            json!(null),
            json!(false),
            json!(-1),
            json!(3.5),
            json!({"Arg1": 1, "Arg2": [], "s": "x"}),
            json!(["a", [1, null]]),
        ]);
        assert_eq!(
            out,
            "null|false|-1|3.5|{Arg1=1, Arg2=[], s=x}|[a, [1, null]]"
        );
    }

    #[test]
    fn doubles_render_like_java() {
        // Expected strings printed by OpenJDK 17's Double.toString.
        let cases = [
            (1.1, "1.1"),
            (100.0, "100.0"),
            (1e7, "1.0E7"),
            (9999999.5, "9999999.5"),
            (1e-3, "0.001"),
            (9.99e-4, "9.99E-4"),
            (1e21, "1.0E21"),
            (1.5e300, "1.5E300"),
            (-1.234e-5, "-1.234E-5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0, "-0.0"),
            (123456.789, "123456.789"),
            (2.5e-10, "2.5E-10"),
        ];
        for (f, want) in cases {
            let mut out = String::new();
            render_value(&mut out, &Value::float(f));
            assert_eq!(out, want, "{f}");
        }
        let mut out = String::new();
        render_value(&mut out, &json!(10000000));
        assert_eq!(out, "10000000");
    }
}
