//! S3.8 — S3 general purpose buckets should block public access: turns on the four Block Public
//! Access settings of the bucket (`PutPublicAccessBlock`).
//!
//! Disruptive: a bucket that serves a public website or public objects on purpose stops doing so.

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{bucket_name, bucket_tags};
use crate::TaskError;
use crate::remediations::aws::{aws, sdk_error};
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of S3.8.
pub struct BlockPublicAccess;

/// The one instance.
pub static S3_8: BlockPublicAccess = BlockPublicAccess;

static META: Meta = Meta {
    control: "S3.8",
    title: "S3 general purpose buckets should block public access",
    resource_type: "AwsS3Bucket",
    disruptive: true,
    description: "Turn on all four Block Public Access settings of the bucket",
    api_calls: &[
        "s3:GetPublicAccessBlock",
        "s3:GetBucketTagging",
        "s3:PutPublicAccessBlock",
    ],
};

/// The bucket's Block Public Access settings, in the API's (and ASFF's) names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Settings {
    /// `BlockPublicAcls`.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`.
    pub restrict_public_buckets: bool,
}

impl Settings {
    pub(crate) fn off(&self) -> Vec<&'static str> {
        [
            ("BlockPublicAcls", self.block_public_acls),
            ("IgnorePublicAcls", self.ignore_public_acls),
            ("BlockPublicPolicy", self.block_public_policy),
            ("RestrictPublicBuckets", self.restrict_public_buckets),
        ]
        .into_iter()
        .filter(|(_, on)| !on)
        .map(|(name, _)| name)
        .collect()
    }
}

/// The bucket's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Its Block Public Access settings (all off when it has none).
    pub settings: Settings,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutArguments {
    bucket: String,
    public_access_block_configuration: Settings,
}

impl Remediation for BlockPublicAccess {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        bucket_name(id)
    }

    fn state_from_finding(&self, target: &Target) -> State {
        let settings = target
            .detail("AwsS3Bucket")
            .and_then(|d| d.get("PublicAccessBlockConfiguration"))
            .and_then(|c| Settings::deserialize(c).ok())
            .unwrap_or_default();
        State {
            settings,
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        let settings = match clients
            .s3()
            .get_public_access_block()
            .bucket(&target.name)
            .send()
            .await
        {
            Ok(out) => {
                let c = out.public_access_block_configuration();
                Settings {
                    block_public_acls: c.and_then(|c| c.block_public_acls()).unwrap_or(false),
                    ignore_public_acls: c.and_then(|c| c.ignore_public_acls()).unwrap_or(false),
                    block_public_policy: c.and_then(|c| c.block_public_policy()).unwrap_or(false),
                    restrict_public_buckets: c
                        .and_then(|c| c.restrict_public_buckets())
                        .unwrap_or(false),
                }
            }
            // A bucket that never had the settings has none: all off.
            Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => {
                Settings::default()
            }
            Err(e) => return Err(sdk_error("S3", "GetPublicAccessBlock", e)),
        };
        Ok(State {
            settings,
            tags: bucket_tags(clients, &target.name).await?,
        })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        let off = state.settings.off();
        if off.is_empty() {
            return Plan::Compliant("blocks all public access".into());
        }
        Plan::Change(vec![Action {
            service: "s3",
            operation: "PutPublicAccessBlock",
            parameters: json!({
                "Bucket": target.name,
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": true,
                    "IgnorePublicAcls": true,
                    "BlockPublicPolicy": true,
                    "RestrictPublicBuckets": true,
                },
            }),
            todo: format!(
                "turn on Block Public Access ({}) on S3 bucket {}",
                off.join(", "),
                target.name
            ),
            done: format!(
                "Turned on Block Public Access ({}) on S3 bucket {}: public ACLs and public bucket policies no longer grant access",
                off.join(", "),
                target.name
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        let args: PutArguments = action.arguments()?;
        let c = args.public_access_block_configuration;
        clients
            .s3()
            .put_public_access_block()
            .bucket(args.bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(c.block_public_acls)
                    .ignore_public_acls(c.ignore_public_acls)
                    .block_public_policy(c.block_public_policy)
                    .restrict_public_buckets(c.restrict_public_buckets)
                    .build(),
            )
            .send()
            .await
            .map_err(aws("S3", "PutPublicAccessBlock"))?;
        Ok(())
    }
}
