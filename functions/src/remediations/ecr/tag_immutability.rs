//! ECR.2 — ECR private repositories should have tag immutability configured: makes the repository's
//! image tags immutable (`PutImageTagMutability` with `IMMUTABLE`).
//!
//! Disruptive: a push that reuses an existing tag (`latest`, a branch name) is now refused.

use serde::Deserialize;
use serde_json::json;

use super::{Repository, repository_name};
use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of ECR.2.
pub struct TagImmutability;

/// The one instance.
pub static ECR_2: TagImmutability = TagImmutability;

static META: Meta = Meta {
    control: "ECR.2",
    title: "ECR private repositories should have tag immutability configured",
    resource_type: "AwsEcrRepository",
    disruptive: true,
    description: "Make the repository's image tags immutable",
    api_calls: &[
        "ecr:DescribeRepositories",
        "ecr:ListTagsForResource",
        "ecr:PutImageTagMutability",
    ],
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutArguments {
    registry_id: String,
    repository_name: String,
    image_tag_mutability: String,
}

impl Remediation for TagImmutability {
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
        // IMMUTABLE, or IMMUTABLE_WITH_EXCLUSION (immutable but for the tags the owner excluded).
        if state
            .tag_mutability
            .as_deref()
            .is_some_and(|m| m.starts_with("IMMUTABLE"))
        {
            return Plan::Compliant("has immutable image tags".into());
        }
        let repository = &target.name;
        Plan::Change(vec![Action {
            service: "ecr",
            operation: "PutImageTagMutability",
            parameters: json!({
                "registryId": target.account,
                "repositoryName": repository,
                "imageTagMutability": "IMMUTABLE",
            }),
            todo: format!("make the image tags of ECR repository {repository} immutable"),
            done: format!(
                "Made the image tags of ECR repository {repository} immutable: a pushed tag can no longer be moved to another image"
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        use aws_sdk_ecr::types::ImageTagMutability;
        let args: PutArguments = action.arguments()?;
        clients
            .ecr()
            .put_image_tag_mutability()
            .registry_id(args.registry_id)
            .repository_name(args.repository_name)
            .image_tag_mutability(ImageTagMutability::from(args.image_tag_mutability.as_str()))
            .send()
            .await
            .map_err(aws("ECR", "PutImageTagMutability"))?;
        Ok(())
    }
}
