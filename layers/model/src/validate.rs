//! Required-field validation of incoming findings: every problem named, with where it is.
//!
//! ASFF requires `SchemaVersion`, `Id`, `ProductArn`, `GeneratorId`, `AwsAccountId`, `Types`,
//! `CreatedAt`, `UpdatedAt`, `Severity`, `Title`, `Description` and `Resources`
//! (<https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html>).
//! [`validate_at`] checks those, the types of the optional fields the typed [`Finding`] reads, and
//! RFC 3339 for every timestamp; it collects all problems rather than stopping at the first, and names
//! each by JSON pointer from the start of the input (`/detail/findings/2/GeneratorId`), with the line
//! for newline-delimited input. A finding that passes always converts with [`Finding::from_value`].

use std::fmt;

use serde_json::{Map, Value};

use crate::arn;
use crate::finding::{Finding, parse_timestamp};
use crate::pointer;

/// A finding that failed validation, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid finding{}: {}", at(.location), list(.problems))]
pub struct ValidationError {
    /// Where the finding is in the input: a JSON pointer (empty for a whole document), or `line N`
    /// / `line N, <pointer>` for newline-delimited input.
    pub location: String,
    /// Everything wrong with it, in ASFF field order. Never empty.
    pub problems: Vec<Problem>,
}

fn at(location: &str) -> String {
    if location.is_empty() {
        String::new()
    } else {
        format!(" at {location}")
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationError {
    /// The ASFF field names with problems, in order, without repeats (`["GeneratorId", "Types"]`).
    pub fn fields(&self) -> Vec<&str> {
        let mut fields: Vec<&str> = Vec::new();
        for problem in &self.problems {
            if !fields.contains(&problem.field.as_str()) {
                fields.push(&problem.field);
            }
        }
        fields
    }
}

/// One thing wrong with a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The top-level ASFF field it concerns (`GeneratorId`, `Resources`), empty when the finding
    /// itself is not an object.
    pub field: String,
    /// JSON pointer of the offending value relative to the finding (`/Resources/0/Id`).
    pub pointer: String,
    /// Where that is in the input, as [`ValidationError::location`] plus `pointer`
    /// (`/detail/findings/2/Resources/0/Id`, `line 7, /GeneratorId`).
    pub location: String,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", pointer::display(&self.location), self.kind)
    }
}

/// What is wrong with a value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A required field is absent (or `null`): `{"Id": "x", ...}` without `GeneratorId`.
    Missing,
    /// The value has the wrong JSON type: `"Types": "Software and Configuration Checks"`.
    WrongType {
        /// The JSON type ASFF requires (`string`, `array of strings`, ...).
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// A required string or array is empty: `"Resources": []`, `"Title": ""`.
    Empty,
    /// A timestamp is not RFC 3339: `"CreatedAt": "2026-03-09 09:14:58"`.
    InvalidTimestamp {
        /// The value found.
        value: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The value has the right type but a wrong form: an `AwsAccountId` that is not twelve digits,
    /// a `Severity` with neither `Label` nor `Normalized`.
    InvalidValue(String),
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::Missing => f.write_str("missing required field"),
            ProblemKind::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ProblemKind::Empty => f.write_str("must not be empty"),
            ProblemKind::InvalidTimestamp { value, reason } => {
                write!(f, "{value:?} is not an RFC 3339 timestamp ({reason})")
            }
            ProblemKind::InvalidValue(reason) => f.write_str(reason),
        }
    }
}

/// Validates a finding given on its own (location: the whole document).
pub fn validate(finding: &Value) -> Result<(), ValidationError> {
    validate_at(finding, None, "")
}

