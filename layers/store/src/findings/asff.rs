//! The Security Hub rules for creating and updating findings, on ASFF JSON. Pure functions; the SQLite
//! store calls them inside its transactions.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{BatchUpdateFindingsRequest, FindingIdentifier, ImportFailure};
use crate::error::{Result, StoreError};
use crate::timefmt::{format_asff, parse_timestamp};

/// The most findings one `BatchImportFindings` or `BatchUpdateFindings` request may name.
pub(crate) const MAX_BATCH: usize = 100;
/// The largest finding Security Hub accepts (240 KB).
pub(crate) const MAX_FINDING_BYTES: usize = 240 * 1024;

/// Fields only `BatchUpdateFindings` may change once a finding exists.
const CUSTOMER_FIELDS: [&str; 4] = ["Note", "UserDefinedFields", "VerificationState", "Workflow"];

/// Fields with a `FindingProviderFields` twin, each with the bit that records that `BatchUpdateFindings`
/// has set the top-level field (after which imports change only the twin).
pub(crate) const PROVIDER_FIELDS: [(&str, u8); 5] = [
    ("Confidence", 1),
    ("Criticality", 2),
    ("RelatedFindings", 4),
    ("Severity", 8),
    ("Types", 16),
];

const FPF: &str = "FindingProviderFields";
const SEVERITY_LABELS: [&str; 5] = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
const WORKFLOW_STATUSES: [&str; 4] = ["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"];
const VERIFICATION_STATES: [&str; 4] = [
    "UNKNOWN",
    "TRUE_POSITIVE",
    "FALSE_POSITIVE",
    "BENIGN_POSITIVE",
];

/// The severity label Security Hub derives from a normalized score: 0 `INFORMATIONAL`, 1–39 `LOW`,
/// 40–69 `MEDIUM`, 70–89 `HIGH`, 90–100 `CRITICAL`.
pub fn severity_label_for(normalized: i64) -> &'static str {
    match normalized {
        ..=0 => "INFORMATIONAL",
        1..=39 => "LOW",
        40..=69 => "MEDIUM",
        70..=89 => "HIGH",
        _ => "CRITICAL",
    }
}

/// The normalized score `BatchUpdateFindings` sets for a label: 0, 1, 40, 70 or 90.
pub fn normalized_for_label(label: &str) -> Option<i64> {
    Some(match label {
        "INFORMATIONAL" => 0,
        "LOW" => 1,
        "MEDIUM" => 40,
        "HIGH" => 70,
        "CRITICAL" => 90,
        _ => return None,
    })
}

/// A finding that passed validation: who it is and its `UpdatedAt`.
#[derive(Debug, Clone)]
pub(crate) struct ImportCheck {
    pub identifier: FindingIdentifier,
    pub updated_at: OffsetDateTime,
}

fn failure(id: &str, message: String) -> ImportFailure {
    ImportFailure {
        id: id.to_owned(),
        error_code: "InvalidInput".into(),
        error_message: message,
    }
}

fn adherence(id: &str, detail: String) -> ImportFailure {
    failure(
        id,
        format!("Finding does not adhere to Amazon Finding Format. {detail}"),
    )
}

fn valid_severity(severity: &Value) -> bool {
    let label_ok = severity
        .get("Label")
        .and_then(Value::as_str)
        .is_some_and(|l| SEVERITY_LABELS.contains(&l));
    let normalized_ok = severity
        .get("Normalized")
        .and_then(Value::as_i64)
        .is_some_and(|n| (0..=100).contains(&n));
    let label_present = severity.get("Label").is_some();
    severity.is_object() && (label_ok || (!label_present && normalized_ok))
}

