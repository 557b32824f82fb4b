//! ECR.1 — ECR private repositories should have image scanning configured: turns on scan on push
//! (`PutImageScanningConfiguration`).
//!
//! Not disruptive: pushes still succeed; each pushed image is also scanned for vulnerabilities.

use serde::Deserialize;
use serde_json::json;

use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, arn_resource};
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

/// The repository's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Whether images are scanned on push.
    pub scan_on_push: bool,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutArguments {
    repository_name: String,
    registry_id: String,
}

impl Remediation for ScanOnPush {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        arn_resource(id, "ecr", "repository/", "an ECR repository")
    }

    fn state_from_finding(&self, target: &Target) -> State {
        State {
            scan_on_push: target
                .detail("AwsEcrRepository")
                .and_then(|d| d.get("ImageScanningConfiguration"))
                .and_then(|c| c.get("ScanOnPush"))
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        let ecr = clients.ecr();
        let out = ecr
            .describe_repositories()
            .registry_id(&target.account)
            .repository_names(&target.name)
            .send()
            .await
            .map_err(aws("ECR", "DescribeRepositories"))?;
        let repository = out
            .repositories()
            .iter()
            .find(|r| r.repository_name() == Some(target.name.as_str()))
            .ok_or_else(|| {
                TaskError::new(
                    "ECR.RepositoryNotFoundException",
                    format!("ECR DescribeRepositories did not return {}", target.name),
                )
            })?;
        let scan_on_push = repository
            .image_scanning_configuration()
            .is_some_and(|c| c.scan_on_push());
        let arn = repository
            .repository_arn()
            .unwrap_or(target.resource_id.as_str())
            .to_owned();
        let tags = ecr
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(aws("ECR", "ListTagsForResource"))?
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect();
        Ok(State { scan_on_push, tags })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        state
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
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
