//! The scratchpad: SOAR's shared document. Every task of every state machine receives it and returns
//! it; it is the whole state of handling one finding.
//!
//! # The contract
//!
//! The JSON form is a stable contract between the state machines (which read it with JSONPath and
//! JSONata), the task functions, and stored executions. Its top level has exactly these six keys;
//! keys inside are snake_case. Keys this version does not know are kept, at every level, so an older
//! task never drops what a newer one wrote.
//!
//! ```json
//! {
//!   "account": {
//!     "id": "444455556666", "name": "payments-prod", "email": "aws+payments-prod@example.com",
//!     "ou_path": "Root/Workloads/Prod", "environment": "PROD", "team": "payments",
//!     "team_email": "payments@example.com", "tags": {"cost-center": "42"},
//!     "created_at": "2024-06-01T12:00:00Z"
//!   },
//!   "finding": { "SchemaVersion": "2018-10-08", "Id": "...", "...": "the ASFF finding" },
//!   "tags": {"team": "payments"},
//!   "actions": {
//!     "suppress_finding": false, "autoremediation_not_done": false,
//!     "reconsider_later": false, "terminate_for_reprocessing": false
//!   },
//!   "messages": {
//!     "actions_taken": "None.",
//!     "actions_required": "Please update your infrastructural code to prevent this security issue from arising again at the next deployment.",
//!     "ai": {"plaintext": "", "html": ""}
//!   },
//!   "db": {"ticket": {"...": "..."}, "penalty_score": 0}
//! }
//! ```
//!
//! | key | type | meaning |
//! | --- | --- | --- |
//! | `account` | object | The account that owns the resource, filled in by enrichment. Every field is a string or `null` except `tags` (an object of strings, `{}` when unknown); `environment` is `PROD`, `STAGING`, `DEV` or `UNKNOWN` (other values are kept). All nine keys are always written, `null` when unknown, so a `Choice` can test them without `IsPresent`. |
//! | `finding` | object | The ASFF finding, as received and as updated by tasks. |
//! | `tags` | object of strings | The tags of the finding's resource. |
//! | `actions` | object of booleans | What the tasks decided: `suppress_finding` (the finding is not a problem: suppress it), `autoremediation_not_done` (a remediation declined to act: open a ticket for the team), `reconsider_later` (not yet: look again on a later run), `terminate_for_reprocessing` (stop this execution; the finding will be processed again). All default to `false`. |
//! | `messages` | object | Text for tickets and e-mails: `actions_taken` (default `None.`), `actions_required` (default: update the infrastructure code), `ai.plaintext` / `ai.html` (an AI explanation, default empty). |
//! | `db` | object | Free-form results of tasks for later tasks: `ticket`, `penalty_score`, `decision`, `incident`, ... |
//!
//! Reading is lenient: a missing section takes its defaults (`{"finding": {...}}` is a complete
//! scratchpad); only `finding` is required. Writing is strict: all six sections and all documented
//! keys are always written.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use soar_json::Value as Json;

use crate::finding::{Finding, FindingError};

/// `messages.actions_taken` until a task says otherwise.
pub const DEFAULT_ACTIONS_TAKEN: &str = "None.";
/// `messages.actions_required` until a task says otherwise.
pub const DEFAULT_ACTIONS_REQUIRED: &str = "Please update your infrastructural code to prevent this security issue from arising again at the next deployment.";

/// SOAR's shared document; see the [module documentation](self) for the JSON contract.
///
/// The finding and any key this version does not know stay [`soar_json::Value`]s: the engine's own
/// shared JSON, so reading a scratchpad and writing it back does not copy the finding (the largest part
/// by far). The small sections are typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Scratchpad {
    /// `account`: the account that owns the resource.
    pub account: Account,
    /// `finding`: the ASFF finding as JSON; [`Scratchpad::finding`] gives the typed view.
    pub finding: Json,
    /// `tags`: the tags of the finding's resource.
    pub tags: IndexMap<String, String>,
    /// `actions`: what the tasks decided.
    pub actions: Actions,
    /// `messages`: text for tickets and e-mails.
    pub messages: Messages,
    /// `db`: free-form results of tasks for later tasks.
    pub db: Map<String, Value>,
    /// Top-level keys this version does not know, kept verbatim.
    pub other: soar_json::Map,
}

