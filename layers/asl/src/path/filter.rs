//! Filter expressions `[?(...)]`: Jayway's `FilterCompiler` grammar and its `EvaluatorFactory` semantics.
//!
//! ```text
//! LogicalOR            = LogicalAND { '||' LogicalAND }
//! LogicalAND           = LogicalANDOperand { '&&' LogicalANDOperand }
//! LogicalANDOperand    = RelationalExpression | '(' LogicalOR ')' | '!' LogicalANDOperand
//! RelationalExpression = Value [ RelationalOperator Value ]      (no operator: an existence check)
//! ```

use std::borrow::Cow;
use std::cmp::Ordering;

use regex::Regex;

use super::SubPath;
use super::eval;
use super::parse::{PResult, Parser, lenient_json};
use crate::Value;
use crate::value::Number;

/// A compiled `[?(...)]` token.
#[derive(Clone, Debug)]
pub(crate) struct Filter {
    text: Box<str>,
    expr: Expr,
}

/// Two filters are the same when they are written the same way (compiled regexes do not compare).
impl PartialEq for Filter {
    fn eq(&self, other: &Filter) -> bool {
        self.text == other.text
    }
}

#[derive(Clone, Debug)]
pub(super) enum Expr {
    Or(Box<[Expr]>),
    And(Box<[Expr]>),
    Not(Box<Expr>),
    /// `@.x` (must exist) or `!@.x` (must not exist).
    Exists {
        path: SubPath,
        should_exist: bool,
    },
    Rel {
        left: Operand,
        op: Op,
        right: Operand,
    },
}

#[derive(Clone, Debug)]
pub(super) enum Operand {
    Path(SubPath),
    Lit(Lit),
}

#[derive(Clone, Debug)]
pub(super) enum Lit {
    Str(Box<str>),
    Num(NumLit),
    Bool(bool),
    Null,
    Json(Value),
    Pattern(Regex),
}

/// A number literal: its text (what Jayway's `BigDecimal` prints it as) and its value.
#[derive(Clone, Debug)]
pub(super) struct NumLit {
    text: Box<str>,
    int: Option<i64>,
    float: f64,
}

/// Jayway's `RelationalOperator`s that a filter written as text can use (`TYPE` and `MATCHES` need Java
/// objects as operands and cannot be written in a path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    TsEq,
    TsNe,
    Lt,
    Le,
    Gt,
    Ge,
    Regex,
    In,
    Nin,
    Contains,
    All,
    Size,
    Exists,
    Empty,
    SubsetOf,
    AnyOf,
    NoneOf,
}

impl Filter {
    pub(super) fn new(text: Box<str>, expr: Expr) -> Filter {
        Filter { text, expr }
    }

    /// Whether `item` (`@`) passes; `root` is what `$` means inside the filter. Jayway's
    /// `PredicatePathToken.accept` turns an `InvalidPathException` (an operand of the wrong kind for `in`,
    /// `subsetof`, `empty`...) into "does not pass".
    pub(super) fn accepts(&self, item: &Value, root: &Value) -> bool {
        self.expr.eval(item, root).unwrap_or(false)
    }
}

