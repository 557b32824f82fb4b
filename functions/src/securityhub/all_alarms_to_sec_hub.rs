//! `all_alarms_to_sec_hub` (deployed as `soar-all-alarms-to-sec-hub`): turns a CloudWatch alarm that
//! went into ALARM into a Security Hub finding, so the ASFF processor raises an incident for it.
//!
//! The input is the EventBridge event `source` `aws.cloudwatch`, `detail-type`
//! `CloudWatch Alarm State Change` (template.yaml's rule only sends those whose `detail.state.value` is
//! `ALARM`; `soar process` hands it every alarm event it is given).
//!
//! # Alarm names
//!
//! SOAR's alarms are named `[DOMAIN]-[Component]-[Type]-[Severity]`, e.g.
//! `INFRA-SOAR-AsffProcessor-SM-Failure-HIGH` or `APP-Payments-Api5xx-Rate-CRITICAL`:
//!
//! * **Severity** (required): the last `-`-separated segment of the name that is a Security Hub
//!   severity label, `INFORMATIONAL`, `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`, in any case (`-high` is
//!   HIGH); the convention puts it last. A name without one is not imported: the task records the
//!   rejection (the security team is e-mailed the event, as `record_rejection` does for findings SOAR
//!   cannot read; once per alarm state change, however often Lambda retries) and fails with
//!   [`INVALID_ALARM`], naming the alarm and the expected pattern.
//! * **Domain**: the first segment, `INFRA` (the platform: SOAR itself, networks, shared services) or
//!   `APP` (an application team's), in any case. It becomes `ProductFields.IncidentDomain`. A name with
//!   any other first segment (`payments-api-5xx-HIGH`, `SEC-...`) is still imported, as `APP`: an alarm
//!   that went off must not be lost over its name, and only the platform's alarms follow the INFRA
//!   convention strictly. `ProductFields."soar/alarm/domain"` keeps the segment as named.
//! * **CIS alarms are skipped**: the CIS AWS Foundations Benchmark's metric-filter alarms (CIS 1.2.0
//!   3.1-3.14, CIS 1.4.0 4.1-4.15: unauthorized API calls, root usage, console sign-in without MFA,
//!   ...) reach Security Hub already, as the benchmark's own control findings (CloudWatch.1-14), and are
//!   handled there. They are recognised by a `CIS` word in the name, any case, separated by `-`, `_`,
//!   `.`, `/`, `:` or a space: `CIS-3.1-UnauthorizedAPICalls`, `cis_4.3_root_usage`,
//!   `SecurityHub-CIS-3.3-RootAccountUsage`, `CIS 1.2 3.8 S3 bucket policy changes`, as AWS's CIS
//!   templates and Security Hub's remediation playbooks name them. `CISCO-...` is not CIS. A skipped
//!   alarm is an `Ok` result, `{"skipped": {"alarm", "reason"}}`, never an error.
//!
//! States other than ALARM (`OK`, `INSUFFICIENT_DATA`) are skipped the same way: an alarm that
//! recovers does not close its incident.
//!
//! # The finding
//!
//! Imported by `BatchImportFindings` into the account and region of the event (the default event bus
//! of SOAR's account sees its own alarms), product `arn:<partition>:securityhub:<region>:<account>:
//! product/<account>/default`, `GeneratorId` `settings.alarm_generator_id` (which makes the router
//! open an incident whatever the severity), type [`FINDING_TYPE`], one `AwsAccount` resource, the
//! severity of the name, a title and description from the alarm (name, description, reason, metric,
//! threshold), and `ProductFields`: `IncidentDomain` (`INFRA` or `APP`), `TicketDestination` (`TEAM`:
//! the owning team of the account, as for every other finding) and `soar/alarm/*` (name, ARN, state,
//! previous state, reason, namespace, metric, threshold, domain, component).
//!
//! The `Id` is `soar-cloudwatch-alarm/<region>/<account>/<alarm name>/<state timestamp>`, and
//! `CreatedAt`, `UpdatedAt`, `FirstObservedAt` and `LastObservedAt` are the state change's timestamp:
//! the same event always gives the same finding, so a repeated delivery changes nothing (Security Hub
//! ignores an import that is not newer), while the next time the alarm goes off is a new finding.
//!
//! The output is `{"imported": {"finding_id", "product_arn", "severity", "incident_domain"},
//! "finding": <the finding>}`.

