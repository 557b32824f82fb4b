//! Checks of the structured fields: paths, payload templates, `Assign`, Retry/Catch, Choice rules and
//! timestamps.

use serde_json::{Map, Value};

use super::state::{field_query_language, looks_like_path_or_call, wrong_language_message};
use super::{Ql, Validator, codes};
use crate::choice::Condition;
use crate::diagnostic::pointer;
use crate::intrinsics::Intrinsic;
use crate::path::{Path, Root};
use crate::payload::Template;

/// The comparison operators of a JSONPath Choice rule and the JSON type of their operand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Operand {
    String,
    Number,
    Boolean,
    Timestamp,
    /// A `*Path` operator: a Reference Path.
    Path,
}

/// The Choice page's comparison operators.
const OPERATORS: &[(&str, Operand)] = &[
    ("BooleanEquals", Operand::Boolean),
    ("BooleanEqualsPath", Operand::Path),
    ("IsBoolean", Operand::Boolean),
    ("IsNull", Operand::Boolean),
    ("IsNumeric", Operand::Boolean),
    ("IsPresent", Operand::Boolean),
    ("IsString", Operand::Boolean),
    ("IsTimestamp", Operand::Boolean),
    ("NumericEquals", Operand::Number),
    ("NumericEqualsPath", Operand::Path),
    ("NumericGreaterThan", Operand::Number),
    ("NumericGreaterThanPath", Operand::Path),
    ("NumericGreaterThanEquals", Operand::Number),
    ("NumericGreaterThanEqualsPath", Operand::Path),
    ("NumericLessThan", Operand::Number),
    ("NumericLessThanPath", Operand::Path),
    ("NumericLessThanEquals", Operand::Number),
    ("NumericLessThanEqualsPath", Operand::Path),
    ("StringEquals", Operand::String),
    ("StringEqualsPath", Operand::Path),
    ("StringGreaterThan", Operand::String),
    ("StringGreaterThanPath", Operand::Path),
    ("StringGreaterThanEquals", Operand::String),
    ("StringGreaterThanEqualsPath", Operand::Path),
    ("StringLessThan", Operand::String),
    ("StringLessThanPath", Operand::Path),
    ("StringLessThanEquals", Operand::String),
    ("StringLessThanEqualsPath", Operand::Path),
    ("StringMatches", Operand::String),
    ("TimestampEquals", Operand::Timestamp),
    ("TimestampEqualsPath", Operand::Path),
    ("TimestampGreaterThan", Operand::Timestamp),
    ("TimestampGreaterThanPath", Operand::Path),
    ("TimestampGreaterThanEquals", Operand::Timestamp),
    ("TimestampGreaterThanEqualsPath", Operand::Path),
    ("TimestampLessThan", Operand::Timestamp),
    ("TimestampLessThanPath", Operand::Path),
    ("TimestampLessThanEquals", Operand::Timestamp),
    ("TimestampLessThanEqualsPath", Operand::Path),
];

fn operator(key: &str) -> Option<Operand> {
    OPERATORS
        .iter()
        .find(|(name, _)| *name == key)
        .map(|&(_, operand)| operand)
}

/// The error-handling page: "ErrorEquals (Required): A non-empty array of strings that match error
/// names." Fields of a Retrier.
const RETRIER_FIELDS: &[&str] = &[
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
];

/// Fields of a Catcher (`ResultPath` in JSONPath states, `Output` in JSONata states).
const CATCHER_FIELDS: &[&str] = &[
    "ErrorEquals",
    "Next",
    "ResultPath",
    "Output",
    "Assign",
    "Comment",
];

/// Whether `s` is an RFC 3339 timestamp the way Step Functions wants it. The Choice page: "Timestamps must
/// conform to RFC3339 profile of ISO 8601, with the further restrictions that an uppercase T must separate
/// the date and time portions, and an uppercase Z must denote that a numeric time zone offset is not
/// present".
pub(crate) fn is_timestamp(s: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    s.as_bytes().get(10) == Some(&b'T')
        && !s.ends_with('z')
        && time::OffsetDateTime::parse(s, &Rfc3339).is_ok()
}

