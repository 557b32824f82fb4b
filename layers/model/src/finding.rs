//! The AWS Security Finding Format (ASFF): serde types for the fields SOAR reads, and the helpers it
//! routes on.
//!
//! Field names are ASFF's PascalCase. Every object keeps the fields this model does not name in an
//! `other` map (`#[serde(flatten)]`), so a finding read and written back is the same JSON value:
//! nothing a finding provider or a later ASFF version adds is lost on the way through SOAR. The
//! enumerated string fields ([`SeverityLabel`], [`WorkflowStatus`], [`ComplianceStatus`],
//! [`RecordState`]) accept undocumented values as `Other(..)`.
//!
//! Timestamps stay strings, exactly as received (re-formatting would change `+00:00` into `Z` and
//! break the round trip); [`parse_timestamp`] reads them as RFC 3339.
//!
//! The typed model assumes the fields ASFF requires are present: run [`crate::validate()`] first on
//! untrusted input, which names every missing or malformed field instead of the first.
//!
//! Reference: AWS Security Hub User Guide, "AWS Security Finding Format (ASFF)"
//! (<https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html>).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::arn;
use crate::controls::{self, Standard, StandardControl};

/// A Security Hub finding in ASFF.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Finding {
    /// `SchemaVersion`: the ASFF version, `2018-10-08`.
    pub schema_version: String,
    /// `Id`: the provider's id for the finding. Often an ARN, but not always (Inspector Classic:
    /// `inspector/us-east-1/111122223333/...`): never parse it.
    pub id: String,
    /// `ProductArn`: the product that generated the finding (`arn:aws:securityhub:eu-west-1::product/aws/guardduty`).
    pub product_arn: String,
    /// `ProductName`: the product's name as Security Hub knows it (`GuardDuty`, `Security Hub`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// `CompanyName`: the product's company (`AWS`, `Amazon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// `GeneratorId`: the rule, check or detector that produced the finding (`security-control/S3.8`).
    pub generator_id: String,
    /// `AwsAccountId`: the account the finding is reported in. For delegated-admin products this is
    /// the admin account, not the resource owner: see [`Finding::resource_owner_account`].
    pub aws_account_id: String,
    /// `AwsAccountName`: the account's name, when Security Hub knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_account_name: Option<String>,
    /// `Region`: the Region the finding was generated in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `Types`: `namespace/category/classifier` strings, at least one.
    pub types: Vec<String>,
    /// `CreatedAt`: when the provider created the finding (RFC 3339).
    pub created_at: String,
    /// `UpdatedAt`: when the provider last updated the finding (RFC 3339). Orders events for one `Id`.
    pub updated_at: String,
    /// `FirstObservedAt`: when the problem was first observed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_observed_at: Option<String>,
    /// `LastObservedAt`: when the problem was most recently observed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_observed_at: Option<String>,
    /// `Severity`.
    pub severity: Severity,
    /// `Title`.
    pub title: String,
    /// `Description`.
    pub description: String,
    /// `Remediation`: what to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
    /// `ProductFields`: provider-specific string pairs (`ControlId`, `RuleId`, `ResourceOwnerAccount`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_fields: Option<IndexMap<String, String>>,
    /// `Resources`: the resources the finding is about, at least one.
    pub resources: Vec<Resource>,
    /// `Compliance`: present on control findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance: Option<Compliance>,
    /// `Workflow`: the investigation status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
    /// `WorkflowState`: deprecated predecessor of `Workflow.Status`, still sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_state: Option<String>,
    /// `RecordState`: `ACTIVE`, or `ARCHIVED` for history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_state: Option<RecordState>,
    /// `Note`: a user-defined note (SOAR writes ticket references here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Note>,
    /// `UserDefinedFields`: user-defined string pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_defined_fields: Option<IndexMap<String, String>>,
    /// `FindingProviderFields`: the provider's own view of severity and types, which
    /// `BatchUpdateFindings` does not overwrite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_provider_fields: Option<FindingProviderFields>,
    /// Every other top-level field (`Network`, `Vulnerabilities`, `ProcessedAt`, ...), verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Severity`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Severity {
    /// `Label`: INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<SeverityLabel>,
    /// `Normalized`: 0–100. Deprecated in favour of `Label`, still sent; AWS's own documentation
    /// samples have it as a string (`"40"`), so both forms are accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<LenientNumber>,
    /// `Original`: the provider's own severity text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    /// Every other field (`Product`, ...), verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

string_enum! {
    /// `Severity.Label`.
    pub enum SeverityLabel {
        /// No issue found (or a passed check).
        Informational => "INFORMATIONAL",
        /// Does not require action on its own.
        Low => "LOW",
        /// Must be addressed, but not urgently.
        Medium => "MEDIUM",
        /// Must be addressed as a priority.
        High => "HIGH",
        /// Must be remediated immediately.
        Critical => "CRITICAL",
    }
}

