//! Input normalisation: whatever shape findings arrive in, a flat list of raw findings, each with
//! where it came from.
//!
//! Accepted shapes, alone, in a JSON array, or one per line (newline-delimited JSON, or any
//! whitespace-separated sequence of JSON values):
//!
//! - a bare ASFF finding;
//! - an EventBridge event with `detail-type` `Security Hub Findings - Imported` (Security Hub sends
//!   these on every create and update) or `Security Hub Findings - Custom Action` (someone chose a
//!   custom action in the console; `detail.actionName` and `detail.actionDescription` are kept), with
//!   any number of `detail.findings` — every one is returned, not only the first;
//! - `{"Findings": [...]}`, the output of `aws securityhub get-findings` and the input of
//!   `BatchImportFindings` (`{"findings": [...]}`, an event's `detail` on its own, is accepted too);
//! - a CloudWatch `CloudWatch Alarm State Change` event ([`ALARM_STATE_CHANGE`]): not a finding yet.
//!   It is returned whole, as [`Shape::AlarmEvent`], for SOAR's `all_alarms_to_sec_hub` task to turn
//!   into one (it does not validate as a finding).
//!
//! Findings are returned untouched, so each can be validated ([`Incoming::validate`]) and rejected on
//! its own without losing the others. Event formats: AWS Security Hub User Guide, "EventBridge event
//! formats for Security Hub"
//! (<https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html>).

use serde_json::{Map, Value};

use crate::pointer;
use crate::validate::{self, ValidationError};

/// `detail-type` of the events Security Hub sends for new and updated findings.
pub const IMPORTED: &str = "Security Hub Findings - Imported";
/// `detail-type` of the events a Security Hub custom action sends.
pub const CUSTOM_ACTION: &str = "Security Hub Findings - Custom Action";
/// `detail-type` of the events CloudWatch sends when an alarm changes state (`source` `aws.cloudwatch`).
pub const ALARM_STATE_CHANGE: &str = "CloudWatch Alarm State Change";

/// One finding from the input, raw, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// The finding exactly as it appeared in the input.
    pub finding: Value,
    /// The shape that carried it.
    pub origin: Origin,
    /// Where it is in the input, for messages: a JSON pointer (`/detail/findings/2`, empty for a whole
    /// document), or `line N` / `line N, <pointer>` for newline-delimited input.
    pub location: String,
    /// The line its JSON value starts on, for newline-delimited input.
    pub line: Option<usize>,
    /// Its JSON pointer within the input (within its line, for newline-delimited input).
    pub pointer: String,
}

impl Incoming {
    /// Validates the finding, naming problems by their place in the input.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate::validate_at(&self.finding, self.line, &self.pointer)
    }
}

/// The shape a finding arrived in.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// How the input as a whole was framed.
    pub framing: Framing,
    /// What held the finding.
    pub shape: Shape,
    /// The EventBridge event that held it, for [`Shape::Event`] (the event itself, for
    /// [`Shape::AlarmEvent`]).
    pub event: Option<EventInfo>,
}

/// How the input as a whole was framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Framing {
    /// One JSON value.
    Document,
    /// One JSON array of findings, events or exports.
    Array,
    /// Several JSON values, one per line (newline-delimited JSON).
    Lines,
}

/// What held a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shape {
    /// Nothing: the finding was a value of its own (the document, an array element or a line).
    Finding,
    /// An EventBridge event's `detail.findings`.
    Event,
    /// A `{"Findings": [...]}` list (`get-findings` output, `BatchImportFindings` input).
    FindingsList,
    /// Nothing: the value is a CloudWatch alarm state change event, returned whole; not a finding
    /// until converted.
    AlarmEvent,
}

/// The EventBridge event a finding came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInfo {
    /// Which of the two finding events it is.
    pub kind: EventKind,
    /// `detail-type`.
    pub detail_type: String,
    /// `id`: EventBridge's event id.
    pub id: Option<String>,
    /// `time`: when EventBridge received it.
    pub time: Option<String>,
    /// `source`: `aws.securityhub`.
    pub source: Option<String>,
    /// `account`: the account whose event bus received it (the Security Hub administrator for
    /// aggregated findings).
    pub account: Option<String>,
    /// `region`.
    pub region: Option<String>,
    /// `detail.actionName`, for custom actions.
    pub action_name: Option<String>,
    /// `detail.actionDescription`, for custom actions.
    pub action_description: Option<String>,
}