use serde_json::{Value, json};
use soar_json::Value as Json;
use soar_store::timefmt::{format_asff, parse_timestamp};

use super::{TOO_MANY_REQUESTS, change_context, store_error};
use crate::{Services, TaskError};

/// An alarm event SOAR cannot turn into a finding (no severity in the name, not an alarm event).
pub const INVALID_ALARM: &str = "SOAR.InvalidAlarm";
/// `detail-type` of CloudWatch's alarm state change events.
pub const DETAIL_TYPE: &str = "CloudWatch Alarm State Change";
/// The finding's type.
pub const FINDING_TYPE: &str =
    "Software and Configuration Checks/CloudWatch Alarms/soar-cloudwatch-alarms";
/// What the name convention looks like, for error messages.
const CONVENTION: &str = "[DOMAIN]-[Component]-[Type]-[Severity], DOMAIN INFRA or APP and Severity one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL (e.g. INFRA-SOAR-AsffProcessor-SM-Failure-HIGH)";

const SEVERITIES: [(&str, u64); 5] = [
    ("INFORMATIONAL", 0),
    ("LOW", 1),
    ("MEDIUM", 40),
    ("HIGH", 70),
    ("CRITICAL", 90),
];

/// What an alarm's name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmName {
    /// The severity label, upper case.
    pub severity: &'static str,
    /// `INFRA` or `APP`.
    pub domain: &'static str,
    /// The first segment as named.
    pub domain_segment: String,
    /// The segments between the domain and the severity, `-`-joined (empty when none).
    pub component: String,
}

/// How a name is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A CIS benchmark alarm: skipped.
    Cis,
    /// One of SOAR's alarms.
    Alarm(AlarmName),
    /// No severity in the name.
    NoSeverity,
}

/// Whether the name is a CIS benchmark alarm's: a `CIS` word in it.
pub fn is_cis(name: &str) -> bool {
    name.split(|c: char| matches!(c, '-' | '_' | '.' | '/' | ':') || c.is_whitespace())
        .any(|word| word.eq_ignore_ascii_case("CIS"))
}

/// Reads an alarm name by the convention.
pub fn read_name(name: &str) -> Reading {
    if is_cis(name) {
        return Reading::Cis;
    }
    let segments: Vec<&str> = name.trim().split('-').map(str::trim).collect();
    let Some((at, severity)) = segments.iter().enumerate().rev().find_map(|(i, s)| {
        SEVERITIES
            .iter()
            .find(|(label, _)| s.eq_ignore_ascii_case(label))
            .map(|(label, _)| (i, *label))
    }) else {
        return Reading::NoSeverity;
    };
    let first = segments.first().copied().unwrap_or_default();
    let domain = if first.eq_ignore_ascii_case("INFRA") {
        "INFRA"
    } else {
        "APP"
    };
    let component = if at > 1 {
        segments[1..at].join("-")
    } else {
        String::new()
    };
    Reading::Alarm(AlarmName {
        severity,
        domain,
        domain_segment: first.to_owned(),
        component,
    })
}

