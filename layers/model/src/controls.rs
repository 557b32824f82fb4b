//! Which Security Hub control a finding is about: standard-specific control ids mapped to the
//! consolidated *security control id* that SOAR routes on.
//!
//! Since consolidated control findings, a control has one id across standards (`CloudTrail.2`), found
//! in `Compliance.SecurityControlId`. Older findings, and accounts that keep consolidation off, carry
//! the id of one standard instead: CIS v1.2.0 rule `2.7` (`ProductFields.RuleId`), CIS v1.4.0 control
//! `3.7` and PCI DSS v3.2.1 `PCI.CloudTrail.1` (`ProductFields.ControlId`) are all `CloudTrail.2`, and
//! the Service-Managed Standard: AWS Control Tower prefixes ids with `CT.` (`CT.CloudTrail.2`). The
//! tables below map those ids; AWS Foundational Security Best Practices (FSBP) and NIST SP 800-53 ids
//! are already security control ids.
//!
//! Source of the tables: AWS Security Hub User Guide, "Impact of consolidation on ASFF fields and
//! values", section "How consolidation impacts control IDs and titles"
//! (<https://docs.aws.amazon.com/securityhub/latest/userguide/asff-changes-consolidation.html>), plus
//! the "Related requirements" line of each control on the controls reference pages
//! (<https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-controls-reference.html>)
//! for controls added after that table (IAM.22).

use std::borrow::Cow;

/// A Security Hub standard, as far as control ids are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Standard {
    /// AWS Foundational Security Best Practices v1.0.0: ids are security control ids.
    Fsbp,
    /// CIS AWS Foundations Benchmark v1.2.0: rule numbers in `ProductFields.RuleId`.
    CisV120,
    /// CIS AWS Foundations Benchmark v1.4.0: control numbers in `ProductFields.ControlId`.
    CisV140,
    /// Later CIS versions (3.0.0, 5.0.0): they postdate consolidation, so their findings carry
    /// `Compliance.SecurityControlId`; no mapping is kept.
    CisOther,
    /// PCI DSS v3.2.1: `PCI.<Service>.<n>` ids.
    PciDssV321,
    /// Later PCI DSS versions (4.0.1): security control ids.
    PciDssOther,
    /// NIST SP 800-53 Rev. 5 (and 800-171): security control ids.
    Nist,
    /// Service-Managed Standard: AWS Control Tower: security control ids prefixed with `CT.`.
    ControlTower,
    /// A standard this table does not know.
    Other,
}

impl Standard {
    /// Recognises the standard named in a standards ARN, standards id, standards-control ARN,
    /// subscription ARN, generator id or finding id.
    ///
    /// ```
    /// use soar_model::controls::Standard;
    /// assert_eq!(Standard::detect("arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"), Standard::CisV120);
    /// assert_eq!(Standard::detect("standards/cis-aws-foundations-benchmark/v/1.4.0"), Standard::CisV140);
    /// assert_eq!(Standard::detect("pci-dss/v/3.2.1/PCI.CloudTrail.1"), Standard::PciDssV321);
    /// assert_eq!(Standard::detect("arn:aws:guardduty:eu-west-1:111122223333:detector/d"), Standard::Other);
    /// ```
    pub fn detect(text: &str) -> Standard {
        const CIS: &str = "cis-aws-foundations-benchmark/v/";
        const PCI: &str = "pci-dss/v/";
        if let Some(at) = text.find(CIS) {
            return match version(&text[at + CIS.len()..]) {
                "1.2.0" => Standard::CisV120,
                "1.4.0" => Standard::CisV140,
                _ => Standard::CisOther,
            };
        }
        if let Some(at) = text.find(PCI) {
            return match version(&text[at + PCI.len()..]) {
                "3.2.1" => Standard::PciDssV321,
                _ => Standard::PciDssOther,
            };
        }
        if text.contains("aws-foundational-security-best-practices/v/")
            // The FSBP sample in AWS's documentation spells the standards id this way.
            || text.contains("aws-foundation-best-practices/v/")
        {
            Standard::Fsbp
        } else if text.contains("service-managed-aws-control-tower/v/") {
            Standard::ControlTower
        } else if text.contains("nist-800-53/v/") || text.contains("nist-800-171/v/") {
            Standard::Nist
        } else {
            Standard::Other
        }
    }
}