/// Which Security Hub finding event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// [`IMPORTED`]: Security Hub created or updated the findings.
    Imported,
    /// [`CUSTOM_ACTION`]: a person sent the findings to a custom action.
    CustomAction,
    /// [`ALARM_STATE_CHANGE`]: a CloudWatch alarm changed state.
    AlarmStateChange,
}

/// Input that cannot be read as findings at all. (A finding that is merely invalid is not an input
/// error: it is returned, and [`Incoming::validate`] says what is wrong with it.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// Not JSON: `{"Id": "x",}` gives `invalid JSON at line 1, column 12: trailing comma`.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// Nothing but whitespace.
    #[error("no JSON value in the input")]
    Empty,
    /// A top-level value that cannot hold findings: `"hello"`, `42`.
    #[error("{}: expected a finding, an event, {{\"Findings\": [...]}} or an array, found {found}", pointer::display(.location))]
    NotFindings {
        /// Where the value is.
        location: String,
        /// Its JSON type.
        found: &'static str,
    },
    /// An EventBridge event of another kind (`Security Hub Insight Results`, `GuardDuty Finding`).
    #[error("{}: unsupported event detail-type {detail_type:?}: expected {IMPORTED:?}, {CUSTOM_ACTION:?} or {ALARM_STATE_CHANGE:?}", pointer::display(.location))]
    UnsupportedEvent {
        /// Where the event is.
        location: String,
        /// Its `detail-type`.
        detail_type: String,
    },
    /// An event or list whose findings are not where they should be: `{"detail-type": "Security Hub
    /// Findings - Imported", "detail": {}}` gives `/detail/findings: missing`.
    #[error("{}: {reason}", pointer::display(.location))]
    BadContainer {
        /// Where the problem is.
        location: String,
        /// What is wrong.
        reason: String,
    },
}

/// Reads findings from JSON text: one document (a finding, an event, `{"Findings": [...]}` or an
/// array of those) or several values one per line.
///
/// ```
/// let input = "{\"Id\": \"a\"}\n{\"Id\": \"b\"}\n";
/// let incoming = soar_model::event::parse(input)?;
/// assert_eq!(incoming.len(), 2);
/// assert_eq!(incoming[1].location, "line 2");
/// # Ok::<(), soar_model::InputError>(())
/// ```
pub fn parse(input: &str) -> Result<Vec<Incoming>, InputError> {
    let mut values = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(input).into_iter::<Value>();
    // Line numbers are counted incrementally: `seen` bytes of input hold `newlines` line breaks.
    let (mut seen, mut newlines) = (0, 0);
    loop {
        let start = skip_whitespace(input, stream.byte_offset());
        match stream.next() {
            None => break,
            Some(Ok(value)) => {
                newlines += input.as_bytes()[seen..start]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                seen = start;
                values.push((newlines + 1, value));
            }
            Some(Err(err)) => {
                let message = err.to_string();
                let message = match message.rsplit_once(" at line ") {
                    Some((message, _)) => message.to_owned(),
                    None => message,
                };
                return Err(InputError::Json {
                    line: err.line(),
                    column: err.column(),
                    message,
                });
            }
        }
    }
    match values.len() {
        0 => Err(InputError::Empty),
        1 => from_value(values.pop().expect("one value").1),
        _ => {
            let mut out = Vec::new();
            for (line, value) in values {
                top_level(value, Framing::Lines, Some(line), &mut out)?;
            }
            Ok(out)
        }
    }
}

/// Reads findings from an already-parsed JSON document (a Lambda or state machine input).
pub fn from_value(value: Value) -> Result<Vec<Incoming>, InputError> {
    let mut out = Vec::new();
    let framing = if value.is_array() {
        Framing::Array
    } else {
        Framing::Document
    };
    top_level(value, framing, None, &mut out)?;
    Ok(out)
}

