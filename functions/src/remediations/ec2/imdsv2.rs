//! EC2.8 — EC2 instances should use Instance Metadata Service Version 2 (IMDSv2): requires session
//! tokens for the instance metadata service (`ModifyInstanceMetadataOptions` with `HttpTokens`
//! `required`), leaving the endpoint and the hop limit as they are.
//!
//! Disruptive: software on the instance that still uses IMDSv1 (old SDKs and agents) can no longer
//! read the instance's metadata, its role credentials included.

use serde::Deserialize;
use serde_json::json;

use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, arn_resource};
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of EC2.8.
pub struct Imdsv2;

/// The one instance.
pub static EC2_8: Imdsv2 = Imdsv2;

static META: Meta = Meta {
    control: "EC2.8",
    title: "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)",
    resource_type: "AwsEc2Instance",
    disruptive: true,
    description: "Require IMDSv2 session tokens for the instance's metadata service",
    api_calls: &["ec2:DescribeInstances", "ec2:ModifyInstanceMetadataOptions"],
};

/// The instance's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// `MetadataOptions.HttpTokens`: `required` (IMDSv2 only) or `optional`.
    pub http_tokens: Option<String>,
    /// `State.Name` (`running`, `stopped`, `terminated`, ...), when known.
    pub instance_state: Option<String>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyArguments {
    instance_id: String,
    http_tokens: String,
}

impl Remediation for Imdsv2 {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        let instance = arn_resource(id, "ec2", "instance/", "an EC2 instance")?;
        if instance.starts_with("i-") && instance[2..].bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(instance)
        } else {
            Err(format!(
                "expected an EC2 instance id (i-...) in the ARN, got {id:?}"
            ))
        }
    }

    fn state_from_finding(&self, target: &Target) -> State {
        let details = target.detail("AwsEc2Instance");
        State {
            http_tokens: details
                .and_then(|d| d.get("MetadataOptions"))
                .and_then(|m| m.get("HttpTokens"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            instance_state: None,
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        let out = clients
            .ec2()
            .describe_instances()
            .instance_ids(&target.name)
            .send()
            .await
            .map_err(aws("EC2", "DescribeInstances"))?;
        let instance = out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find(|i| i.instance_id() == Some(target.name.as_str()))
            .ok_or_else(|| {
                TaskError::new(
                    "EC2.InvalidInstanceID.NotFound",
                    format!("EC2 DescribeInstances did not return {}", target.name),
                )
            })?;
        Ok(State {
            http_tokens: instance
                .metadata_options()
                .and_then(|m| m.http_tokens())
                .map(|t| t.as_str().to_owned()),
            instance_state: instance
                .state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_owned()),
            tags: super::tag_list(instance.tags()),
        })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        let instance = &target.name;
        if state.http_tokens.as_deref() == Some("required") {
            return Plan::Compliant("requires IMDSv2".into());
        }
        if let Some(gone) = state
            .instance_state
            .as_deref()
            .filter(|s| matches!(*s, "shutting-down" | "terminated"))
        {
            return Plan::Decline(format!(
                "EC2 instance {instance} is {gone}: there is nothing to change; Security Hub archives its finding once it is gone."
            ));
        }
        Plan::Change(vec![Action {
            service: "ec2",
            operation: "ModifyInstanceMetadataOptions",
            parameters: json!({"InstanceId": instance, "HttpTokens": "required"}),
            todo: format!("require IMDSv2 on EC2 instance {instance}"),
            done: format!(
                "Required IMDSv2 on EC2 instance {instance}: its metadata service now answers only requests with a session token"
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        use aws_sdk_ec2::types::HttpTokensState;
        let args: ModifyArguments = action.arguments()?;
        clients
            .ec2()
            .modify_instance_metadata_options()
            .instance_id(args.instance_id)
            .http_tokens(HttpTokensState::from(args.http_tokens.as_str()))
            .send()
            .await
            .map_err(aws("EC2", "ModifyInstanceMetadataOptions"))?;
        Ok(())
    }
}
