//! What an incident prompt is filled from: the scratchpad (`account`, `finding`, `tags`, `actions`,
//! `messages` without `ai`, `db`) with its secrets redacted, plus `enrichment`, facts derived from it
//! as ready-to-read text, every one always present (`unknown` or `(none)` when not known):
//!
//! | `enrichment.` | meaning |
//! | --- | --- |
//! | `incident_type` | `EC2`, `IAM`, `S3`, `EKS`, `INFRA alarm`, `APP alarm` or `generic` ([`IncidentType`]) |
//! | `account` | `id (name)` |
//! | `environment`, `team` | the account's |
//! | `severity` | the finding's label |
//! | `region`, `first_seen`, `last_seen` | the finding's |
//! | `product` | the product (or generator) that detected it |
//! | `finding_types` | the finding's types, comma-separated |
//! | `control` | the Security Hub control id, or `(not a control finding)` |
//! | `resources` | one line per resource: `- Type Id` |
//! | `resource_tags` | the resources' tags, `key=value` comma-separated |
//! | `ticket` | the tracking ticket's id |
//! | `recommendation` | the finding's remediation text and URL |
//! | `alarm_name`, `alarm_state`, `alarm_previous_state`, `alarm_namespace`, `alarm_metric` | a CloudWatch alarm's (`soar/alarm/...` product fields) |

use serde_json::{Map, Value};
use soar_model::scratchpad::Scratchpad;

use super::prompts::{self, Prompt};
use super::redact::redact;

/// What kind of incident a finding is, which picks its prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentType {
    /// Amazon EC2 (instances, security groups, volumes, ...).
    Ec2,
    /// AWS IAM (users, roles, access keys).
    Iam,
    /// Amazon S3.
    S3,
    /// Amazon EKS (Kubernetes).
    Eks,
    /// A CloudWatch alarm on infrastructure.
    InfraAlarm,
    /// A CloudWatch alarm on an application.
    AppAlarm,
    /// Anything else.
    Generic,
}