/// `account`: the account that owns the finding's resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// `id`: the 12-digit account id.
    #[serde(default)]
    pub id: Option<String>,
    /// `name`: the account name.
    #[serde(default)]
    pub name: Option<String>,
    /// `email`: the account's root e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// `ou_path`: the organizational unit path, `Root/Workloads/Prod`.
    #[serde(default)]
    pub ou_path: Option<String>,
    /// `environment`: PROD, STAGING, DEV or UNKNOWN.
    #[serde(default)]
    pub environment: Option<Environment>,
    /// `team`: the team that owns the account.
    #[serde(default)]
    pub team: Option<String>,
    /// `team_email`: where the team is reached.
    #[serde(default)]
    pub team_email: Option<String>,
    /// `tags`: the account's tags.
    #[serde(default)]
    pub tags: IndexMap<String, String>,
    /// `created_at`: when the account was created (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Keys this version does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

string_enum! {
    /// `account.environment`.
    pub enum Environment {
        /// Production.
        Prod => "PROD",
        /// Staging.
        Staging => "STAGING",
        /// Development.
        Dev => "DEV",
        /// Not known.
        Unknown => "UNKNOWN",
    }
}

/// `actions`: the decisions tasks signal to the state machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Actions {
    /// `suppress_finding`: the finding is not a problem; suppress it.
    #[serde(default)]
    pub suppress_finding: bool,
    /// `autoremediation_not_done`: a remediation declined to act; open a ticket for the team.
    #[serde(default)]
    pub autoremediation_not_done: bool,
    /// `reconsider_later`: not yet; look again on a later run.
    #[serde(default)]
    pub reconsider_later: bool,
    /// `terminate_for_reprocessing`: stop this execution; the finding will be processed again.
    #[serde(default)]
    pub terminate_for_reprocessing: bool,
    /// Keys this version does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `messages`: text for tickets and e-mails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Messages {
    /// `actions_taken`: what SOAR did.
    #[serde(default = "default_actions_taken")]
    pub actions_taken: String,
    /// `actions_required`: what the team must do.
    #[serde(default = "default_actions_required")]
    pub actions_required: String,
    /// `ai`: an AI-written explanation.
    #[serde(default)]
    pub ai: AiMessage,
    /// Keys this version does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Default for Messages {
    fn default() -> Self {
        Messages {
            actions_taken: default_actions_taken(),
            actions_required: default_actions_required(),
            ai: AiMessage::default(),
            other: Map::new(),
        }
    }
}

fn default_actions_taken() -> String {
    DEFAULT_ACTIONS_TAKEN.to_owned()
}

fn default_actions_required() -> String {
    DEFAULT_ACTIONS_REQUIRED.to_owned()
}

/// `messages.ai`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AiMessage {
    /// `plaintext`: for e-mail bodies and tickets without markup.
    #[serde(default)]
    pub plaintext: String,
    /// `html`: for HTML e-mails.
    #[serde(default)]
    pub html: String,
    /// Keys this version does not know, kept verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A JSON value that is not a scratchpad.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScratchpadError {
    /// A key is missing or has the wrong type: `{"finding": {}, "actions": {"suppress_finding":
    /// "yes"}}` gives `/actions/suppress_finding: invalid type: string "yes", expected a boolean`.
    #[error("{}: {message}", crate::pointer::display(.pointer))]
    Shape {
        /// JSON pointer of the offending value, from the top of the scratchpad.
        pointer: String,
        /// What is wrong with it.
        message: String,
    },
}

impl Scratchpad {
    /// A new scratchpad for `finding`, every other section at its default.
    pub fn new(finding: impl Into<Json>) -> Scratchpad {
        Scratchpad {
            account: Account::default(),
            finding: finding.into(),
            tags: IndexMap::new(),
            actions: Actions::default(),
            messages: Messages::default(),
            db: Map::new(),
            other: soar_json::Map::default(),
        }
    }