/// A filter operand, evaluated: Jayway's `ValueNode` kinds.
#[derive(Debug)]
enum Node<'v> {
    Undefined,
    Null,
    Bool(bool),
    Num(Num<'v>),
    Str(Cow<'v, str>),
    Json(Cow<'v, Value>),
    Pattern(&'v Regex),
}

#[derive(Debug)]
struct Num<'v> {
    int: Option<i64>,
    float: f64,
    src: NumSrc<'v>,
}

#[derive(Debug)]
enum NumSrc<'v> {
    Lit(&'v str),
    Json(Number),
}

impl Expr {
    fn eval(&self, item: &Value, root: &Value) -> Result<bool, ()> {
        match self {
            Expr::Or(list) => {
                for e in list.iter() {
                    if e.eval(item, root)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Expr::And(list) => {
                for e in list.iter() {
                    if !e.eval(item, root)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Expr::Not(e) => Ok(!e.eval(item, root)?),
            Expr::Exists { path, should_exist } => Ok(exists(path, item, root) == *should_exist),
            Expr::Rel { left, op, right } => {
                let l = left.node(item, root);
                let r = right.node(item, root);
                op.apply(&l, &r)
            }
        }
    }
}

/// Jayway evaluates an existence check with `REQUIRE_PROPERTIES`: a definite path exists when it finds a
/// value (even `null`); an indefinite one when it finds something.
fn exists(path: &SubPath, item: &Value, root: &Value) -> bool {
    match eval::select_sub(path, item, root) {
        None => false,
        Some(_) if path.compiled.definite => true,
        Some(v) => v.as_array().is_some_and(|a| !a.is_empty()),
    }
}

impl Operand {
    fn node<'v>(&'v self, item: &'v Value, root: &'v Value) -> Node<'v> {
        match self {
            Operand::Lit(lit) => match lit {
                Lit::Str(s) => Node::Str(Cow::Borrowed(s)),
                Lit::Num(n) => Node::Num(Num {
                    int: n.int,
                    float: n.float,
                    src: NumSrc::Lit(&n.text),
                }),
                Lit::Bool(b) => Node::Bool(*b),
                Lit::Null => Node::Null,
                Lit::Json(v) => Node::Json(Cow::Borrowed(v)),
                Lit::Pattern(re) => Node::Pattern(re),
            },
            Operand::Path(p) => match eval::select_sub(p, item, root) {
                None => Node::Undefined,
                Some(v) => Node::of(v),
            },
        }
    }
}

impl<'v> Node<'v> {
    fn of(v: Cow<'v, Value>) -> Node<'v> {
        match &*v {
            Value::Null => return Node::Null,
            Value::Bool(b) => return Node::Bool(*b),
            Value::Number(n) => return Node::num(n),
            _ => {}
        }
        match v {
            Cow::Borrowed(Value::String(s)) => Node::Str(Cow::Borrowed(s)),
            Cow::Owned(Value::String(s)) => Node::Str(Cow::Owned(s.to_string())),
            other => Node::Json(other),
        }
    }

    fn num(n: &Number) -> Node<'v> {
        let int = n.as_i64();
        Node::Num(Num {
            int,
            float: n.as_f64().unwrap_or(f64::NAN),
            src: NumSrc::Json(n.clone()),
        })
    }

    /// The class Jayway's type-safe operators (`===`, `!==`) compare.
    fn kind(&self) -> u8 {
        match self {
            Node::Undefined => 0,
            Node::Null => 1,
            Node::Bool(_) => 2,
            Node::Num(_) => 3,
            Node::Str(_) => 4,
            Node::Json(_) => 5,
            Node::Pattern(_) => 6,
        }
    }

    /// The items of an array operand (`in`, `subsetof`...): `Ok(None)` for a JSON value that is not an
    /// array (Jayway answers `false`), `Err` for a scalar (Jayway throws "Expected value list node").
    fn list(&self) -> Result<Option<&[Value]>, ()> {
        match self {
            Node::Json(v) => Ok(v.as_array().map(Vec::as_slice)),
            _ => Err(()),
        }
    }
}

impl Num<'_> {
    fn cmp(&self, other: &Num<'_>) -> Ordering {
        match (self.int, other.int) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self
                .float
                .partial_cmp(&other.float)
                .unwrap_or(Ordering::Equal),
        }
    }

    /// The number as Jayway's `NumberNode.asStringNode()` prints it (Java's `BigDecimal.toString()` of the
    /// number's Java text).
    fn text(&self) -> Cow<'_, str> {
        match &self.src {
            NumSrc::Lit(t) => big_decimal_text(t),
            NumSrc::Json(n) => match n
                .as_i64()
                .map(|i| i.to_string())
                .or_else(|| n.as_u64().map(|u| u.to_string()))
            {
                Some(t) => Cow::Owned(t),
                None => Cow::Owned(java_double(self.float)),
            },
        }
    }
}

/// Java's `new BigDecimal(text).toString()` for a plain decimal literal: leading zeros and a negative zero
/// go away; an exponent is printed in Java's double form.
fn big_decimal_text(text: &str) -> Cow<'_, str> {
    if text.contains(['e', 'E']) {
        return Cow::Owned(java_double(text.parse::<f64>().unwrap_or(0.0)));
    }
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let zero = int == "0" && frac.bytes().all(|c| c == b'0');
    let mut out = String::with_capacity(text.len() + 1);
    if neg && !zero {
        out.push('-');
    }
    out.push_str(int);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Cow::Owned(out)
}

/// Java's `Double.toString`, then `BigDecimal`'s printing of its exponent (`1.0E+20`).
fn java_double(f: f64) -> String {
    let a = f.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        let s = format!("{f:?}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_string()
        } else {
            format!("{mantissa}.0")
        };
        let exp = if exp.starts_with('-') {
            exp.to_string()
        } else {
            format!("+{exp}")
        };
        format!("{mantissa}E{exp}")
    }
}