/// The `x.y.z` at the start of `rest` (up to the next `/`).
fn version(rest: &str) -> &str {
    rest.split('/').next().unwrap_or_default()
}

/// A control id as one standard names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardControl {
    /// The standard the id belongs to.
    pub standard: Standard,
    /// The id in that standard: `2.7`, `PCI.CloudTrail.1`, `CT.S3.1`, `S3.8`.
    pub control_id: String,
}

impl StandardControl {
    /// The consolidated security control id, if known; see [`security_control_id`].
    pub fn security_control_id(&self) -> Option<Cow<'_, str>> {
        security_control_id(self.standard, &self.control_id)
    }
}

/// Maps a standard-specific control id to its consolidated security control id.
///
/// `CT.` prefixes are removed and `PCI.` ids are looked up whatever `standard` says; CIS v1.2.0 and
/// v1.4.0 numbers are looked up in their tables; ids of the other standards are returned as they are
/// when they look like a security control id (`Service.N`). `None` for an id this table cannot map
/// (an unknown CIS number, say): routing on a guess would send the finding down the wrong branch.
///
/// ```
/// use soar_model::controls::{security_control_id, Standard};
/// assert_eq!(security_control_id(Standard::CisV120, "2.7").as_deref(), Some("CloudTrail.2"));
/// assert_eq!(security_control_id(Standard::CisV140, "3.7").as_deref(), Some("CloudTrail.2"));
/// assert_eq!(security_control_id(Standard::PciDssV321, "PCI.CloudTrail.1").as_deref(), Some("CloudTrail.2"));
/// assert_eq!(security_control_id(Standard::PciDssV321, "PCI.EC2.5").as_deref(), Some("EC2.13"));
/// assert_eq!(security_control_id(Standard::ControlTower, "CT.CloudTrail.2").as_deref(), Some("CloudTrail.2"));
/// assert_eq!(security_control_id(Standard::Fsbp, "S3.8").as_deref(), Some("S3.8"));
/// assert_eq!(security_control_id(Standard::CisV120, "9.9"), None);
/// ```
pub fn security_control_id(standard: Standard, control_id: &str) -> Option<Cow<'_, str>> {
    let id = control_id.trim();
    if let Some(rest) = id.strip_prefix("CT.") {
        return looks_like_security_control_id(rest).then_some(Cow::Borrowed(rest));
    }
    if id.starts_with("PCI.") {
        return lookup(PCI_DSS_V321, id).map(Cow::Borrowed);
    }
    let table = match standard {
        Standard::CisV120 => Some(CIS_V120),
        Standard::CisV140 => Some(CIS_V140),
        Standard::PciDssV321 => Some(PCI_DSS_V321),
        _ => None,
    };
    if let Some(table) = table {
        return lookup(table, id).map(Cow::Borrowed);
    }
    if let Some(alias) = lookup(FSBP_ALIASES, id) {
        return Some(Cow::Borrowed(alias));
    }
    looks_like_security_control_id(id).then_some(Cow::Borrowed(id))
}

/// Removes the `CT.` prefix Control Tower findings may carry even in `Compliance.SecurityControlId`.
///
/// ```
/// assert_eq!(soar_model::controls::normalize("CT.S3.1"), "S3.1");
/// assert_eq!(soar_model::controls::normalize(" S3.8 "), "S3.8");
/// ```
pub fn normalize(security_control_id: &str) -> &str {
    let id = security_control_id.trim();
    id.strip_prefix("CT.").unwrap_or(id)
}