fn normalized(label: &str) -> u64 {
    SEVERITIES
        .iter()
        .find(|(l, _)| *l == label)
        .map_or(0, |(_, n)| *n)
}

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let event = input.into().to_json();
    let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str);
    let Some(name) = text("/detail/alarmName").filter(|n| !n.trim().is_empty()) else {
        return Err(TaskError::new(
            INVALID_ALARM,
            format!(
                "not a CloudWatch alarm state change event: /detail/alarmName is missing (detail-type {:?}, expected {DETAIL_TYPE:?})",
                text("/detail-type").unwrap_or("none")
            ),
        ));
    };
    let state = text("/detail/state/value").unwrap_or("");
    let skipped = |reason: String| {
        Ok(Json::from(
            json!({"skipped": {"alarm": name, "reason": reason}}),
        ))
    };
    let alarm = match read_name(name) {
        Reading::Cis => {
            return skipped(format!(
                "{name} is a CIS benchmark alarm (a CIS word in its name): Security Hub's CIS controls report it"
            ));
        }
        _ if state != "ALARM" => {
            return skipped(format!(
                "{name} changed to {}, not ALARM: only alarms going off become findings",
                if state.is_empty() { "no state" } else { state }
            ));
        }
        Reading::NoSeverity => {
            let cause = format!(
                "CloudWatch alarm {name:?} has no severity in its name: expected {CONVENTION}"
            );
            let recorded = record_rejection(services, &event, name, &cause).await?;
            return Err(TaskError::new(
                INVALID_ALARM,
                format!("{cause}; {recorded}"),
            ));
        }
        Reading::Alarm(alarm) => alarm,
    };
    let finding = build_finding(&event, name, &alarm, &services.settings.alarm_generator_id)?;
    import(services, &finding)?;
    Ok(Json::from(json!({
        "imported": {
            "finding_id": finding["Id"],
            "product_arn": finding["ProductArn"],
            "severity": alarm.severity,
            "incident_domain": alarm.domain,
        },
        "finding": finding,
    })))
}

/// The finding for an alarm in ALARM.
pub fn build_finding(
    event: &Value,
    name: &str,
    alarm: &AlarmName,
    generator_id: &str,
) -> Result<Value, TaskError> {
    let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str);
    let invalid = |what: &str| {
        TaskError::new(
            INVALID_ALARM,
            format!("CloudWatch alarm {name:?}: the event has no {what}"),
        )
    };
    let account = text("/account")
        .filter(|a| soar_model::arn::is_account_id(a))
        .ok_or_else(|| invalid("12-digit /account"))?;
    let region = text("/region")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| invalid("/region"))?;
    let arn = event
        .pointer("/resources/0")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("arn:aws:cloudwatch:{region}:{account}:alarm:{name}"));
    let partition = arn.split(':').nth(1).unwrap_or("aws").to_owned();
    let at = [text("/detail/state/timestamp"), text("/time")]
        .into_iter()
        .flatten()
        .find_map(parse_alarm_time)
        .ok_or_else(|| invalid("readable /detail/state/timestamp or /time"))?;
    let at = format_asff(at);

    let description = text("/detail/configuration/description").unwrap_or("");
    let reason = text("/detail/state/reason").unwrap_or("");
    let previous = text("/detail/previousState/value").unwrap_or("");
    let metric = event
        .pointer("/detail/configuration/metrics")
        .and_then(Value::as_array)
        .and_then(|metrics| metrics.iter().find_map(|m| m.pointer("/metricStat/metric")));
    let metric_name = metric.and_then(|m| m["name"].as_str()).unwrap_or("");
    let namespace = metric.and_then(|m| m["namespace"].as_str()).unwrap_or("");
    // `reasonData` is JSON in a string; single-metric alarms give their threshold there.
    let threshold = text("/detail/state/reasonData")
        .and_then(|data| serde_json::from_str::<Value>(data).ok())
        .and_then(|data| data.get("threshold").cloned())
        .map(|t| match t {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .unwrap_or_default();

    let mut lines = vec![format!("CloudWatch alarm {name} is in ALARM.")];
    if !description.is_empty() {
        lines.push(description.to_owned());
    }
    if !reason.is_empty() {
        lines.push(format!("Reason: {reason}"));
    }
    if !metric_name.is_empty() {
        let mut m = format!("Metric: {namespace}/{metric_name}");
        if !threshold.is_empty() {
            m.push_str(&format!(", threshold {threshold}"));
        }
        lines.push(m);
    }
    lines.push(format!("Alarm: {arn}"));
    let mut description_text = lines.join("\n");
    if description_text.chars().count() > 1024 {
        description_text = description_text.chars().take(1023).collect::<String>() + "…";
    }
    let title: String = format!("CloudWatch alarm {name} is in ALARM")
        .chars()
        .take(256)
        .collect();

    let mut fields = serde_json::Map::new();
    let mut field = |key: &str, value: &str| {
        if !value.is_empty() {
            fields.insert(key.to_owned(), Value::from(value));
        }
    };
    field("IncidentDomain", alarm.domain);
    field("TicketDestination", "TEAM");
    field("soar/alarm/name", name);
    field("soar/alarm/arn", &arn);
    field("soar/alarm/state", "ALARM");
    field("soar/alarm/previous-state", previous);
    field(
        "soar/alarm/reason",
        &reason.chars().take(1024).collect::<String>(),
    );
    field("soar/alarm/namespace", namespace);
    field("soar/alarm/metric", metric_name);
    field("soar/alarm/threshold", &threshold);
    field("soar/alarm/domain", &alarm.domain_segment);
    field("soar/alarm/component", &alarm.component);

    let severity = json!({
        "Label": alarm.severity,
        "Normalized": normalized(alarm.severity),
        "Original": alarm.severity,
    });
    Ok(json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("{generator_id}/{region}/{account}/{name}/{at}"),
        "ProductArn": format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default"),
        "ProductName": "Default",
        "CompanyName": "Personal",
        "GeneratorId": generator_id,
        "AwsAccountId": account,
        "Region": region,
        "Types": [FINDING_TYPE],
        "FirstObservedAt": at,
        "LastObservedAt": at,
        "CreatedAt": at,
        "UpdatedAt": at,
        "Severity": severity,
        "Title": title,
        "Description": description_text,
        "ProductFields": fields,
        "Resources": [{
            "Type": "AwsAccount",
            "Id": format!("AWS::::Account:{account}"),
            "Partition": partition,
            "Region": region,
        }],
        "RecordState": "ACTIVE",
        "FindingProviderFields": {"Severity": {"Label": alarm.severity, "Original": alarm.severity}, "Types": [FINDING_TYPE]},
    }))
}

