//! A Security Hub finding store with the semantics of the Security Hub API, so the local runner behaves
//! as SOAR does against AWS:
//!
//! * [`FindingStore::batch_import_findings`] is `BatchImportFindings`: a finding is created, or updated
//!   when its `UpdatedAt` is newer than the stored one (an equal or older `UpdatedAt` is ignored). An
//!   update never changes `Note`, `UserDefinedFields`, `VerificationState` or `Workflow`, and changes
//!   `Confidence`, `Criticality`, `RelatedFindings`, `Severity` and `Types` only in
//!   `FindingProviderFields` once `BatchUpdateFindings` has set them. The workflow status goes back from
//!   `NOTIFIED`/`RESOLVED` to `NEW` when the record state goes from `ARCHIVED` to `ACTIVE` or the
//!   compliance status from `PASSED` to `FAILED`, `WARNING` or `NOT_AVAILABLE`.
//! * [`FindingStore::batch_update_findings`] is `BatchUpdateFindings`: `Workflow.Status`, `Note`,
//!   `Severity`, `VerificationState`, `Confidence`, `Criticality`, `Types`, `UserDefinedFields` and
//!   `RelatedFindings`; unknown or repeated identifiers come back in `UnprocessedFindings` with AWS's
//!   error codes. Like AWS, it leaves `UpdatedAt` alone and sets `ProcessedAt`.
//! * [`FindingStore::get_findings`] is `GetFindings` with the common string filters and `NextToken`
//!   paging.
//!
//! Findings are kept as JSON, so ASFF fields this crate does not know survive. Every change is appended to
//! a change feed ([`FindingChangeFeed`]) that the local runner feeds back into the ASFF processor as
//! EventBridge would, with what caused each change so that loops can be cut.

pub(crate) mod asff;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::error::Result;
use crate::timefmt::rfc3339;

pub(crate) use asff::{
    apply_update, changed_fields, merge_import, prepare_new, validate_import, validate_update,
};
pub use asff::{normalized_for_label, severity_label_for};

/// A finding's identity: its `Id` and the `ProductArn` of its provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FindingIdentifier {
    /// `Id`.
    pub id: String,
    /// `ProductArn`.
    pub product_arn: String,
}

impl FindingIdentifier {
    /// An identifier.
    pub fn new(id: impl Into<String>, product_arn: impl Into<String>) -> Self {
        FindingIdentifier {
            id: id.into(),
            product_arn: product_arn.into(),
        }
    }
}

impl std::fmt::Display for FindingIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.id, self.product_arn)
    }
}

/// A finding `BatchImportFindings` rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImportFailure {
    /// The finding's `Id` (empty when it had none).
    pub id: String,
    /// `InvalidInput` or `FindingSizeExceeded`.
    pub error_code: String,
    /// Why.
    pub error_message: String,
}

/// What `BatchImportFindings` did with one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ImportOutcome {
    /// A new finding.
    Created,
    /// An existing finding with an older `UpdatedAt` was updated.
    Updated,
    /// The stored finding's `UpdatedAt` is the same or newer: nothing changed (AWS counts it a success).
    Ignored,
    /// Rejected; see `FailedFindings`.
    Failed,
}

/// The `BatchImportFindings` response, plus what happened to each finding.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchImportFindingsResponse {
    /// How many findings were rejected.
    pub failed_count: u32,
    /// How many were accepted (created, updated or ignored as not newer).
    pub success_count: u32,
    /// The rejected findings.
    pub failed_findings: Vec<ImportFailure>,
    /// Per finding of the request, in order (not part of the AWS response).
    #[serde(skip)]
    pub outcomes: Vec<ImportOutcome>,
}

/// `BatchUpdateFindings`' `Note`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NoteUpdate {
    /// The note (at most 512 characters).
    pub text: String,
    /// Who wrote it.
    pub updated_by: String,
}

