//! ECR remediations, and what they share: reading a repository.

pub mod scan_on_push;
pub mod tag_immutability;

use crate::TaskError;
use crate::remediations::Clients;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, arn_resource};

/// The repository name of an ECR repository ARN (`arn:aws:ecr:REGION:ACCOUNT:repository/NAME`).
pub(crate) fn repository_name(id: &str) -> Result<String, String> {
    arn_resource(id, "ecr", "repository/", "an ECR repository")
}

/// What the ECR remediations read of a repository.
#[derive(Debug, Clone, PartialEq)]
pub struct Repository {
    /// Whether images are scanned on push.
    pub scan_on_push: bool,
    /// `imageTagMutability` (`MUTABLE`, `IMMUTABLE`, ...), when known.
    pub tag_mutability: Option<String>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

impl Repository {
    /// The repository as the finding's `Details.AwsEcrRepository` shows it; what it does not say is
    /// taken as non-compliant (the control failed).
    pub(crate) fn from_finding(target: &Target) -> Repository {
        let details = target.detail("AwsEcrRepository");
        Repository {
            scan_on_push: details
                .and_then(|d| d.get("ImageScanningConfiguration"))
                .and_then(|c| c.get("ScanOnPush"))
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            tag_mutability: details
                .and_then(|d| d.get("ImageTagMutability"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            tags: Vec::new(),
        }
    }

    /// The live repository (`DescribeRepositories`, `ListTagsForResource`).
    pub(crate) async fn read(clients: &Clients, target: &Target) -> Result<Repository, TaskError> {
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
        Ok(Repository {
            scan_on_push: repository
                .image_scanning_configuration()
                .is_some_and(|c| c.scan_on_push()),
            tag_mutability: repository
                .image_tag_mutability()
                .map(|m| m.as_str().to_owned()),
            tags,
        })
    }

    /// The tags as pairs of strings.
    pub(crate) fn tag_pairs(&self) -> Vec<(&str, &str)> {
        crate::remediations::tag_refs(&self.tags)
    }
}