/// Variable names: letters and digits (and `_`) starting with a letter, at most 80 characters.
fn variable_name_problem(name: &str) -> Option<(&'static str, String)> {
    // "Step Functions defines a reserved variable called $states"; AWS: "RESERVED_VARIABLE_NAME: Cannot
    // assign to reserved variable '$states'."
    if name == "states" {
        return Some((
            codes::RESERVED_VARIABLE_NAME,
            "Cannot assign to reserved variable '$states'.".into(),
        ));
    }
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(char::is_alphabetic)
        && chars.all(|c| c.is_alphanumeric() || c == '_');
    if !valid {
        // AWS: "INVALID_VARIABLE_NAME: Invalid variable name 'x': the variable name contains invalid
        // characters."
        return Some((
            codes::INVALID_VARIABLE_NAME,
            format!(
                "Invalid variable name '{name}': the variable name contains invalid characters."
            ),
        ));
    }
    if name.chars().count() > 80 {
        return Some((
            codes::INVALID_VARIABLE_NAME,
            format!(
                "Invalid variable name '{name}': the variable name exceeds the 80-character limit."
            ),
        ));
    }
    None
}

impl Validator {
    /// A JSONPath field that may also be `null` (`InputPath`, `OutputPath`): the input-output page, "If
    /// the value of InputPath is null, that means that the raw input is discarded".
    pub(crate) fn nullable_path(&mut self, value: &Value, loc: &str) {
        if !value.is_null() {
            self.path(value, loc);
        }
    }

    /// A JSONPath string (`$...`, `$$...` or a `$variable...`), parsed by [`Path::parse`].
    pub(crate) fn path(&mut self, value: &Value, loc: &str) {
        if let Some(text) = self.expect_string(value, loc)
            && let Err(e) = Path::parse(text)
        {
            self.schema(loc, format!("Value must be a valid JSONPath: {}", e.reason));
        }
    }

    /// A Reference Path, parsed: "A reference path is a path whose syntax is limited in such a way that it
    /// can identify only a single node in a JSON structure" (`SecondsPath`, `TimestampPath`, `ItemsPath`,
    /// `Variable`, `*Path` comparisons). Returns the path when it is one.
    pub(crate) fn reference_path(&mut self, value: &Value, loc: &str) -> Option<Path> {
        let text = self.expect_string(value, loc)?;
        match reference_path(text) {
            Ok(path) => Some(path),
            Err(reason) => {
                self.schema(loc, format!("Value is not a Reference Path: {reason}"));
                None
            }
        }
    }

    /// `ResultPath`: "ResultPath ... must be a Reference Path" that writes into the state input (`$...`),
    /// or `null` to discard the result.
    pub(crate) fn result_path(&mut self, value: &Value, loc: &str) {
        if !value.is_null()
            && let Some(path) = self.reference_path(value, loc)
            && *path.root() != Root::Input
        {
            self.schema(
                loc,
                "Value is not a Reference Path: ResultPath must start with '$'",
            );
        }
    }

    /// `ErrorPath`, `CausePath`: the Fail page, "a path or an intrinsic function". Measured on AWS: a
    /// Reference Path or an intrinsic call.
    pub(crate) fn path_or_intrinsic(&mut self, value: &Value, loc: &str) {
        let Some(text) = self.expect_string(value, loc) else {
            return;
        };
        if Intrinsic::looks_like_call(text) {
            if let Err(e) = Intrinsic::parse(text) {
                self.schema(
                    loc,
                    format!(
                        "The value must be a valid intrinsic function call: {}",
                        e.reason
                    ),
                );
            }
        } else if let Err(reason) = reference_path(text) {
            self.schema(loc, format!("Value is not a Reference Path: {reason}"));
        }
    }

    /// A JSONPath payload template (`Parameters`, `ResultSelector`, `ItemSelector`, JSONPath `Assign`):
    /// keys ending in `.$` take a path or an intrinsic function.
    pub(crate) fn payload_template(&mut self, value: &Value, loc: &str) {
        if !matches!(value, Value::Object(_) | Value::Array(_)) {
            self.schema(loc, "Expected value of type [OBJECT]");
            return;
        }
        let before = self.error_count();
        self.template_node(value, loc);
        // The shared compiler has the last word on every `.$` value (paths and intrinsic calls), so what
        // validates also runs; it is only asked when the checks above found nothing, to report once.
        if self.error_count() == before
            && let Err(e) = Template::compile(value)
        {
            self.schema(format!("{loc}{}", e.pointer), e.message);
        }
    }

