//! The resource a remediation works on, validated from the finding: the control id, the resource of
//! the control's type and its id, the account and the region. Anything missing or inconsistent is
//! `SOAR.InvalidFinding` naming the field, before anything is read or changed.

use indexmap::IndexMap;
use serde_json::Value;
use soar_model::scratchpad::Scratchpad;
use time::OffsetDateTime;

use super::Meta;
use crate::{TaskError, names};

/// The validated resource of a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The finding's `Id`.
    pub finding_id: String,
    /// The security control id (`S3.8`).
    pub control: String,
    /// The account that owns the resource (twelve digits).
    pub account: String,
    /// The resource's region.
    pub region: String,
    /// The resource's ASFF type (`AwsS3Bucket`).
    pub resource_type: String,
    /// The resource's id as the finding gives it (usually an ARN).
    pub resource_id: String,
    /// The resource's name for the API calls (bucket name, group id, key id, ...).
    pub name: String,
    /// The resource's tags in the finding.
    pub tags: IndexMap<String, String>,
    /// The resource's `Details` in the finding, if any.
    pub details: Option<Value>,
    /// When SOAR checks the resource ([`crate::Services::clock`]): what controls about credential
    /// ages (IAM.3, IAM.8) compare dates with, the same instant for the plan and its verification.
    pub now: OffsetDateTime,
    /// The control's parameters as Security Hub evaluated them (`Compliance.SecurityControlParameters`:
    /// name → values), e.g. RDS.11's `minimumBackupRetentionPeriod`.
    pub parameters: IndexMap<String, Vec<String>>,
}

fn invalid(field: &str, problem: impl std::fmt::Display) -> TaskError {
    TaskError::new(
        names::INVALID_FINDING,
        format!("/finding/{field}: {problem}"),
    )
}