/// Checks what Security Hub requires of an imported finding: the required ASFF fields, their types,
/// RFC 3339 `CreatedAt`/`UpdatedAt`, a valid severity (top-level or in `FindingProviderFields`), and at
/// most 240 KB.
pub(crate) fn validate_import(finding: &Value) -> std::result::Result<ImportCheck, ImportFailure> {
    let Some(object) = finding.as_object() else {
        return Err(adherence("", "data should be object.".into()));
    };
    let id = object.get("Id").and_then(Value::as_str).unwrap_or("");
    for field in [
        "Id",
        "ProductArn",
        "GeneratorId",
        "AwsAccountId",
        "SchemaVersion",
        "Title",
        "Description",
    ] {
        match object.get(field) {
            None => {
                return Err(adherence(
                    id,
                    format!("data should have required property '{field}'."),
                ));
            }
            Some(Value::String(text)) if !text.is_empty() => {}
            Some(_) => {
                return Err(adherence(
                    id,
                    format!("data.{field} should be a non-empty string."),
                ));
            }
        }
    }
    let account = object["AwsAccountId"].as_str().unwrap_or("");
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(adherence(
            id,
            "data.AwsAccountId should be a 12-digit account id.".into(),
        ));
    }
    let mut updated_at = None;
    for field in ["CreatedAt", "UpdatedAt"] {
        match object
            .get(field)
            .map(|v| v.as_str().and_then(parse_timestamp))
        {
            None => {
                return Err(adherence(
                    id,
                    format!("data should have required property '{field}'."),
                ));
            }
            Some(None) => {
                return Err(adherence(
                    id,
                    format!("data.{field} should match format \"date-time\"."),
                ));
            }
            Some(Some(at)) => updated_at = Some(at),
        }
    }
    let resources = object.get("Resources").and_then(Value::as_array);
    if !resources.is_some_and(|list| {
        !list.is_empty()
            && list.iter().all(|r| {
                r.get("Type").and_then(Value::as_str).is_some()
                    && r.get("Id").and_then(Value::as_str).is_some()
            })
    }) {
        return Err(adherence(
            id,
            "data.Resources should be a non-empty list of resources with Type and Id.".into(),
        ));
    }
    let provider = object.get(FPF);
    let severity = object
        .get("Severity")
        .or_else(|| provider.and_then(|p| p.get("Severity")));
    for candidate in [
        object.get("Severity"),
        provider.and_then(|p| p.get("Severity")),
    ]
    .into_iter()
    .flatten()
    {
        if !valid_severity(candidate) {
            return Err(adherence(
                id,
                "data.Severity should have a valid Label or a Normalized score of 0 to 100.".into(),
            ));
        }
    }
    if severity.is_none() {
        return Err(adherence(
            id,
            "data should have required property 'Severity'.".into(),
        ));
    }
    let types = object
        .get("Types")
        .or_else(|| provider.and_then(|p| p.get("Types")));
    if !types
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().all(Value::is_string))
    {
        return Err(adherence(
            id,
            "data should have required property 'Types' (a list of strings).".into(),
        ));
    }
    let size = serde_json::to_vec(finding)
        .map(|bytes| bytes.len())
        .unwrap_or(usize::MAX);
    if size > MAX_FINDING_BYTES {
        return Err(ImportFailure {
            id: id.to_owned(),
            error_code: "FindingSizeExceeded".into(),
            error_message: format!("Finding size exceeded 240 KB ({size} bytes)"),
        });
    }
    Ok(ImportCheck {
        identifier: FindingIdentifier::new(id, object["ProductArn"].as_str().unwrap_or("")),
        updated_at: updated_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
    })
}

/// Derives a missing `Label` from `Normalized`, as Security Hub does.
fn complete_severity(severity: Option<&mut Value>) {
    if let Some(Value::Object(severity)) = severity
        && severity.get("Label").is_none()
        && let Some(normalized) = severity.get("Normalized").and_then(Value::as_i64)
    {
        severity.insert("Label".into(), Value::from(severity_label_for(normalized)));
    }
}

fn object_mut(value: &mut Value) -> &mut Map<String, Value> {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    match value {
        Value::Object(map) => map,
        _ => unreachable!("just made an object"),
    }
}