/// Validates a finding found at `pointer` (on `line`, for newline-delimited input), naming every
/// problem by its place in the input.
///
/// ```
/// use serde_json::json;
/// let finding = json!({"SchemaVersion": "2018-10-08", "Id": "x"});
/// let err = soar_model::validate_at(&finding, None, "/detail/findings/2").unwrap_err();
/// assert!(err.to_string().contains("/detail/findings/2/GeneratorId: missing required field"));
/// assert!(err.fields().contains(&"Resources"));
/// ```
pub fn validate_at(
    finding: &Value,
    line: Option<usize>,
    pointer: &str,
) -> Result<(), ValidationError> {
    let mut check = Checker {
        line,
        base: pointer,
        problems: Vec::new(),
    };
    match finding {
        Value::Object(object) => check.finding(object),
        other => check.push(
            "",
            String::new(),
            ProblemKind::WrongType {
                expected: "an object",
                found: type_name(other),
            },
        ),
    }
    if check.problems.is_empty() {
        // Belt and braces: the checks above cover every field the typed model reads, so this only
        // fires if the two drift apart.
        if let Err((pointer, message)) = crate::pointer::deserialize_ref::<Finding>(finding) {
            let field = top_field(&pointer);
            check.push(&field, pointer, ProblemKind::InvalidValue(message));
        }
    }
    if check.problems.is_empty() {
        Ok(())
    } else {
        Err(ValidationError {
            location: location(line, pointer),
            problems: check.problems,
        })
    }
}

/// How a place in the input is written: `pointer`, `line N` or `line N, pointer`.
pub(crate) fn location(line: Option<usize>, pointer: &str) -> String {
    match (line, pointer) {
        (None, pointer) => pointer.to_owned(),
        (Some(line), "") => format!("line {line}"),
        (Some(line), pointer) => format!("line {line}, {pointer}"),
    }
}