/// `BatchUpdateFindings`' `Severity`. A label without `Normalized` sets `Normalized` (0, 1, 40, 70, 90),
/// and `Normalized` without a label sets the label.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeverityUpdate {
    /// 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<i64>,
    /// The provider's own score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<f64>,
    /// `INFORMATIONAL`, `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `BatchUpdateFindings`' `Workflow`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct WorkflowUpdate {
    /// `NEW`, `NOTIFIED`, `RESOLVED` or `SUPPRESSED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A `BatchUpdateFindings` request (the AWS request's JSON deserializes into it).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct BatchUpdateFindingsRequest {
    /// The findings to update (1 to 100).
    pub finding_identifiers: Vec<FindingIdentifier>,
    /// Sets `Note` (with `UpdatedAt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<NoteUpdate>,
    /// Updates `Severity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<SeverityUpdate>,
    /// `UNKNOWN`, `TRUE_POSITIVE`, `FALSE_POSITIVE` or `BENIGN_POSITIVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_state: Option<String>,
    /// 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<i64>,
    /// 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<i64>,
    /// Replaces `Types`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    /// Merged into `UserDefinedFields` (keys given replace the same keys; other keys stay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_defined_fields: Option<BTreeMap<String, String>>,
    /// Sets `Workflow.Status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<WorkflowUpdate>,
    /// Replaces `RelatedFindings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_findings: Option<Vec<FindingIdentifier>>,
}

/// A finding `BatchUpdateFindings` did not update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnprocessedFinding {
    /// Which finding.
    pub finding_identifier: FindingIdentifier,
    /// AWS's code: `FindingNotFound` or `DuplicatedFindingIdentifier`.
    pub error_code: String,
    /// AWS's message: `Finding Not Found` or `Finding Identifier is duplicated`.
    pub error_message: String,
}

/// The `BatchUpdateFindings` response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchUpdateFindingsResponse {
    /// The findings that were updated.
    pub processed_findings: Vec<FindingIdentifier>,
    /// The findings that were not, and why.
    pub unprocessed_findings: Vec<UnprocessedFinding>,
}

/// How a [`StringFilter`] compares. `EQUALS`, `PREFIX` and `CONTAINS` filters on the same field are
/// joined by OR; `NOT_EQUALS`, `PREFIX_NOT_EQUALS` and `NOT_CONTAINS` filters by AND; different fields
/// by AND. Comparisons are case-sensitive, as in Security Hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StringComparison {
    /// The value is exactly the filter's.
    Equals,
    /// The value starts with the filter's.
    Prefix,
    /// The value contains the filter's.
    Contains,
    /// The value is not the filter's (a missing value is not equal).
    NotEquals,
    /// The value does not start with the filter's.
    PrefixNotEquals,
    /// The value does not contain the filter's.
    NotContains,
}

impl StringComparison {
    /// Whether this is a negative comparison (joined by AND).
    pub fn is_negative(self) -> bool {
        matches!(
            self,
            StringComparison::NotEquals
                | StringComparison::PrefixNotEquals
                | StringComparison::NotContains
        )
    }

    /// Whether a field value passes this comparison with `filter` (`None`: the finding lacks the field).
    pub fn holds(self, value: Option<&str>, filter: &str) -> bool {
        let value = value.unwrap_or("");
        match self {
            StringComparison::Equals => value == filter,
            StringComparison::Prefix => value.starts_with(filter),
            StringComparison::Contains => value.contains(filter),
            StringComparison::NotEquals => value != filter,
            StringComparison::PrefixNotEquals => !value.starts_with(filter),
            StringComparison::NotContains => !value.contains(filter),
        }
    }
}

/// A Security Hub string filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StringFilter {
    /// The value to compare with.
    pub value: String,
    /// How to compare.
    pub comparison: StringComparison,
}

impl StringFilter {
    /// `EQUALS value`.
    pub fn equals(value: impl Into<String>) -> Self {
        StringFilter {
            value: value.into(),
            comparison: StringComparison::Equals,
        }
    }

    /// `NOT_EQUALS value`.
    pub fn not_equals(value: impl Into<String>) -> Self {
        StringFilter {
            value: value.into(),
            comparison: StringComparison::NotEquals,
        }
    }
}

/// The `GetFindings` filters this store supports. Any other filter is rejected (an unknown field in the
/// request JSON), rather than silently ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct FindingFilters {
    /// `Id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id: Vec<StringFilter>,
    /// `AwsAccountId`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aws_account_id: Vec<StringFilter>,
    /// `ProductArn`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub product_arn: Vec<StringFilter>,
    /// `Compliance.SecurityControlId`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compliance_security_control_id: Vec<StringFilter>,
    /// `Compliance.Status`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compliance_status: Vec<StringFilter>,
    /// `Workflow.Status`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workflow_status: Vec<StringFilter>,
    /// `RecordState`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_state: Vec<StringFilter>,
    /// `Severity.Label`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity_label: Vec<StringFilter>,
}

/// A field [`FindingFilters`] can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FilterField {
    Id,
    AwsAccountId,
    ProductArn,
    ControlId,
    ComplianceStatus,
    WorkflowStatus,
    RecordState,
    SeverityLabel,
}

