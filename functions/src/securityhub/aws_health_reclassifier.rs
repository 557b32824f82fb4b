//! `aws_health_reclassifier`: gives AWS Health findings the severity their event type deserves, so
//! the decision that follows routes them right. Every other finding passes through unchanged.
//!
//! AWS Health findings (`ProductArn` `.../product/aws/health`, `ProductName` `Health`) carry the Health
//! event type code (`ProductFields."aws/health/event-type-code"`, also the `GeneratorId` and a segment
//! of the event ARN, `arn:aws:health:<region>::event/<SERVICE>/<CODE>/<id>`) and its category
//! (`ProductFields."aws/health/event-type-category"`: `issue`, `accountNotification`,
//! `scheduledChange` or `investigation`, AWS Health API reference, `EventType`). Codes have the form
//! `AWS_<SERVICE>_<DESCRIPTION>`. The rules, first match wins:
//!
//! | rule | event types | severity | why |
//! | --- | --- | --- | --- |
//! | `security_risk` | service `RISK`: `AWS_RISK_*` (`AWS_RISK_CREDENTIALS_EXPOSED`, `..._EXPOSURE_SUSPECTED`, `..._COMPROMISED`, `..._COMPROMISE_SUSPECTED`, `AWS_RISK_ACCOUNT_CONSOLE_COMPROMISE`, `AWS_RISK_IAM_QUARANTINE`) | CRITICAL, and `incident` | AWS found the account's credentials exposed or compromised (it scans public code repositories and raises `AWS_RISK_CREDENTIALS_EXPOSED`, restricting the key, aws/aws-health-tools `automated-actions/AWS_RISK_CREDENTIALS_EXPOSED`). Someone may be using the key now: this is an incident, not a ticket. |
//! | `abuse_report` | service `ABUSE`: `AWS_ABUSE_*` (`AWS_ABUSE_EC2_BOTNET_REPORT`, `AWS_ABUSE_EC2_DOS_REPORT`, `AWS_ABUSE_EC2_EMAIL_SPAM_REPORT`, ...) | at least HIGH | AWS received a report that a resource of the account attacks others: usually a compromised resource, and AWS may act on it. Never lowered. |
//! | `security_notification` | `AWS_<SERVICE>_SECURITY_NOTIFICATION` | unchanged | Security notices about the account (deprecated TLS, exposed resources, ...). Some are announcements, some are not: SOAR never silences a security notice on a guess (OpenSecOps SOAR lowers them all to INFORMATIONAL). |
//! | `informational` | category `scheduledChange` or `accountNotification`, or a code naming scheduled work or a notice: `..._SCHEDULED` (`AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED`, `AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED`), `..._MAINTENANCE...`, `..._OPERATIONAL_NOTIFICATION`, `..._PLANNED_LIFECYCLE_EVENT`, `..._NOTIFICATION` | INFORMATIONAL | Planned maintenance, retirements and service announcements are operations news, not security problems: at INFORMATIONAL they are below `ticket_min_severity` and are not ticketed. |
//!
//! Anything else (an operational `issue` such as `AWS_EC2_OPERATIONAL_ISSUE`, an `investigation`, a
//! Health finding without an event type code) keeps its severity.
//!
//! A match sets `Severity.Label` and `Severity.Normalized` (0, 40, 70, 90 as Security Hub does) on the
//! scratchpad's finding, leaving `Severity.Original` and the provider's `FindingProviderFields` as they
//! were, and records `db.reclassification`: `{rule, event_type_code, category, from, to, incident}`.
//! `incident` is `true` for `security_risk`: the decision must open an incident whatever the
//! `incident_products` settings say. Nothing is written to Security Hub here: the severity reaches
//! Security Hub, if at all, through the later updates of the finding.

use serde_json::{Value, json};
use soar_json::Value as Json;
use soar_model::finding::{Finding, LenientNumber, SeverityLabel};

use crate::core::scratchpad;
use crate::{Services, TaskError};

/// A reclassification rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    SecurityRisk,
    AbuseReport,
    SecurityNotification,
    Informational,
}