impl SeverityLabel {
    /// The label for an ASFF `Normalized` score: 0 INFORMATIONAL, 1–39 LOW, 40–69 MEDIUM, 70–89 HIGH,
    /// 90–100 CRITICAL (ASFF "Severity" object). `None` outside 0–100.
    ///
    /// ```
    /// use soar_model::finding::SeverityLabel;
    /// assert_eq!(SeverityLabel::from_normalized(0.0), Some(SeverityLabel::Informational));
    /// assert_eq!(SeverityLabel::from_normalized(39.0), Some(SeverityLabel::Low));
    /// assert_eq!(SeverityLabel::from_normalized(70.0), Some(SeverityLabel::High));
    /// assert_eq!(SeverityLabel::from_normalized(101.0), None);
    /// ```
    pub fn from_normalized(score: f64) -> Option<SeverityLabel> {
        // Fractional scores (39.5) take the band they fall in; the bands are [0,1), [1,40), ...
        match score {
            s if !(0.0..=100.0).contains(&s) => None,
            s if s < 1.0 => Some(SeverityLabel::Informational),
            s if s < 40.0 => Some(SeverityLabel::Low),
            s if s < 70.0 => Some(SeverityLabel::Medium),
            s if s < 90.0 => Some(SeverityLabel::High),
            _ => Some(SeverityLabel::Critical),
        }
    }

    /// 0 (INFORMATIONAL) to 4 (CRITICAL), for comparisons; `None` for [`SeverityLabel::Other`].
    pub fn rank(&self) -> Option<u8> {
        match self {
            SeverityLabel::Informational => Some(0),
            SeverityLabel::Low => Some(1),
            SeverityLabel::Medium => Some(2),
            SeverityLabel::High => Some(3),
            SeverityLabel::Critical => Some(4),
            SeverityLabel::Other(_) => None,
        }
    }
}

/// A JSON number that may arrive as a string (`40` or `"40"`), written back in the form it came in.
#[derive(Debug, Clone, PartialEq)]
pub enum LenientNumber {
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON string, presumably holding a number.
    Text(String),
}

impl LenientNumber {
    /// The value as `f64`, if it is a number or a string holding one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            LenientNumber::Number(n) => n.as_f64(),
            LenientNumber::Text(text) => text.trim().parse().ok().filter(|f: &f64| f.is_finite()),
        }
    }
}

impl From<u64> for LenientNumber {
    fn from(n: u64) -> Self {
        LenientNumber::Number(n.into())
    }
}