/// `Resources` for `/Resources/0/Id`.
fn top_field(pointer: &str) -> String {
    pointer
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The JSON type of a value, as messages name it.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether a field must be present.
#[derive(Clone, Copy, PartialEq)]
enum Need {
    Required,
    Optional,
}

use Need::{Optional, Required};

struct Checker<'a> {
    /// The line of newline-delimited input the finding is on.
    line: Option<usize>,
    /// The finding's own pointer in the input; problem pointers are relative to it.
    base: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn push(&mut self, field: &str, pointer: String, kind: ProblemKind) {
        let location = location(self.line, &format!("{}{pointer}", self.base));
        self.problems.push(Problem {
            field: field.to_owned(),
            pointer,
            location,
            kind,
        });
    }

    fn finding(&mut self, f: &Map<String, Value>) {
        // The required fields, in the order ASFF lists them.
        self.string(f, "SchemaVersion", Required);
        self.string(f, "Id", Required);
        self.string(f, "ProductArn", Required);
        self.string(f, "GeneratorId", Required);
        if let Some(account) = self.string(f, "AwsAccountId", Required)
            && !arn::is_account_id(account)
        {
            self.push(
                "AwsAccountId",
                "/AwsAccountId".into(),
                ProblemKind::InvalidValue(format!("{account:?} is not a 12-digit AWS account id")),
            );
        }
        self.string_array(f, "Types", "/Types", "Types", Required);
        self.timestamp(f, "CreatedAt", Required);
        self.timestamp(f, "UpdatedAt", Required);
        if let Some(severity) = self.object(f, "Severity", "/Severity", "Severity", Required) {
            self.severity(severity, "/Severity", "Severity", true);
        }
        self.string(f, "Title", Required);
        self.string(f, "Description", Required);
        self.resources(f);

        // Optional fields the typed model reads.
        for field in [
            "ProductName",
            "CompanyName",
            "AwsAccountName",
            "Region",
            "WorkflowState",
            "RecordState",
        ] {
            self.string(f, field, Optional);
        }
        for field in ["FirstObservedAt", "LastObservedAt", "ProcessedAt"] {
            self.timestamp(f, field, Optional);
        }
        self.string_map(f, "ProductFields", "/ProductFields", "ProductFields");
        self.string_map(
            f,
            "UserDefinedFields",
            "/UserDefinedFields",
            "UserDefinedFields",
        );
        if let Some(remediation) =
            self.object(f, "Remediation", "/Remediation", "Remediation", Optional)
        {
            let p = "/Remediation/Recommendation";
            if let Some(rec) =
                self.object(remediation, "Recommendation", p, "Remediation", Optional)
            {
                self.nested_string(rec, "Text", &format!("{p}/Text"), "Remediation");
                self.nested_string(rec, "Url", &format!("{p}/Url"), "Remediation");
            }
        }
        if let Some(compliance) =
            self.object(f, "Compliance", "/Compliance", "Compliance", Optional)
        {
            self.compliance(compliance);
        }
        if let Some(workflow) = self.object(f, "Workflow", "/Workflow", "Workflow", Optional) {
            self.nested_string(workflow, "Status", "/Workflow/Status", "Workflow");
        }
        if let Some(note) = self.object(f, "Note", "/Note", "Note", Optional) {
            self.nested_string(note, "Text", "/Note/Text", "Note");
            self.nested_string(note, "UpdatedBy", "/Note/UpdatedBy", "Note");
            if let Some(at) = self.nested_string(note, "UpdatedAt", "/Note/UpdatedAt", "Note") {
                self.rfc3339(at, "/Note/UpdatedAt", "Note");
            }
        }
        let fpf = "FindingProviderFields";
        if let Some(provider) = self.object(f, fpf, "/FindingProviderFields", fpf, Optional) {
            let p = "/FindingProviderFields/Severity";
            if let Some(severity) = self.object(provider, "Severity", p, fpf, Optional) {
                self.severity(severity, p, fpf, false);
            }
            self.string_array(
                provider,
                "Types",
                "/FindingProviderFields/Types",
                fpf,
                Optional,
            );
        }
    }

    /// A top-level string field.
    fn string<'v>(
        &mut self,
        f: &'v Map<String, Value>,
        field: &str,
        need: Need,
    ) -> Option<&'v str> {
        let pointer = pointer::join("", field);
        match f.get(field) {
            None | Some(Value::Null) => {
                if need == Required {
                    self.push(field, pointer, ProblemKind::Missing);
                }
                None
            }
            Some(Value::String(s)) if s.trim().is_empty() && need == Required => {
                self.push(field, pointer, ProblemKind::Empty);
                None
            }
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                self.push(
                    field,
                    pointer,
                    ProblemKind::WrongType {
                        expected: "a string",
                        found: type_name(other),
                    },
                );
                None
            }
        }
    }

    /// An optional string inside a nested object.
    fn nested_string<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        key: &str,
        pointer: &str,
        field: &str,
    ) -> Option<&'v str> {
        match object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                let kind = ProblemKind::WrongType {
                    expected: "a string",
                    found: type_name(other),
                };
                self.push(field, pointer.to_owned(), kind);
                None
            }
        }
    }

    fn timestamp(&mut self, f: &Map<String, Value>, field: &str, need: Need) {
        if let Some(text) = self.string(f, field, need) {
            self.rfc3339(text, &pointer::join("", field), field);
        }
    }

    fn rfc3339(&mut self, text: &str, pointer: &str, field: &str) {
        if let Err(err) = parse_timestamp(text) {
            let kind = ProblemKind::InvalidTimestamp {
                value: text.to_owned(),
                reason: err.to_string(),
            };
            self.push(field, pointer.to_owned(), kind);
        }
    }

    fn object<'v>(
        &mut self,
        parent: &'v Map<String, Value>,
        key: &str,
        pointer: &str,
        field: &str,
        need: Need,
    ) -> Option<&'v Map<String, Value>> {
        match parent.get(key) {
            None | Some(Value::Null) => {
                if need == Required {
                    self.push(field, pointer.to_owned(), ProblemKind::Missing);
                }
                None
            }
            Some(Value::Object(object)) => Some(object),
            Some(other) => {
                let kind = ProblemKind::WrongType {
                    expected: "an object",
                    found: type_name(other),
                };
                self.push(field, pointer.to_owned(), kind);
                None
            }
        }
    }

    /// An array of strings; required ones must not be empty.
    fn string_array(
        &mut self,
        parent: &Map<String, Value>,
        key: &str,
        pointer: &str,
        field: &str,
        need: Need,
    ) {
        match parent.get(key) {
            None | Some(Value::Null) => {
                if need == Required {
                    self.push(field, pointer.to_owned(), ProblemKind::Missing);
                }
            }
            Some(Value::Array(items)) => {
                if items.is_empty() && need == Required {
                    self.push(field, pointer.to_owned(), ProblemKind::Empty);
                }
                for (i, item) in items.iter().enumerate() {
                    if !item.is_string() {
                        let kind = ProblemKind::WrongType {
                            expected: "a string",
                            found: type_name(item),
                        };
                        self.push(field, pointer::index(pointer, i), kind);
                    }
                }
            }
            Some(other) => {
                let kind = ProblemKind::WrongType {
                    expected: "an array of strings",
                    found: type_name(other),
                };
                self.push(field, pointer.to_owned(), kind);
            }
        }
    }

    /// An optional object whose values are all strings (`ProductFields`, `Tags`).
    fn string_map(&mut self, parent: &Map<String, Value>, key: &str, pointer: &str, field: &str) {
        let Some(map) = self.object(parent, key, pointer, field, Optional) else {
            return;
        };
        for (name, value) in map {
            if !value.is_string() {
                let kind = ProblemKind::WrongType {
                    expected: "a string",
                    found: type_name(value),
                };
                self.push(field, pointer::join(pointer, name), kind);
            }
        }
    }

    /// `Severity` (or `FindingProviderFields.Severity`): `Label` a string, `Normalized` 0–100 as a
    /// number or numeric string; the finding's own severity needs one of the two.
    fn severity(
        &mut self,
        severity: &Map<String, Value>,
        pointer: &str,
        field: &str,
        needs_label: bool,
    ) {
        let label = self.nested_string(severity, "Label", &format!("{pointer}/Label"), field);
        self.nested_string(severity, "Original", &format!("{pointer}/Original"), field);
        let normalized_pointer = format!("{pointer}/Normalized");
        let normalized = match severity.get("Normalized") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => match s.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => Some(n),
                _ => {
                    let reason = format!("{s:?} is not a number");
                    self.push(
                        field,
                        normalized_pointer.clone(),
                        ProblemKind::InvalidValue(reason),
                    );
                    None
                }
            },
            Some(other) => {
                let kind = ProblemKind::WrongType {
                    expected: "a number",
                    found: type_name(other),
                };
                self.push(field, normalized_pointer.clone(), kind);
                None
            }
        };
        if let Some(n) = normalized
            && !(0.0..=100.0).contains(&n)
        {
            let reason = format!("{n} is outside 0-100");
            self.push(field, normalized_pointer, ProblemKind::InvalidValue(reason));
        }
        let present = |key: &str| severity.get(key).is_some_and(|v| !v.is_null());
        if needs_label && label.is_none() && !present("Normalized") && !present("Label") {
            let reason = "needs Label or Normalized".to_owned();
            self.push(field, pointer.to_owned(), ProblemKind::InvalidValue(reason));
        }
    }

    fn resources(&mut self, f: &Map<String, Value>) {
        let items = match f.get("Resources") {
            None | Some(Value::Null) => {
                return self.push("Resources", "/Resources".into(), ProblemKind::Missing);
            }
            Some(Value::Array(items)) if items.is_empty() => {
                return self.push("Resources", "/Resources".into(), ProblemKind::Empty);
            }
            Some(Value::Array(items)) => items,
            Some(other) => {
                let kind = ProblemKind::WrongType {
                    expected: "an array of objects",
                    found: type_name(other),
                };
                return self.push("Resources", "/Resources".into(), kind);
            }
        };
        for (i, item) in items.iter().enumerate() {
            let base = pointer::index("/Resources", i);
            let Value::Object(resource) = item else {
                let kind = ProblemKind::WrongType {
                    expected: "an object",
                    found: type_name(item),
                };
                self.push("Resources", base, kind);
                continue;
            };
            for key in ["Type", "Id"] {
                let pointer = pointer::join(&base, key);
                match resource.get(key) {
                    None | Some(Value::Null) => {
                        self.push("Resources", pointer, ProblemKind::Missing)
                    }
                    Some(Value::String(s)) if s.trim().is_empty() => {
                        self.push("Resources", pointer, ProblemKind::Empty)
                    }
                    Some(Value::String(_)) => {}
                    Some(other) => {
                        let kind = ProblemKind::WrongType {
                            expected: "a string",
                            found: type_name(other),
                        };
                        self.push("Resources", pointer, kind);
                    }
                }
            }
            for key in ["Partition", "Region"] {
                self.nested_string(resource, key, &pointer::join(&base, key), "Resources");
            }
            self.string_map(resource, "Tags", &pointer::join(&base, "Tags"), "Resources");
        }
    }

    fn compliance(&mut self, c: &Map<String, Value>) {
        let field = "Compliance";
        self.nested_string(c, "Status", "/Compliance/Status", field);
        self.nested_string(
            c,
            "SecurityControlId",
            "/Compliance/SecurityControlId",
            field,
        );
        self.string_array(
            c,
            "RelatedRequirements",
            "/Compliance/RelatedRequirements",
            field,
            Optional,
        );
        for (key, inner) in [
            ("AssociatedStandards", ["StandardsId"].as_slice()),
            ("StatusReasons", &["ReasonCode", "Description"]),
        ] {
            let pointer = pointer::join("/Compliance", key);
            match c.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        let base = pointer::index(&pointer, i);
                        match item {
                            Value::Object(object) => {
                                for name in inner {
                                    self.nested_string(
                                        object,
                                        name,
                                        &pointer::join(&base, name),
                                        field,
                                    );
                                }
                            }
                            other => {
                                let kind = ProblemKind::WrongType {
                                    expected: "an object",
                                    found: type_name(other),
                                };
                                self.push(field, base, kind);
                            }
                        }
                    }
                }
                Some(other) => {
                    let kind = ProblemKind::WrongType {
                        expected: "an array of objects",
                        found: type_name(other),
                    };
                    self.push(field, pointer, kind);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "SchemaVersion": "2018-10-08",
            "Id": "arn:aws:securityhub:eu-west-1:111122223333:security-control/S3.8/finding/1",
            "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
            "GeneratorId": "security-control/S3.8",
            "AwsAccountId": "111122223333",
            "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
            "CreatedAt": "2026-03-02T09:14:51.392Z",
            "UpdatedAt": "2026-03-09T09:14:58.704Z",
            "Severity": {"Label": "HIGH", "Normalized": 70},
            "Title": "S3 general purpose buckets should block public access",
            "Description": "d",
            "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::example-bucket"}]
        })
    }

    fn problems(value: &Value) -> Vec<String> {
        match validate(value) {
            Ok(()) => Vec::new(),
            Err(err) => err.problems.iter().map(Problem::to_string).collect(),
        }
    }

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/../../examples/findings/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    #[test]
    fn a_valid_finding_passes() {
        assert_eq!(validate(&valid()), Ok(()));
    }

    #[test]
    fn every_missing_required_field_is_named() {
        let err = validate(&json!({})).unwrap_err();
        assert_eq!(
            err.fields(),
            [
                "SchemaVersion",
                "Id",
                "ProductArn",
                "GeneratorId",
                "AwsAccountId",
                "Types",
                "CreatedAt",
                "UpdatedAt",
                "Severity",
                "Title",
                "Description",
                "Resources"
            ]
        );
        assert!(err.problems.iter().all(|p| p.kind == ProblemKind::Missing));
        assert!(
            err.to_string()
                .starts_with("invalid finding: /SchemaVersion: missing required field; /Id:")
        );
    }

    #[test]
    fn each_required_field_missing_alone() {
        for field in [
            "SchemaVersion",
            "Id",
            "ProductArn",
            "GeneratorId",
            "AwsAccountId",
            "Types",
            "CreatedAt",
            "UpdatedAt",
            "Severity",
            "Title",
            "Description",
            "Resources",
        ] {
            let mut value = valid();
            value.as_object_mut().unwrap().remove(field);
            assert_eq!(
                problems(&value),
                [format!("/{field}: missing required field")],
                "{field}"
            );
            value[field] = Value::Null;
            assert_eq!(
                problems(&value),
                [format!("/{field}: missing required field")],
                "{field} null"
            );
        }
    }

    #[test]
    fn wrong_types_and_empty_arrays() {
        let mut value = valid();
        value["Id"] = json!(17);
        value["Types"] = json!([]);
        value["Resources"] = json!([]);
        value["Severity"] = json!("HIGH");
        value["Title"] = json!("");
        assert_eq!(
            problems(&value),
            [
                "/Id: expected a string, found a number",
                "/Types: must not be empty",
                "/Severity: expected an object, found a string",
                "/Title: must not be empty",
                "/Resources: must not be empty",
            ]
        );

        let mut value = valid();
        value["Types"] = json!("Software and Configuration Checks");
        value["Resources"] = json!({"Type": "AwsS3Bucket"});
        assert_eq!(
            problems(&value),
            [
                "/Types: expected an array of strings, found a string",
                "/Resources: expected an array of objects, found an object",
            ]
        );
    }

    #[test]
    fn nested_problems_are_located() {
        let mut value = valid();
        value["Types"] = json!(["ok", 3]);
        value["Resources"] = json!([
            {"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::a"},
            {"Type": "AwsS3Bucket"},
            "arn:aws:s3:::c",
            {"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::d", "Tags": {"team": 7}, "Region": false}
        ]);
        value["ProductFields"] = json!({"ControlId": "S3.8", "Count": 3});
        value["Compliance"] =
            json!({"Status": 1, "AssociatedStandards": [{"StandardsId": 2}, "x"]});
        value["Workflow"] = json!({"Status": ["NEW"]});
        value["Severity"] = json!({"Label": "HIGH", "Normalized": 170});
        assert_eq!(
            problems(&value),
            [
                "/Types/1: expected a string, found a number",
                "/Severity/Normalized: 170 is outside 0-100",
                "/Resources/1/Id: missing required field",
                "/Resources/2: expected an object, found a string",
                "/Resources/3/Region: expected a string, found a boolean",
                "/Resources/3/Tags/team: expected a string, found a number",
                "/ProductFields/Count: expected a string, found a number",
                "/Compliance/Status: expected a string, found a number",
                "/Compliance/AssociatedStandards/0/StandardsId: expected a string, found a number",
                "/Compliance/AssociatedStandards/1: expected an object, found a string",
                "/Workflow/Status: expected a string, found an array",
            ]
        );
    }

    #[test]
    fn timestamps_must_be_rfc3339() {
        let mut value = valid();
        value["CreatedAt"] = json!("2026-03-02 09:14:51");
        value["LastObservedAt"] = json!("yesterday");
        value["UpdatedAt"] = json!("2026-03-09T10:14:58+01:00");
        value["Note"] =
            json!({"Text": "t", "UpdatedBy": "soar", "UpdatedAt": "2026-13-01T00:00:00Z"});
        let err = validate(&value).unwrap_err();
        let pointers: Vec<&str> = err.problems.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/CreatedAt", "/LastObservedAt", "/Note/UpdatedAt"]
        );
        assert!(
            matches!(&err.problems[0].kind, ProblemKind::InvalidTimestamp { value, .. } if value == "2026-03-02 09:14:51")
        );
    }

    #[test]
    fn account_id_and_severity_forms() {
        let mut value = valid();
        value["AwsAccountId"] = json!("1111-2222-3333");
        value["Severity"] = json!({"Original": "8"});
        assert_eq!(
            problems(&value),
            [
                "/AwsAccountId: \"1111-2222-3333\" is not a 12-digit AWS account id",
                "/Severity: needs Label or Normalized",
            ]
        );
        // AWS's own sample has Normalized as a string: accepted.
        let mut value = valid();
        value["Severity"] = json!({"Normalized": "40"});
        assert_eq!(problems(&value), Vec::<String>::new());
        value["Severity"] = json!({"Normalized": "forty"});
        assert_eq!(
            problems(&value),
            ["/Severity/Normalized: \"forty\" is not a number"]
        );
        // An undocumented label is not a validation error.
        value["Severity"] = json!({"Label": "SEVERE"});
        assert_eq!(problems(&value), Vec::<String>::new());
        value["Severity"] = json!({"Label": null, "Normalized": null});
        assert_eq!(problems(&value), ["/Severity: needs Label or Normalized"]);
        value["Severity"] = json!({"Label": 3});
        assert_eq!(
            problems(&value),
            ["/Severity/Label: expected a string, found a number"]
        );
    }

    #[test]
    fn not_an_object() {
        let err = validate_at(&json!(["x"]), None, "/Findings/3").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid finding at /Findings/3: /Findings/3: expected an object, found an array"
        );
    }

    #[test]
    fn locations_inside_events_and_lines() {
        let mut value = valid();
        value.as_object_mut().unwrap().remove("GeneratorId");
        value["Types"] = json!([]);
        let err = validate_at(&value, None, "/detail/findings/2").unwrap_err();
        assert_eq!(err.location, "/detail/findings/2");
        assert_eq!(
            err.to_string(),
            "invalid finding at /detail/findings/2: /detail/findings/2/GeneratorId: missing required field; \
             /detail/findings/2/Types: must not be empty"
        );
        assert_eq!(err.problems[0].pointer, "/GeneratorId");
        assert_eq!(err.problems[0].field, "GeneratorId");

        let err = validate_at(&value, Some(7), "").unwrap_err();
        assert_eq!(err.problems[0].location, "line 7, /GeneratorId");
        let err = validate_at(&value, Some(7), "/detail/findings/0").unwrap_err();
        assert_eq!(err.location, "line 7, /detail/findings/0");
        assert_eq!(
            err.problems[0].location,
            "line 7, /detail/findings/0/GeneratorId"
        );
        let err = validate_at(&json!(1), Some(3), "").unwrap_err();
        assert_eq!(err.problems[0].location, "line 3");
    }

    #[test]
    fn the_malformed_fixture_is_rejected_naming_generator_id() {
        let err = validate(&fixture("malformed-missing-generator-id.json")).unwrap_err();
        assert_eq!(err.fields(), ["GeneratorId"]);
        assert_eq!(
            err.to_string(),
            "invalid finding: /GeneratorId: missing required field"
        );
    }

    #[test]
    fn the_good_fixtures_pass() {
        for name in [
            "securityhub-s3.8-failed.json",
            "cis-1.2.0-rule-2.7.json",
            "pci-dss-cloudtrail.1.json",
            "control-passed-notified.json",
            "inspector2-package-vulnerability.json",
            "access-analyzer-delegated-admin.json",
            "health-risk-credentials-exposed.json",
            "cloudwatch-alarm.json",
        ] {
            assert_eq!(validate(&fixture(name)), Ok(()), "{name}");
        }
    }
}
