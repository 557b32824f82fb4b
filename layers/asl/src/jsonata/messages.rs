//! Rewrites jsonata-core's error messages into the wording AWS prints.
//!
//! AWS's causes end with the JSONata reference implementation's message for the error code, e.g.
//! `T1006: Attempted to invoke a non-function` (recorded:
//! math-operations-jsonata--math-random-seeded-0) and `T0412: Argument 1 of function "sum" must be
//! an array of "numbers"` (Floci issue #2668: "jsonata-js produces the same text for the same
//! expression"). jsonata-core keeps the codes but words many messages its own way, so messages whose
//! jsonata-js template has no placeholder are replaced by that template, and a few others are
//! re-shaped where jsonata-core's text carries the values the template needs. The rest keep
//! jsonata-core's wording after the right code.

/// jsonata-js error templates (src/jsonata.js `errorCodes`) that take no inserted value.
const FIXED: &[(&str, &str)] = &[
    (
        "S0101",
        "String literal must be terminated by a matching quote",
    ),
    (
        "S0104",
        "The escape sequence \\u must be followed by 4 hex digits",
    ),
    (
        "S0105",
        "Quoted property name must be terminated with a backquote (`)",
    ),
    ("S0106", "Comment has no closing tag"),
    ("S0207", "Unexpected end of expression"),
    (
        "S0209",
        "A predicate cannot follow a grouping expression in a step",
    ),
    ("S0210", "Each step can only have one grouping expression"),
    (
        "S0212",
        "The left side of := must be a variable name (start with $)",
    ),
    (
        "S0215",
        "A context variable binding must precede any predicates on a step",
    ),
    (
        "S0216",
        "A context variable binding must precede the 'order-by' clause on a step",
    ),
    (
        "S0217",
        "The object representing the 'parent' cannot be derived from this expression",
    ),
    ("S0301", "Empty regular expressions are not allowed"),
    ("S0302", "No terminating / in regular expression"),
    ("D1004", "Regular expression matches zero length string"),
    ("T1006", "Attempted to invoke a non-function"),
    ("T1008", "Attempted to partially apply a non-function"),
    (
        "T2003",
        "The left side of the range operator (..) must evaluate to an integer",
    ),
    (
        "T2004",
        "The right side of the range operator (..) must evaluate to an integer",
    ),
    (
        "T2006",
        "The right side of the function application operator ~> must be a function",
    ),
    (
        "T2008",
        "The expressions within an order-by clause must evaluate to numeric or string values",
    ),
    (
        "D3001",
        "Attempting to invoke string function on Infinity or NaN",
    ),
    (
        "D3010",
        "Second argument of replace function cannot be an empty string",
    ),
    (
        "D3011",
        "Fourth argument of replace function must evaluate to a positive number",
    ),
    (
        "D3012",
        "Attempted to replace a matched string with a non-string value",
    ),
    (
        "D3020",
        "Third argument of split function must evaluate to a positive number",
    ),
    (
        "D3040",
        "Third argument of match function must evaluate to a positive number",
    ),
    (
        "D3050",
        "The second argument of reduce function must be a function with at least two arguments",
    ),
    (
        "D3070",
        "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function",
    ),
    (
        "D3080",
        "The picture string must only contain a maximum of two sub-pictures",
    ),
    (
        "D3081",
        "The sub-picture must not contain more than one instance of the 'decimal-separator' character",
    ),
    (
        "D3082",
        "The sub-picture must not contain more than one instance of the 'percent' character",
    ),
    (
        "D3083",
        "The sub-picture must not contain more than one instance of the 'per-mille' character",
    ),
    (
        "D3084",
        "The sub-picture must not contain both a 'percent' and a 'per-mille' character",
    ),
    (
        "D3085",
        "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'",
    ),
    (
        "D3086",
        "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character",
    ),
    (
        "D3087",
        "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character",
    ),
    (
        "D3088",
        "The sub-picture must not contain a 'grouping-separator' at the end of the integer part",
    ),
    (
        "D3089",
        "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character",
    ),
    (
        "D3090",
        "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'",
    ),
    (
        "D3091",
        "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'",
    ),
    (
        "D3092",
        "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'",
    ),
    (
        "D3093",
        "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'",
    ),
    (
        "D3134",
        "The timezone integer format specifier cannot have more than four digits",
    ),
    (
        "D3135",
        "No matching closing bracket ']' in date/time picture string",
    ),
    (
        "D3136",
        "The date/time picture string is missing specifiers required to parse the timestamp",
    ),
    (
        "D3138",
        "The $single() function expected exactly 1 matching result.  Instead it matched more.",
    ),
    (
        "D3139",
        "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
    ),
];

/// The JSONata error code a message starts with (`T1006` in `T1006: ...`).
pub(crate) fn code(message: &str) -> Option<&str> {
    let b = message.as_bytes();
    (b.len() >= 6
        && b[0].is_ascii_uppercase()
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b':')
        .then(|| &message[..5])
}

