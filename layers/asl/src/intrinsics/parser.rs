//! The intrinsic-call parser: turns `States.Fn(arg, ...)` text into a [`Call`] tree, once, at compile time.
//!
//! Grammar (AWS developer guide, "Intrinsic functions for JSONPath states"):
//! ```text
//! call    := "States." Name "(" [ arg { "," arg } ] ")"
//! arg     := call | string | number | "true" | "false" | "null" | path
//! string  := "'" { char | "\'" | "\{" | "\}" | "\\" } "'"
//! path    := "$" ...            (a JSONPath, a `$$` context path or a `$name` variable reference)
//! ```

use std::sync::Arc;

use crate::Value;
use crate::path::{Path, Root};
use crate::value::Str;

use super::format::FormatTemplate;

/// The most deeply nested calls the parser accepts; a guard against stack exhaustion on hostile input.
pub(crate) const MAX_DEPTH: usize = 64;

/// One node of a parsed call.
#[derive(Clone, Debug)]
pub(crate) enum Expr {
    /// A literal value: string, number, `true`, `false` or `null`.
    Literal(Value),
    /// A path argument.
    Path(PathArg),
    /// A nested call.
    Call(Arc<Call>),
}

/// A path argument.
#[derive(Clone, Debug)]
pub(crate) struct PathArg {
    pub path: Path,
    /// How AWS names the path when it finds nothing: as written, except that a `$$.` context path is
    /// reported rewritten to `$.` (the shape of Step Functions Local's cause).
    pub display: Str,
}

/// A function call with its arguments.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub func: Func,
    pub args: Vec<Expr>,
    /// For `States.Format` with a literal template: the template split into pieces once, or `Err` when it is
    /// malformed (reported when the call runs, as AWS does).
    pub template: Option<Result<FormatTemplate, ()>>,
}

/// The intrinsic functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Func {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    Uuid,
}

impl Func {
    pub(crate) const ALL: [Func; 18] = [
        Func::Format,
        Func::StringToJson,
        Func::JsonToString,
        Func::Array,
        Func::ArrayPartition,
        Func::ArrayContains,
        Func::ArrayRange,
        Func::ArrayGetItem,
        Func::ArrayLength,
        Func::ArrayUnique,
        Func::Base64Encode,
        Func::Base64Decode,
        Func::Hash,
        Func::JsonMerge,
        Func::MathRandom,
        Func::MathAdd,
        Func::StringSplit,
        Func::Uuid,
    ];

    /// The full name, e.g. `States.MathAdd`.
    pub fn name(self) -> &'static str {
        match self {
            Func::Format => "States.Format",
            Func::StringToJson => "States.StringToJson",
            Func::JsonToString => "States.JsonToString",
            Func::Array => "States.Array",
            Func::ArrayPartition => "States.ArrayPartition",
            Func::ArrayContains => "States.ArrayContains",
            Func::ArrayRange => "States.ArrayRange",
            Func::ArrayGetItem => "States.ArrayGetItem",
            Func::ArrayLength => "States.ArrayLength",
            Func::ArrayUnique => "States.ArrayUnique",
            Func::Base64Encode => "States.Base64Encode",
            Func::Base64Decode => "States.Base64Decode",
            Func::Hash => "States.Hash",
            Func::JsonMerge => "States.JsonMerge",
            Func::MathRandom => "States.MathRandom",
            Func::MathAdd => "States.MathAdd",
            Func::StringSplit => "States.StringSplit",
            Func::Uuid => "States.UUID",
        }
    }

    fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    /// How many arguments the function takes: (min, max), `None` for no upper bound.
    pub fn arity(self) -> (usize, Option<usize>) {
        match self {
            // States.Format "takes one or more arguments".
            Func::Format => (1, None),
            // States.Array "takes zero or more arguments".
            Func::Array => (0, None),
            // States.UUID "doesn't take any arguments".
            Func::Uuid => (0, Some(0)),
            Func::StringToJson
            | Func::JsonToString
            | Func::ArrayLength
            | Func::ArrayUnique
            | Func::Base64Encode
            | Func::Base64Decode => (1, Some(1)),
            Func::ArrayPartition
            | Func::ArrayContains
            | Func::ArrayGetItem
            | Func::Hash
            | Func::MathAdd
            | Func::StringSplit => (2, Some(2)),
            Func::ArrayRange | Func::JsonMerge => (3, Some(3)),
            // A start, an end and an optional seed.
            Func::MathRandom => (2, Some(3)),
        }
    }
}