    fn template_node(&mut self, value: &Value, loc: &str) {
        match value {
            Value::Object(fields) => {
                for (key, item) in fields {
                    let kloc = pointer(loc, key);
                    if let Some(plain) = key.strip_suffix(".$") {
                        // A key given both as `a` and `a.$` would set the same output field twice.
                        if fields.contains_key(plain) {
                            self.schema(
                                &kloc,
                                format!(
                                    "The field '{plain}' is given twice, as '{plain}' and '{key}'"
                                ),
                            );
                        }
                        // "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic
                        // function call".
                        match item.as_str() {
                            Some(text) if text.starts_with('$') || text.starts_with("States.") => {}
                            _ => self.schema(
                                &kloc,
                                format!(
                                    "The value for the field '{key}' must be a valid JSONPath or a valid intrinsic \
                                     function call"
                                ),
                            ),
                        }
                    } else {
                        if let Some(text) = item.as_str()
                            && looks_like_path_or_call(text)
                        {
                            // AWS's NO_DOLLAR warning.
                            self.warning(
                                codes::NO_DOLLAR,
                                &kloc,
                                format!(
                                    "No .$ on field '{key}', whose value appears to be a JSONPath or an intrinsic \
                                     function"
                                ),
                            );
                        }
                        self.template_node(item, &kloc);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.template_node(item, &pointer(loc, i));
                }
            }
            _ => {}
        }
    }

    /// `Assign`: "Passing data between states with variables". Keys are variable names (a JSONPath state
    /// may suffix them with `.$`); values are a payload template (JSONPath) or JSON with `{% %}`
    /// expressions (JSONata).
    pub(crate) fn assign(&mut self, ql: Ql, value: &Value, loc: &str) {
        let Some(fields) = self.expect_object(value, loc) else {
            return;
        };
        for (key, item) in fields {
            let kloc = pointer(loc, key);
            let name = match ql {
                Ql::JsonPath => key.strip_suffix(".$").unwrap_or(key),
                Ql::Jsonata => key,
            };
            if let Some((code, message)) = variable_name_problem(name) {
                self.error(code, &kloc, message);
            }
            if ql == Ql::Jsonata {
                self.jsonata_value(item, &kloc);
            }
        }
        if ql == Ql::JsonPath {
            self.payload_template(value, loc);
        }
    }

    /// `Retry`: an array of Retriers.
    pub(crate) fn retriers(&mut self, value: &Value, loc: &str) {
        let Some(retriers) = self.expect_array(value, loc) else {
            return;
        };
        let last = retriers.len().saturating_sub(1);
        for (i, retrier) in retriers.iter().enumerate() {
            let rloc = pointer(loc, i);
            let Some(retrier) = self.expect_object(retrier, &rloc) else {
                continue;
            };
            self.only_fields(retrier, &rloc, RETRIER_FIELDS);
            if !retrier.contains_key("ErrorEquals") {
                self.required(&rloc, &["ErrorEquals"]);
            }
            for (key, item) in retrier {
                let floc = pointer(&rloc, key);
                match key.as_str() {
                    "ErrorEquals" => self.error_equals(item, &floc, i == last),
                    // "IntervalSeconds ... has a maximum value of 99999999". Measured on AWS (and in AWS's
                    // own ASL schema): 0 is accepted.
                    "IntervalSeconds" => self.integer_in(item, &floc, 0, Some(99_999_999)),
                    // "MaxAttempts ... A value of 0 specifies that the error is never retried.
                    // MaxAttempts has a maximum value of 99999999."
                    "MaxAttempts" => self.integer_in(item, &floc, 0, Some(99_999_999)),
                    // "BackoffRate ... must be greater than or equal to 1.0".
                    "BackoffRate" => self.number_in(item, &floc, 1.0, None),
                    // "MaxDelaySeconds ... The value you specify must be less than 31622401."
                    "MaxDelaySeconds" => self.integer_in(item, &floc, 1, Some(31_622_400)),
                    // "JitterStrategy ... Valid values are FULL and NONE."
                    "JitterStrategy" => self.one_of(item, &floc, &["FULL", "NONE"]),
                    "Comment" => {
                        self.expect_string(item, &floc);
                    }
                    _ => {}
                }
            }
        }
    }

    /// `Catch`: an array of Catchers.
    pub(crate) fn catchers(&mut self, ql: Ql, value: &Value, loc: &str) {
        let Some(catchers) = self.expect_array(value, loc) else {
            return;
        };
        let last = catchers.len().saturating_sub(1);
        for (i, catcher) in catchers.iter().enumerate() {
            let cloc = pointer(loc, i);
            let Some(catcher) = self.expect_object(catcher, &cloc) else {
                continue;
            };
            self.only_fields(catcher, &cloc, CATCHER_FIELDS);
            let missing: Vec<&str> = ["ErrorEquals", "Next"]
                .into_iter()
                .filter(|f| !catcher.contains_key(*f))
                .collect();
            if !missing.is_empty() {
                self.required(&cloc, &missing);
            }
            for (key, item) in catcher {
                let floc = pointer(&cloc, key);
                if let Some(field_ql) = field_query_language(key)
                    && field_ql != ql
                {
                    self.schema(&cloc, wrong_language_message(ql, key, field_ql));
                    continue;
                }
                match key.as_str() {
                    "ErrorEquals" => self.error_equals(item, &floc, i == last),
                    "Next" => {
                        self.expect_nonempty_string(item, &floc);
                    }
                    "ResultPath" => self.result_path(item, &floc),
                    // "$states.errorOutput ... available in the Output and Assign of a Catcher".
                    "Output" | "Assign" => {
                        self.error_output_allowed = true;
                        if key == "Output" {
                            self.jsonata_value(item, &floc);
                        } else {
                            self.assign(ql, item, &floc);
                        }
                        self.error_output_allowed = false;
                    }
                    "Comment" => {
                        self.expect_string(item, &floc);
                    }
                    _ => {}
                }
            }
        }
    }

    /// `ErrorEquals` of the Retrier or Catcher at position `is_last`. The spec: "The reserved name
    /// States.ALL ... MUST appear alone in the ErrorEquals array and MUST appear in the last Retrier in
    /// the Retry field" (and likewise for Catchers). AWS: "States.ALL must appear alone and at end of
    /// list".
    fn error_equals(&mut self, value: &Value, loc: &str, is_last: bool) {
        let Some(names) = self.expect_nonempty_array(value, loc) else {
            return;
        };
        let mut has_all = false;
        for (i, name) in names.iter().enumerate() {
            if let Some(name) = self.expect_string(name, &pointer(loc, i)) {
                has_all |= name == crate::error::names::ALL;
            }
        }
        if has_all && (names.len() > 1 || !is_last) {
            self.schema(loc, "States.ALL must appear alone and at end of list");
        }
    }

    /// `Timestamp` of a Wait state: an RFC 3339 string, or a `{% %}` expression in a JSONata state.
    pub(crate) fn timestamp_or_expression(&mut self, ql: Ql, value: &Value, loc: &str) {
        if let Some(text) = self.expect_string(value, loc) {
            if ql == Ql::Jsonata && text.starts_with("{%") {
                self.jsonata_string(text, loc);
            } else if !is_timestamp(text) {
                self.schema(loc, "String does not match RFC3339 timestamp");
            }
        }
    }

    /// `Choices` of a Choice state.
    pub(crate) fn choice_rules(&mut self, ql: Ql, value: &Value, loc: &str) {
        // "Choices (Required): An array of Choice Rules"; AWS: "Value cannot be empty".
        let Some(rules) = self.expect_nonempty_array(value, loc) else {
            return;
        };
        for (i, rule) in rules.iter().enumerate() {
            let rloc = pointer(loc, i);
            let Some(rule) = self.expect_object(rule, &rloc) else {
                continue;
            };
            if !rule.contains_key("Next") {
                self.required(&rloc, &["Next"]);
            }
            match ql {
                Ql::Jsonata => self.jsonata_choice_rule(rule, &rloc),
                Ql::JsonPath => {
                    let before = self.error_count();
                    self.jsonpath_choice_rule(rule, &rloc, true);
                    // The shared rule compiler (what runs the rule) must accept it too.
                    if self.error_count() == before
                        && let Err(e) = Condition::compile(&Value::Object(rule.clone()))
                    {
                        self.schema(format!("{rloc}{}", e.pointer), e.message);
                    }
                }
            }
        }
    }

    /// A JSONata Choice rule: `Condition`, `Next`, `Assign`, `Output`, `Comment`.
    fn jsonata_choice_rule(&mut self, rule: &Map<String, Value>, loc: &str) {
        if !rule.contains_key("Condition") {
            self.required(loc, &["Condition"]);
        }
        for (key, item) in rule {
            let floc = pointer(loc, key);
            match key.as_str() {
                "Condition" => match item {
                    Value::Bool(_) => {}
                    Value::String(s) => self.jsonata_string(s, &floc),
                    _ => self.schema(&floc, "Expected value of type [STRING]"),
                },
                "Next" => {
                    self.expect_nonempty_string(item, &floc);
                }
                "Assign" => self.assign(Ql::Jsonata, item, &floc),
                "Output" => self.jsonata_value(item, &floc),
                "Comment" => {
                    self.expect_string(item, &floc);
                }
                _ => match field_query_language(key) {
                    Some(Ql::JsonPath) => {
                        self.schema(loc, wrong_language_message(Ql::Jsonata, key, Ql::JsonPath))
                    }
                    _ => self.not_supported(loc, key),
                },
            }
        }
    }

    /// A JSONPath Choice rule (top-level or nested in `And`/`Or`/`Not`). The Choice page: "A Choice Rule
    /// ... MUST contain exactly one field whose value is a Boolean expression"; only top-level rules carry
    /// `Next` (and `Assign`).
    fn jsonpath_choice_rule(&mut self, rule: &Map<String, Value>, loc: &str, top: bool) {
        const SELECTORS: &[&str] = &["And", "Or", "Not", "Variable"];
        let selectors = SELECTORS.iter().filter(|s| rule.contains_key(**s)).count();
        let operators: Vec<&str> = rule
            .keys()
            .map(String::as_str)
            .filter(|k| operator(k).is_some())
            .collect();
        if selectors > 1 {
            self.only_one_of(loc, SELECTORS);
        } else if selectors == 0 {
            if operators.is_empty() {
                self.schema(
                    loc,
                    format!(
                        "This object should have only one of the following fields: [{}]",
                        SELECTORS.join(", ")
                    ),
                );
            } else {
                self.required(loc, &["Variable"]);
            }
        }
        if rule.contains_key("Variable") {
            if operators.len() > 1 {
                self.only_one_of(loc, &operators);
            } else if operators.is_empty() {
                let all: Vec<&str> = OPERATORS.iter().map(|(name, _)| *name).collect();
                self.schema(
                    loc,
                    format!(
                        "This object should have only one of the following fields: [{}]",
                        all.join(", ")
                    ),
                );
            }
        }
        for (key, item) in rule {
            let floc = pointer(loc, key);
            match key.as_str() {
                "Next" | "Assign" if !top => self.not_supported(loc, key),
                "Next" => {
                    self.expect_nonempty_string(item, &floc);
                }
                "Assign" => self.assign(Ql::JsonPath, item, &floc),
                "Comment" => {
                    self.expect_string(item, &floc);
                }
                "Variable" => {
                    self.reference_path(item, &floc);
                }
                "And" | "Or" => {
                    if let Some(rules) = self.expect_nonempty_array(item, &floc) {
                        for (i, sub) in rules.iter().enumerate() {
                            let sloc = pointer(&floc, i);
                            if let Some(sub) = self.expect_object(sub, &sloc) {
                                self.jsonpath_choice_rule(sub, &sloc, false);
                            }
                        }
                    }
                }
                "Not" => {
                    if let Some(sub) = self.expect_object(item, &floc) {
                        self.jsonpath_choice_rule(sub, &floc, false);
                    }
                }
                _ => match operator(key) {
                    Some(operand) => self.operand(operand, item, &floc),
                    None => match field_query_language(key) {
                        Some(Ql::Jsonata) => {
                            self.schema(loc, wrong_language_message(Ql::JsonPath, key, Ql::Jsonata))
                        }
                        _ => self.not_supported(loc, key),
                    },
                },
            }
        }
    }

    /// The operand of a comparison operator.
    fn operand(&mut self, operand: Operand, value: &Value, loc: &str) {
        match operand {
            Operand::String => {
                self.expect_string(value, loc);
            }
            Operand::Number => {
                if !value.is_number() {
                    self.schema(loc, "Expected value of type [NUMBER]");
                }
            }
            Operand::Boolean => {
                self.expect_bool(value, loc);
            }
            Operand::Timestamp => {
                if let Some(text) = self.expect_string(value, loc)
                    && !is_timestamp(text)
                {
                    self.schema(loc, "String does not match RFC3339 timestamp");
                }
            }
            Operand::Path => {
                self.reference_path(value, loc);
            }
        }
    }
}

/// `text` parsed as a Reference Path, or why it is not one. The input-output page: "The operators @, ,,
/// :, and ? aren't supported" and "Functions such as length() aren't supported". AWS's message for a
/// path not starting with `$`: "Value is not a Reference Path: Reference path didn't start with '$'".
pub(crate) fn reference_path(text: &str) -> Result<Path, String> {
    if !text.starts_with('$') {
        return Err("Reference path didn't start with '$'".into());
    }
    let path = Path::parse(text).map_err(|e| e.reason)?;
    if path.is_reference_path() {
        Ok(path)
    } else {
        Err("only field names and single array indexes may be used".into())
    }
}