fn skip_whitespace(input: &str, from: usize) -> usize {
    from + input.as_bytes()[from..]
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .count()
}

/// A value standing on its own: the document, or one line.
fn top_level(
    value: Value,
    framing: Framing,
    line: Option<usize>,
    out: &mut Vec<Incoming>,
) -> Result<(), InputError> {
    match value {
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                // An element that is not an object is passed on as a (bad) finding, so validation
                // reports it with its place and the other elements still go through.
                container(item, &pointer::index("", i), framing, line, out)?;
            }
            Ok(())
        }
        Value::Object(_) => container(value, "", framing, line, out),
        other => Err(InputError::NotFindings {
            location: validate::location(line, ""),
            found: json_type(&other),
        }),
    }
}

/// An object that is an event, a findings list, or a finding.
fn container(
    value: Value,
    at: &str,
    framing: Framing,
    line: Option<usize>,
    out: &mut Vec<Incoming>,
) -> Result<(), InputError> {
    let mut object = match value {
        Value::Object(object) => object,
        other => {
            push(
                out,
                other,
                framing,
                Shape::Finding,
                None,
                line,
                at.to_owned(),
            );
            return Ok(());
        }
    };
    if object.contains_key("detail-type") {
        return event(object, at, framing, line, out);
    }
    for key in ["Findings", "findings"] {
        let Some(list) = object.remove(key) else {
            continue;
        };
        let at = pointer::join(at, key);
        let Value::Array(findings) = list else {
            let reason = format!("expected an array of findings, found {}", json_type(&list));
            return Err(InputError::BadContainer {
                location: validate::location(line, &at),
                reason,
            });
        };
        for (i, finding) in findings.into_iter().enumerate() {
            push(
                out,
                finding,
                framing,
                Shape::FindingsList,
                None,
                line,
                pointer::index(&at, i),
            );
        }
        return Ok(());
    }
    push(
        out,
        Value::Object(object),
        framing,
        Shape::Finding,
        None,
        line,
        at.to_owned(),
    );
    Ok(())
}

fn event(
    mut object: Map<String, Value>,
    at: &str,
    framing: Framing,
    line: Option<usize>,
    out: &mut Vec<Incoming>,
) -> Result<(), InputError> {
    let bad = |pointer: String, reason: String| InputError::BadContainer {
        location: validate::location(line, &pointer),
        reason,
    };
    let detail_type = match object.get("detail-type") {
        Some(Value::String(text)) => text.clone(),
        Some(other) => {
            let reason = format!("expected a string, found {}", json_type(other));
            return Err(bad(pointer::join(at, "detail-type"), reason));
        }
        None => unreachable!("checked by the caller"),
    };
    let kind = match detail_type.as_str() {
        IMPORTED => EventKind::Imported,
        CUSTOM_ACTION => EventKind::CustomAction,
        ALARM_STATE_CHANGE => {
            let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
            let info = EventInfo {
                kind: EventKind::AlarmStateChange,
                detail_type,
                id: text("id"),
                time: text("time"),
                source: text("source"),
                account: text("account"),
                region: text("region"),
                action_name: None,
                action_description: None,
            };
            push(
                out,
                Value::Object(object),
                framing,
                Shape::AlarmEvent,
                Some(info),
                line,
                at.to_owned(),
            );
            return Ok(());
        }
        _ => {
            return Err(InputError::UnsupportedEvent {
                location: validate::location(line, at),
                detail_type,
            });
        }
    };
    let detail_at = pointer::join(at, "detail");
    let mut detail = match object.remove("detail") {
        Some(Value::Object(detail)) => detail,
        None | Some(Value::Null) => return Err(bad(detail_at, "missing".into())),
        Some(other) => {
            return Err(bad(
                detail_at,
                format!("expected an object, found {}", json_type(&other)),
            ));
        }
    };
    let findings_at = pointer::join(&detail_at, "findings");
    let findings = match detail.remove("findings") {
        Some(Value::Array(findings)) => findings,
        None | Some(Value::Null) => return Err(bad(findings_at, "missing".into())),
        Some(other) => {
            let reason = format!("expected an array of findings, found {}", json_type(&other));
            return Err(bad(findings_at, reason));
        }
    };
    let text = |map: &Map<String, Value>, key: &str| {
        map.get(key).and_then(Value::as_str).map(str::to_owned)
    };
    let info = EventInfo {
        kind,
        detail_type,
        id: text(&object, "id"),
        time: text(&object, "time"),
        source: text(&object, "source"),
        account: text(&object, "account"),
        region: text(&object, "region"),
        action_name: text(&detail, "actionName"),
        action_description: text(&detail, "actionDescription"),
    };
    for (i, finding) in findings.into_iter().enumerate() {
        let pointer = pointer::index(&findings_at, i);
        push(
            out,
            finding,
            framing,
            Shape::Event,
            Some(info.clone()),
            line,
            pointer,
        );
    }
    Ok(())
}

