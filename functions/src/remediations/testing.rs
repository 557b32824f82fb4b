//! Test helpers of the remediations: the example findings and the task's input.

use serde_json::{Value, json};
use soar_model::scratchpad::{Environment, Scratchpad};

/// The example finding of `control` (examples/findings/remediations/, S3.8 the main example).
pub(crate) fn fixture(control: &str) -> Value {
    let text = match control {
        "S3.1" => include_str!("../../../examples/findings/remediations/s3.1-failed.json"),
        "S3.8" => include_str!("../../../examples/findings/securityhub-s3.8-failed.json"),
        "S3.2" => include_str!("../../../examples/findings/remediations/s3.2-failed.json"),
        "S3.3" => include_str!("../../../examples/findings/remediations/s3.3-failed.json"),
        "S3.5" => include_str!("../../../examples/findings/remediations/s3.5-failed.json"),
        "IAM.8" => include_str!("../../../examples/findings/remediations/iam.8-failed.json"),
        "IAM.3" => include_str!("../../../examples/findings/remediations/iam.3-failed.json"),
        "IAM.7" => include_str!("../../../examples/findings/remediations/iam.7-failed.json"),
        "EC2.2" => include_str!("../../../examples/findings/remediations/ec2.2-failed.json"),
        "EC2.7" => include_str!("../../../examples/findings/remediations/ec2.7-failed.json"),
        "KMS.4" => include_str!("../../../examples/findings/remediations/kms.4-failed.json"),
        "DynamoDB.2" => {
            include_str!("../../../examples/findings/remediations/dynamodb.2-failed.json")
        }
        "ECR.1" => include_str!("../../../examples/findings/remediations/ecr.1-failed.json"),
        "ECR.2" => include_str!("../../../examples/findings/remediations/ecr.2-failed.json"),
        "ECS.12" => include_str!("../../../examples/findings/remediations/ecs.12-failed.json"),
        "ELB.4" => include_str!("../../../examples/findings/remediations/elb.4-failed.json"),
        "ELB.6" => include_str!("../../../examples/findings/remediations/elb.6-failed.json"),
        "EC2.19" => include_str!("../../../examples/findings/remediations/ec2.19-failed.json"),
        "EC2.8" => include_str!("../../../examples/findings/remediations/ec2.8-failed.json"),
        "EC2.1" => include_str!("../../../examples/findings/remediations/ec2.1-failed.json"),
        "EC2.15" => include_str!("../../../examples/findings/remediations/ec2.15-failed.json"),
        "RDS.2" => include_str!("../../../examples/findings/remediations/rds.2-failed.json"),
        "RDS.8" => include_str!("../../../examples/findings/remediations/rds.8-failed.json"),
        "RDS.13" => include_str!("../../../examples/findings/remediations/rds.13-failed.json"),
        "RDS.17" => include_str!("../../../examples/findings/remediations/rds.17-failed.json"),
        "RDS.11" => include_str!("../../../examples/findings/remediations/rds.11-failed.json"),
        "RDS.7" => include_str!("../../../examples/findings/remediations/rds.7-failed.json"),
        "RDS.16" => include_str!("../../../examples/findings/remediations/rds.16-failed.json"),
        "RDS.1" => include_str!("../../../examples/findings/remediations/rds.1-failed.json"),
        "RDS.9" => include_str!("../../../examples/findings/remediations/rds.9-failed.json"),
        other => panic!("no example finding for {other}"),
    };
    serde_json::from_str(text).expect("example finding")
}

/// The input of `remediate` for `finding`, in an account of `environment`.
pub(crate) fn input(control: &str, finding: Value, environment: Environment) -> Value {
    let mut pad = Scratchpad::new(finding);
    pad.account.environment = Some(environment);
    json!({"control_id": control, "scratchpad": pad.to_value().to_json()})
}

/// The target of `control`'s example finding for `remediation`, checked at `now` (for the unit tests
/// of a remediation's plan).
pub(crate) fn target<R: super::Remediation>(
    remediation: &R,
    control: &str,
    now: time::OffsetDateTime,
) -> super::target::Target {
    let pad = Scratchpad::new(fixture(control));
    super::target::Target::from_scratchpad(&pad, remediation.meta(), |id| {
        remediation.resource_name(id)
    })
    .expect("the example finding is valid")
    .at(now)
}