/// Why a call does not parse, saying what and where.
#[derive(Debug)]
pub(crate) struct ParseError {
    pub reason: String,
}

/// Parses a whole intrinsic call (surrounding whitespace allowed).
pub(crate) fn parse_call(text: &str) -> Result<Arc<Call>, ParseError> {
    let mut p = Parser { text, pos: 0 };
    p.skip_ws();
    if !p.rest().starts_with("States.") {
        return Err(p.error("expected an intrinsic function call starting with 'States.'"));
    }
    let call = p.call(1)?;
    p.skip_ws();
    if p.pos < text.len() {
        return Err(p.error(format!(
            "unexpected '{}' after the closing ')'",
            p.peek_char()
        )));
    }
    Ok(call)
}

/// Parses the body of a single-quoted string literal (without the quotes), resolving the four escapes.
/// `Err` gives the byte offset of the bad backslash.
pub(crate) fn unescape(raw: &str) -> Result<String, usize> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            // "The literal string \' represents '. \{ represents {. \} represents }. \\ represents \."
            match chars.next() {
                Some((_, e @ ('\'' | '{' | '}' | '\\'))) => out.push(e),
                _ => return Err(i),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Writes `value` as a string literal that [`unescape`] turns back into `value`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn peek_char(&self) -> char {
        self.rest().chars().next().unwrap_or(' ')
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn error(&self, what: impl Into<String>) -> ParseError {
        self.error_at(self.pos, what)
    }

    /// An error naming the character (not byte) offset of `byte_pos`.
    fn error_at(&self, byte_pos: usize, what: impl Into<String>) -> ParseError {
        let at = self.text[..byte_pos].chars().count();
        ParseError {
            reason: format!("{} at character {at}", what.into()),
        }
    }

    fn call(&mut self, depth: usize) -> Result<Arc<Call>, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("intrinsic calls nested more than {MAX_DEPTH} deep")));
        }
        let start = self.pos;
        let name_len = self
            .rest()
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || b == b'.' || b == b'_'))
            .unwrap_or(self.rest().len());
        let name = &self.text[start..start + name_len];
        let func = Func::from_name(name)
            .ok_or_else(|| self.error_at(start, format!("unknown intrinsic function '{name}'")))?;
        self.pos += name_len;
        if self.peek() != Some(b'(') {
            return Err(self.error(format!("expected '(' after {name}")));
        }
        self.pos += 1;
        let mut args = Vec::new();
        let mut first_raw = None;
        self.skip_ws();
        if self.peek() == Some(b')') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                let (arg, raw) = self.arg(depth)?;
                if args.is_empty() {
                    first_raw = raw;
                }
                args.push(arg);
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b')') => {
                        self.pos += 1;
                        break;
                    }
                    None => return Err(self.error(format!("missing ')' to close {name}"))),
                    Some(_) => {
                        return Err(self.error(format!(
                            "expected ',' or ')' but found '{}'",
                            self.peek_char()
                        )));
                    }
                }
            }
        }
        let (min, max) = func.arity();
        if args.len() < min || max.is_some_and(|max| args.len() > max) {
            let expected = match (min, max) {
                (min, None) => format!("at least {min}"),
                (min, Some(max)) if min == max => format!("{min}"),
                (min, Some(max)) => format!("{min} to {max}"),
            };
            let plural = if matches!((min, max), (1, None | Some(1))) {
                ""
            } else {
                "s"
            };
            return Err(self.error_at(
                start,
                format!(
                    "{name} takes {expected} argument{plural} but was given {}",
                    args.len()
                ),
            ));
        }
        // A literal template is split into pieces once; the raw text keeps its escapes, so `\{` stays a
        // brace rather than starting a placeholder.
        let template = match func {
            Func::Format => first_raw.map(|raw| FormatTemplate::parse(&raw)),
            _ => None,
        };
        Ok(Arc::new(Call {
            func,
            args,
            template,
        }))
    }

    /// One argument, and for a string literal its raw (still escaped) text.
    fn arg(&mut self, depth: usize) -> Result<(Expr, Option<String>), ParseError> {
        match self.peek() {
            None | Some(b',' | b')') => Err(self.error("missing argument")),
            Some(b'\'') => {
                let (value, raw) = self.string()?;
                Ok((Expr::Literal(Value::String(value.into())), Some(raw)))
            }
            Some(b'$') => Ok((self.path()?, None)),
            Some(b'-' | b'0'..=b'9') => Ok((self.number()?, None)),
            Some(_) if self.rest().starts_with("States.") => {
                Ok((Expr::Call(self.call(depth + 1)?), None))
            }
            Some(_) => {
                for (word, value) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    let after = self.rest().as_bytes().get(word.len());
                    if self.rest().starts_with(word)
                        && !after.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    {
                        self.pos += word.len();
                        return Ok((Expr::Literal(value), None));
                    }
                }
                Err(self.error(format!(
                    "unexpected '{}' (an argument is a 'string', a number, true, false, null, a path or an intrinsic call)",
                    self.peek_char()
                )))
            }
        }
    }

    /// A single-quoted string: its value and its raw text between the quotes.
    fn string(&mut self) -> Result<(String, String), ParseError> {
        let open = self.pos;
        self.pos += 1;
        let body_start = self.pos;
        let bytes = self.text.as_bytes();
        loop {
            match bytes.get(self.pos) {
                None => return Err(self.error_at(open, "unterminated string literal")),
                Some(b'\\') => self.pos += 2,
                Some(b'\'') => break,
                Some(_) => self.pos += 1,
            }
        }
        if self.pos > self.text.len() {
            return Err(self.error_at(open, "unterminated string literal"));
        }
        let raw = &self.text[body_start..self.pos];
        self.pos += 1;
        // "If an open escape backslash \ is found in the intrinsic invocation string, the interpreter will
        // throw a runtime error." AWS refuses such a definition, so it is a parse error here.
        let value = unescape(raw).map_err(|at| {
            let escaped = self.text[body_start + at..]
                .chars()
                .nth(1)
                .map_or(String::new(), String::from);
            self.error_at(
                body_start + at,
                format!("invalid escape '\\{escaped}' in a string literal (only \\' \\{{ \\}} and \\\\ are allowed)"),
            )
        })?;
        Ok((value, raw.to_owned()))
    }

    /// A JSON number.
    fn number(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut end = self.pos;
        if bytes.get(end) == Some(&b'-') {
            end += 1;
        }
        let digits = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let int_end = digits(end);
        let mut valid = int_end > end;
        end = int_end;
        if bytes.get(end) == Some(&b'.') {
            let frac_end = digits(end + 1);
            valid &= frac_end > end + 1;
            end = frac_end;
        }
        if matches!(bytes.get(end), Some(b'e' | b'E')) {
            let mut exp = end + 1;
            if matches!(bytes.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            let exp_end = digits(exp);
            valid &= exp_end > exp;
            end = exp_end;
        }
        let lexeme = &self.text[start..end];
        let value = if valid {
            Value::from_json_str(lexeme).ok()
        } else {
            None
        };
        match value {
            Some(v @ Value::Number(_)) => {
                self.pos = end;
                Ok(Expr::Literal(v))
            }
            _ => Err(self.error_at(start, format!("invalid number '{lexeme}'"))),
        }
    }

    /// A path: everything up to the `,` or `)` that ends the argument, outside brackets and quotes.
    fn path(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        let mut i = self.pos;
        while let Some(&b) = bytes.get(i) {
            if let Some(q) = quote {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            } else {
                match b {
                    b'\'' | b'"' if depth > 0 => quote = Some(b),
                    b'[' | b'(' => depth += 1,
                    b']' | b')' if depth > 0 => depth -= 1,
                    b',' | b')' if depth == 0 => break,
                    _ => {}
                }
            }
            i += 1;
        }
        let text = self.text[start..i.min(self.text.len())].trim_end();
        let path = Path::parse(text)
            .map_err(|e| self.error_at(start, format!("invalid path '{text}': {}", e.reason)))?;
        self.pos = start + text.len();
        let display: Str = match path.root() {
            Root::Context => format!("${}", &text[2..]).into(),
            _ => text.into(),
        };
        Ok(Expr::Path(PathArg { path, display }))
    }
}
