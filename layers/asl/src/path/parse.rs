//! The path parser: Jayway's `PathCompiler` grammar, plus the `$$` and `$name` roots of Step Functions.

use super::filter::Filter;
use super::function::{Call, FnName, Param};
use super::{Compiled, Root, Step, SubPath};
use crate::Value;

/// A parse failure: the byte offset in the text and what is wrong.
#[derive(Debug)]
pub(super) struct PErr {
    pub pos: usize,
    pub msg: String,
}

pub(super) type PResult<T> = Result<T, PErr>;

/// A cursor over the whole path text; sub-parsers (filters, function arguments) work on a window of it
/// (`pos..end`) so that error positions stay relative to the whole path.
pub(super) struct Parser<'a> {
    pub s: &'a str,
    pub b: &'a [u8],
    pub pos: usize,
    pub end: usize,
    /// How deeply filters, parentheses and `!` nest here; bounded so a hostile path cannot exhaust the stack.
    pub depth: usize,
}

/// The deepest nesting of filters, parentheses and negations a path may use.
pub(super) const MAX_DEPTH: usize = 64;

/// Parses a whole path: its root, then its steps.
pub(super) fn parse_path(text: &str) -> PResult<(Root, Compiled)> {
    let mut p = Parser::new(text);
    // Jayway trims the path (`CharacterIndex.trim()`: spaces only).
    while p.pos < p.end && p.b[p.pos] == b' ' {
        p.pos += 1;
    }
    while p.end > p.pos && p.b[p.end - 1] == b' ' {
        p.end -= 1;
    }
    if p.pos >= p.end || p.b[p.pos] != b'$' {
        return p.fail(p.pos, "a path must start with '$'");
    }
    let root = p.root()?;
    let compiled = p.compiled()?;
    Ok((root, compiled))
}

impl<'a> Parser<'a> {
    pub fn new(s: &'a str) -> Parser<'a> {
        Parser {
            s,
            b: s.as_bytes(),
            pos: 0,
            end: s.len(),
            depth: 0,
        }
    }

    /// A parser for the window `pos..end`, one level deeper.
    pub fn nested(&self, pos: usize, end: usize) -> PResult<Parser<'a>> {
        if self.depth >= MAX_DEPTH {
            return self.fail(pos, "the path nests too deeply");
        }
        Ok(Parser {
            s: self.s,
            b: self.b,
            pos,
            end,
            depth: self.depth + 1,
        })
    }

    pub fn fail<T>(&self, pos: usize, msg: impl Into<String>) -> PResult<T> {
        Err(PErr {
            pos,
            msg: msg.into(),
        })
    }

    pub fn at(&self, i: usize) -> Option<u8> {
        (i < self.end).then(|| self.b[i])
    }

    /// The first character at or after `from` that is not a space (Jayway's `nextSignificantChar`).
    pub fn next_significant(&self, from: usize) -> Option<(usize, u8)> {
        (from..self.end)
            .map(|i| (i, self.b[i]))
            .find(|&(_, c)| c != b' ')
    }

    /// The index of the next `c` after `from` that is not escaped by a backslash
    /// (Jayway's `nextIndexOfUnescaped`).
    pub fn next_unescaped(&self, from: usize, c: u8) -> Option<usize> {
        let mut escaped = false;
        for i in from + 1..self.end {
            let here = self.b[i];
            if escaped {
                escaped = false;
            } else if here == b'\\' {
                escaped = true;
            } else if here == c {
                return Some(i);
            }
        }
        None
    }

    /// Reads the root at `self.pos` (a `$`): `$$`, `$name` or `$`.
    fn root(&mut self) -> PResult<Root> {
        self.pos += 1;
        let rest = &self.s[self.pos..self.end];
        if rest.starts_with('$') {
            self.pos += 1;
            return Ok(Root::Context);
        }
        // A variable name is made of letters, digits and `_`, and ends at `.` or `[`.
        let len: usize = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum();
        if len == 0 {
            return Ok(Root::Input);
        }
        let name = &rest[..len];
        self.pos += len;
        Ok(Root::Variable(name.into()))
    }

    /// Reads the steps from `self.pos` to `self.end` (just after a root).
    pub fn compiled(&mut self) -> PResult<Compiled> {
        if self.end > self.pos && self.b[self.end - 1] == b'.' {
            return self.fail(self.end - 1, "a path must not end with '.' or '..'");
        }
        let steps = self.steps()?;
        Ok(Compiled::new(steps))
    }