impl Rule {
    fn name(self) -> &'static str {
        match self {
            Rule::SecurityRisk => "security_risk",
            Rule::AbuseReport => "abuse_report",
            Rule::SecurityNotification => "security_notification",
            Rule::Informational => "informational",
        }
    }

    /// The severity a finding at `current` gets.
    fn severity(self, current: Option<&SeverityLabel>) -> Option<SeverityLabel> {
        match self {
            Rule::SecurityRisk => Some(SeverityLabel::Critical),
            Rule::AbuseReport => {
                let rank = current.and_then(SeverityLabel::rank).unwrap_or(0);
                Some(if rank >= 3 {
                    current.cloned().unwrap_or(SeverityLabel::High)
                } else {
                    SeverityLabel::High
                })
            }
            Rule::SecurityNotification => current.cloned(),
            Rule::Informational => Some(SeverityLabel::Informational),
        }
    }
}

/// Runs the task.
pub async fn run(_services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let mut pad = scratchpad(input)?;
    let mut finding = pad.finding()?;
    if !is_aws_health(&finding) {
        return Ok(pad.to_value());
    }
    let Some(code) = event_type_code(&finding) else {
        return Ok(pad.to_value());
    };
    let category = finding
        .product_field("aws/health/event-type-category")
        .map(str::to_owned);
    let Some(rule) = classify(&code, category.as_deref()) else {
        return Ok(pad.to_value());
    };
    let from = finding.severity_label();
    let to = rule.severity(from.as_ref());
    if let Some(label) = &to
        && to != from
    {
        finding.severity.label = Some(label.clone());
        if let Some(score) = label.rank().map(normalized) {
            finding.severity.normalized = Some(LenientNumber::from(score));
        }
        pad.set_finding(&finding);
    }
    let label = |l: Option<SeverityLabel>| l.map_or(Value::Null, |l| Value::from(l.to_string()));
    pad.db.insert(
        "reclassification".into(),
        json!({
            "rule": rule.name(),
            "event_type_code": code,
            "category": category,
            "from": label(from),
            "to": label(to),
            "incident": rule == Rule::SecurityRisk,
        }),
    );
    Ok(pad.to_value())
}

/// `Severity.Normalized` for a label rank, as Security Hub sets it for a label: 0, 1, 40, 70, 90.
fn normalized(rank: u8) -> u64 {
    [0, 1, 40, 70, 90][usize::from(rank.min(4))]
}

/// Whether the finding comes from AWS Health.
fn is_aws_health(finding: &Finding) -> bool {
    finding.product_arn.ends_with("/product/aws/health")
        || finding.product_name.as_deref() == Some("Health")
        || finding.product_field("aws/securityhub/ProductName") == Some("Health")
}