/// `Service.N`: a letter first, then a dot, then digits (`EC2.13`, `Autoscaling.5`, `ELB.1`).
fn looks_like_security_control_id(id: &str) -> bool {
    let Some((service, number)) = id.rsplit_once('.') else {
        return false;
    };
    service.starts_with(|c: char| c.is_ascii_alphabetic())
        && service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

fn lookup(table: &'static [(&'static str, &'static str)], id: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(from, _)| *from == id)
        .map(|(_, to)| *to)
}

/// CIS AWS Foundations Benchmark v1.2.0 rule → security control id. AWS lists rule 1.1 under both
/// CloudWatch.1 and IAM.20; IAM.20 has since been retired and the current CloudWatch.1 page still
/// names v1.2.0/1.1, so 1.1 maps to CloudWatch.1.
pub const CIS_V120: &[(&str, &str)] = &[
    ("1.1", "CloudWatch.1"),
    ("1.2", "IAM.5"),
    ("1.3", "IAM.8"),
    ("1.4", "IAM.3"),
    ("1.5", "IAM.11"),
    ("1.6", "IAM.12"),
    ("1.7", "IAM.13"),
    ("1.8", "IAM.14"),
    ("1.9", "IAM.15"),
    ("1.10", "IAM.16"),
    ("1.11", "IAM.17"),
    ("1.12", "IAM.4"),
    ("1.13", "IAM.9"),
    ("1.14", "IAM.6"),
    ("1.16", "IAM.2"),
    ("1.20", "IAM.18"),
    ("1.22", "IAM.1"),
    ("2.1", "CloudTrail.1"),
    ("2.2", "CloudTrail.4"),
    ("2.3", "CloudTrail.6"),
    ("2.4", "CloudTrail.5"),
    ("2.5", "Config.1"),
    ("2.6", "CloudTrail.7"),
    ("2.7", "CloudTrail.2"),
    ("2.8", "KMS.4"),
    ("2.9", "EC2.6"),
    ("3.1", "CloudWatch.2"),
    ("3.2", "CloudWatch.3"),
    ("3.3", "CloudWatch.1"),
    ("3.4", "CloudWatch.4"),
    ("3.5", "CloudWatch.5"),
    ("3.6", "CloudWatch.6"),
    ("3.7", "CloudWatch.7"),
    ("3.8", "CloudWatch.8"),
    ("3.9", "CloudWatch.9"),
    ("3.10", "CloudWatch.10"),
    ("3.11", "CloudWatch.11"),
    ("3.12", "CloudWatch.12"),
    ("3.13", "CloudWatch.13"),
    ("3.14", "CloudWatch.14"),
    ("4.1", "EC2.13"),
    ("4.2", "EC2.14"),
    ("4.3", "EC2.2"),
];

/// CIS AWS Foundations Benchmark v1.4.0 control → security control id. 1.12 (IAM.22) comes from the
/// IAM controls page; the rest from the consolidation table.
pub const CIS_V140: &[(&str, &str)] = &[
    ("1.4", "IAM.4"),
    ("1.5", "IAM.9"),
    ("1.6", "IAM.6"),
    ("1.7", "CloudWatch.1"),
    ("1.8", "IAM.15"),
    ("1.9", "IAM.16"),
    ("1.10", "IAM.5"),
    ("1.12", "IAM.22"),
    ("1.14", "IAM.3"),
    ("1.16", "IAM.1"),
    ("1.17", "IAM.18"),
    ("2.1.1", "S3.4"),
    ("2.1.2", "S3.5"),
    ("2.1.5.1", "S3.1"),
    ("2.1.5.2", "S3.8"),
    ("2.2.1", "EC2.7"),
    ("2.3.1", "RDS.3"),
    ("3.1", "CloudTrail.1"),
    ("3.2", "CloudTrail.4"),
    ("3.4", "CloudTrail.5"),
    ("3.5", "Config.1"),
    ("3.6", "S3.9"),
    ("3.7", "CloudTrail.2"),
    ("3.8", "KMS.4"),
    ("3.9", "EC2.6"),
    ("4.3", "CloudWatch.1"),
    ("4.4", "CloudWatch.4"),
    ("4.5", "CloudWatch.5"),
    ("4.6", "CloudWatch.6"),
    ("4.7", "CloudWatch.7"),
    ("4.8", "CloudWatch.8"),
    ("4.9", "CloudWatch.9"),
    ("4.10", "CloudWatch.10"),
    ("4.11", "CloudWatch.11"),
    ("4.12", "CloudWatch.12"),
    ("4.13", "CloudWatch.13"),
    ("4.14", "CloudWatch.14"),
    ("5.1", "EC2.21"),
    ("5.3", "EC2.2"),
];

/// PCI DSS v3.2.1 control → security control id (every control of the standard).
pub const PCI_DSS_V321: &[(&str, &str)] = &[
    ("PCI.AutoScaling.1", "AutoScaling.1"),
    ("PCI.CloudTrail.1", "CloudTrail.2"),
    ("PCI.CloudTrail.2", "CloudTrail.3"),
    ("PCI.CloudTrail.3", "CloudTrail.4"),
    ("PCI.CloudTrail.4", "CloudTrail.5"),
    ("PCI.CodeBuild.1", "CodeBuild.1"),
    ("PCI.CodeBuild.2", "CodeBuild.2"),
    ("PCI.Config.1", "Config.1"),
    ("PCI.CW.1", "CloudWatch.1"),
    ("PCI.DMS.1", "DMS.1"),
    ("PCI.EC2.1", "EC2.1"),
    ("PCI.EC2.2", "EC2.2"),
    ("PCI.EC2.4", "EC2.12"),
    ("PCI.EC2.5", "EC2.13"),
    ("PCI.EC2.6", "EC2.6"),
    ("PCI.ELBv2.1", "ELB.1"),
    ("PCI.ES.1", "ES.2"),
    ("PCI.ES.2", "ES.1"),
    ("PCI.GuardDuty.1", "GuardDuty.1"),
    ("PCI.IAM.1", "IAM.4"),
    ("PCI.IAM.2", "IAM.2"),
    ("PCI.IAM.3", "IAM.1"),
    ("PCI.IAM.4", "IAM.6"),
    ("PCI.IAM.5", "IAM.9"),
    ("PCI.IAM.6", "IAM.19"),
    ("PCI.IAM.7", "IAM.8"),
    ("PCI.IAM.8", "IAM.10"),
    ("PCI.KMS.1", "KMS.4"),
    ("PCI.Lambda.1", "Lambda.1"),
    ("PCI.Lambda.2", "Lambda.3"),
    ("PCI.Opensearch.1", "Opensearch.2"),
    ("PCI.Opensearch.2", "Opensearch.1"),
    ("PCI.RDS.1", "RDS.1"),
    ("PCI.RDS.2", "RDS.2"),
    ("PCI.Redshift.1", "Redshift.1"),
    ("PCI.S3.1", "S3.3"),
    ("PCI.S3.2", "S3.2"),
    ("PCI.S3.3", "S3.7"),
    ("PCI.S3.4", "S3.4"),
    ("PCI.S3.5", "S3.5"),
    ("PCI.S3.6", "S3.1"),
    ("PCI.SageMaker.1", "SageMaker.1"),
    ("PCI.SSM.1", "SSM.2"),
    ("PCI.SSM.2", "SSM.3"),
    ("PCI.SSM.3", "SSM.1"),
];

/// FSBP ids that differ from their security control id.
pub const FSBP_ALIASES: &[(&str, &str)] = &[("ELBv2.1", "ELB.1")];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_names_of_cloudtrail_2() {
        // shared/notes/findings.md: CIS 1.2.0 2.7, CIS 1.4.0 3.7 and PCI.CloudTrail.1 are CloudTrail.2.
        for (standard, id) in [
            (Standard::CisV120, "2.7"),
            (Standard::CisV140, "3.7"),
            (Standard::PciDssV321, "PCI.CloudTrail.1"),
            (Standard::Other, "PCI.CloudTrail.1"),
            (Standard::ControlTower, "CT.CloudTrail.2"),
            (Standard::Fsbp, "CloudTrail.2"),
            (Standard::Nist, "CloudTrail.2"),
        ] {
            assert_eq!(
                security_control_id(standard, id).as_deref(),
                Some("CloudTrail.2"),
                "{standard:?} {id}"
            );
        }
    }

    #[test]
    fn ids_that_differ_across_standards() {
        let cases = [
            (Standard::PciDssV321, "PCI.EC2.5", "EC2.13"),
            (Standard::PciDssV321, "PCI.EC2.4", "EC2.12"),
            (Standard::PciDssV321, "PCI.S3.6", "S3.1"),
            (Standard::PciDssV321, "PCI.CW.1", "CloudWatch.1"),
            (Standard::PciDssV321, "PCI.KMS.1", "KMS.4"),
            (Standard::PciDssV321, "PCI.RDS.2", "RDS.2"),
            (Standard::CisV120, "4.1", "EC2.13"),
            (Standard::CisV120, "2.5", "Config.1"),
            (Standard::CisV120, "1.13", "IAM.9"),
            (Standard::CisV140, "2.1.5.2", "S3.8"),
            (Standard::CisV140, "2.3.1", "RDS.3"),
            (Standard::CisV140, "1.12", "IAM.22"),
            (Standard::Fsbp, "ELBv2.1", "ELB.1"),
        ];
        for (standard, id, want) in cases {
            assert_eq!(
                security_control_id(standard, id).as_deref(),
                Some(want),
                "{id}"
            );
        }
    }

    #[test]
    fn unmappable_ids_are_none() {
        assert_eq!(security_control_id(Standard::CisV120, "1.15"), None);
        assert_eq!(security_control_id(Standard::CisV140, "4.1"), None);
        assert_eq!(
            security_control_id(Standard::PciDssV321, "PCI.Nope.1"),
            None
        );
        assert_eq!(security_control_id(Standard::Fsbp, "2.7"), None);
        assert_eq!(security_control_id(Standard::Other, ""), None);
        assert_eq!(security_control_id(Standard::Other, "CT."), None);
    }

    #[test]
    fn every_table_target_is_a_security_control_id_and_sources_are_unique() {
        for table in [CIS_V120, CIS_V140, PCI_DSS_V321, FSBP_ALIASES] {
            let mut sources: Vec<&str> = table.iter().map(|(from, _)| *from).collect();
            sources.sort_unstable();
            sources.dedup();
            assert_eq!(sources.len(), table.len(), "duplicate source id");
            for (from, to) in table {
                assert!(looks_like_security_control_id(to), "{from} → {to}");
            }
        }
    }

    #[test]
    fn cis_v120_covers_every_rule_security_hub_checked() {
        // The v1.2.0 rules Security Hub implemented (1.15, 1.17-1.19, 1.21 were manual checks).
        let rules = "1.1 1.2 1.3 1.4 1.5 1.6 1.7 1.8 1.9 1.10 1.11 1.12 1.13 1.14 1.16 1.20 1.22 \
                     2.1 2.2 2.3 2.4 2.5 2.6 2.7 2.8 2.9 3.1 3.2 3.3 3.4 3.5 3.6 3.7 3.8 3.9 3.10 \
                     3.11 3.12 3.13 3.14 4.1 4.2 4.3";
        for rule in rules.split_whitespace() {
            assert!(lookup(CIS_V120, rule).is_some(), "{rule}");
        }
    }

    #[test]
    fn detect_standards() {
        let cases = [
            (
                "arn:aws:securityhub:us-east-2:111122223333:control/aws-foundational-security-best-practices/v/1.0.0/CloudTrail.2",
                Standard::Fsbp,
            ),
            (
                "standards/aws-foundation-best-practices/v/1.0.0",
                Standard::Fsbp,
            ),
            (
                "cis-aws-foundations-benchmark/v/1.4.0/3.7",
                Standard::CisV140,
            ),
            (
                "standards/cis-aws-foundations-benchmark/v/3.0.0",
                Standard::CisOther,
            ),
            (
                "arn:aws:securityhub:::standards/pci-dss/v/3.2.1",
                Standard::PciDssV321,
            ),
            ("standards/pci-dss/v/4.0.1", Standard::PciDssOther),
            ("nist-800-53/v/5.0.0/CloudTrail.2", Standard::Nist),
            (
                "service-managed-aws-control-tower/v/1.0.0/CloudTrail.2",
                Standard::ControlTower,
            ),
            ("security-control/S3.8", Standard::Other),
            ("", Standard::Other),
        ];
        for (text, want) in cases {
            assert_eq!(Standard::detect(text), want, "{text}");
        }
    }

    #[test]
    fn security_control_id_shape() {
        for ok in [
            "S3.8",
            "EC2.13",
            "Autoscaling.5",
            "ELB.1",
            "IAM.22",
            "SecretsManager.4",
        ] {
            assert!(looks_like_security_control_id(ok), "{ok}");
        }
        for bad in ["2.7", "S3.", ".8", "S3.x", "S3", "", "PCI CloudTrail.1"] {
            assert!(!looks_like_security_control_id(bad), "{bad}");
        }
    }
}