/// Whether `text` is an account id.
fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `text` looks like a region name (it becomes part of endpoint host names).
fn is_region(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text.contains('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Target {
    /// The target of `pad`'s finding for the remediation `meta`; `name_of` turns the resource id into
    /// the resource's name or says what is wrong with it. Checked now by the system clock: [`drive`]
    /// sets the services' clock's time instead ([`Target::at`]).
    ///
    /// [`drive`]: super::drive
    pub fn from_scratchpad(
        pad: &Scratchpad,
        meta: &Meta,
        name_of: impl Fn(&str) -> Result<String, String>,
    ) -> Result<Target, TaskError> {
        let finding = pad
            .finding()
            .map_err(|e| TaskError::new(names::INVALID_FINDING, e.to_string()))?;
        // The control the finding is about: `Compliance.SecurityControlId`, else its standard's own
        // id mapped (findings without consolidated control ids), as Get Ticket and Decide derived it.
        let control = finding.control_id();
        // `db.control_id` is what the Choice routed on: a scratchpad changed since it was derived must
        // not send the finding to another control's remediation.
        if let Some(routed) = pad.db.get("control_id")
            && routed.as_str() != control.as_deref()
        {
            return Err(TaskError::new(
                names::INVALID_SCRATCHPAD,
                format!(
                    "/db/control_id: the state machine routed on {routed}, but the finding is about {}",
                    control.as_deref().unwrap_or("no security control")
                ),
            ));
        }
        match control {
            Some(control) if control == meta.control => {}
            Some(control) => {
                return Err(invalid(
                    "Compliance/SecurityControlId",
                    format!(
                        "the finding is about control {control}, not {} (this remediation's)",
                        meta.control
                    ),
                ));
            }
            None => {
                return Err(invalid(
                    "Compliance/SecurityControlId",
                    format!(
                        "missing: the finding names no security control, neither here nor as a standard's own control id in ProductFields or GeneratorId (expected {})",
                        meta.control
                    ),
                ));
            }
        }
        if !is_account(&finding.aws_account_id) {
            return Err(invalid(
                "AwsAccountId",
                format!(
                    "expected a twelve-digit account id, got {:?}",
                    finding.aws_account_id
                ),
            ));
        }
        let Some((index, resource)) = finding
            .resources
            .iter()
            .enumerate()
            .find(|(_, r)| meta.resource_types().any(|kind| kind == r.kind))
        else {
            let found: Vec<&str> = finding.resources.iter().map(|r| r.kind.as_str()).collect();
            return Err(invalid(
                "Resources",
                format!(
                    "no resource of type {} (control {}); the finding has {}",
                    meta.resource_types().collect::<Vec<_>>().join(" or "),
                    meta.control,
                    if found.is_empty() {
                        "none".to_owned()
                    } else {
                        found.join(", ")
                    }
                ),
            ));
        };
        let id_field = format!("Resources/{index}/Id");
        let name = name_of(&resource.id).map_err(|problem| invalid(&id_field, problem))?;
        // An ARN's account and region, when it has them, must be the finding's.
        let arn: Vec<&str> = resource.id.splitn(6, ':').collect();
        if arn.len() == 6
            && arn[0] == "arn"
            && !arn[4].is_empty()
            && arn[4] != finding.aws_account_id
        {
            return Err(invalid(
                &id_field,
                format!(
                    "the resource is in account {}, but the finding's AwsAccountId is {}",
                    arn[4], finding.aws_account_id
                ),
            ));
        }
        let region = resource
            .region
            .clone()
            .or_else(|| finding.region.clone())
            .or_else(|| (arn.len() == 6 && !arn[3].is_empty()).then(|| arn[3].to_owned()))
            .ok_or_else(|| {
                invalid(
                    &format!("Resources/{index}/Region"),
                    "missing, and the finding has no Region either",
                )
            })?;
        if !is_region(&region) {
            return Err(invalid(
                &format!("Resources/{index}/Region"),
                format!("not a region name: {region:?}"),
            ));
        }
        if arn.len() == 6 && arn[0] == "arn" && !arn[3].is_empty() && arn[3] != region {
            return Err(invalid(
                &id_field,
                format!(
                    "the resource is in region {}, but the finding says {region}",
                    arn[3]
                ),
            ));
        }
        let parameters = finding
            .compliance
            .as_ref()
            .and_then(|c| c.other.get("SecurityControlParameters"))
            .and_then(Value::as_array)
            .map(|parameters| {
                parameters
                    .iter()
                    .filter_map(|p| {
                        let name = p.get("Name")?.as_str()?.to_owned();
                        let values = p
                            .get("Value")
                            .and_then(Value::as_array)
                            .map(|values| {
                                values
                                    .iter()
                                    .filter_map(|v| v.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default();
                        Some((name, values))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Target {
            finding_id: finding.id.clone(),
            control: meta.control.to_owned(),
            account: finding.aws_account_id.clone(),
            region,
            resource_type: resource.kind.clone(),
            resource_id: resource.id.clone(),
            name,
            tags: resource.tags.clone().unwrap_or_default(),
            details: resource.details.clone(),
            now: OffsetDateTime::now_utc(),
            parameters,
        })
    }

    /// The resource in words: “S3 bucket example (account 444455556666, eu-west-1)”.
    pub fn describe(&self) -> String {
        let kind = match self.resource_type.as_str() {
            "AwsS3Bucket" => "S3 bucket",
            "AwsEc2SecurityGroup" => "security group",
            "AwsAccount" => "account",
            "AwsKmsKey" => "KMS key",
            "AwsDynamoDbTable" => "DynamoDB table",
            "AwsEcrRepository" => "ECR repository",
            "AwsEc2Instance" => "EC2 instance",
            "AwsEcsCluster" => "ECS cluster",
            // The ARN says which kind (ELB.6 is about all three).
            "AwsElbv2LoadBalancer" if self.resource_id.contains(":loadbalancer/net/") => {
                "Network Load Balancer"
            }
            "AwsElbv2LoadBalancer" if self.resource_id.contains(":loadbalancer/gwy/") => {
                "Gateway Load Balancer"
            }
            "AwsElbv2LoadBalancer" => "Application Load Balancer",
            "AwsIamUser" => "IAM user",
            "AwsRdsDbInstance" => "RDS DB instance",
            "AwsRdsDbCluster" => "RDS DB cluster",
            "AwsRdsDbSnapshot" => "RDS DB snapshot",
            "AwsRdsDbClusterSnapshot" => "RDS DB cluster snapshot",
            "AwsEc2Subnet" => "subnet",
            other => other,
        };
        if self.resource_type == "AwsAccount" {
            format!("{kind} {} ({})", self.account, self.region)
        } else {
            format!(
                "{kind} {} (account {}, {})",
                self.name, self.account, self.region
            )
        }
    }

    /// The target checked at `now` (the services' clock).
    pub fn at(self, now: OffsetDateTime) -> Target {
        Target { now, ..self }
    }

    /// `Details.<key>` of the resource, if present.
    pub fn detail(&self, key: &str) -> Option<&Value> {
        self.details.as_ref()?.get(key)
    }

    /// The first value of the control parameter `name`, if the finding has it.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters.get(name)?.first().map(String::as_str)
    }
}

/// The account id of Security Hub's account resource id, `AWS::::Account:<id>`.
pub fn account_resource(id: &str) -> Result<String, String> {
    match id.strip_prefix("AWS::::Account:") {
        Some(account) if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(account.to_owned())
        }
        _ => Err(format!(
            "expected an account resource id (AWS::::Account:ACCOUNT), got {id:?}"
        )),
    }
}

/// The name after `arn:<partition>:<service>:<region>:<account>:<prefix>` in an ARN of `service`,
/// e.g. the key id of `arn:aws:kms:eu-west-1:111122223333:key/1234`.
pub fn arn_resource(id: &str, service: &str, prefix: &str, what: &str) -> Result<String, String> {
    let parts: Vec<&str> = id.splitn(6, ':').collect();
    let expected = || {
        format!(
            "expected the ARN of {what} (arn:aws:{service}:REGION:ACCOUNT:{prefix}NAME), got {id:?}"
        )
    };
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != service {
        return Err(expected());
    }
    match parts[5].strip_prefix(prefix) {
        Some(name) if !name.is_empty() && !name.contains(char::is_whitespace) => {
            Ok(name.to_owned())
        }
        _ => Err(expected()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_resources() {
        assert_eq!(
            arn_resource(
                "arn:aws:kms:eu-west-1:111122223333:key/1234abcd",
                "kms",
                "key/",
                "a KMS key"
            ),
            Ok("1234abcd".to_owned())
        );
        assert_eq!(
            arn_resource(
                "arn:aws:ecr:eu-west-1:111122223333:repository/team/app",
                "ecr",
                "repository/",
                "an ECR repository"
            ),
            Ok("team/app".to_owned())
        );
        for bad in [
            "1234abcd",
            "arn:aws:kms:eu-west-1:111122223333:alias/x",
            "arn:aws:s3:::bucket",
            "arn:aws:kms:eu-west-1:111122223333:key/",
        ] {
            let e = arn_resource(bad, "kms", "key/", "a KMS key").unwrap_err();
            assert!(e.contains("expected the ARN of a KMS key"), "{e}");
        }
        assert!(is_region("eu-west-1") && is_region("us-gov-east-1"));
        assert!(!is_region("EU-WEST-1") && !is_region("global") && !is_region(""));
    }
}