    fn steps(&mut self) -> PResult<Vec<Step>> {
        let mut steps = Vec::new();
        if self.pos >= self.end {
            return Ok(steps);
        }
        if !matches!(self.b[self.pos], b'.' | b'[') {
            return self.fail(self.pos, "expected '.' or '[' after the root");
        }
        while self.pos < self.end {
            match self.b[self.pos] {
                b'[' => self.bracket(&mut steps)?,
                b'.' => self.dot(&mut steps)?,
                b'*' => {
                    self.pos += 1;
                    steps.push(Step::Wildcard);
                }
                _ => self.name(&mut steps)?,
            }
        }
        if steps
            .windows(2)
            .any(|w| matches!(w, [Step::Scan, Step::Function(_)]))
        {
            return self.fail(
                self.end,
                "'..' must be followed by a name, '*' or '[...]', not a function",
            );
        }
        Ok(steps)
    }

    /// `.` and `..` (Jayway's `readDotToken`).
    fn dot(&mut self, steps: &mut Vec<Step>) -> PResult<()> {
        let at = self.pos;
        if self.at(at + 1) == Some(b'.') {
            steps.push(Step::Scan);
            self.pos += 2;
        } else {
            self.pos += 1;
        }
        if self.pos >= self.end {
            return self.fail(at, "a path must not end with '.' or '..'");
        }
        if self.b[self.pos] == b'.' {
            return self.fail(self.pos, "unexpected '.'");
        }
        Ok(())
    }

    /// A dot-notation name or a function call (Jayway's `readPropertyOrFunctionToken`): anything up to the
    /// next `.`, `[` or `(`; a space is refused.
    ///
    /// AWS's guide says "you must use bracket notation" for characters outside JsonPath's
    /// `member-name-shorthand`, but its Jayway reader accepts them: AWS resolves `$.delivery-partner`
    /// (recorded case base-scenarios--map-state-item-selector-singleton).
    fn name(&mut self, steps: &mut Vec<Step>) -> PResult<()> {
        let start = self.pos;
        let mut i = start;
        while i < self.end {
            match self.b[i] {
                b' ' => {
                    return self.fail(i, "use bracket notation ['my prop'] for a name that contains blank characters");
                }
                b'.' | b'[' => break,
                b'(' => return self.function(start, i, steps),
                _ => i += 1,
            }
        }
        steps.push(Step::Field {
            name: self.s[start..i].into(),
            quote: '\'',
        });
        self.pos = i;
        Ok(())
    }