impl FilterField {
    /// The column of the `findings` table holding the field.
    pub(crate) fn column(self) -> &'static str {
        match self {
            FilterField::Id => "id",
            FilterField::AwsAccountId => "aws_account_id",
            FilterField::ProductArn => "product_arn",
            FilterField::ControlId => "control_id",
            FilterField::ComplianceStatus => "compliance_status",
            FilterField::WorkflowStatus => "workflow_status",
            FilterField::RecordState => "record_state",
            FilterField::SeverityLabel => "severity_label",
        }
    }

    /// Where the field is in an ASFF finding.
    pub(crate) fn pointer(self) -> &'static str {
        match self {
            FilterField::Id => "/Id",
            FilterField::AwsAccountId => "/AwsAccountId",
            FilterField::ProductArn => "/ProductArn",
            FilterField::ControlId => "/Compliance/SecurityControlId",
            FilterField::ComplianceStatus => "/Compliance/Status",
            FilterField::WorkflowStatus => "/Workflow/Status",
            FilterField::RecordState => "/RecordState",
            FilterField::SeverityLabel => "/Severity/Label",
        }
    }
}

impl FindingFilters {
    /// Each filtered field with its filters.
    pub(crate) fn fields(&self) -> [(FilterField, &[StringFilter]); 8] {
        [
            (FilterField::Id, &self.id),
            (FilterField::AwsAccountId, &self.aws_account_id),
            (FilterField::ProductArn, &self.product_arn),
            (FilterField::ControlId, &self.compliance_security_control_id),
            (FilterField::ComplianceStatus, &self.compliance_status),
            (FilterField::WorkflowStatus, &self.workflow_status),
            (FilterField::RecordState, &self.record_state),
            (FilterField::SeverityLabel, &self.severity_label),
        ]
    }

    /// Whether an ASFF finding passes the filters (the same rules the SQL query applies).
    pub fn matches(&self, finding: &Value) -> bool {
        self.fields().into_iter().all(|(field, filters)| {
            let value = finding.pointer(field.pointer()).and_then(Value::as_str);
            let (negative, positive): (Vec<&StringFilter>, Vec<&StringFilter>) =
                filters.iter().partition(|f| f.comparison.is_negative());
            (positive.is_empty() || positive.iter().any(|f| f.comparison.holds(value, &f.value)))
                && negative.iter().all(|f| f.comparison.holds(value, &f.value))
        })
    }
}

/// A `GetFindings` request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GetFindingsRequest {
    /// Which findings.
    #[serde(default)]
    pub filters: FindingFilters,
    /// The `NextToken` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// Page size, 1 to 100 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<u32>,
}

/// A `GetFindings` response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetFindingsResponse {
    /// The findings of this page.
    pub findings: Vec<Value>,
    /// Pass it back for the next page; `None` on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// Who makes a change, and which earlier change (from [`FindingChangeFeed::changes_since`]) caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeContext {
    /// Who: `finding-provider`, or the execution that called BatchUpdateFindings.
    pub actor: String,
    /// The `seq` of the change whose processing led to this one.
    pub caused_by: Option<u64>,
}

impl ChangeContext {
    /// A change by `actor` not caused by an earlier change.
    pub fn new(actor: impl Into<String>) -> Self {
        ChangeContext {
            actor: actor.into(),
            caused_by: None,
        }
    }

    /// An import by the finding provider (Security Hub itself, GuardDuty, ...).
    pub fn provider() -> Self {
        ChangeContext::new("finding-provider")
    }

    /// The same context, caused by change `seq`.
    pub fn caused_by(mut self, seq: u64) -> Self {
        self.caused_by = Some(seq);
        self
    }
}

/// How a finding changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    /// `BatchImportFindings` created it.
    Created,
    /// `BatchImportFindings` updated it.
    Imported,
    /// `BatchUpdateFindings` updated it.
    Updated,
}

impl ChangeKind {
    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "CREATED",
            ChangeKind::Imported => "IMPORTED",
            ChangeKind::Updated => "UPDATED",
        }
    }

    /// The inverse of [`ChangeKind::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "CREATED" => Some(ChangeKind::Created),
            "IMPORTED" => Some(ChangeKind::Imported),
            "UPDATED" => Some(ChangeKind::Updated),
            _ => None,
        }
    }
}