/// `message` in jsonata-js's words where they can be recovered.
pub(crate) fn normalize(message: &str) -> String {
    let Some(code) = code(message) else {
        return message.to_string();
    };
    let rest = message[6..].trim_start();
    if let Some((_, fixed)) = FIXED.iter().find(|(c, _)| *c == code) {
        return format!("{code}: {fixed}");
    }
    match code {
        // jsonata-js: "The left side of the {{token}} operator must evaluate to a number", the
        // token JSON-quoted. jsonata-core says "the + operator" (and uses T2002 for some left sides).
        "T2001" | "T2002" => {
            if let Some(op) = between(rest, "side of the ", " operator must evaluate to a number") {
                let (code, side) = if rest.starts_with("The left") {
                    ("T2001", "left")
                } else {
                    ("T2002", "right")
                };
                return format!(
                    "{code}: The {side} side of the \"{op}\" operator must evaluate to a number"
                );
            }
        }
        // jsonata-js: "Unable to cast value to a number: {{value}}", the value as JSON.
        "D3030" => {
            if let Some(s) = between(rest, "Cannot convert '", "' to number") {
                let quoted = serde_json::to_string(s).unwrap_or_default();
                return format!("D3030: Unable to cast value to a number: {quoted}");
            }
        }
        // jsonata-js: "Expected {{value}}, got {{token}}", "Expected {{value}} before end of
        // expression", "The symbol {{token}} cannot be used as a unary operator".
        "S0202" => {
            if let Some((expected, found)) = rest
                .strip_prefix("Expected ")
                .and_then(|r| r.split_once(", got "))
                && let (Some(e), Some(f)) = (token(expected), token(found))
            {
                return format!("S0202: Expected {e}, got {f}");
            }
        }
        "S0203" => {
            if let Some(expected) = between(rest, "Expected ", " before end of expression")
                && let Some(e) = token(expected)
            {
                return format!("S0203: Expected {e} before end of expression");
            }
        }
        "S0211" => {
            if let Some(symbol) =
                between(rest, "The symbol ", " cannot be used as a unary operator")
                && let Some(s) = token(symbol)
            {
                return format!("S0211: The symbol {s} cannot be used as a unary operator");
            }
        }
        _ => {}
    }
    message.to_string()
}

/// jsonata-core names the tokens in its parse errors (`Expected RightBracket, got Comma`);
/// jsonata-js quotes the symbols (`Expected "]", got ","`).
const TOKENS: &[(&str, &str)] = &[
    ("Plus", "+"),
    ("Minus", "-"),
    ("Star", "*"),
    ("StarStar", "**"),
    ("Slash", "/"),
    ("Percent", "%"),
    ("Equal", "="),
    ("NotEqual", "!="),
    ("LessThan", "<"),
    ("LessThanOrEqual", "<="),
    ("GreaterThan", ">"),
    ("GreaterThanOrEqual", ">="),
    ("And", "and"),
    ("Or", "or"),
    ("In", "in"),
    ("Ampersand", "&"),
    ("Dot", "."),
    ("DotDot", ".."),
    ("Question", "?"),
    ("QuestionQuestion", "??"),
    ("QuestionColon", "?:"),
    ("Colon", ":"),
    ("ColonEqual", ":="),
    ("TildeArrow", "~>"),
    ("LeftParen", "("),
    ("RightParen", ")"),
    ("LeftBracket", "["),
    ("RightBracket", "]"),
    ("LeftBrace", "{"),
    ("RightBrace", "}"),
    ("Comma", ","),
    ("Semicolon", ";"),
    ("Caret", "^"),
    ("Pipe", "|"),
    ("Hash", "#"),
    ("At", "@"),
];

fn token(name: &str) -> Option<String> {
    TOKENS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, symbol)| format!("\"{symbol}\""))
}

fn between<'a>(s: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    let start = s.find(prefix)? + prefix.len();
    let rest = &s[start..];
    rest.strip_suffix(suffix)
        .or_else(|| rest.find(suffix).map(|end| &rest[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_templates_replace_jsonata_core_wording() {
        assert_eq!(
            normalize("T1006: Attempted to invoke a non-function: $randomSeeded"),
            "T1006: Attempted to invoke a non-function"
        );
        assert_eq!(
            normalize("T2003: Left operand of range operator must be an integer"),
            "T2003: The left side of the range operator (..) must evaluate to an integer"
        );
    }

    #[test]
    fn operator_and_cast_messages_take_jsonata_js_shape() {
        assert_eq!(
            normalize("T2001: The left side of the + operator must evaluate to a number"),
            "T2001: The left side of the \"+\" operator must evaluate to a number"
        );
        assert_eq!(
            normalize("T2002: The right side of the - operator must evaluate to a number"),
            "T2002: The right side of the \"-\" operator must evaluate to a number"
        );
        assert_eq!(
            normalize("T2002: The left side of the + operator must evaluate to a number"),
            "T2001: The left side of the \"+\" operator must evaluate to a number"
        );
        assert_eq!(
            normalize("D3030: Cannot convert 'x' to number"),
            "D3030: Unable to cast value to a number: \"x\""
        );
    }

    #[test]
    fn parse_errors_quote_symbols() {
        assert_eq!(
            normalize("S0202: Expected RightBracket, got Comma"),
            "S0202: Expected \"]\", got \",\""
        );
        assert_eq!(
            normalize("S0203: Expected RightParen before end of expression"),
            "S0203: Expected \")\" before end of expression"
        );
        assert_eq!(
            normalize("S0211: The symbol RightBrace cannot be used as a unary operator"),
            "S0211: The symbol \"}\" cannot be used as a unary operator"
        );
    }

    #[test]
    fn other_messages_pass_through() {
        assert_eq!(normalize("D3137: boom"), "D3137: boom");
        assert_eq!(normalize("no code here"), "no code here");
        assert_eq!(code("T0410: x"), Some("T0410"));
        assert_eq!(code("Expression evaluation memory limit exceeded"), None);
    }
}