    /// Reads a scratchpad; a missing section takes its defaults, a wrong type is an error naming its
    /// path. The finding is shared with `value`, not copied.
    pub fn from_value(value: impl Into<Json>) -> Result<Scratchpad, ScratchpadError> {
        let value = value.into();
        let Some(entries) = value.as_object() else {
            return Err(ScratchpadError::Shape {
                pointer: String::new(),
                message: format!(
                    "invalid type: {}, expected a scratchpad object",
                    value.type_name()
                ),
            });
        };
        let mut pad = Scratchpad::new(Json::Null);
        let mut finding = None;
        for (key, section) in entries {
            match &**key {
                "finding" => finding = Some(section.clone()),
                "account" => pad.account = read_section(key, section)?,
                "tags" => pad.tags = read_section(key, section)?,
                "actions" => pad.actions = read_section(key, section)?,
                "messages" => pad.messages = read_section(key, section)?,
                "db" => pad.db = read_section(key, section)?,
                _ => {
                    pad.other.insert(key.clone(), section.clone());
                }
            }
        }
        pad.finding = finding.ok_or_else(|| ScratchpadError::Shape {
            pointer: "/finding".into(),
            message: "missing field".into(),
        })?;
        Ok(pad)
    }

    /// The scratchpad as JSON, sections in the documented order, then unknown keys. The finding is
    /// shared, not copied.
    pub fn to_value(&self) -> Json {
        fn section<T: Serialize>(value: &T) -> Json {
            soar_json::to_value(value).expect("a scratchpad section serializes: string keys only")
        }
        let mut out =
            soar_json::Map::with_capacity_and_hasher(6 + self.other.len(), Default::default());
        out.insert("account".into(), section(&self.account));
        out.insert("finding".into(), self.finding.clone());
        out.insert("tags".into(), section(&self.tags));
        out.insert("actions".into(), section(&self.actions));
        out.insert("messages".into(), section(&self.messages));
        out.insert("db".into(), section(&self.db));
        for (key, value) in &self.other {
            out.insert(key.clone(), value.clone());
        }
        Json::from_map(out)
    }

    /// The typed view of `finding`; errors name the path from the top of the scratchpad
    /// (`/finding/Resources/0/Id: missing field`).
    pub fn finding(&self) -> Result<Finding, ScratchpadError> {
        Finding::from_shared(&self.finding).map_err(|err| match err {
            FindingError::Shape { pointer, message } => ScratchpadError::Shape {
                pointer: format!("/finding{pointer}"),
                message,
            },
        })
    }

    /// Replaces `finding` with a typed finding.
    pub fn set_finding(&mut self, finding: &Finding) {
        self.finding =
            soar_json::to_value(finding).expect("a finding serializes: string keys only");
    }
}