/// One entry of the change feed: a finding as it was right after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingChange {
    /// Position in the feed (increasing; a cursor for [`FindingChangeFeed::changes_since`]).
    pub seq: u64,
    /// When the change was made.
    #[serde(with = "rfc3339")]
    pub at: OffsetDateTime,
    /// Which finding.
    pub identifier: FindingIdentifier,
    /// Created, imported or updated.
    pub kind: ChangeKind,
    /// Who made it ([`ChangeContext::actor`]).
    pub actor: String,
    /// The change whose processing caused it ([`ChangeContext::caused_by`]).
    pub caused_by: Option<u64>,
    /// How many changes caused it in a chain: 0 for a change nothing caused, and the cause's depth + 1
    /// otherwise. A runner cuts loops by not feeding back changes past a depth.
    pub depth: u32,
    /// The top-level ASFF fields that changed (`ProcessedAt` aside); every field for `CREATED`.
    pub changed_fields: Vec<String>,
    /// The finding after the change.
    pub finding: Value,
}

impl FindingChange {
    /// The EventBridge event Security Hub would send for this change ("Security Hub Findings -
    /// Imported"). Its id is derived from `seq`, so the same change always gives the same event.
    pub fn to_eventbridge_event(&self) -> Value {
        let text = |pointer: &str| self.finding.pointer(pointer).and_then(Value::as_str);
        let region = text("/Region")
            .map(str::to_owned)
            .or_else(|| {
                self.identifier
                    .product_arn
                    .split(':')
                    .nth(3)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let resource =
            text("/ProductFields/aws~1securityhub~1FindingId").unwrap_or(&self.identifier.id);
        json!({
            "version": "0",
            "id": uuid::Uuid::from_u64_pair(0x736f_6172_2d63_6867, self.seq).to_string(),
            "detail-type": "Security Hub Findings - Imported",
            "source": "aws.securityhub",
            "account": text("/AwsAccountId").unwrap_or_default(),
            "time": crate::timefmt::format_seconds(self.at),
            "region": region,
            "resources": [resource],
            "detail": {"findings": [self.finding]}
        })
    }
}

/// Security Hub's finding API: the local store here, Security Hub itself in the AWS backend.
pub trait FindingStore {
    /// `BatchImportFindings`: at most 100 findings, each created or updated as Security Hub does.
    /// Rejected findings are listed in the response; a request of more than 100 is rejected whole.
    fn batch_import_findings(
        &self,
        findings: &[Value],
        context: &ChangeContext,
    ) -> Result<BatchImportFindingsResponse>;

    /// `BatchUpdateFindings`: the customer-side update of 1 to 100 findings. An invalid value rejects the
    /// whole request ([`crate::StoreError::InvalidInput`]); unknown findings are unprocessed.
    fn batch_update_findings(
        &self,
        request: &BatchUpdateFindingsRequest,
        context: &ChangeContext,
    ) -> Result<BatchUpdateFindingsResponse>;

    /// `GetFindings`: a page of the findings that pass the filters, in the order they were created.
    fn get_findings(&self, request: &GetFindingsRequest) -> Result<GetFindingsResponse>;

    /// One finding by its identity.
    fn get_finding(&self, identifier: &FindingIdentifier) -> Result<Option<Value>>;
}

/// The feed of finding changes the local runner delivers as EventBridge would.
pub trait FindingChangeFeed {
    /// Up to `limit` changes with a `seq` greater than `cursor`, oldest first (cursor 0: from the start).
    fn changes_since(&self, cursor: u64, limit: usize) -> Result<Vec<FindingChange>>;

    /// The `seq` of the newest change (0 when there is none).
    fn latest_change(&self) -> Result<u64>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn requests_deserialize_from_aws_json() {
        let request: BatchUpdateFindingsRequest = serde_json::from_value(json!({
            "FindingIdentifiers": [{"Id": "f-1", "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub"}],
            "Workflow": {"Status": "NOTIFIED"},
            "Note": {"Text": "ticket SEC-1", "UpdatedBy": "soar"},
            "Severity": {"Label": "HIGH"},
            "UserDefinedFields": {"ticket": "SEC-1"}
        }))
        .unwrap();
        assert_eq!(
            request.workflow.unwrap().status.as_deref(),
            Some("NOTIFIED")
        );
        assert_eq!(request.finding_identifiers[0].id, "f-1");

        let request: GetFindingsRequest = serde_json::from_value(json!({
            "Filters": {"WorkflowStatus": [{"Value": "NEW", "Comparison": "EQUALS"}],
                        "SeverityLabel": [{"Value": "LOW", "Comparison": "NOT_EQUALS"}]},
            "MaxResults": 10
        }))
        .unwrap();
        assert_eq!(
            request.filters.workflow_status,
            [StringFilter::equals("NEW")]
        );
        assert_eq!(
            request.filters.severity_label,
            [StringFilter::not_equals("LOW")]
        );

        let unsupported =
            serde_json::from_value::<GetFindingsRequest>(json!({"Filters": {"Title": []}}));
        assert!(unsupported.unwrap_err().to_string().contains("Title"));
    }

    #[test]
    fn responses_serialize_like_aws() {
        let response = BatchUpdateFindingsResponse {
            processed_findings: vec![FindingIdentifier::new("a", "p")],
            unprocessed_findings: vec![UnprocessedFinding {
                finding_identifier: FindingIdentifier::new("b", "p"),
                error_code: "FindingNotFound".into(),
                error_message: "Finding Not Found".into(),
            }],
        };
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            json!({"ProcessedFindings": [{"Id": "a", "ProductArn": "p"}],
                   "UnprocessedFindings": [{"FindingIdentifier": {"Id": "b", "ProductArn": "p"},
                                            "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"}]})
        );
        let import = BatchImportFindingsResponse {
            success_count: 1,
            outcomes: vec![ImportOutcome::Created],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&import).unwrap(),
            json!({"FailedCount": 0, "SuccessCount": 1, "FailedFindings": []})
        );
    }