/// Java's `new BigDecimal(s)`, as Jayway's `StringNode.asNumberNode()` uses it; `None` for Jayway's `NaN`.
fn parse_big_decimal(s: &str) -> Option<(Option<i64>, f64)> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut mantissa_digits = i - digits_start;
    let mut plain = true;
    if i < b.len() && b[i] == b'.' {
        plain = false;
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        mantissa_digits += i - f;
    }
    if mantissa_digits == 0 {
        return None;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        plain = false;
        i += 1;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    let float = s.parse::<f64>().ok()?;
    Some((if plain { s.parse::<i64>().ok() } else { None }, float))
}

/// Jayway's `ValueNode.equals`, as the `==` evaluator calls it (`left.equals(right)`): a string and a
/// number compare through the left operand's kind; `undefined` equals nothing.
fn equals(l: &Node<'_>, r: &Node<'_>) -> bool {
    match (l, r) {
        (Node::Null, Node::Null) => true,
        (Node::Bool(a), Node::Bool(b)) => a == b,
        (Node::Num(a), Node::Num(b)) => a.cmp(b) == Ordering::Equal,
        (Node::Num(a), Node::Str(s)) => match parse_big_decimal(s) {
            Some((int, float)) => {
                let b = Num {
                    int,
                    float,
                    src: NumSrc::Lit(""),
                };
                a.cmp(&b) == Ordering::Equal
            }
            None => false,
        },
        (Node::Str(s), Node::Num(n)) => *s == n.text(),
        (Node::Str(a), Node::Str(b)) => a == b,
        (Node::Json(a), Node::Json(b)) => a == b,
        (Node::Pattern(a), Node::Pattern(b)) => a.as_str() == b.as_str(),
        _ => false,
    }
}

/// Whether `node` equals one of `items` (Java's `List.contains`, which calls `node.equals(item)`).
fn contains(items: &[Value], node: &Node<'_>) -> bool {
    items
        .iter()
        .any(|item| equals(node, &Node::of(Cow::Borrowed(item))))
}

/// `<`, `<=`, `>`, `>=` compare two numbers or two strings (Java's `String.compareTo`: UTF-16 order);
/// anything else is `false`.
fn order(l: &Node<'_>, r: &Node<'_>) -> Option<Ordering> {
    match (l, r) {
        (Node::Num(a), Node::Num(b)) => Some(a.cmp(b)),
        (Node::Str(a), Node::Str(b)) => Some(a.encode_utf16().cmp(b.encode_utf16())),
        _ => None,
    }
}

/// The text a regex is matched against: strings, numbers and booleans; anything else matches as "".
fn regex_input<'a>(n: &'a Node<'_>) -> Cow<'a, str> {
    match n {
        Node::Str(s) => Cow::Borrowed(s),
        Node::Num(num) => num.text(),
        Node::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        _ => Cow::Borrowed(""),
    }
}

impl Op {
    fn from_text(text: &str) -> Option<Op> {
        Some(match text.to_ascii_uppercase().as_str() {
            "==" => Op::Eq,
            "!=" => Op::Ne,
            "===" => Op::TsEq,
            "!==" => Op::TsNe,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "=~" => Op::Regex,
            "IN" => Op::In,
            "NIN" => Op::Nin,
            "CONTAINS" => Op::Contains,
            "ALL" => Op::All,
            "SIZE" => Op::Size,
            "EXISTS" => Op::Exists,
            "EMPTY" => Op::Empty,
            "SUBSETOF" => Op::SubsetOf,
            "ANYOF" => Op::AnyOf,
            "NONEOF" => Op::NoneOf,
            _ => return None,
        })
    }