impl Serialize for LenientNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            LenientNumber::Number(n) => n.serialize(serializer),
            LenientNumber::Text(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for LenientNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = LenientNumber;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number or a string holding a number")
            }

            fn visit_u64<E>(self, n: u64) -> Result<LenientNumber, E> {
                Ok(LenientNumber::Number(n.into()))
            }

            fn visit_i64<E>(self, n: i64) -> Result<LenientNumber, E> {
                Ok(LenientNumber::Number(n.into()))
            }

            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<LenientNumber, E> {
                serde_json::Number::from_f64(n)
                    .map(LenientNumber::Number)
                    .ok_or_else(|| E::custom("a finite number"))
            }

            fn visit_str<E>(self, text: &str) -> Result<LenientNumber, E> {
                Ok(LenientNumber::Text(text.to_owned()))
            }

            fn visit_string<E>(self, text: String) -> Result<LenientNumber, E> {
                Ok(LenientNumber::Text(text))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `Remediation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Remediation {
    /// `Recommendation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<Recommendation>,
    /// Every other field, verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Remediation.Recommendation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recommendation {
    /// `Text`: what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `Url`: where to read more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Every other field, verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An element of `Resources`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    /// `Type`: `AwsS3Bucket`, `AwsEc2Instance`, `AwsAccount`, `Other`, ...
    #[serde(rename = "Type")]
    pub kind: String,
    /// `Id`: usually the resource ARN; `AWS::::Account:<id>` for accounts; sometimes a bare id.
    pub id: String,
    /// `Partition`: `aws`, `aws-cn`, `aws-us-gov`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// `Region`: absent for global resources, and sometimes just absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `Tags`: the resource's tags at the time of the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<IndexMap<String, String>>,
    /// `Details`: the resource's configuration, one key per resource type
    /// (`{"AwsS3Bucket": {...}}`). Often missing: then read the resource from its API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// Every other field (`ResourceRole`, `DataClassification`, ...), verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Compliance`: the result of a control check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Compliance {
    /// `Status`: PASSED, WARNING, FAILED, NOT_AVAILABLE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ComplianceStatus>,
    /// `SecurityControlId`: the consolidated control id (`CloudTrail.2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_control_id: Option<String>,
    /// `AssociatedStandards`: the standards the control is enabled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated_standards: Option<Vec<AssociatedStandard>>,
    /// `StatusReasons`: why the status is what it is (`CONFIG_ACCESS_DENIED`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reasons: Option<Vec<StatusReason>>,
    /// `RelatedRequirements`: `CIS AWS Foundations Benchmark v1.4.0/3.7`, `NIST.800-53.r5 AU-9`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_requirements: Option<Vec<String>>,
    /// Every other field (`SecurityControlParameters`, ...), verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

string_enum! {
    /// `Compliance.Status`.
    pub enum ComplianceStatus {
        /// The check passed.
        Passed => "PASSED",
        /// The check could not complete or found something to review (see `StatusReasons`).
        Warning => "WARNING",
        /// The check failed.
        Failed => "FAILED",
        /// The check could not run (service outage, API error, resource not evaluated).
        NotAvailable => "NOT_AVAILABLE",
    }
}

/// An element of `Compliance.AssociatedStandards`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociatedStandard {
    /// `StandardsId`: `standards/aws-foundational-security-best-practices/v/1.0.0`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standards_id: Option<String>,
    /// Every other field, verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An element of `Compliance.StatusReasons`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatusReason {
    /// `ReasonCode`: `CONFIG_ACCESS_DENIED`, `CONFIG_EVALUATIONS_EMPTY`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Every other field, verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Workflow`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Workflow {
    /// `Status`: NEW, NOTIFIED, RESOLVED, SUPPRESSED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WorkflowStatus>,
    /// Every other field, verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

string_enum! {
    /// `Workflow.Status`.
    pub enum WorkflowStatus {
        /// Not yet reviewed.
        New => "NEW",
        /// The resource owner was told.
        Notified => "NOTIFIED",
        /// Reviewed and fixed.
        Resolved => "RESOLVED",
        /// Reviewed and accepted or not a problem.
        Suppressed => "SUPPRESSED",
    }
}

string_enum! {
    /// `RecordState`.
    pub enum RecordState {
        /// Current.
        Active => "ACTIVE",
        /// History: the provider or Security Hub archived it.
        Archived => "ARCHIVED",
    }
}

/// `Note`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Note {
    /// `Text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `UpdatedBy`: who wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// `UpdatedAt`: when (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Every other field, verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `FindingProviderFields`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FindingProviderFields {
    /// `Severity`: the provider's severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// `Types`: the provider's types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    /// Every other field (`Confidence`, `Criticality`, `RelatedFindings`), verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A JSON value that is not a finding of this model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FindingError {
    /// A field is missing or has the wrong JSON type: `{"Id": 7, ...}` gives `/Id: invalid type:
    /// integer `7`, expected a string`.
    #[error("{}: {message}", crate::pointer::display(.pointer))]
    Shape {
        /// JSON pointer of the offending value, relative to the finding.
        pointer: String,
        /// What is wrong with it.
        message: String,
    },
}

/// Parses an RFC 3339 timestamp (`2026-03-09T09:14:58.704Z`, `2026-03-09T10:14:58+01:00`), the form
/// ASFF requires for every `...At` field.
pub fn parse_timestamp(text: &str) -> Result<OffsetDateTime, time::error::Parse> {
    OffsetDateTime::parse(text, &Rfc3339)
}

impl Finding {
    /// The typed view of a finding. Run [`crate::validate()`] first on untrusted input: this stops at the
    /// first problem.
    pub fn from_value(value: Value) -> Result<Finding, FindingError> {
        crate::pointer::deserialize(value)
            .map_err(|(pointer, message)| FindingError::Shape { pointer, message })
    }

    /// As [`Finding::from_value`], from the engine's shared JSON without copying it first.
    pub fn from_shared(value: &soar_json::Value) -> Result<Finding, FindingError> {
        crate::pointer::deserialize_shared(value)
            .map_err(|(pointer, message)| FindingError::Shape { pointer, message })
    }