    /// `name(args)`: a function, which must end the path.
    fn function(&mut self, start: usize, open: usize, steps: &mut Vec<Step>) -> PResult<()> {
        let name = &self.s[start..open];
        let mut depth = 1;
        let mut close = None;
        for i in open + 1..self.end {
            match self.b[i] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else {
            return self.fail(
                start,
                format!("the arguments of function '{name}' are not closed"),
            );
        };
        let Some(fn_name) = FnName::from_name(name) else {
            return self.fail(start, format!("function '{name}' does not exist"));
        };
        let params = self.params(open + 1, close)?;
        self.pos = close + 1;
        if self.pos < self.end {
            return self.fail(self.pos, "a function must be the last step of a path");
        }
        steps.push(Step::Function(Box::new(Call::new(
            fn_name,
            params,
            self.s[open + 1..close].into(),
        ))));
        Ok(())
    }

    /// Function arguments separated by top-level commas (Jayway's `parseFunctionParameters`): a JSON value
    /// (starting with `{`, a digit, `"` or `-`) or a path (starting with `$` or `@`); anything else is
    /// ignored, as Jayway ignores it.
    fn params(&self, start: usize, end: usize) -> PResult<Vec<Param>> {
        let mut params = Vec::new();
        let mut depth = 0i32;
        let mut quote: Option<u8> = None;
        let mut escaped = false;
        let mut from = start;
        for i in start..=end {
            let c = if i == end { b',' } else { self.b[i] };
            if let Some(q) = quote {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                if i < end {
                    continue;
                }
            }
            match c {
                b'"' | b'\'' if i < end => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b',' if depth <= 0 => {
                    if let Some(p) = self.param(from, i)? {
                        params.push(p);
                    }
                    from = i + 1;
                }
                _ => {}
            }
        }
        Ok(params)
    }

    fn param(&self, start: usize, end: usize) -> PResult<Option<Param>> {
        let is_ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
        let Some(first) = (start..end).find(|&i| !is_ws(&self.b[i])) else {
            return Ok(None);
        };
        let last = (first..end)
            .rev()
            .find(|&i| !is_ws(&self.b[i]))
            .map_or(first, |i| i + 1);
        match self.b[first] {
            b'$' | b'@' => Ok(Some(Param::Path(self.sub_path(first, last)?))),
            b'{' | b'"' | b'-' | b'0'..=b'9' => match lenient_json(&self.s[first..last]) {
                Some(v) => Ok(Some(Param::Json(v))),
                None => self.fail(first, "invalid JSON function argument"),
            },
            _ => Ok(None),
        }
    }

    /// A path starting at `@` or `$` that spans `start..end` (filter operands, function arguments).
    pub fn sub_path(&self, start: usize, end: usize) -> PResult<SubPath> {
        let mut p = self.nested(start + 1, end)?;
        let compiled = p.compiled()?;
        Ok(SubPath {
            current: self.b[start] == b'@',
            compiled,
        })
    }

    /// A `[...]` token (Jayway's `readNextToken` for `[`).
    fn bracket(&mut self, steps: &mut Vec<Step>) -> PResult<()> {
        let open = self.pos;
        match self.next_significant(open + 1) {
            Some((_, q @ (b'\'' | b'"'))) => self.bracket_names(open, q, steps),
            Some((_, b'0'..=b'9' | b'-' | b':')) => self.array(open, steps),
            Some((i, b'*')) => match self.next_significant(i + 1) {
                Some((j, b']')) => {
                    self.pos = j + 1;
                    steps.push(Step::Wildcard);
                    Ok(())
                }
                _ => self.fail(i + 1, "expected wildcard token to end with ']'"),
            },
            Some((i, b'?')) => self.filter(open, i, steps),
            _ => self.fail(
                open,
                "could not parse token starting at '[': expected a quoted name, an index, a slice, '*' or '?(...)'",
            ),
        }
    }

    /// `['a']`, `["a"]`, `['a','b']` (Jayway's `readBracketPropertyToken`). A backslash keeps the next
    /// character from closing the name but stays in it: AWS reads `$['Test\""Name"']` as the key
    /// `Test\""Name"` (conformance case base-scenarios--escape-sequence-parsing-escape-sequences-jsonpath).
    fn bracket_names(&mut self, open: usize, q: u8, steps: &mut Vec<Step>) -> PResult<()> {
        let mut names: Vec<&str> = Vec::new();
        let mut start = 0;
        let mut in_name = false;
        let mut escaped = false;
        let mut after_comma = false;
        let mut close = None;
        let mut i = open + 1;
        while i < self.end {
            let c = self.b[i];
            if in_name {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == q {
                    match self.next_significant(i + 1) {
                        Some((_, b']' | b',')) => {}
                        None => return self.fail(open, "missing closing ']'"),
                        _ => {
                            return self.fail(
                                i,
                                "names in brackets must be separated by ',' and closed by ']'",
                            );
                        }
                    }
                    names.push(&self.s[start..i]);
                    in_name = false;
                }
            } else if c == q {
                start = i + 1;
                in_name = true;
                after_comma = false;
            } else if c == b']' {
                if after_comma {
                    return self.fail(i, "empty name in brackets");
                }
                close = Some(i);
                break;
            } else if c == b',' {
                if after_comma {
                    return self.fail(i, "empty name in brackets");
                }
                after_comma = true;
            } else if c != b' ' {
                return self.fail(
                    i,
                    format!(
                        "unexpected '{}' in brackets",
                        self.s[i..].chars().next().unwrap_or(' ')
                    ),
                );
            }
            i += 1;
        }
        if in_name {
            return self.fail(
                start.saturating_sub(1),
                format!("name not closed: missing closing {}", q as char),
            );
        }
        let Some(close) = close else {
            return self.fail(open, "missing closing ']'");
        };
        let quote = q as char;
        if names.len() == 1 {
            steps.push(Step::Field {
                name: names[0].into(),
                quote,
            });
        } else {
            steps.push(Step::Fields {
                names: names.into_iter().map(Into::into).collect(),
                quote,
            });
        }
        self.pos = close + 1;
        Ok(())
    }

    /// `[0]`, `[-1]`, `[0,2]`, `[1:3]`, `[:2]`, `[-2:]` (Jayway's `readArrayToken`, `ArrayIndexOperation`
    /// and `ArraySliceOperation`: a slice has no step; a third part is ignored, as Jayway ignores it).
    fn array(&mut self, open: usize, steps: &mut Vec<Step>) -> PResult<()> {
        let Some(close) = (open + 1..self.end).find(|&i| self.b[i] == b']') else {
            return self.fail(open, "missing closing ']'");
        };
        let inner = self.s[open + 1..close].trim_matches(|c: char| c <= ' ');
        if !inner
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b',' | b'-' | b':' | b' '))
        {
            return self.fail(open + 1, format!("invalid array index or slice '{inner}'"));
        }
        let int = |token: &str| -> PResult<i32> {
            token
                .parse::<i32>()
                .or_else(|_| self.fail(open + 1, format!("invalid array index '{token}'")))
        };
        if inner.contains(':') {
            if !inner
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b':'))
            {
                return self.fail(open + 1, format!("invalid slice '{inner}'"));
            }
            // Java's `split(":")` drops trailing empty parts.
            let mut parts: Vec<&str> = inner.split(':').collect();
            while parts.last() == Some(&"") {
                parts.pop();
            }
            let read = |i: usize| -> PResult<Option<i32>> {
                match parts.get(i) {
                    None | Some(&"") => Ok(None),
                    Some(t) => int(t).map(Some),
                }
            };
            let (from, to) = (read(0)?, read(1)?);
            if from.is_none() && to.is_none() {
                return self.fail(
                    open + 1,
                    format!("invalid slice '{inner}': it needs a start or an end"),
                );
            }
            steps.push(Step::Slice { from, to });
        } else {
            let indexes = inner
                .split(',')
                .map(|t| int(t.trim()))
                .collect::<PResult<Vec<i32>>>()?;
            if indexes.len() == 1 {
                steps.push(Step::Index(indexes[0]));
            } else {
                steps.push(Step::Indexes(indexes.into_boxed_slice()));
            }
        }
        self.pos = close + 1;
        Ok(())
    }

    /// `[?(...)]` (Jayway's `readFilterToken`).
    fn filter(&mut self, open: usize, question: usize, steps: &mut Vec<Step>) -> PResult<()> {
        let Some((paren, b'(')) = self.next_significant(question + 1) else {
            return self.fail(question + 1, "expected '(' after '[?'");
        };
        let close = self.closing_paren(paren)?;
        let Some((bracket, b']')) = self.next_significant(close + 1) else {
            return self.fail(close + 1, "expected ']' after the filter expression");
        };
        let expr = self.filter_expr(paren, close + 1)?;
        steps.push(Step::Filter(Box::new(Filter::new(
            self.s[open..=bracket].into(),
            expr,
        ))));
        self.pos = bracket + 1;
        Ok(())
    }

    /// The `)` matching the `(` at `open`, skipping quoted strings and `/regex/`s (Jayway's
    /// `indexOfClosingBracket(open, true, true)`).
    fn closing_paren(&self, open: usize) -> PResult<usize> {
        let mut depth = 0;
        let mut i = open;
        while i < self.end {
            match self.b[i] {
                q @ (b'\'' | b'"' | b'/') => match self.next_unescaped(i, q) {
                    Some(j) => i = j,
                    None => return self.fail(i, format!("{} is not closed", q as char)),
                },
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(i);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.fail(open, "the filter's '(' is not closed")
    }
}

/// Parses a JSON value the way Jayway's default provider (json-smart, permissive) does for filter literals
/// and function arguments: standard JSON, or JSON with single-quoted strings (`['a','b']`).
pub(super) fn lenient_json(text: &str) -> Option<Value> {
    if let Ok(v) = Value::from_json_str(text) {
        return Some(v);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'') => {
                quote = Some('\'');
                out.push('"');
            }
            (None, '"') => {
                quote = Some('"');
                out.push('"');
            }
            (None, _) => out.push(c),
            (Some(q), '\\') => match chars.next() {
                Some('\'') if q == '\'' => out.push('\''),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            (Some('\''), '"') => out.push_str("\\\""),
            (Some(q), _) if c == q => {
                quote = None;
                out.push('"');
            }
            (Some(_), _) => out.push(c),
        }
    }
    Value::from_json_str(&out).ok()
}