/// CloudWatch writes `2019-10-02T17:04:40.985+0000` (no colon in the offset); EventBridge's `time`
/// is RFC 3339.
fn parse_alarm_time(text: &str) -> Option<time::OffsetDateTime> {
    parse_timestamp(text).or_else(|| {
        let (head, offset) = text.split_at(text.len().checked_sub(5)?);
        let fixed = match offset.as_bytes() {
            [sign @ (b'+' | b'-'), ..] if offset[1..].bytes().all(|b| b.is_ascii_digit()) => {
                format!("{head}{}{}:{}", *sign as char, &offset[1..3], &offset[3..])
            }
            _ => return None,
        };
        parse_timestamp(&fixed)
    })
}

/// Imports the finding; a rejected import is an error naming Security Hub's code.
fn import(services: &Services, finding: &Value) -> Result<(), TaskError> {
    let id = finding["Id"].as_str().unwrap_or_default();
    let response = services
        .findings
        .batch_import_findings(std::slice::from_ref(finding), &change_context())
        .map_err(|e| store_error(&format!("BatchImportFindings of {id}"), e))?;
    if let Some(failed) = response.failed_findings.first() {
        let throttled =
            failed.error_code.contains("TooManyRequests") || failed.error_code.contains("Throttl");
        return Err(TaskError::new(
            if throttled {
                TOO_MANY_REQUESTS
            } else {
                crate::names::STORE_FAILURE
            },
            format!(
                "BatchImportFindings rejected {id}: {} ({})",
                failed.error_code, failed.error_message
            ),
        ));
    }
    Ok(())
}