    /// The finding as JSON: the value it was read from, plus any changes made to it.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a finding serializes: every map key is a string")
    }

    /// `ProductFields[key]`, if present.
    pub fn product_field(&self, key: &str) -> Option<&str> {
        self.product_fields.as_ref()?.get(key).map(String::as_str)
    }

    /// The consolidated security control id SOAR routes on, for control findings; `None` for other
    /// findings (GuardDuty, Inspector, ...) and for control ids no table maps.
    ///
    /// In order: `Compliance.SecurityControlId`; a `security-control/<id>` `GeneratorId`; otherwise
    /// the standard-specific id ([`Finding::standard_control`]) mapped by [`controls::security_control_id`].
    /// Control Tower's `CT.` prefix is removed everywhere.
    pub fn control_id(&self) -> Option<String> {
        let from_compliance = self
            .compliance
            .as_ref()
            .and_then(|c| c.security_control_id.as_deref())
            .map(controls::normalize)
            .filter(|id| !id.is_empty());
        if let Some(id) = from_compliance {
            return Some(id.to_owned());
        }
        if let Some(id) = self.generator_id.strip_prefix("security-control/") {
            let id = controls::normalize(id);
            if !id.is_empty() {
                return Some(id.to_owned());
            }
        }
        let control = self.standard_control()?;
        control.security_control_id().map(|id| id.into_owned())
    }

    /// The control id as the finding's standard names it, for findings of a single standard
    /// (consolidated control findings off, or from before consolidation existed).
    ///
    /// Read from `ProductFields.RuleId` (CIS v1.2.0), `ProductFields.ControlId` (every other standard),
    /// the last segment of `ProductFields.StandardsControlArn`, or a standard-specific `GeneratorId`
    /// (`pci-dss/v/3.2.1/PCI.CloudTrail.1`, `arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/2.7`).
    /// The standard comes from the standards ARNs in `ProductFields`, the `GeneratorId` or the `Id`;
    /// a numeric id with no standard named anywhere is taken as CIS v1.2.0 when it is a `RuleId` and
    /// CIS v1.4.0 otherwise.
    pub fn standard_control(&self) -> Option<StandardControl> {
        let standard = [
            self.product_field("StandardsControlArn"),
            self.product_field("StandardsArn"),
            self.product_field("StandardsGuideArn"),
            self.product_field("StandardsSubscriptionArn"),
            self.product_field("StandardsGuideSubscriptionArn"),
            Some(self.generator_id.as_str()),
            Some(self.id.as_str()),
        ]
        .into_iter()
        .flatten()
        .map(Standard::detect)
        .find(|standard| *standard != Standard::Other);

        let found = |control_id: &str, default: Standard| {
            let control_id = control_id.trim();
            (!control_id.is_empty()).then(|| StandardControl {
                standard: standard.unwrap_or(if is_cis_number(control_id) {
                    default
                } else {
                    Standard::Other
                }),
                control_id: control_id.to_owned(),
            })
        };

        if let Some(rule) = self.product_field("RuleId") {
            return found(rule, Standard::CisV120);
        }
        if let Some(control) = self.product_field("ControlId") {
            return found(control, Standard::CisV140);
        }
        if let Some(arn) = self.product_field("StandardsControlArn")
            && let Some((_, control)) = arn.rsplit_once('/')
        {
            return found(control, Standard::CisV140);
        }
        let generator = self.generator_id.as_str();
        if let Some((_, rule)) = generator.split_once("cis-aws-foundations-benchmark/v/1.2.0/rule/")
        {
            return found(rule, Standard::CisV120);
        }
        if standard.is_some()
            && generator.contains("/v/")
            && !generator.starts_with("arn:")
            && let Some((_, control)) = generator.rsplit_once('/')
        {
            return found(control, Standard::CisV140);
        }
        None
    }

    /// The account that owns the resource, which is where SOAR must act: a delegated-admin product
    /// (IAM Access Analyzer, GuardDuty, Inspector, Detective) reports findings in the security account.
    ///
    /// In order: `ProductFields.ResourceOwnerAccount` or `ProductFields.resourceOwnerAccount` (both
    /// spellings occur); the account in the first resource id that carries one (ARNs, including the
    /// malformed `arn:aws::service:...` form, and `AWS::::Account:<id>`); `AwsAccountId`.
    pub fn resource_owner_account(&self) -> &str {
        ["ResourceOwnerAccount", "resourceOwnerAccount"]
            .into_iter()
            .filter_map(|key| self.product_field(key))
            .map(str::trim)
            .find(|account| arn::is_account_id(account))
            .or_else(|| self.resources.iter().find_map(|r| arn::account_id(&r.id)))
            .unwrap_or(&self.aws_account_id)
    }

    /// `Compliance.Status`, if any.
    pub fn compliance_status(&self) -> Option<&ComplianceStatus> {
        self.compliance.as_ref()?.status.as_ref()
    }

    /// `Workflow.Status`, if any.
    pub fn workflow_status(&self) -> Option<&WorkflowStatus> {
        self.workflow.as_ref()?.status.as_ref()
    }

    /// Whether the finding says the problem is gone, so its ticket can close: compliance `PASSED`
    /// (which covers `NOTIFIED` + `PASSED`: since mid-2025 Security Hub keeps fixed control findings
    /// `ACTIVE` with `NOTIFIED` + `PASSED` instead of archiving them), workflow `RESOLVED`, or record
    /// state `ARCHIVED`. `SUPPRESSED` is not resolved: the problem may still be there.
    pub fn is_resolved_state(&self) -> bool {
        matches!(self.compliance_status(), Some(ComplianceStatus::Passed))
            || matches!(self.workflow_status(), Some(WorkflowStatus::Resolved))
            || matches!(self.record_state, Some(RecordState::Archived))
    }

    /// The severity label: `Severity.Label` when it is one of the five documented labels, else the
    /// label for `Severity.Normalized`, else an undocumented label as given; `None` with neither.
    pub fn severity_label(&self) -> Option<SeverityLabel> {
        let label = self.severity.label.as_ref();
        if let Some(label) = label.filter(|l| l.is_known()) {
            return Some(label.clone());
        }
        self.severity
            .normalized
            .as_ref()
            .and_then(LenientNumber::as_f64)
            .and_then(SeverityLabel::from_normalized)
            .or_else(|| label.cloned())
    }

    /// `UpdatedAt` as a time.
    pub fn updated_at_time(&self) -> Result<OffsetDateTime, time::error::Parse> {
        parse_timestamp(&self.updated_at)
    }

    /// `CreatedAt` as a time.
    pub fn created_at_time(&self) -> Result<OffsetDateTime, time::error::Parse> {
        parse_timestamp(&self.created_at)
    }
}