    /// Jayway's evaluators; `Err` where Jayway throws an `InvalidPathException`.
    fn apply(self, l: &Node<'_>, r: &Node<'_>) -> Result<bool, ()> {
        Ok(match self {
            Op::Eq => equals(l, r),
            Op::Ne => !equals(l, r),
            Op::TsEq => l.kind() == r.kind() && equals(l, r),
            Op::TsNe => !(l.kind() == r.kind() && equals(l, r)),
            Op::Lt => order(l, r) == Some(Ordering::Less),
            Op::Le => matches!(order(l, r), Some(Ordering::Less | Ordering::Equal)),
            Op::Gt => order(l, r) == Some(Ordering::Greater),
            Op::Ge => matches!(order(l, r), Some(Ordering::Greater | Ordering::Equal)),
            Op::Regex => match (l, r) {
                (Node::Pattern(p), other) | (other, Node::Pattern(p))
                    if !matches!(other, Node::Pattern(_)) =>
                {
                    p.is_match(&regex_input(other))
                }
                _ => false,
            },
            Op::In => match r.list()? {
                Some(items) => contains(items, l),
                None => false,
            },
            Op::Nin => !Op::In.apply(l, r)?,
            Op::Contains => match (l, r) {
                (Node::Str(a), Node::Str(b)) => a.contains(&**b),
                (Node::Json(v), _) => v.as_array().is_some_and(|items| contains(items, r)),
                _ => false,
            },
            Op::All => {
                let Some(required) = r.list()? else {
                    return Ok(false);
                };
                match l {
                    Node::Json(v) => match v.as_array() {
                        Some(items) => required
                            .iter()
                            .all(|req| contains(items, &Node::of(Cow::Borrowed(req)))),
                        None => true,
                    },
                    _ => false,
                }
            }
            Op::Size => match r {
                Node::Num(n) => {
                    let expected = n.int.unwrap_or(n.float as i64);
                    match l {
                        Node::Str(s) => s.encode_utf16().count() as i64 == expected,
                        Node::Json(v) => json_len(v) == Some(expected),
                        _ => false,
                    }
                }
                _ => false,
            },
            Op::Empty => {
                let Node::Bool(want) = r else { return Err(()) };
                match l {
                    Node::Str(s) => s.is_empty() == *want,
                    Node::Json(v) => json_len(v).map(|n| n == 0) == Some(*want),
                    _ => false,
                }
            }
            Op::Exists => match (l, r) {
                (Node::Bool(a), Node::Bool(b)) => a == b,
                _ => return Err(()),
            },
            Op::SubsetOf => {
                let (Some(left), Some(right)) = (l.list()?, r.list()?) else {
                    return Ok(false);
                };
                left.iter()
                    .all(|x| contains(right, &Node::of(Cow::Borrowed(x))))
            }
            Op::AnyOf => {
                let (Some(left), Some(right)) = (l.list()?, r.list()?) else {
                    return Ok(false);
                };
                left.iter()
                    .any(|x| contains(right, &Node::of(Cow::Borrowed(x))))
            }
            Op::NoneOf => {
                let (Some(left), Some(right)) = (l.list()?, r.list()?) else {
                    return Ok(false);
                };
                !left
                    .iter()
                    .any(|x| contains(right, &Node::of(Cow::Borrowed(x))))
            }
        })
    }
}

fn json_len(v: &Value) -> Option<i64> {
    match v {
        Value::Array(a) => Some(a.len() as i64),
        Value::Object(o) => Some(o.len() as i64),
        _ => None,
    }
}

/// Java's `Utils.unescape`, applied to filter string literals.
fn java_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            None => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.clone().take(4).collect();
                match u32::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 4)
                    .and_then(char::from_u32)
                {
                    Some(ch) => {
                        out.push(ch);
                        for _ in 0..4 {
                            chars.next();
                        }
                    }
                    None => out.push('u'),
                }
            }
            Some(other) => out.push(other),
        }
    }
    out
}