/// A new finding as Security Hub stores it: the top-level provider fields and `FindingProviderFields`
/// filled from each other (`FindingProviderFields` wins), `Workflow.Status` `NEW` and `RecordState`
/// `ACTIVE` unless given, and `ProcessedAt` set.
pub(crate) fn prepare_new(mut finding: Value, now: OffsetDateTime) -> Value {
    let object = object_mut(&mut finding);
    let mut provider = object
        .get(FPF)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (field, _) in PROVIDER_FIELDS {
        match provider.get(field) {
            Some(value) => {
                object.insert(field.into(), value.clone());
            }
            None => {
                if let Some(value) = object.get(field) {
                    provider.insert(field.into(), value.clone());
                }
            }
        }
    }
    complete_severity(provider.get_mut("Severity"));
    complete_severity(object.get_mut("Severity"));
    object.insert(FPF.into(), Value::Object(provider));
    let workflow = object_mut(object.entry("Workflow").or_insert_with(|| json!({})));
    workflow
        .entry("Status")
        .or_insert_with(|| Value::from("NEW"));
    object
        .entry("RecordState")
        .or_insert_with(|| Value::from("ACTIVE"));
    object.insert("ProcessedAt".into(), Value::from(format_asff(now)));
    finding
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// An existing finding updated by a newer import: the customer fields kept, the provider fields
/// routed to `FindingProviderFields` (and to the top level unless `BatchUpdateFindings` set it, per
/// `set_by_update`), the workflow status reset to `NEW` where Security Hub resets it, `ProcessedAt` set.
pub(crate) fn merge_import(
    existing: &Value,
    incoming: Value,
    set_by_update: u8,
    now: OffsetDateTime,
) -> Value {
    let empty = Map::new();
    let old = existing.as_object().unwrap_or(&empty);
    let mut merged = incoming;
    let object = object_mut(&mut merged);

    for field in CUSTOMER_FIELDS {
        match old.get(field) {
            Some(value) => {
                object.insert(field.into(), value.clone());
            }
            None => {
                object.shift_remove(field);
            }
        }
    }

    let incoming_provider = object
        .get(FPF)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut provider = old
        .get(FPF)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (key, value) in &incoming_provider {
        provider.insert(key.clone(), value.clone());
    }
    for (field, bit) in PROVIDER_FIELDS {
        let top_level = object.get(field).cloned();
        let from_provider = incoming_provider
            .get(field)
            .cloned()
            .or_else(|| top_level.clone());
        if let Some(value) = &from_provider {
            provider.insert(field.into(), value.clone());
        }
        let keep_old = set_by_update & bit != 0 || from_provider.is_none();
        match if keep_old {
            old.get(field).cloned()
        } else {
            top_level.or(from_provider)
        } {
            Some(value) => {
                object.insert(field.into(), value);
            }
            None => {
                object.shift_remove(field);
            }
        }
    }
    complete_severity(provider.get_mut("Severity"));
    complete_severity(object.get_mut("Severity"));
    object.insert(FPF.into(), Value::Object(provider));
    if !object.contains_key("RecordState") {
        let state = old
            .get("RecordState")
            .cloned()
            .unwrap_or_else(|| Value::from("ACTIVE"));
        object.insert("RecordState".into(), state);
    }

    let status = text(existing, "/Workflow/Status");
    if matches!(status, Some("NOTIFIED" | "RESOLVED")) {
        let reactivated = text(existing, "/RecordState") == Some("ARCHIVED")
            && object.get("RecordState").and_then(Value::as_str) == Some("ACTIVE");
        let failing_again = text(existing, "/Compliance/Status") == Some("PASSED")
            && matches!(
                object
                    .get("Compliance")
                    .and_then(|c| c.get("Status"))
                    .and_then(Value::as_str),
                Some("FAILED" | "WARNING" | "NOT_AVAILABLE")
            );
        if reactivated || failing_again {
            let workflow = object_mut(object.entry("Workflow").or_insert_with(|| json!({})));
            workflow.insert("Status".into(), Value::from("NEW"));
        }
    }
    object.insert("ProcessedAt".into(), Value::from(format_asff(now)));
    merged
}

/// Rejects a `BatchUpdateFindings` request Security Hub would reject as a whole.
pub(crate) fn validate_update(request: &BatchUpdateFindingsRequest) -> Result<()> {
    let invalid = |field: &str, message: String| {
        Err(StoreError::invalid(
            "BatchUpdateFindings request",
            field,
            message,
        ))
    };
    let count = request.finding_identifiers.len();
    if count == 0 || count > MAX_BATCH {
        return invalid(
            "FindingIdentifiers",
            format!("expected 1 to {MAX_BATCH} finding identifiers, got {count}"),
        );
    }
    if let Some(note) = &request.note {
        if note.text.trim().is_empty() || note.text.chars().count() > 512 {
            return invalid("Note.Text", "the note must have 1 to 512 characters".into());
        }
        if note.updated_by.trim().is_empty() || note.updated_by.chars().count() > 512 {
            return invalid(
                "Note.UpdatedBy",
                "UpdatedBy must have 1 to 512 characters".into(),
            );
        }
    }
    if let Some(severity) = &request.severity {
        if let Some(label) = &severity.label
            && !SEVERITY_LABELS.contains(&label.as_str())
        {
            return invalid(
                "Severity.Label",
                format!("{label:?} is not one of {SEVERITY_LABELS:?}"),
            );
        }
        if severity.normalized.is_some_and(|n| !(0..=100).contains(&n)) {
            return invalid("Severity.Normalized", "must be 0 to 100".into());
        }
        if severity.label.is_none() && severity.normalized.is_none() && severity.product.is_none() {
            return invalid("Severity", "set Label, Normalized or Product".into());
        }
    }
    if let Some(state) = &request.verification_state
        && !VERIFICATION_STATES.contains(&state.as_str())
    {
        return invalid(
            "VerificationState",
            format!("{state:?} is not one of {VERIFICATION_STATES:?}"),
        );
    }
    for (field, value) in [
        ("Confidence", request.confidence),
        ("Criticality", request.criticality),
    ] {
        if value.is_some_and(|v| !(0..=100).contains(&v)) {
            return invalid(field, "must be 0 to 100".into());
        }
    }
    if let Some(status) = request.workflow.as_ref().and_then(|w| w.status.as_ref())
        && !WORKFLOW_STATUSES.contains(&status.as_str())
    {
        return invalid(
            "Workflow.Status",
            format!("{status:?} is not one of {WORKFLOW_STATUSES:?}"),
        );
    }
    if request.types.as_ref().is_some_and(|types| types.len() > 50) {
        return invalid("Types", "at most 50 types".into());
    }
    if request
        .user_defined_fields
        .as_ref()
        .is_some_and(|fields| fields.len() > 50)
    {
        return invalid("UserDefinedFields", "at most 50 fields".into());
    }
    Ok(())
}

/// Applies a validated `BatchUpdateFindings` request to a finding; returns the bits of
/// [`PROVIDER_FIELDS`] it set. `UpdatedAt` is left alone, as in Security Hub; `ProcessedAt` is set.
pub(crate) fn apply_update(
    finding: &mut Value,
    request: &BatchUpdateFindingsRequest,
    now: OffsetDateTime,
) -> u8 {
    let bit = |name: &str| {
        PROVIDER_FIELDS
            .iter()
            .find(|(field, _)| *field == name)
            .map_or(0, |(_, bit)| *bit)
    };
    let object = object_mut(finding);
    let mut set = 0;
    if let Some(note) = &request.note {
        object.insert(
            "Note".into(),
            json!({"Text": note.text, "UpdatedBy": note.updated_by, "UpdatedAt": format_asff(now)}),
        );
    }
    if let Some(update) = &request.severity {
        let severity = object_mut(object.entry("Severity").or_insert_with(|| json!({})));
        if let Some(label) = &update.label {
            severity.insert("Label".into(), Value::from(label.as_str()));
        }
        if let Some(normalized) = update.normalized {
            severity.insert("Normalized".into(), Value::from(normalized));
        }
        if let Some(product) = update.product {
            severity.insert("Product".into(), Value::from(product));
        }
        match (&update.label, update.normalized) {
            (Some(label), None) => {
                if let Some(normalized) = normalized_for_label(label) {
                    severity.insert("Normalized".into(), Value::from(normalized));
                }
            }
            (None, Some(normalized)) => {
                severity.insert("Label".into(), Value::from(severity_label_for(normalized)));
            }
            _ => {}
        }
        set |= bit("Severity");
    }
    if let Some(state) = &request.verification_state {
        object.insert("VerificationState".into(), Value::from(state.as_str()));
    }
    if let Some(confidence) = request.confidence {
        object.insert("Confidence".into(), Value::from(confidence));
        set |= bit("Confidence");
    }
    if let Some(criticality) = request.criticality {
        object.insert("Criticality".into(), Value::from(criticality));
        set |= bit("Criticality");
    }
    if let Some(types) = &request.types {
        object.insert("Types".into(), json!(types));
        set |= bit("Types");
    }
    if let Some(fields) = &request.user_defined_fields {
        let existing = object_mut(
            object
                .entry("UserDefinedFields")
                .or_insert_with(|| json!({})),
        );
        for (key, value) in fields {
            existing.insert(key.clone(), Value::from(value.as_str()));
        }
    }
    if let Some(status) = request.workflow.as_ref().and_then(|w| w.status.as_ref()) {
        let workflow = object_mut(object.entry("Workflow").or_insert_with(|| json!({})));
        workflow.insert("Status".into(), Value::from(status.as_str()));
    }
    if let Some(related) = &request.related_findings {
        object.insert("RelatedFindings".into(), json!(related));
        set |= bit("RelatedFindings");
    }
    object.insert("ProcessedAt".into(), Value::from(format_asff(now)));
    set
}

/// The top-level fields that differ between two versions of a finding, `ProcessedAt` aside: changed and
/// added fields in the order of `after`, then removed fields.
pub(crate) fn changed_fields(before: &Value, after: &Value) -> Vec<String> {
    let empty = Map::new();
    let (before, after) = (
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    let mut fields: Vec<String> = after
        .iter()
        .filter(|(key, value)| {
            key.as_str() != "ProcessedAt" && before.get(key.as_str()) != Some(value)
        })
        .map(|(key, _)| key.clone())
        .collect();
    fields.extend(
        before
            .keys()
            .filter(|key| key.as_str() != "ProcessedAt" && !after.contains_key(key.as_str()))
            .cloned(),
    );
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{NoteUpdate, SeverityUpdate, WorkflowUpdate};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

    pub(crate) fn finding(updated_at: &str) -> Value {
        json!({
            "SchemaVersion": "2018-10-08",
            "Id": "arn:aws:securityhub:eu-west-1:111122223333:security-control/EC2.19/finding/1",
            "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
            "GeneratorId": "security-control/EC2.19",
            "AwsAccountId": "111122223333",
            "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
            "CreatedAt": "2026-11-01T00:00:00.000Z",
            "UpdatedAt": updated_at,
            "Severity": {"Label": "HIGH", "Original": "HIGH"},
            "Title": "Security groups should not allow unrestricted access to ports with high risk",
            "Description": "…",
            "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1"}],
            "Compliance": {"Status": "FAILED", "SecurityControlId": "EC2.19"},
            "RecordState": "ACTIVE",
            "Unknown": {"kept": true}
        })
    }

    #[test]
    fn validation_names_the_problem() {
        assert!(validate_import(&finding("2026-11-02T00:00:00Z")).is_ok());
        let check = |mutate: &dyn Fn(&mut Value), expected: &str| {
            let mut f = finding("2026-11-02T00:00:00Z");
            mutate(&mut f);
            let failure = validate_import(&f).unwrap_err();
            assert!(failure.error_message.contains(expected), "{failure:?}");
            failure
        };
        let failure = check(
            &|f| drop(f.as_object_mut().unwrap().remove("Title")),
            "required property 'Title'",
        );
        assert_eq!(failure.error_code, "InvalidInput");
        assert!(failure.id.contains("EC2.19"));
        check(&|f| f["UpdatedAt"] = json!("yesterday"), "UpdatedAt");
        check(&|f| f["AwsAccountId"] = json!("1234"), "AwsAccountId");
        check(&|f| f["Resources"] = json!([]), "Resources");
        check(&|f| f["Severity"] = json!({"Label": "SEVERE"}), "Severity");
        check(
            &|f| drop(f.as_object_mut().unwrap().remove("Types")),
            "Types",
        );
        check(&|f| f["Id"] = json!(7), "data.Id");
        // Severity and Types may come in FindingProviderFields only.
        let mut f = finding("2026-11-02T00:00:00Z");
        let object = f.as_object_mut().unwrap();
        let severity = object.remove("Severity").unwrap();
        let types = object.remove("Types").unwrap();
        object.insert(FPF.into(), json!({"Severity": severity, "Types": types}));
        assert!(validate_import(&f).is_ok());
        let failure = check(
            &|f| f["Description"] = json!("x".repeat(MAX_FINDING_BYTES)),
            "240 KB",
        );
        assert_eq!(failure.error_code, "FindingSizeExceeded");
        assert!(validate_import(&json!([])).is_err());
    }

    #[test]
    fn new_findings_get_security_hub_defaults() {
        let mut f = finding("2026-11-02T00:00:00Z");
        f.as_object_mut().unwrap().remove("RecordState");
        f["Confidence"] = json!(10);
        f[FPF] = json!({"Confidence": 80, "Severity": {"Normalized": 40}});
        let stored = prepare_new(f, NOW);
        assert_eq!(stored["Workflow"], json!({"Status": "NEW"}));
        assert_eq!(stored["RecordState"], "ACTIVE");
        assert_eq!(stored["ProcessedAt"], "2026-11-23T12:00:00.000Z");
        assert_eq!(
            stored["Confidence"], 80,
            "FindingProviderFields wins for a new finding"
        );
        assert_eq!(
            stored["Severity"],
            json!({"Normalized": 40, "Label": "MEDIUM"})
        );
        assert_eq!(
            stored[FPF]["Types"], stored["Types"],
            "filled from the top level"
        );
        assert_eq!(stored["Unknown"], json!({"kept": true}));
    }

    fn stored() -> Value {
        let mut f = prepare_new(finding("2026-11-02T00:00:00Z"), NOW);
        f["Workflow"] = json!({"Status": "NOTIFIED"});
        f["Note"] = json!({"Text": "ticket SEC-1", "UpdatedBy": "soar", "UpdatedAt": "2026-11-02T01:00:00.000Z"});
        f["Severity"] = json!({"Label": "LOW", "Normalized": 1});
        f
    }

    #[test]
    fn imports_keep_customer_fields() {
        let mut incoming = finding("2026-11-03T00:00:00Z");
        incoming["Workflow"] = json!({"Status": "RESOLVED"});
        incoming["Note"] = json!({"Text": "provider note", "UpdatedBy": "provider"});
        incoming["VerificationState"] = json!("FALSE_POSITIVE");
        incoming["Title"] = json!("new title");
        let merged = merge_import(&stored(), incoming, PROVIDER_FIELDS[3].1, NOW);
        assert_eq!(merged["Workflow"]["Status"], "NOTIFIED");
        assert_eq!(merged["Note"]["Text"], "ticket SEC-1");
        assert!(merged.get("VerificationState").is_none());
        assert_eq!(merged["Title"], "new title");
        assert_eq!(merged["UpdatedAt"], "2026-11-03T00:00:00Z");
    }

    #[test]
    fn imports_route_provider_fields_once_updated() {
        // Severity was set by BatchUpdateFindings: the import's value goes to FindingProviderFields only.
        let severity_bit = PROVIDER_FIELDS[3].1;
        let mut incoming = finding("2026-11-03T00:00:00Z");
        incoming["Severity"] = json!({"Label": "CRITICAL"});
        incoming["Confidence"] = json!(50);
        let merged = merge_import(&stored(), incoming.clone(), severity_bit, NOW);
        assert_eq!(merged["Severity"], json!({"Label": "LOW", "Normalized": 1}));
        assert_eq!(merged[FPF]["Severity"], json!({"Label": "CRITICAL"}));
        assert_eq!(
            merged["Confidence"], 50,
            "not set by BatchUpdateFindings: both are updated"
        );
        assert_eq!(merged[FPF]["Confidence"], 50);

        // Not set by BatchUpdateFindings: the top level follows the provider.
        let merged = merge_import(&stored(), incoming, 0, NOW);
        assert_eq!(merged["Severity"], json!({"Label": "CRITICAL"}));

        // Only FindingProviderFields given: it is replicated to the top level.
        let mut incoming = finding("2026-11-03T00:00:00Z");
        incoming.as_object_mut().unwrap().remove("Severity");
        incoming[FPF] = json!({"Severity": {"Label": "MEDIUM"}});
        let merged = merge_import(&stored(), incoming, 0, NOW);
        assert_eq!(merged["Severity"]["Label"], "MEDIUM");
        assert_eq!(merged[FPF]["Severity"]["Label"], "MEDIUM");
        assert_eq!(
            merged[FPF]["Types"],
            stored()[FPF]["Types"],
            "fields not given are kept"
        );

        // Nothing given: both keep their values.
        let mut incoming = finding("2026-11-03T00:00:00Z");
        incoming.as_object_mut().unwrap().remove("Severity");
        let merged = merge_import(&stored(), incoming, 0, NOW);
        assert_eq!(merged["Severity"], stored()["Severity"]);
    }

    #[test]
    fn workflow_goes_back_to_new_when_the_problem_comes_back() {
        let mut resolved = stored();
        resolved["Workflow"]["Status"] = json!("RESOLVED");
        resolved["Compliance"]["Status"] = json!("PASSED");
        let mut incoming = finding("2026-11-03T00:00:00Z");
        let merged = merge_import(&resolved, incoming.clone(), 0, NOW);
        assert_eq!(merged["Workflow"]["Status"], "NEW", "PASSED -> FAILED");

        incoming["Compliance"]["Status"] = json!("PASSED");
        assert_eq!(
            merge_import(&resolved, incoming.clone(), 0, NOW)["Workflow"]["Status"],
            "RESOLVED"
        );

        resolved["RecordState"] = json!("ARCHIVED");
        assert_eq!(
            merge_import(&resolved, incoming.clone(), 0, NOW)["Workflow"]["Status"],
            "NEW",
            "ARCHIVED -> ACTIVE"
        );

        let mut suppressed = resolved.clone();
        suppressed["Workflow"]["Status"] = json!("SUPPRESSED");
        assert_eq!(
            merge_import(&suppressed, incoming, 0, NOW)["Workflow"]["Status"],
            "SUPPRESSED"
        );
    }

    #[test]
    fn updates() {
        let request = BatchUpdateFindingsRequest {
            finding_identifiers: vec![FindingIdentifier::new("a", "p")],
            note: Some(NoteUpdate {
                text: "ticket SEC-2".into(),
                updated_by: "soar".into(),
            }),
            severity: Some(SeverityUpdate {
                label: Some("CRITICAL".into()),
                ..Default::default()
            }),
            workflow: Some(WorkflowUpdate {
                status: Some("SUPPRESSED".into()),
            }),
            user_defined_fields: Some([("ticket".to_owned(), "SEC-2".to_owned())].into()),
            types: Some(vec!["TTPs/Initial Access".into()]),
            verification_state: Some("TRUE_POSITIVE".into()),
            ..Default::default()
        };
        validate_update(&request).unwrap();
        let mut f = stored();
        f["UserDefinedFields"] = json!({"other": "kept"});
        let before = f.clone();
        let set = apply_update(&mut f, &request, NOW);
        assert_eq!(set, PROVIDER_FIELDS[3].1 | PROVIDER_FIELDS[4].1);
        assert_eq!(
            f["Note"],
            json!({"Text": "ticket SEC-2", "UpdatedBy": "soar", "UpdatedAt": "2026-11-23T12:00:00.000Z"})
        );
        assert_eq!(
            f["Severity"],
            json!({"Label": "CRITICAL", "Normalized": 90})
        );
        assert_eq!(f["Workflow"]["Status"], "SUPPRESSED");
        assert_eq!(
            f["UserDefinedFields"],
            json!({"other": "kept", "ticket": "SEC-2"})
        );
        assert_eq!(
            f["UpdatedAt"], before["UpdatedAt"],
            "UpdatedAt is not changed"
        );
        assert_eq!(
            changed_fields(&before, &f),
            [
                "Types",
                "Severity",
                "Workflow",
                "Note",
                "UserDefinedFields",
                "VerificationState"
            ]
        );

        let mut f = stored();
        let normalized = BatchUpdateFindingsRequest {
            severity: Some(SeverityUpdate {
                normalized: Some(45),
                ..Default::default()
            }),
            ..request.clone()
        };
        apply_update(&mut f, &normalized, NOW);
        assert_eq!(f["Severity"], json!({"Label": "MEDIUM", "Normalized": 45}));
    }

    #[test]
    fn invalid_updates_are_rejected_whole() {
        let ok = BatchUpdateFindingsRequest {
            finding_identifiers: vec![FindingIdentifier::new("a", "p")],
            ..Default::default()
        };
        let reject = |request: BatchUpdateFindingsRequest, field: &str| {
            let err = validate_update(&request).unwrap_err();
            assert!(err.to_string().contains(field), "{err}");
        };
        reject(
            BatchUpdateFindingsRequest {
                finding_identifiers: vec![],
                ..ok.clone()
            },
            "FindingIdentifiers",
        );
        reject(
            BatchUpdateFindingsRequest {
                finding_identifiers: vec![FindingIdentifier::new("a", "p"); 101],
                ..ok.clone()
            },
            "FindingIdentifiers",
        );
        reject(
            BatchUpdateFindingsRequest {
                workflow: Some(WorkflowUpdate {
                    status: Some("DONE".into()),
                }),
                ..ok.clone()
            },
            "Workflow.Status",
        );
        reject(
            BatchUpdateFindingsRequest {
                confidence: Some(101),
                ..ok.clone()
            },
            "Confidence",
        );
        reject(
            BatchUpdateFindingsRequest {
                verification_state: Some("MAYBE".into()),
                ..ok.clone()
            },
            "VerificationState",
        );
        reject(
            BatchUpdateFindingsRequest {
                severity: Some(SeverityUpdate {
                    label: Some("high".into()),
                    ..Default::default()
                }),
                ..ok.clone()
            },
            "Severity.Label",
        );
        reject(
            BatchUpdateFindingsRequest {
                note: Some(NoteUpdate {
                    text: "x".repeat(513),
                    updated_by: "me".into(),
                }),
                ..ok.clone()
            },
            "Note.Text",
        );
        validate_update(&ok).unwrap();
    }

    #[test]
    fn severity_scale() {
        let labels: Vec<_> = [0, 1, 39, 40, 69, 70, 89, 90, 100]
            .into_iter()
            .map(severity_label_for)
            .collect();
        assert_eq!(
            labels,
            [
                "INFORMATIONAL",
                "LOW",
                "LOW",
                "MEDIUM",
                "MEDIUM",
                "HIGH",
                "HIGH",
                "CRITICAL",
                "CRITICAL"
            ]
        );
        for label in SEVERITY_LABELS {
            assert_eq!(
                severity_label_for(normalized_for_label(label).unwrap()),
                label
            );
        }
    }
}