impl IncidentType {
    /// The incident type of a finding (ASFF JSON). CloudWatch alarms (generator `soar-cloudwatch-alarm`,
    /// an `AwsCloudWatchAlarm` resource or `soar/alarm/name` product field) are APP alarms when the alarm
    /// name starts with `APP` or the finding's types name an application, INFRA alarms otherwise. Then
    /// the first resource type or finding type that names EKS/Kubernetes, IAM, S3 or EC2 decides, in
    /// that order (an EKS finding also lists its nodes' instances).
    pub fn of(finding: &Value) -> IncidentType {
        let fields = &finding["ProductFields"];
        let resource_types: Vec<&str> = finding["Resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["Type"].as_str())
            .collect();
        let types: Vec<&str> = finding["Types"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let alarm = finding["GeneratorId"]
            .as_str()
            .is_some_and(|g| g.starts_with("soar-cloudwatch-alarm"))
            || fields.get("soar/alarm/name").is_some()
            || resource_types.contains(&"AwsCloudWatchAlarm");
        if alarm {
            let name = fields["soar/alarm/name"].as_str().unwrap_or_default();
            let app = name.to_ascii_uppercase().starts_with("APP")
                || types.iter().any(|t| t.contains("Application"));
            return if app {
                IncidentType::AppAlarm
            } else {
                IncidentType::InfraAlarm
            };
        }
        let title = finding["Title"].as_str().unwrap_or_default();
        let mentions = |needles: &[&str]| {
            resource_types
                .iter()
                .chain(types.iter())
                .chain(std::iter::once(&title))
                .any(|t| needles.iter().any(|n| t.contains(n)))
        };
        if mentions(&["AwsEks", "Kubernetes", "EKS"]) {
            IncidentType::Eks
        } else if mentions(&["AwsIam", "IAMUser", "AccessKey"]) {
            IncidentType::Iam
        } else if mentions(&["AwsS3", "S3Bucket", "S3 bucket"]) {
            IncidentType::S3
        } else if mentions(&["AwsEc2", "EC2"]) {
            IncidentType::Ec2
        } else {
            IncidentType::Generic
        }
    }

    /// Its name in `enrichment.incident_type`.
    pub fn name(self) -> &'static str {
        match self {
            IncidentType::Ec2 => "EC2",
            IncidentType::Iam => "IAM",
            IncidentType::S3 => "S3",
            IncidentType::Eks => "EKS",
            IncidentType::InfraAlarm => "INFRA alarm",
            IncidentType::AppAlarm => "APP alarm",
            IncidentType::Generic => "generic",
        }
    }

    /// Its prompt.
    pub fn prompt(self) -> Prompt {
        match self {
            IncidentType::Ec2 => prompts::INCIDENT_EC2,
            IncidentType::Iam => prompts::INCIDENT_IAM,
            IncidentType::S3 => prompts::INCIDENT_S3,
            IncidentType::Eks => prompts::INCIDENT_EKS,
            IncidentType::InfraAlarm => prompts::INCIDENT_INFRA,
            IncidentType::AppAlarm => prompts::INCIDENT_APP,
            IncidentType::Generic => prompts::INCIDENT_GENERIC,
        }
    }
}

/// The redacted context of an incident and its type.
pub fn incident_context(pad: &Scratchpad) -> (IncidentType, Value) {
    let mut context = pad.to_value().to_json();
    if let Some(messages) = context.get_mut("messages").and_then(Value::as_object_mut) {
        messages.remove("ai");
    }
    redact(&mut context);
    let kind = IncidentType::of(&context["finding"]);
    let enrichment = enrichment(&context, kind);
    context
        .as_object_mut()
        .expect("a scratchpad is an object")
        .insert("enrichment".into(), enrichment);
    (kind, context)
}

fn text(value: &Value) -> Option<&str> {
    value.as_str().map(str::trim).filter(|s| !s.is_empty())
}

fn or_unknown(value: &Value) -> String {
    text(value).unwrap_or("unknown").to_owned()
}

/// `enrichment`, from the redacted context.
fn enrichment(context: &Value, kind: IncidentType) -> Value {
    let finding = &context["finding"];
    let account = &context["account"];
    let id = text(&account["id"]).or_else(|| text(&finding["AwsAccountId"]));
    let name = text(&account["name"]).or_else(|| text(&finding["AwsAccountName"]));
    let account_text = match (id, name) {
        (Some(id), Some(name)) => format!("{id} ({name})"),
        (Some(id), None) => id.to_owned(),
        (None, Some(name)) => name.to_owned(),
        (None, None) => "unknown".to_owned(),
    };
    let resources: Vec<&Value> = finding["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let resource_lines: Vec<String> = resources
        .iter()
        .map(|r| {
            format!(
                "- {} {}",
                text(&r["Type"]).unwrap_or("(type unknown)"),
                text(&r["Id"]).unwrap_or("(id unknown)")
            )
        })
        .collect();
    let mut tags: Vec<String> = resources
        .iter()
        .filter_map(|r| r["Tags"].as_object())
        .flatten()
        .chain(context["tags"].as_object().into_iter().flatten())
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(&v.to_string())))
        .collect();
    tags.dedup();
    let types: Vec<&str> = finding["Types"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(text)
        .collect();
    let control = text(&finding["Compliance"]["SecurityControlId"])
        .or_else(|| text(&finding["ProductFields"]["ControlId"]))
        .unwrap_or("(not a control finding)");
    let recommendation = &finding["Remediation"]["Recommendation"];
    let recommendation = [text(&recommendation["Text"]), text(&recommendation["Url"])]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let fields = &finding["ProductFields"];
    let mut out = Map::new();
    let mut put = |key: &str, value: String| {
        out.insert(key.to_owned(), Value::String(value));
    };
    put("incident_type", kind.name().to_owned());
    put("account", account_text);
    put("environment", or_unknown(&account["environment"]));
    put("team", or_unknown(&account["team"]));
    put(
        "severity",
        text(&finding["Severity"]["Label"])
            .unwrap_or("UNKNOWN")
            .to_owned(),
    );
    put(
        "region",
        text(&finding["Region"])
            .or_else(|| resources.iter().find_map(|r| text(&r["Region"])))
            .unwrap_or("unknown")
            .to_owned(),
    );
    put(
        "first_seen",
        text(&finding["FirstObservedAt"])
            .or_else(|| text(&finding["CreatedAt"]))
            .unwrap_or("unknown")
            .to_owned(),
    );
    put(
        "last_seen",
        text(&finding["LastObservedAt"])
            .or_else(|| text(&finding["UpdatedAt"]))
            .unwrap_or("unknown")
            .to_owned(),
    );
    put(
        "product",
        text(&finding["ProductName"])
            .or_else(|| text(&finding["GeneratorId"]))
            .unwrap_or("unknown")
            .to_owned(),
    );
    put(
        "finding_types",
        if types.is_empty() {
            "(none)".to_owned()
        } else {
            types.join(", ")
        },
    );
    put("control", control.to_owned());
    put(
        "resources",
        if resource_lines.is_empty() {
            "(none)".to_owned()
        } else {
            resource_lines.join("\n")
        },
    );
    put(
        "resource_tags",
        if tags.is_empty() {
            "(none)".to_owned()
        } else {
            tags.join(", ")
        },
    );
    put(
        "ticket",
        text(&context["db"]["ticket"]["id"])
            .unwrap_or("(none)")
            .to_owned(),
    );
    put(
        "recommendation",
        if recommendation.is_empty() {
            "(none)".to_owned()
        } else {
            recommendation
        },
    );
    for (key, field) in [
        ("alarm_name", "soar/alarm/name"),
        ("alarm_state", "soar/alarm/state"),
        ("alarm_previous_state", "soar/alarm/previous-state"),
        ("alarm_namespace", "soar/alarm/namespace"),
        ("alarm_metric", "soar/alarm/metric"),
    ] {
        put(key, or_unknown(&fields[field]));
    }
    Value::Object(out)
}

/// A realistic report context for the weekly report's prompt (its tests, and the shape the weekly
/// report task fills it with): `report.period_start`, `period_end`, `accounts` (text) and `outcomes`,
/// `severities`, `incidents`, `remediations`, `top_teams`, `top_controls` (JSON).
#[cfg(test)]
pub(crate) fn example_report() -> Value {
    serde_json::json!({"report": {
        "period_start": "2026-11-16",
        "period_end": "2026-11-22",
        "accounts": "42 accounts in 6 organizational units",
        "outcomes": {"ticketed": 120, "remediated": 48, "suppressed": 300, "incident": 2},
        "severities": {"CRITICAL": 1, "HIGH": 14, "MEDIUM": 80, "LOW": 200},
        "incidents": [{"title": "SSH brute force on i-0abc", "account": "444455556666", "status": "OPEN"}],
        "remediations": {"S3.8": 20, "EC2.7": 28},
        "top_teams": [{"team": "payments", "penalty_score": 1800}],
        "top_controls": [{"control": "S3.8", "failed": 31}]
    }})
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example(name: &str) -> Value {
        let path = format!("{}/../examples/findings/{name}", env!("CARGO_MANIFEST_DIR"));
        let value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        // An EventBridge event carries the finding in detail.findings.
        match value["detail"]["findings"][0].clone() {
            Value::Null => value,
            finding => finding,
        }
    }

    #[test]
    fn incident_types_come_from_resources_types_and_alarms() {
        assert_eq!(
            IncidentType::of(&example("securityhub-s3.8-failed.json")),
            IncidentType::S3
        );
        assert_eq!(
            IncidentType::of(&example("guardduty-ec2-ssh-bruteforce.event.json")),
            IncidentType::Ec2
        );
        assert_eq!(
            IncidentType::of(&example("cloudwatch-alarm.json")),
            IncidentType::AppAlarm
        );
        let mut infra = example("cloudwatch-alarm.json");
        infra["ProductFields"]["soar/alarm/name"] = "INFRA-nat-gateway-errors".into();
        infra["Types"] = json!(["Software and Configuration Checks"]);
        assert_eq!(IncidentType::of(&infra), IncidentType::InfraAlarm);
        let iam = json!({"Types": ["TTPs/Credential Access"], "Resources": [{"Type": "AwsIamAccessKey", "Id": "k"}]});
        assert_eq!(IncidentType::of(&iam), IncidentType::Iam);
        let eks = json!({"Resources": [{"Type": "AwsEc2Instance", "Id": "i"}, {"Type": "AwsEksCluster", "Id": "c"}]});
        assert_eq!(IncidentType::of(&eks), IncidentType::Eks);
        assert_eq!(
            IncidentType::of(&json!({"Title": "x"})),
            IncidentType::Generic
        );
    }
}