/// The filter parser, working on the window `pos..end` of the whole path text.
impl Parser<'_> {
    /// Parses the `(...)` of a `[?(...)]` spanning `open..end`.
    pub(super) fn filter_expr(&self, open: usize, end: usize) -> PResult<Expr> {
        let mut p = self.nested(open, end)?;
        let expr = p.or()?;
        p.skip_spaces();
        if p.pos < p.end {
            return p.fail(
                p.pos,
                format!(
                    "expected the end of the filter instead of '{}'",
                    &p.s[p.pos..p.end]
                ),
            );
        }
        Ok(expr)
    }

    fn deeper(&mut self) -> PResult<()> {
        if self.depth >= super::parse::MAX_DEPTH {
            return self.fail(self.pos, "the path nests too deeply");
        }
        self.depth += 1;
        Ok(())
    }

    fn skip_spaces(&mut self) {
        while self.pos < self.end && self.b[self.pos] == b' ' {
            self.pos += 1;
        }
    }

    fn cur(&self) -> Option<u8> {
        self.at(self.pos)
    }

    /// Reads `op` (after spaces) if it is next.
    fn eat(&mut self, op: &str) -> bool {
        let save = self.pos;
        self.skip_spaces();
        if self.s[self.pos..self.end].starts_with(op) {
            self.pos += op.len();
            true
        } else {
            self.pos = save;
            false
        }
    }

    fn or(&mut self) -> PResult<Expr> {
        let mut list = vec![self.and()?];
        while self.eat("||") {
            list.push(self.and()?);
        }
        Ok(if list.len() == 1 {
            list.pop().expect("one")
        } else {
            Expr::Or(list.into())
        })
    }

    fn and(&mut self) -> PResult<Expr> {
        let mut list = vec![self.operand()?];
        while self.eat("&&") {
            list.push(self.operand()?);
        }
        Ok(if list.len() == 1 {
            list.pop().expect("one")
        } else {
            Expr::And(list.into())
        })
    }

    fn operand(&mut self) -> PResult<Expr> {
        self.skip_spaces();
        if self.cur() == Some(b'!') {
            let save = self.pos;
            self.pos += 1;
            self.skip_spaces();
            if matches!(self.cur(), Some(b'$' | b'@')) {
                // `!@.x`: the path itself carries the negation (a "must not exist" check).
                self.pos = save;
            } else {
                self.deeper()?;
                let e = self.operand()?;
                self.depth -= 1;
                return Ok(Expr::Not(Box::new(e)));
            }
        }
        if self.cur() == Some(b'(') {
            self.pos += 1;
            self.deeper()?;
            let e = self.or()?;
            self.depth -= 1;
            self.skip_spaces();
            if self.cur() != Some(b')') {
                return self.fail(self.pos, "expected ')' in the filter");
            }
            self.pos += 1;
            return Ok(e);
        }
        self.relational()
    }

    fn relational(&mut self) -> PResult<Expr> {
        let start = self.pos;
        let (left, should_exist) = self.value()?;
        let save = self.pos;
        if let Some(op) = self.operator() {
            let (right, _) = self.value()?;
            return Ok(Expr::Rel { left, op, right });
        }
        self.pos = save;
        match left {
            Operand::Path(path) => Ok(Expr::Exists { path, should_exist }),
            Operand::Lit(_) => {
                self.fail(start, "expected a comparison after a literal in the filter")
            }
        }
    }

    /// Jayway's `readRelationalOperator`: a run of `<>=~!`, or a word up to the next space.
    fn operator(&mut self) -> Option<Op> {
        self.skip_spaces();
        let begin = self.pos;
        let is_op = |c: u8| matches!(c, b'<' | b'>' | b'=' | b'~' | b'!');
        if self.cur().is_some_and(is_op) {
            while self.cur().is_some_and(is_op) {
                self.pos += 1;
            }
        } else {
            while self.cur().is_some_and(|c| c != b' ') {
                self.pos += 1;
            }
        }
        Op::from_text(&self.s[begin..self.pos])
    }

    /// An operand, and whether a path operand was written without `!`.
    fn value(&mut self) -> PResult<(Operand, bool)> {
        self.skip_spaces();
        match self.cur() {
            Some(b'$' | b'@') => self.filter_path(true),
            Some(b'!') => {
                self.pos += 1;
                self.skip_spaces();
                match self.cur() {
                    Some(b'$' | b'@') => self.filter_path(false),
                    _ => self.fail(self.pos, "unexpected '!' in the filter"),
                }
            }
            _ => Ok((Operand::Lit(self.literal()?), true)),
        }
    }

    /// A path operand (Jayway's `readPath`): it ends at a space, an operator character or a `)` that does
    /// not close a function call; brackets are skipped whole.
    fn filter_path(&mut self, should_exist: bool) -> PResult<(Operand, bool)> {
        let begin = self.pos;
        self.pos += 1;
        while self.pos < self.end {
            if self.b[self.pos] == b'[' {
                self.pos = self.closing_bracket(self.pos)? + 1;
                if self.pos >= self.end {
                    break;
                }
            }
            let c = self.b[self.pos];
            let closes_function = c == b')'
                && (begin..self.pos)
                    .rev()
                    .find(|&i| self.b[i] != b' ')
                    .is_some_and(|i| {
                        self.b[i] == b'(' && (begin + 1..i).any(|j| self.b[j] == b'.')
                    });
            if matches!(c, b'<' | b'>' | b'=' | b'~' | b'!' | b' ')
                || (c == b')' && !closes_function)
            {
                break;
            }
            self.pos += 1;
        }
        let path = self.sub_path(begin, self.pos)?;
        Ok((Operand::Path(path), should_exist))
    }

    /// The `]` closing the `[` at `open`, skipping quoted names and nested brackets.
    fn closing_bracket(&self, open: usize) -> PResult<usize> {
        let mut depth = 0;
        let mut i = open;
        while i < self.end {
            match self.b[i] {
                q @ (b'\'' | b'"') => match self.next_unescaped(i, q) {
                    Some(j) => i = j,
                    None => return self.fail(i, format!("{} is not closed", q as char)),
                },
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(i);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.fail(open, "square brackets do not match in the filter")
    }

    /// Jayway's `readLiteral`.
    fn literal(&mut self) -> PResult<Lit> {
        let start = self.pos;
        let rest = &self.s[start..self.end];
        match self.cur() {
            Some(q @ (b'\'' | b'"')) => {
                let Some(close) = self.next_unescaped(start, q) else {
                    return self.fail(start, format!("string not closed: expected {}", q as char));
                };
                self.pos = close + 1;
                Ok(Lit::Str(java_unescape(&self.s[start + 1..close]).into()))
            }
            Some(b't' | b'f') => {
                let (word, value) = if rest.starts_with("true") {
                    ("true", true)
                } else {
                    ("false", false)
                };
                if !rest.starts_with(word) {
                    return self.fail(start, "expected a boolean literal");
                }
                self.pos += word.len();
                Ok(Lit::Bool(value))
            }
            Some(b'n') => {
                if !rest.starts_with("null") {
                    return self.fail(start, "expected null");
                }
                self.pos += 4;
                Ok(Lit::Null)
            }
            Some(open @ (b'[' | b'{')) => {
                let close_char = if open == b'[' { b']' } else { b'}' };
                let close = self.matching_close(start, open, close_char)?;
                self.pos = close + 1;
                match lenient_json(&self.s[start..=close]) {
                    Some(v) => Ok(Lit::Json(v)),
                    None => self.fail(start, "invalid JSON literal in the filter"),
                }
            }
            Some(b'/') => self.pattern(),
            _ => {
                let len = rest
                    .bytes()
                    .take_while(|c| c.is_ascii_digit() || matches!(c, b'-' | b'.' | b'e' | b'E'))
                    .count();
                let text = &rest[..len];
                match parse_big_decimal(text) {
                    Some((int, float)) if !text.starts_with('+') => {
                        self.pos += len;
                        Ok(Lit::Num(NumLit {
                            text: text.into(),
                            int,
                            float,
                        }))
                    }
                    _ => self.fail(start, "expected a value (a path, a string, a number, true, false, null, JSON or /regex/)"),
                }
            }
        }
    }

    /// The `close` matching the `open` at `start`, skipping quoted strings.
    fn matching_close(&self, start: usize, open: u8, close: u8) -> PResult<usize> {
        let mut depth = 0;
        let mut i = start;
        while i < self.end {
            match self.b[i] {
                q @ (b'\'' | b'"') => match self.next_unescaped(i, q) {
                    Some(j) => i = j,
                    None => return self.fail(i, format!("{} is not closed", q as char)),
                },
                c if c == open => depth += 1,
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(i);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.fail(start, format!("{} is not closed", open as char))
    }

    /// `/regex/flags`: Java's `Pattern.compile(regex, flags)` matched with `matches()` (the whole input).
    /// Flags `i`, `m`, `s` and `x` map to Rust's; Jayway's `d`, `u` and `U` change nothing here.
    fn pattern(&mut self) -> PResult<Lit> {
        let start = self.pos;
        let Some(close) = self.next_unescaped(start, b'/') else {
            return self.fail(start, "regular expression not closed: expected /");
        };
        let mut end = close + 1;
        while end < self.end && self.b[end].is_ascii_alphabetic() {
            end += 1;
        }
        let flags: String = self.s[close + 1..end]
            .chars()
            .filter(|c| matches!(c, 'i' | 'm' | 's' | 'x'))
            .collect();
        let body = self.s[start + 1..close].replace("\\/", "/");
        let source = if flags.is_empty() {
            format!(r"\A(?:{body})\z")
        } else {
            format!(r"(?{flags})\A(?:{body})\z")
        };
        match Regex::new(&source) {
            Ok(re) => {
                self.pos = end;
                Ok(Lit::Pattern(re))
            }
            Err(e) => self.fail(start, format!("invalid regular expression: {e}")),
        }
    }
}