/// A typed section, with the path of a failure from the top of the scratchpad.
fn read_section<'de, T: Deserialize<'de>>(
    key: &str,
    section: &'de Json,
) -> Result<T, ScratchpadError> {
    crate::pointer::deserialize_shared(section).map_err(|(pointer, message)| {
        ScratchpadError::Shape {
            pointer: format!("{}{pointer}", crate::pointer::join("", key)),
            message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture_finding() -> Value {
        let path = format!(
            "{}/../../examples/findings/securityhub-s3.8-failed.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn new_writes_the_documented_defaults() {
        let pad = Scratchpad::new(json!({"Id": "x"}));
        let value = pad.to_value();
        assert_eq!(
            value,
            json!({
                "account": {
                    "id": null, "name": null, "email": null, "ou_path": null, "environment": null,
                    "team": null, "team_email": null, "tags": {}, "created_at": null
                },
                "finding": {"Id": "x"},
                "tags": {},
                "actions": {
                    "suppress_finding": false, "autoremediation_not_done": false,
                    "reconsider_later": false, "terminate_for_reprocessing": false
                },
                "messages": {
                    "actions_taken": "None.",
                    "actions_required": "Please update your infrastructural code to prevent this security issue from arising again at the next deployment.",
                    "ai": {"plaintext": "", "html": ""}
                },
                "db": {}
            })
        );
        let keys: Vec<&str> = value.as_object().unwrap().keys().map(|k| &**k).collect();
        assert_eq!(
            keys,
            ["account", "finding", "tags", "actions", "messages", "db"]
        );
    }

    #[test]
    fn a_finding_alone_is_a_complete_scratchpad() {
        let pad = Scratchpad::from_value(json!({"finding": {"Id": "x"}})).unwrap();
        assert_eq!(pad, Scratchpad::new(json!({"Id": "x"})));
    }

    #[test]
    fn unknown_keys_survive_at_every_level() {
        let value = json!({
            "account": {
                "id": "444455556666", "name": "payments-prod", "email": "aws+payments-prod@example.com",
                "ou_path": "Root/Workloads/Prod", "environment": "PROD", "team": "payments",
                "team_email": "payments@example.com", "tags": {"cost-center": "42"},
                "created_at": "2024-06-01T12:00:00Z", "grace_period_hours": 24
            },
            "finding": {"Id": "x", "Anything": [1, {"a": null}]},
            "tags": {"team": "payments"},
            "actions": {
                "suppress_finding": true, "autoremediation_not_done": false,
                "reconsider_later": false, "terminate_for_reprocessing": false, "escalate": true
            },
            "messages": {
                "actions_taken": "Blocked public access.", "actions_required": "None.",
                "ai": {"plaintext": "p", "html": "<p>p</p>", "model": "m"}, "subject": "s"
            },
            "db": {"ticket": {"id": "SEC-1042"}, "penalty_score": 18, "decision": "failed_control"},
            "trace": {"execution": "arn:aws:states:eu-west-1:111122223333:execution:asff:1"}
        });
        let pad = Scratchpad::from_value(value.clone()).unwrap();
        assert_eq!(pad.account.environment, Some(Environment::Prod));
        assert!(pad.actions.suppress_finding);
        assert_eq!(pad.account.other["grace_period_hours"], json!(24));
        assert_eq!(
            pad.other["trace"]["execution"],
            "arn:aws:states:eu-west-1:111122223333:execution:asff:1"
        );
        assert_eq!(pad.to_value(), value);
    }

    #[test]
    fn unknown_environment_is_kept() {
        let pad = Scratchpad::from_value(json!({"finding": {}, "account": {"environment": "QA"}}))
            .unwrap();
        assert_eq!(
            pad.account.environment,
            Some(Environment::Other("QA".into()))
        );
        assert_eq!(pad.to_value()["account"]["environment"], "QA");
    }

    #[test]
    fn errors_name_the_bad_path() {
        let cases = [
            (
                json!({"finding": {}, "actions": {"suppress_finding": "yes"}}),
                "/actions/suppress_finding",
                "expected a boolean",
            ),
            (
                json!({"finding": {}, "account": {"tags": {"a": 1}}}),
                "/account/tags/a",
                "expected a string",
            ),
            (
                json!({"finding": {}, "messages": {"ai": {"html": false}}}),
                "/messages/ai/html",
                "expected a string",
            ),
            (
                json!({"finding": {}, "tags": []}),
                "/tags",
                "expected a map",
            ),
            (
                json!({"finding": {}, "db": "none"}),
                "/db",
                "expected a map",
            ),
            (json!({"account": {}}), "/finding", "missing field"),
            (json!([]), "", "expected"),
        ];
        for (value, pointer, message) in cases {
            let err = Scratchpad::from_value(value.clone()).unwrap_err();
            let ScratchpadError::Shape {
                pointer: got,
                message: text,
            } = &err;
            assert_eq!(got, pointer, "{value}");
            assert!(text.contains(message), "{value}: {text}");
        }
        let err =
            Scratchpad::from_value(json!({"finding": {}, "actions": {"suppress_finding": "yes"}}))
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "/actions/suppress_finding: invalid type: string \"yes\", expected a boolean"
        );
        assert_eq!(
            Scratchpad::from_value(json!({})).unwrap_err().to_string(),
            "/finding: missing field"
        );
    }

    #[test]
    fn typed_finding_access() {
        let mut pad = Scratchpad::new(fixture_finding());
        let mut finding = pad.finding().unwrap();
        assert_eq!(finding.control_id().as_deref(), Some("S3.8"));
        finding.workflow.get_or_insert_default().status =
            Some(crate::finding::WorkflowStatus::Notified);
        pad.set_finding(&finding);
        assert_eq!(pad.finding["Workflow"]["Status"], "NOTIFIED");
        // Everything else is unchanged.
        let mut expected = fixture_finding();
        expected["Workflow"]["Status"] = json!("NOTIFIED");
        assert_eq!(pad.finding, expected);

        let pad = Scratchpad::new(json!({"Id": "x"}));
        assert_eq!(
            pad.finding().unwrap_err().to_string(),
            "/finding/SchemaVersion: missing field"
        );
    }
}