/// Whether `text` looks like a Health event type code: `AWS_` then capitals, digits and `_`.
fn is_event_type_code(text: &str) -> bool {
    text.len() > 4
        && text.starts_with("AWS_")
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// The Health event type code: `ProductFields."aws/health/event-type-code"`, else the `GeneratorId`,
/// else the code segment of the event ARN (`ProductFields."aws/health/event-arn"` or the `Id`).
fn event_type_code(finding: &Finding) -> Option<String> {
    let from_arn = |arn: &str| {
        let (_, path) = arn.split_once(":event/")?;
        let mut segments = path.split('/');
        let _service = segments.next()?;
        segments.next().map(str::to_owned)
    };
    [
        finding
            .product_field("aws/health/event-type-code")
            .map(|c| c.trim().to_owned()),
        Some(finding.generator_id.trim().to_owned()),
        finding
            .product_field("aws/health/event-arn")
            .and_then(from_arn),
        from_arn(&finding.id),
    ]
    .into_iter()
    .flatten()
    .find(|code| is_event_type_code(code))
}

/// The rule for an event type code and category, if any applies.
fn classify(code: &str, category: Option<&str>) -> Option<Rule> {
    if code.starts_with("AWS_RISK_") {
        return Some(Rule::SecurityRisk);
    }
    if code.starts_with("AWS_ABUSE_") {
        return Some(Rule::AbuseReport);
    }
    if code.ends_with("_SECURITY_NOTIFICATION") {
        return Some(Rule::SecurityNotification);
    }
    let scheduled_or_notice = matches!(category, Some("scheduledChange" | "accountNotification"))
        || code.ends_with("_SCHEDULED")
        || code.contains("_MAINTENANCE")
        || code.ends_with("_PLANNED_LIFECYCLE_EVENT")
        || code.ends_with("_NOTIFICATION");
    scheduled_or_notice.then_some(Rule::Informational)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{finding, services};
    use soar_model::scratchpad::Scratchpad;

    fn health() -> Value {
        serde_json::from_str(include_str!(
            "../../../examples/findings/health-risk-credentials-exposed.json"
        ))
        .unwrap()
    }

    /// A Health finding for `code` in `category` at severity `label`.
    fn health_event(code: &str, category: &str, label: &str) -> Value {
        let mut f = health();
        f["GeneratorId"] = code.into();
        f["Title"] = code.into();
        f["Id"] = format!("arn:aws:health:eu-west-1:444455556666:event/EC2/{code}/{code}_1").into();
        f["ProductFields"]["aws/health/event-type-code"] = code.into();
        f["ProductFields"]["aws/health/event-type-category"] = category.into();
        f["Severity"] = json!({"Label": label, "Normalized": 40, "Original": category});
        f
    }

    async fn reclassify(f: Value) -> Value {
        run(&services(), Scratchpad::new(f).to_value())
            .await
            .unwrap()
            .to_json()
    }

    #[tokio::test]
    async fn exposed_credentials_are_a_critical_incident() {
        let mut f = health();
        f["Severity"] = json!({"Label": "MEDIUM", "Normalized": 40, "Original": "issue"});
        let out = reclassify(f).await;
        assert_eq!(out["finding"]["Severity"]["Label"], "CRITICAL");
        assert_eq!(out["finding"]["Severity"]["Normalized"], 90);
        assert_eq!(out["finding"]["Severity"]["Original"], "issue");
        // The provider's own view is kept.
        assert_eq!(
            out["finding"]["FindingProviderFields"]["Severity"]["Label"],
            "CRITICAL"
        );
        assert_eq!(
            out["db"]["reclassification"],
            json!({"rule": "security_risk", "event_type_code": "AWS_RISK_CREDENTIALS_EXPOSED",
                   "category": "issue", "from": "MEDIUM", "to": "CRITICAL", "incident": true})
        );
    }

    #[tokio::test]
    async fn an_already_critical_risk_event_is_still_flagged_as_an_incident() {
        let out = reclassify(health()).await;
        let mut expected = Scratchpad::new(health()).to_value().to_json();
        expected["db"]["reclassification"] = json!({"rule": "security_risk",
            "event_type_code": "AWS_RISK_CREDENTIALS_EXPOSED", "category": "issue",
            "from": "CRITICAL", "to": "CRITICAL", "incident": true});
        // Nothing else changes: the finding is exactly as received.
        assert_eq!(out, expected);
    }

    #[tokio::test]
    async fn every_risk_code_is_critical() {
        for code in [
            "AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED",
            "AWS_RISK_CREDENTIALS_COMPROMISED",
            "AWS_RISK_CREDENTIALS_COMPROMISE_SUSPECTED",
            "AWS_RISK_ACCOUNT_CONSOLE_COMPROMISE",
            "AWS_RISK_IAM_QUARANTINE",
        ] {
            let out = reclassify(health_event(code, "issue", "LOW")).await;
            assert_eq!(out["finding"]["Severity"]["Label"], "CRITICAL", "{code}");
            assert_eq!(out["db"]["reclassification"]["incident"], true, "{code}");
        }
    }

    #[tokio::test]
    async fn scheduled_maintenance_and_notices_become_informational() {
        let cases = [
            ("AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", "scheduledChange"),
            (
                "AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED",
                "scheduledChange",
            ),
            ("AWS_RDS_MAINTENANCE_SCHEDULED", "scheduledChange"),
            ("AWS_LAMBDA_PLANNED_LIFECYCLE_EVENT", "accountNotification"),
            ("AWS_S3_OPERATIONAL_NOTIFICATION", "accountNotification"),
            // The category alone is enough.
            ("AWS_EKS_VERSION_END_OF_SUPPORT", "accountNotification"),
            // The code alone is enough when the category is missing or odd.
            ("AWS_ELASTICACHE_UPDATE_SCHEDULED", "unknown"),
        ];
        for (code, category) in cases {
            let out = reclassify(health_event(code, category, "HIGH")).await;
            assert_eq!(
                out["finding"]["Severity"]["Label"], "INFORMATIONAL",
                "{code}"
            );
            assert_eq!(out["finding"]["Severity"]["Normalized"], 0, "{code}");
            let r = &out["db"]["reclassification"];
            assert_eq!(r["rule"], "informational", "{code}");
            assert_eq!(r["from"], "HIGH", "{code}");
            assert_eq!(r["incident"], false, "{code}");
        }
    }

    #[tokio::test]
    async fn abuse_reports_are_at_least_high() {
        let out = reclassify(health_event("AWS_ABUSE_EC2_BOTNET_REPORT", "issue", "LOW")).await;
        assert_eq!(out["finding"]["Severity"]["Label"], "HIGH");
        assert_eq!(out["finding"]["Severity"]["Normalized"], 70);
        assert_eq!(out["db"]["reclassification"]["rule"], "abuse_report");
        assert_eq!(out["db"]["reclassification"]["incident"], false);
        // Never lowered.
        let out = reclassify(health_event(
            "AWS_ABUSE_EC2_DOS_REPORT",
            "issue",
            "CRITICAL",
        ))
        .await;
        assert_eq!(out["finding"]["Severity"]["Label"], "CRITICAL");
        assert_eq!(out["finding"]["Severity"]["Normalized"], 40, "untouched");
    }

    #[tokio::test]
    async fn security_notifications_keep_their_severity() {
        let f = health_event(
            "AWS_IAM_SECURITY_NOTIFICATION",
            "accountNotification",
            "HIGH",
        );
        let out = reclassify(f.clone()).await;
        assert_eq!(out["finding"], f);
        assert_eq!(
            out["db"]["reclassification"]["rule"],
            "security_notification"
        );
        assert_eq!(out["db"]["reclassification"]["to"], "HIGH");
    }

    #[tokio::test]
    async fn operational_issues_and_investigations_pass_through() {
        for (code, category) in [
            ("AWS_EC2_OPERATIONAL_ISSUE", "issue"),
            (
                "AWS_EC2_INSTANCE_STORE_DRIVE_PERFORMANCE_DEGRADED",
                "investigation",
            ),
        ] {
            let f = health_event(code, category, "MEDIUM");
            let out = reclassify(f.clone()).await;
            assert_eq!(out, Scratchpad::new(f).to_value(), "{code}");
        }
    }

    #[tokio::test]
    async fn the_code_is_found_without_the_product_field() {
        // GeneratorId.
        let mut f = health_event("AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", "x", "HIGH");
        let fields = f["ProductFields"].as_object_mut().unwrap();
        fields.remove("aws/health/event-type-code");
        fields.remove("aws/health/event-type-category");
        fields.remove("aws/health/event-arn");
        let out = reclassify(f.clone()).await;
        assert_eq!(out["finding"]["Severity"]["Label"], "INFORMATIONAL");
        // The event ARN in the Id, when the GeneratorId is something else.
        f["GeneratorId"] = "aws-health".into();
        let out = reclassify(f).await;
        assert_eq!(
            out["db"]["reclassification"]["event_type_code"],
            "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED"
        );
        assert_eq!(out["db"]["reclassification"]["category"], Value::Null);
    }

    #[tokio::test]
    async fn health_is_recognised_by_product_name_alone() {
        let mut f = health_event(
            "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
            "scheduledChange",
            "LOW",
        );
        f["ProductArn"] =
            "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default".into();
        let out = reclassify(f).await;
        assert_eq!(out["finding"]["Severity"]["Label"], "INFORMATIONAL");
    }

    #[tokio::test]
    async fn other_findings_pass_through_unchanged() {
        let pad = Scratchpad::new(finding()).to_value();
        assert_eq!(run(&services(), pad.clone()).await.unwrap(), pad);
        // Not Health, even with a Health-looking GeneratorId.
        let mut f = finding();
        f["GeneratorId"] = "AWS_RISK_CREDENTIALS_EXPOSED".into();
        let pad = Scratchpad::new(f).to_value();
        assert_eq!(run(&services(), pad.clone()).await.unwrap(), pad);
    }

    #[tokio::test]
    async fn a_health_finding_without_an_event_type_code_passes_through() {
        let mut f = health();
        f["GeneratorId"] = "health".into();
        f["Id"] = "health-finding-1".into();
        let fields = f["ProductFields"].as_object_mut().unwrap();
        fields.remove("aws/health/event-type-code");
        fields.remove("aws/health/event-arn");
        let pad = Scratchpad::new(f).to_value();
        assert_eq!(run(&services(), pad.clone()).await.unwrap(), pad);
    }
}