/// `2.7`, `2.1.5.1`: CIS numbering (digits and dots, starting with a digit).
fn is_cis_number(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_digit())
        && id.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A minimal valid finding to vary in tests.
    fn base() -> Value {
        json!({
            "SchemaVersion": "2018-10-08",
            "Id": "arn:aws:securityhub:eu-west-1:111122223333:subscription/x/finding/1",
            "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
            "GeneratorId": "generator",
            "AwsAccountId": "111122223333",
            "Types": ["Software and Configuration Checks"],
            "CreatedAt": "2026-03-02T09:14:51.392Z",
            "UpdatedAt": "2026-03-09T09:14:58.704Z",
            "Severity": {"Label": "MEDIUM", "Normalized": 40},
            "Title": "t",
            "Description": "d",
            "Resources": [{"Type": "Other", "Id": "some-resource"}]
        })
    }

    fn with(patch: Value) -> Finding {
        let mut value = base();
        for (key, field) in patch.as_object().unwrap() {
            if field.is_null() {
                value.as_object_mut().unwrap().remove(key);
            } else {
                value[key] = field.clone();
            }
        }
        Finding::from_value(value).unwrap()
    }

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/../../examples/findings/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn fixture_finding(name: &str) -> Finding {
        Finding::from_value(fixture(name)).unwrap()
    }

    #[test]
    fn round_trip_keeps_unknown_fields_at_every_level() {
        let mut value = base();
        value["Network"] = json!({"Direction": "IN", "SourcePort": 51234});
        value["Sample"] = json!(false);
        value["Severity"]["Product"] = json!(4.5);
        value["Resources"][0]["ResourceRole"] = json!("Target");
        value["Compliance"] = json!({"Status": "FAILED", "SecurityControlParameters": [{"Name": "x", "Value": {"Integer": 1}}]});
        value["Workflow"] = json!({"Status": "NEW", "Future": {"a": [1, 2]}});
        value["FindingProviderFields"] =
            json!({"Confidence": 80, "Severity": {"Label": "LOW", "Product": 1}});
        let finding = Finding::from_value(value.clone()).unwrap();
        assert_eq!(finding.other["Sample"], json!(false));
        assert_eq!(finding.to_value(), value);
    }

    #[test]
    fn round_trip_is_exact_for_the_guardduty_fixture() {
        // A full real-world shape: Network, Action, ProductFields, Details, Sample, ProcessedAt...
        let event = fixture("guardduty-ec2-ssh-bruteforce.event.json");
        let value = event["detail"]["findings"][0].clone();
        let finding = Finding::from_value(value.clone()).unwrap();
        let back = finding.to_value();
        assert_eq!(back, value);
        // Byte-for-byte once both sides are printed with the same key order.
        assert_eq!(canonical(&back), canonical(&value));
    }

    /// The JSON text with object keys sorted, so two values compare as text.
    fn canonical(value: &Value) -> String {
        fn sort(value: &Value) -> Value {
            match value {
                Value::Object(map) => {
                    let mut keys: Vec<&String> = map.keys().collect();
                    keys.sort();
                    Value::Object(
                        keys.into_iter()
                            .map(|k| (k.clone(), sort(&map[k])))
                            .collect(),
                    )
                }
                Value::Array(items) => Value::Array(items.iter().map(sort).collect()),
                other => other.clone(),
            }
        }
        serde_json::to_string(&sort(value)).unwrap()
    }

    #[test]
    fn unknown_enum_values_are_kept() {
        let finding = with(json!({
            "Severity": {"Label": "SEVERE"},
            "Workflow": {"Status": "ESCALATED"},
            "Compliance": {"Status": "ERROR"},
            "RecordState": "DELETED"
        }));
        assert_eq!(
            finding.severity.label,
            Some(SeverityLabel::Other("SEVERE".into()))
        );
        assert_eq!(
            finding.workflow_status(),
            Some(&WorkflowStatus::Other("ESCALATED".into()))
        );
        assert_eq!(
            finding.compliance_status(),
            Some(&ComplianceStatus::Other("ERROR".into()))
        );
        assert_eq!(
            finding.record_state,
            Some(RecordState::Other("DELETED".into()))
        );
        let value = finding.to_value();
        assert_eq!(value["Severity"]["Label"], "SEVERE");
        assert_eq!(value["RecordState"], "DELETED");
        assert!(!finding.is_resolved_state());
    }

    #[test]
    fn string_enums_parse_and_print() {
        assert_eq!(
            "NOT_AVAILABLE".parse::<ComplianceStatus>(),
            Ok(ComplianceStatus::NotAvailable)
        );
        assert_eq!(WorkflowStatus::Suppressed.to_string(), "SUPPRESSED");
        assert!(RecordState::Archived.is_known());
        assert!(!RecordState::from("archived").is_known());
        assert_eq!(SeverityLabel::KNOWN.len(), 5);
    }

    #[test]
    fn normalized_may_be_a_string() {
        // AWS's consolidated-control sample finding has "Normalized": "40".
        let finding = with(json!({"Severity": {"Normalized": "40", "Original": "MEDIUM"}}));
        assert_eq!(finding.severity_label(), Some(SeverityLabel::Medium));
        assert_eq!(finding.to_value()["Severity"]["Normalized"], json!("40"));
        let float = with(json!({"Severity": {"Normalized": 89.5}}));
        assert_eq!(float.severity_label(), Some(SeverityLabel::High));
        assert_eq!(float.to_value()["Severity"]["Normalized"], json!(89.5));
    }

    #[test]
    fn severity_label_falls_back_to_normalized() {
        let cases = [
            (json!({"Normalized": 0}), Some(SeverityLabel::Informational)),
            (json!({"Normalized": 1}), Some(SeverityLabel::Low)),
            (json!({"Normalized": 39}), Some(SeverityLabel::Low)),
            (json!({"Normalized": 40}), Some(SeverityLabel::Medium)),
            (json!({"Normalized": 69}), Some(SeverityLabel::Medium)),
            (json!({"Normalized": 70}), Some(SeverityLabel::High)),
            (json!({"Normalized": 89}), Some(SeverityLabel::High)),
            (json!({"Normalized": 90}), Some(SeverityLabel::Critical)),
            (json!({"Normalized": 100}), Some(SeverityLabel::Critical)),
            (json!({"Normalized": 101}), None),
            (json!({"Normalized": -1}), None),
            (json!({"Normalized": "n/a"}), None),
            (
                json!({"Label": "HIGH", "Normalized": 10}),
                Some(SeverityLabel::High),
            ),
            (
                json!({"Label": "SEVERE", "Normalized": 95}),
                Some(SeverityLabel::Critical),
            ),
            (
                json!({"Label": "SEVERE"}),
                Some(SeverityLabel::Other("SEVERE".into())),
            ),
            (json!({"Original": "8"}), None),
        ];
        for (severity, want) in cases {
            let finding = with(json!({ "Severity": severity }));
            assert_eq!(finding.severity_label(), want, "{severity}");
        }
        assert!(SeverityLabel::Critical.rank() > SeverityLabel::High.rank());
    }

    #[test]
    fn resolved_states() {
        let cases = [
            (json!({"Compliance": {"Status": "PASSED"}}), true),
            // The mid-2025 behaviour: fixed control findings stay ACTIVE as NOTIFIED + PASSED.
            (
                json!({"Compliance": {"Status": "PASSED"}, "Workflow": {"Status": "NOTIFIED"}, "RecordState": "ACTIVE"}),
                true,
            ),
            (json!({"Workflow": {"Status": "RESOLVED"}}), true),
            (json!({"RecordState": "ARCHIVED"}), true),
            (
                json!({"Compliance": {"Status": "FAILED"}, "Workflow": {"Status": "NOTIFIED"}}),
                false,
            ),
            (json!({"Compliance": {"Status": "WARNING"}}), false),
            (json!({"Compliance": {"Status": "NOT_AVAILABLE"}}), false),
            (json!({"Workflow": {"Status": "SUPPRESSED"}}), false),
            (json!({"RecordState": "ACTIVE"}), false),
            (json!({}), false),
        ];
        for (patch, want) in cases {
            assert_eq!(with(patch.clone()).is_resolved_state(), want, "{patch}");
        }
    }

    #[test]
    fn control_id_sources_in_order() {
        let cases = [
            // Consolidated.
            (
                json!({"Compliance": {"SecurityControlId": "S3.8"}, "GeneratorId": "security-control/S3.8"}),
                Some("S3.8"),
            ),
            (
                json!({"GeneratorId": "security-control/EC2.2"}),
                Some("EC2.2"),
            ),
            (
                json!({"Compliance": {"SecurityControlId": "CT.S3.1"}}),
                Some("S3.1"),
            ),
            // SecurityControlId wins over a standard-specific id.
            (
                json!({"Compliance": {"SecurityControlId": "CloudTrail.2"}, "ProductFields": {"ControlId": "PCI.CloudTrail.1"}}),
                Some("CloudTrail.2"),
            ),
            // FSBP: ControlId is the security control id.
            (
                json!({"ProductFields": {"ControlId": "CloudTrail.2", "StandardsArn": "arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0"}}),
                Some("CloudTrail.2"),
            ),
            // CIS v1.2.0 RuleId, standard named or not.
            (
                json!({"ProductFields": {"RuleId": "2.7", "StandardsGuideArn": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"}}),
                Some("CloudTrail.2"),
            ),
            (json!({"ProductFields": {"RuleId": "4.1"}}), Some("EC2.13")),
            // CIS v1.4.0 ControlId.
            (
                json!({"ProductFields": {"ControlId": "3.7", "StandardsArn": "arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0"}}),
                Some("CloudTrail.2"),
            ),
            (
                json!({"GeneratorId": "cis-aws-foundations-benchmark/v/1.4.0/2.1.5.2"}),
                Some("S3.8"),
            ),
            // PCI.
            (
                json!({"ProductFields": {"ControlId": "PCI.EC2.5"}}),
                Some("EC2.13"),
            ),
            (
                json!({"GeneratorId": "pci-dss/v/3.2.1/PCI.CloudTrail.1"}),
                Some("CloudTrail.2"),
            ),
            // Control Tower, standard-specific.
            (
                json!({"ProductFields": {"ControlId": "CT.CloudTrail.2"}}),
                Some("CloudTrail.2"),
            ),
            (
                json!({"GeneratorId": "service-managed-aws-control-tower/v/1.0.0/CT.EC2.6"}),
                Some("EC2.6"),
            ),
            // Only the StandardsControlArn.
            (
                json!({"ProductFields": {"StandardsControlArn": "arn:aws:securityhub:us-east-2:111122223333:control/cis-aws-foundations-benchmark/v/1.2.0/2.9"}}),
                Some("EC2.6"),
            ),
            // The legacy CIS v1.2.0 GeneratorId.
            (
                json!({"GeneratorId": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/3.3"}),
                Some("CloudWatch.1"),
            ),
            // Not a control.
            (
                json!({"GeneratorId": "arn:aws:guardduty:eu-west-1:111122223333:detector/abc"}),
                None,
            ),
            (json!({"GeneratorId": "AWSInspector"}), None),
            (json!({"ProductFields": {"RuleId": "9.99"}}), None),
            (
                json!({"Compliance": {"SecurityControlId": ""}, "GeneratorId": "security-control/"}),
                None,
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(with(patch.clone()).control_id().as_deref(), want, "{patch}");
        }
    }

    #[test]
    fn standard_control_names_the_standard() {
        let finding = with(json!({"ProductFields": {"RuleId": "2.7"}}));
        assert_eq!(
            finding.standard_control(),
            Some(StandardControl {
                standard: Standard::CisV120,
                control_id: "2.7".into()
            })
        );
        let nist = with(json!({"GeneratorId": "nist-800-53/v/5.0.0/CloudTrail.2"}));
        assert_eq!(nist.standard_control().unwrap().standard, Standard::Nist);
        assert_eq!(nist.control_id().as_deref(), Some("CloudTrail.2"));
        assert_eq!(with(json!({})).standard_control(), None);
    }

    #[test]
    fn resource_owner_account_sources_in_order() {
        let cases = [
            (
                json!({"ProductFields": {"ResourceOwnerAccount": "444455556666"}}),
                "444455556666",
            ),
            (
                json!({"ProductFields": {"resourceOwnerAccount": "777788889999"}}),
                "777788889999",
            ),
            // A malformed owner field is ignored.
            (
                json!({"ProductFields": {"ResourceOwnerAccount": "unknown"}, "Resources": [{"Type": "AwsEc2Instance", "Id": "arn:aws:ec2:eu-west-1:444455556666:instance/i-1"}]}),
                "444455556666",
            ),
            (
                json!({"Resources": [{"Type": "AwsEc2Instance", "Id": "arn:aws:ec2:eu-west-1:444455556666:instance/i-1"}]}),
                "444455556666",
            ),
            // AWS documentation's malformed ARN.
            (
                json!({"Resources": [{"Type": "Other", "Id": "arn:aws::guardduty:us-east-1:777788889999:detector/d"}]}),
                "777788889999",
            ),
            (
                json!({"Resources": [{"Type": "AwsAccount", "Id": "AWS::::Account:444455556666"}]}),
                "444455556666",
            ),
            // The first resource carrying an account wins; S3 ARNs carry none.
            (
                json!({"Resources": [
                    {"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::example-bucket"},
                    {"Type": "AwsIamRole", "Id": "arn:aws:iam::777788889999:role/x"},
                    {"Type": "AwsIamRole", "Id": "arn:aws:iam::444455556666:role/y"}
                ]}),
                "777788889999",
            ),
            (
                json!({"Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::example-bucket"}]}),
                "111122223333",
            ),
            (
                json!({"Resources": [{"Type": "Other", "Id": "inspector/us-east-1/444455556666/x"}]}),
                "111122223333",
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(
                with(patch.clone()).resource_owner_account(),
                want,
                "{patch}"
            );
        }
    }

    #[test]
    fn timestamps_parse_as_rfc3339() {
        let finding = with(json!({"CreatedAt": "2026-03-09T10:14:58+01:00"}));
        assert_eq!(
            finding.created_at_time().unwrap().unix_timestamp(),
            1_773_047_698
        );
        assert!(finding.updated_at_time().unwrap() > finding.created_at_time().unwrap());
        assert!(parse_timestamp("2026-03-09 09:14:58").is_err());
        assert!(parse_timestamp("yesterday").is_err());
    }

    #[test]
    fn from_value_names_the_bad_path() {
        let mut value = base();
        value["Resources"][0]["Tags"] = json!({"team": 7});
        let err = Finding::from_value(value).unwrap_err();
        let FindingError::Shape { pointer, .. } = &err;
        assert_eq!(pointer, "/Resources/0/Tags/team");
        assert!(
            err.to_string()
                .starts_with("/Resources/0/Tags/team: invalid type"),
            "{err}"
        );

        let mut value = base();
        value.as_object_mut().unwrap().remove("GeneratorId");
        assert_eq!(
            Finding::from_value(value).unwrap_err().to_string(),
            "/GeneratorId: missing field"
        );
    }

    #[test]
    fn fixtures_answer_the_routing_questions() {
        let cases = [
            (
                "securityhub-s3.8-failed.json",
                Some("S3.8"),
                "444455556666",
                false,
                SeverityLabel::High,
            ),
            (
                "cis-1.2.0-rule-2.7.json",
                Some("CloudTrail.2"),
                "444455556666",
                false,
                SeverityLabel::Medium,
            ),
            (
                "pci-dss-cloudtrail.1.json",
                Some("CloudTrail.2"),
                "777788889999",
                false,
                SeverityLabel::Medium,
            ),
            (
                "control-passed-notified.json",
                Some("EC2.13"),
                "777788889999",
                true,
                SeverityLabel::Informational,
            ),
            (
                "inspector2-package-vulnerability.json",
                None,
                "777788889999",
                false,
                SeverityLabel::High,
            ),
            (
                "access-analyzer-delegated-admin.json",
                None,
                "444455556666",
                false,
                SeverityLabel::Low,
            ),
            (
                "health-risk-credentials-exposed.json",
                None,
                "444455556666",
                false,
                SeverityLabel::Critical,
            ),
            (
                "cloudwatch-alarm.json",
                None,
                "444455556666",
                false,
                SeverityLabel::High,
            ),
        ];
        for (name, control, owner, resolved, severity) in cases {
            let finding = fixture_finding(name);
            assert_eq!(finding.control_id().as_deref(), control, "{name}");
            assert_eq!(finding.resource_owner_account(), owner, "{name}");
            assert_eq!(finding.is_resolved_state(), resolved, "{name}");
            assert_eq!(finding.severity_label(), Some(severity), "{name}");
        }
    }

    #[test]
    fn delegated_admin_finding_is_reported_in_the_security_account() {
        let finding = fixture_finding("access-analyzer-delegated-admin.json");
        assert_eq!(finding.aws_account_id, "111122223333");
        assert_eq!(finding.resource_owner_account(), "444455556666");
        assert!(finding.resources[0].details.is_none());
    }
}