fn push(
    out: &mut Vec<Incoming>,
    finding: Value,
    framing: Framing,
    shape: Shape,
    event: Option<EventInfo>,
    line: Option<usize>,
    pointer: String,
) {
    out.push(Incoming {
        finding,
        origin: Origin {
            framing,
            shape,
            event,
        },
        location: validate::location(line, &pointer),
        line,
        pointer,
    });
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/../../examples/findings/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn ids(incoming: &[Incoming]) -> Vec<&str> {
        incoming
            .iter()
            .map(|i| i.finding["Id"].as_str().unwrap_or("?"))
            .collect()
    }

    fn locations(incoming: &[Incoming]) -> Vec<&str> {
        incoming.iter().map(|i| i.location.as_str()).collect()
    }

    #[test]
    fn a_bare_finding() {
        let text = fixture("securityhub-s3.8-failed.json");
        let incoming = parse(&text).unwrap();
        assert_eq!(incoming.len(), 1);
        let one = &incoming[0];
        assert_eq!(
            one.origin,
            Origin {
                framing: Framing::Document,
                shape: Shape::Finding,
                event: None
            }
        );
        assert_eq!(one.location, "");
        assert_eq!(one.line, None);
        // Untouched.
        assert_eq!(one.finding, serde_json::from_str::<Value>(&text).unwrap());
        assert_eq!(one.validate(), Ok(()));
    }

    #[test]
    fn an_imported_event() {
        let incoming = parse(&fixture("guardduty-ec2-ssh-bruteforce.event.json")).unwrap();
        assert_eq!(incoming.len(), 1);
        let origin = &incoming[0].origin;
        assert_eq!(origin.shape, Shape::Event);
        let event = origin.event.as_ref().unwrap();
        assert_eq!(event.kind, EventKind::Imported);
        assert_eq!(event.detail_type, IMPORTED);
        assert_eq!(
            event.id.as_deref(),
            Some("8e5622f9-d81c-4d81-a12a-9319e7ee2506")
        );
        assert_eq!(event.time.as_deref(), Some("2026-03-10T14:21:50Z"));
        assert_eq!(event.account.as_deref(), Some("111122223333"));
        assert_eq!(event.action_name, None);
        assert_eq!(incoming[0].location, "/detail/findings/0");
        assert_eq!(incoming[0].finding["ProductName"], "GuardDuty");
    }

    #[test]
    fn a_custom_action_event_with_three_findings() {
        let incoming = parse(&fixture("custom-action-three-findings.event.json")).unwrap();
        assert_eq!(
            locations(&incoming),
            [
                "/detail/findings/0",
                "/detail/findings/1",
                "/detail/findings/2"
            ]
        );
        let controls: Vec<&str> = incoming
            .iter()
            .map(|i| {
                i.finding["Compliance"]["SecurityControlId"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(controls, ["EC2.2", "RDS.3", "CloudTrail.2"]);
        for one in &incoming {
            let event = one.origin.event.as_ref().unwrap();
            assert_eq!(event.kind, EventKind::CustomAction);
            assert_eq!(event.action_name.as_deref(), Some("SOAR reprocess"));
            assert_eq!(
                event.action_description.as_deref(),
                Some("Send the selected findings through SOAR again")
            );
            assert_eq!(one.validate(), Ok(()));
        }
    }

    #[test]
    fn a_get_findings_export() {
        let incoming = parse(&fixture("get-findings-export.json")).unwrap();
        assert_eq!(locations(&incoming), ["/Findings/0", "/Findings/1"]);
        assert!(
            incoming
                .iter()
                .all(|i| i.origin.shape == Shape::FindingsList && i.origin.event.is_none())
        );
        assert_eq!(
            incoming[1].finding["Compliance"]["StatusReasons"][0]["ReasonCode"],
            "CONFIG_ACCESS_DENIED"
        );
    }

    #[test]
    fn newline_delimited_findings_and_events() {
        let incoming = parse(&fixture("export.jsonl")).unwrap();
        assert_eq!(
            locations(&incoming),
            [
                "line 1",
                "line 2",
                "line 3, /detail/findings/0",
                "line 3, /detail/findings/1"
            ]
        );
        assert!(incoming.iter().all(|i| i.origin.framing == Framing::Lines));
        assert_eq!(incoming[0].origin.shape, Shape::Finding);
        assert_eq!(incoming[3].origin.shape, Shape::Event);
        assert_eq!(incoming[3].line, Some(3));
        assert_eq!(incoming[3].pointer, "/detail/findings/1");
        assert!(incoming.iter().all(|i| i.validate().is_ok()));
    }

    #[test]
    fn a_json_array_of_findings_and_events() {
        let bare: Value = serde_json::from_str(&fixture("cloudwatch-alarm.json")).unwrap();
        let event: Value =
            serde_json::from_str(&fixture("guardduty-ec2-ssh-bruteforce.event.json")).unwrap();
        let export: Value = serde_json::from_str(&fixture("get-findings-export.json")).unwrap();
        let text = serde_json::to_string_pretty(&json!([bare, event, export])).unwrap();
        let incoming = parse(&text).unwrap();
        assert_eq!(
            locations(&incoming),
            [
                "/0",
                "/1/detail/findings/0",
                "/2/Findings/0",
                "/2/Findings/1"
            ]
        );
        assert!(incoming.iter().all(|i| i.origin.framing == Framing::Array));
        let shapes: Vec<Shape> = incoming.iter().map(|i| i.origin.shape).collect();
        assert_eq!(
            shapes,
            [
                Shape::Finding,
                Shape::Event,
                Shape::FindingsList,
                Shape::FindingsList
            ]
        );
    }

    #[test]
    fn bad_findings_are_returned_for_validation_not_dropped() {
        let good: Value = serde_json::from_str(&fixture("cloudwatch-alarm.json")).unwrap();
        let bad: Value =
            serde_json::from_str(&fixture("malformed-missing-generator-id.json")).unwrap();
        let event = json!({
            "version": "0", "id": "e-1", "detail-type": IMPORTED, "source": "aws.securityhub",
            "account": "111122223333", "time": "2026-03-11T10:00:00Z", "region": "eu-west-1",
            "resources": [], "detail": {"findings": [good.clone(), "not a finding", bad, good]}
        });
        let incoming = from_value(event).unwrap();
        assert_eq!(incoming.len(), 4);
        let results: Vec<Result<(), String>> = incoming
            .iter()
            .map(|i| i.validate().map_err(|e| e.to_string()))
            .collect();
        assert_eq!(results[0], Ok(()));
        assert_eq!(
            results[1],
            Err("invalid finding at /detail/findings/1: /detail/findings/1: expected an object, found a string".into())
        );
        assert_eq!(
            results[2],
            Err("invalid finding at /detail/findings/2: /detail/findings/2/GeneratorId: missing required field".into())
        );
        assert_eq!(results[3], Ok(()));
    }

    #[test]
    fn an_event_with_no_findings_gives_none() {
        let event = json!({"detail-type": IMPORTED, "detail": {"findings": []}});
        assert_eq!(from_value(event).unwrap(), Vec::new());
    }

    #[test]
    fn the_detail_alone() {
        let incoming =
            from_value(json!({"actionName": "x", "findings": [{"Id": "a"}, {"Id": "b"}]})).unwrap();
        assert_eq!(ids(&incoming), ["a", "b"]);
        assert_eq!(locations(&incoming), ["/findings/0", "/findings/1"]);
    }

    #[test]
    fn invalid_json_names_line_and_column() {
        let err = parse("{\n  \"Id\": \"a\",\n  \"Title\" \"b\"\n}").unwrap_err();
        assert_eq!(
            err,
            InputError::Json {
                line: 3,
                column: 11,
                message: "expected `:`".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "invalid JSON at line 3, column 11: expected `:`"
        );
        // A bad line in newline-delimited input is named by its own line.
        let err = parse("{\"Id\": \"a\"}\n{\"Id\": \"b\"}\n{\"Id\": \"c\"\n").unwrap_err();
        assert!(
            matches!(
                err,
                InputError::Json { line: 4, .. } | InputError::Json { line: 3, .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn inputs_that_hold_no_findings() {
        assert_eq!(parse(" \n\t "), Err(InputError::Empty));
        assert_eq!(
            parse("\"hello\"").unwrap_err().to_string(),
            "(root): expected a finding, an event, {\"Findings\": [...]} or an array, found a string"
        );
        assert_eq!(
            parse("{\"Id\": \"a\"}\n42\n").unwrap_err(),
            InputError::NotFindings {
                location: "line 2".into(),
                found: "a number"
            }
        );
        let insight = json!({"detail-type": "Security Hub Insight Results", "detail": {}});
        assert_eq!(
            from_value(insight).unwrap_err().to_string(),
            "(root): unsupported event detail-type \"Security Hub Insight Results\": expected \
             \"Security Hub Findings - Imported\", \"Security Hub Findings - Custom Action\" or \
             \"CloudWatch Alarm State Change\""
        );
        let no_findings = json!({"detail-type": IMPORTED, "detail": {"actionName": "x"}});
        assert_eq!(
            from_value(no_findings).unwrap_err(),
            InputError::BadContainer {
                location: "/detail/findings".into(),
                reason: "missing".into()
            }
        );
        let not_a_list = json!([{"Findings": {"Id": "a"}}]);
        assert_eq!(
            from_value(not_a_list).unwrap_err().to_string(),
            "/0/Findings: expected an array of findings, found an object"
        );
        let no_detail = json!({"detail-type": CUSTOM_ACTION});
        assert_eq!(
            from_value(no_detail).unwrap_err().to_string(),
            "/detail: missing"
        );
    }

    #[test]
    fn an_alarm_event_is_returned_whole_alone_or_in_a_list() {
        let alarm: Value =
            serde_json::from_str(&fixture("cloudwatch-alarm-state-change.event.json")).unwrap();
        let incoming = parse(&fixture("cloudwatch-alarm-state-change.event.json")).unwrap();
        assert_eq!(incoming.len(), 1);
        assert_eq!(incoming[0].finding, alarm);
        assert_eq!(incoming[0].origin.shape, Shape::AlarmEvent);
        let info = incoming[0].origin.event.as_ref().unwrap();
        assert_eq!(info.kind, EventKind::AlarmStateChange);
        assert_eq!(info.source.as_deref(), Some("aws.cloudwatch"));
        assert_eq!(info.account.as_deref(), Some("111122223333"));
        // Not a finding: it does not validate as one.
        assert!(incoming[0].validate().is_err());

        let bare: Value = serde_json::from_str(&fixture("cloudwatch-alarm.json")).unwrap();
        let incoming = from_value(json!([bare, alarm])).unwrap();
        assert_eq!(locations(&incoming), ["/0", "/1"]);
        let shapes: Vec<Shape> = incoming.iter().map(|i| i.origin.shape).collect();
        assert_eq!(shapes, [Shape::Finding, Shape::AlarmEvent]);
    }

    #[test]
    fn every_fixture_reads() {
        let dir = format!("{}/../../examples/findings", env!("CARGO_MANIFEST_DIR"));
        let mut total = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("json" | "jsonl")
            ) {
                let text = std::fs::read_to_string(&path).unwrap();
                let incoming = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert!(!incoming.is_empty(), "{}", path.display());
                total += incoming.len();
            }
        }
        // 8 bare findings + 1 malformed + 1 (GuardDuty event) + 3 (custom action) + 2 (export) + 4 (jsonl)
        // + 1 alarm event.
        assert_eq!(total, 20);
    }
}