/// Records an invalid alarm once per alarm state change (the ledger remembers it, so Lambda's retries
/// of the failed invocation do not e-mail it again); what was done, for the error's cause.
async fn record_rejection(
    services: &Services,
    event: &Value,
    name: &str,
    cause: &str,
) -> Result<String, TaskError> {
    let key = format!(
        "soar-alarm-rejection/{}/{}/{name}",
        event["region"].as_str().unwrap_or("-"),
        event["account"].as_str().unwrap_or("-")
    );
    let at = [
        event.pointer("/detail/state/timestamp"),
        event.pointer("/time"),
    ]
    .into_iter()
    .flatten()
    .filter_map(Value::as_str)
    .find_map(parse_alarm_time)
    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let fingerprint = soar_store::events::fingerprint(event);
    // A ledger that cannot answer must not stop the record: better e-mailed twice than not at all.
    if let Ok(outcome) = services.ledger.record_if_newer(&key, at, &fingerprint)
        && outcome != soar_store::events::Outcome::New
    {
        return Ok("the rejection was recorded before (e-mailed to the security team)".into());
    }
    let mut input = event.clone();
    if let Value::Object(map) = &mut input {
        map.insert(
            "rejection".into(),
            json!({"Error": INVALID_ALARM, "Cause": cause}),
        );
    }
    let out = crate::tickets::record_rejection::run(services, input)
        .await?
        .to_json();
    let to = out["recorded"]["to"]
        .as_array()
        .map(|to| {
            to.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    Ok(format!("the rejection was recorded: e-mailed to {to}"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::securityhub::failing::{self, Failure};
    use crate::testing::services;
    use soar_store::{FindingIdentifier, LocalStore};

    fn event() -> Value {
        serde_json::from_str(include_str!(
            "../../../examples/findings/cloudwatch-alarm-state-change.event.json"
        ))
        .unwrap()
    }

    fn named(name: &str) -> Value {
        let mut e = event();
        e["detail"]["alarmName"] = name.into();
        e
    }

    fn alarm(name: &str) -> AlarmName {
        match read_name(name) {
            Reading::Alarm(a) => a,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn every_severity_is_read_from_the_name() {
        for (label, score) in SEVERITIES {
            let a = alarm(&format!("INFRA-SOAR-AsffProcessor-SM-Failure-{label}"));
            assert_eq!(a.severity, label);
            assert_eq!(normalized(a.severity), score);
        }
    }

    #[test]
    fn the_domain_is_infra_or_app() {
        let a = alarm("INFRA-SOAR-AsffProcessor-SM-Failure-HIGH");
        assert_eq!(
            a,
            AlarmName {
                severity: "HIGH",
                domain: "INFRA",
                domain_segment: "INFRA".into(),
                component: "SOAR-AsffProcessor-SM-Failure".into(),
            }
        );
        assert_eq!(alarm("APP-Payments-Api5xx-Rate-CRITICAL").domain, "APP");
        // Any other first segment is an application's alarm, kept as named.
        let other = alarm("payments-api-5xx-MEDIUM");
        assert_eq!(other.domain, "APP");
        assert_eq!(other.domain_segment, "payments");
        assert_eq!(alarm("SEC-GuardDuty-Export-LOW").domain, "APP");
        // No segment but the severity.
        assert_eq!(alarm("HIGH").component, "");
    }

    #[test]
    fn lower_case_names_are_read_too() {
        let a = alarm("infra-soar-queue-depth-high");
        assert_eq!((a.severity, a.domain), ("HIGH", "INFRA"));
        assert_eq!(alarm("App-Shop-Latency-Critical").severity, "CRITICAL");
        // The last severity wins.
        assert_eq!(alarm("INFRA-Critical-Path-Latency-LOW").severity, "LOW");
        // A severity only as part of a word is not one.
        assert_eq!(read_name("INFRA-Highway-Latency"), Reading::NoSeverity);
        assert_eq!(read_name("payments-api-5xx-rate"), Reading::NoSeverity);
    }

    #[test]
    fn cis_alarms_are_recognised_by_a_cis_word() {
        for name in [
            "CIS-3.1-UnauthorizedAPICalls",
            "cis_4.3_root_usage",
            "SecurityHub-CIS-3.3-RootAccountUsage",
            "CIS 1.2 3.8 S3 bucket policy changes",
            "CIS",
            "CIS-3.1-UnauthorizedAPICalls-HIGH",
        ] {
            assert_eq!(read_name(name), Reading::Cis, "{name}");
        }
        for name in ["CISCO-VPN-Down-HIGH", "APP-Precise-Latency-LOW"] {
            assert!(matches!(read_name(name), Reading::Alarm(_)), "{name}");
        }
    }

    #[tokio::test]
    async fn an_alarm_becomes_a_valid_finding_in_the_store() {
        let services = services();
        let out = run(&services, event()).await.unwrap().to_json();
        let finding = &out["finding"];
        soar_model::validate(finding).unwrap();
        assert_eq!(
            finding["Id"],
            "soar-cloudwatch-alarm/eu-west-1/111122223333/INFRA-SOAR-AsffProcessor-SM-Failure-HIGH/2026-03-10T14:20:00.985Z"
        );
        assert_eq!(finding["Types"], json!([FINDING_TYPE]));
        assert_eq!(finding["Severity"]["Label"], "HIGH");
        assert_eq!(finding["Severity"]["Normalized"], 70);
        assert_eq!(finding["ProductFields"]["IncidentDomain"], "INFRA");
        assert_eq!(finding["ProductFields"]["TicketDestination"], "TEAM");
        assert_eq!(
            finding["ProductFields"]["soar/alarm/arn"],
            "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:INFRA-SOAR-AsffProcessor-SM-Failure-HIGH"
        );
        assert_eq!(finding["ProductFields"]["soar/alarm/threshold"], "1.0");
        assert_eq!(
            finding["ProductFields"]["soar/alarm/metric"],
            "ExecutionsFailed"
        );
        assert_eq!(finding["Resources"][0]["Type"], "AwsAccount");
        assert_eq!(finding["Resources"][0]["Id"], "AWS::::Account:111122223333");
        assert_eq!(finding["GeneratorId"], "soar-cloudwatch-alarm");
        assert_eq!(finding["UpdatedAt"], "2026-03-10T14:20:00.985Z");
        let description = finding["Description"].as_str().unwrap();
        for part in [
            "ExecutionsFailed",
            "Threshold Crossed",
            "threshold 1.0",
            "failed",
        ] {
            assert!(description.contains(part), "{part}: {description}");
        }
        assert_eq!(out["imported"]["incident_domain"], "INFRA");
        let id = FindingIdentifier::new(
            finding["Id"].as_str().unwrap(),
            finding["ProductArn"].as_str().unwrap(),
        );
        let stored = services.findings.get_finding(&id).unwrap().unwrap();
        assert_eq!(stored["Title"], finding["Title"]);
    }

    #[tokio::test]
    async fn a_repeated_event_is_the_same_finding() {
        use soar_store::FindingChangeFeed;
        let store = Arc::new(LocalStore::in_memory().unwrap());
        let services = Services::local(store.clone(), crate::Settings::embedded());
        let first = run(&services, event()).await.unwrap();
        let after = store.latest_change().unwrap();
        let again = run(&services, event()).await.unwrap();
        assert_eq!(first, again);
        assert!(store.changes_since(after, 10).unwrap().is_empty());
        // The next state change is another finding.
        let mut next = event();
        next["detail"]["state"]["timestamp"] = "2026-03-10T15:00:00.000+0000".into();
        let out = run(&services, next).await.unwrap();
        assert_ne!(out["finding"]["Id"], first["finding"]["Id"]);
    }

    #[tokio::test]
    async fn app_and_other_domains_and_lower_case() {
        let out = run(&services(), named("payments-api-5xx-critical"))
            .await
            .unwrap();
        assert_eq!(out["finding"]["ProductFields"]["IncidentDomain"], "APP");
        assert_eq!(
            out["finding"]["ProductFields"]["soar/alarm/domain"],
            "payments"
        );
        assert_eq!(out["finding"]["Severity"]["Label"], "CRITICAL");
        let out = run(&services(), named("APP-Shop-Latency-LOW"))
            .await
            .unwrap();
        assert_eq!(out["finding"]["ProductFields"]["IncidentDomain"], "APP");
    }

    #[tokio::test]
    async fn cis_alarms_and_other_states_are_skipped_not_errors() {
        let services = services();
        let out = run(&services, named("CIS-3.1-UnauthorizedAPICalls"))
            .await
            .unwrap();
        assert!(
            out["skipped"]["reason"].as_str().unwrap().contains("CIS"),
            "{out:?}"
        );
        for state in ["OK", "INSUFFICIENT_DATA"] {
            let mut e = event();
            e["detail"]["state"]["value"] = state.into();
            let out = run(&services, e).await.unwrap();
            assert!(
                out["skipped"]["reason"].as_str().unwrap().contains(state),
                "{out:?}"
            );
            assert!(out.get("finding").is_none());
        }
        // A name without a severity in another state is skipped, not rejected.
        let mut e = named("payments-api-5xx-rate");
        e["detail"]["state"]["value"] = "OK".into();
        assert!(run(&services, e).await.unwrap().get("skipped").is_some());
    }

    #[tokio::test]
    async fn a_name_without_severity_is_rejected_and_recorded_once() {
        let store = Arc::new(LocalStore::in_memory().unwrap());
        let services = Services::local(store.clone(), crate::Settings::embedded());
        let e = run(&services, named("payments-api-5xx-rate"))
            .await
            .unwrap_err();
        assert_eq!(e.error, INVALID_ALARM);
        for part in [
            "\"payments-api-5xx-rate\"",
            "no severity",
            "[DOMAIN]-[Component]-[Type]-[Severity]",
            "INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL",
            "e-mailed to security@example.com",
        ] {
            assert!(e.cause.contains(part), "{part}: {}", e.cause);
        }
        let sent = store.memory_outbox().unwrap().sent();
        assert_eq!(sent.len(), 1);
        let (_, email, _) = &sent[0];
        assert!(
            email.subject.contains("SOAR.InvalidAlarm"),
            "{}",
            email.subject
        );
        assert!(email.text.contains("payments-api-5xx-rate"));
        // Lambda retries the failed invocation: the rejection is not e-mailed again.
        let again = run(&services, named("payments-api-5xx-rate"))
            .await
            .unwrap_err();
        assert_eq!(again.error, INVALID_ALARM);
        assert!(again.cause.contains("recorded before"), "{}", again.cause);
        assert_eq!(store.memory_outbox().unwrap().sent().len(), 1);
    }

    #[tokio::test]
    async fn something_else_is_an_invalid_alarm() {
        let e = run(
            &services(),
            json!({"detail-type": "GuardDuty Finding", "detail": {}}),
        )
        .await
        .unwrap_err();
        assert_eq!(e.error, INVALID_ALARM);
        assert!(e.cause.contains("alarmName"), "{}", e.cause);
    }

    #[tokio::test]
    async fn throttled_imports_are_retryable() {
        let e = run(&failing::services(Failure::Throttled), event())
            .await
            .unwrap_err();
        assert_eq!(e.error, TOO_MANY_REQUESTS);
        let e = run(
            &failing::services(Failure::Rejects("InvalidInput")),
            event(),
        )
        .await
        .unwrap_err();
        assert_eq!(e.error, crate::names::STORE_FAILURE);
        assert!(e.cause.contains("InvalidInput"), "{}", e.cause);
    }

    #[test]
    fn cloudwatch_timestamps_are_read() {
        let t = parse_alarm_time("2019-10-02T17:04:40.985+0000").unwrap();
        assert_eq!(format_asff(t), "2019-10-02T17:04:40.985Z");
        let t = parse_alarm_time("2019-10-02T19:04:40.985+0200").unwrap();
        assert_eq!(format_asff(t), "2019-10-02T17:04:40.985Z");
        assert!(parse_alarm_time("yesterday").is_none());
        assert!(parse_alarm_time("").is_none());
    }
}
