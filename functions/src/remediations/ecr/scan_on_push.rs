//! ECR.1 — ECR private repositories should have image scanning configured: turns on scan on push
//! (`PutImageScanningConfiguration`).
//!
//! Not disruptive: pushes still succeed; each pushed image is also scanned for vulnerabilities.

use serde::Deserialize;
use serde_json::json;

use super::{Repository, repository_name};
use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of ECR.1.
pub struct ScanOnPush;

/// The one instance.
pub static ECR_1: ScanOnPush = ScanOnPush;

static META: Meta = Meta {
    control: "ECR.1",
    title: "ECR private repositories should have image scanning configured",
    resource_type: "AwsEcrRepository",
    disruptive: false,
    description: "Turn on scan on push for the repository",
    api_calls: &[
        "ecr:DescribeRepositories",
        "ecr:ListTagsForResource",
        "ecr:PutImageScanningConfiguration",
    ],
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutArguments {
    repository_name: String,
    registry_id: String,
}

impl Remediation for ScanOnPush {
    type State = Repository;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        repository_name(id)
    }

    fn state_from_finding(&self, target: &Target) -> Repository {
        Repository::from_finding(target)
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<Repository, TaskError> {
        Repository::read(clients, target).await
    }

    fn tags<'s>(&self, state: &'s Repository) -> Vec<(&'s str, &'s str)> {
        state.tag_pairs()
    }

    fn plan(&self, target: &Target, state: &Repository) -> Plan {
        if state.scan_on_push {
            return Plan::Compliant("scans images on push".into());
        }
        let repository = &target.name;
        Plan::Change(vec![Action {
            service: "ecr",
            operation: "PutImageScanningConfiguration",
            parameters: json!({
                "registryId": target.account,
                "repositoryName": repository,
                "imageScanningConfiguration": {"scanOnPush": true},
            }),
            todo: format!("turn on scan on push for ECR repository {repository}"),
            done: format!(
                "Turned on scan on push for ECR repository {repository}: every image pushed from now on is scanned for vulnerabilities"
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        use aws_sdk_ecr::types::ImageScanningConfiguration;
        let args: PutArguments = action.arguments()?;
        clients
            .ecr()
            .put_image_scanning_configuration()
            .registry_id(args.registry_id)
            .repository_name(args.repository_name)
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(true)
                    .build(),
            )
            .send()
            .await
            .map_err(aws("ECR", "PutImageScanningConfiguration"))?;
        Ok(())
    }
}