    #[test]
    fn filters_combine_like_security_hub() {
        let finding = json!({"Id": "f", "AwsAccountId": "111122223333", "Severity": {"Label": "HIGH"},
                             "Workflow": {"Status": "NEW"}, "Compliance": {"SecurityControlId": "EC2.19"}});
        let filters = |f: FindingFilters| f.matches(&finding);
        assert!(filters(FindingFilters::default()));
        let labels = |list: &[(&str, StringComparison)]| FindingFilters {
            severity_label: list
                .iter()
                .map(|(v, c)| StringFilter {
                    value: (*v).into(),
                    comparison: *c,
                })
                .collect(),
            ..Default::default()
        };
        use StringComparison::*;
        assert!(
            filters(labels(&[("LOW", Equals), ("HIGH", Equals)])),
            "positive filters are ORed"
        );
        assert!(!filters(labels(&[("LOW", Equals), ("MEDIUM", Equals)])));
        assert!(
            !filters(labels(&[("LOW", NotEquals), ("HIGH", NotEquals)])),
            "negative filters are ANDed"
        );
        assert!(filters(labels(&[
            ("LOW", NotEquals),
            ("CRITICAL", NotEquals)
        ])));
        assert!(
            filters(labels(&[("HI", Prefix)])) && !filters(labels(&[("hi", Prefix)])),
            "case-sensitive"
        );
        assert!(filters(labels(&[("IG", Contains)])) && !filters(labels(&[("IG", NotContains)])));
        assert!(!filters(labels(&[("H", PrefixNotEquals)])));
        let both = FindingFilters {
            aws_account_id: vec![StringFilter::equals("111122223333")],
            compliance_security_control_id: vec![StringFilter::equals("S3.1")],
            ..Default::default()
        };
        assert!(!filters(both), "fields are ANDed");
        let missing = FindingFilters {
            record_state: vec![StringFilter::not_equals("ARCHIVED")],
            ..Default::default()
        };
        assert!(filters(missing), "a missing field is not equal to anything");
    }

    #[test]
    fn eventbridge_event() {
        let change = FindingChange {
            seq: 7,
            at: datetime!(2026-11-23 12:00:01.5 UTC),
            identifier: FindingIdentifier::new(
                "arn:finding/1",
                "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
            ),
            kind: ChangeKind::Updated,
            actor: "soar".into(),
            caused_by: Some(3),
            depth: 1,
            changed_fields: vec!["Workflow".into()],
            finding: json!({"Id": "arn:finding/1", "AwsAccountId": "111122223333"}),
        };
        let event = change.to_eventbridge_event();
        assert_eq!(event["detail-type"], "Security Hub Findings - Imported");
        assert_eq!(event["source"], "aws.securityhub");
        assert_eq!(event["account"], "111122223333");
        assert_eq!(event["region"], "eu-west-1");
        assert_eq!(event["time"], "2026-11-23T12:00:01Z");
        assert_eq!(event["resources"], json!(["arn:finding/1"]));
        assert_eq!(event["detail"]["findings"][0]["Id"], "arn:finding/1");
        assert_eq!(event["id"], change.to_eventbridge_event()["id"]);
        for kind in [
            ChangeKind::Created,
            ChangeKind::Imported,
            ChangeKind::Updated,
        ] {
            assert_eq!(ChangeKind::parse(kind.as_str()), Some(kind));
        }
    }
}
