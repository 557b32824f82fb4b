//! One remediation for three controls about a bucket being public, each an instance with its own
//! [`Meta`]:
//! - S3.8 — S3 general purpose buckets should block public access: turns on the four Block Public
//!   Access settings of the bucket (`PutPublicAccessBlock`);
//! - S3.2 — ... should block public read access, and S3.3 — ... should block public write access:
//!   the same, and, when the bucket's ACL grants anything to everyone (`AllUsers`) or to every AWS
//!   account (`AuthenticatedUsers`), removes those grants, keeping every other one (`PutBucketAcl`;
//!   the canned `private` ACL when only the owner's is left, see [`super::acl`]). Block Public
//!   Access already makes S3 ignore public ACLs; removing the grants keeps the bucket private should
//!   the setting be turned off again. Public statements of the bucket policy are refused and
//!   ignored by `BlockPublicPolicy` and `RestrictPublicBuckets`; the policy itself is not changed.
//!
//! Disruptive: a bucket public on purpose stops being public. A static website or public downloads
//! served from it (S3.2) are refused to anonymous visitors (403), anonymous uploads to it (S3.3)
//! are refused, and so is other accounts' access through public grants or policy statements; access
//! granted to named accounts and roles is unchanged.

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::acl::Acl;
use super::{bucket_name, bucket_tags};
use crate::TaskError;
use crate::remediations::aws::{aws, sdk_error};
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of S3.8, S3.2 and S3.3.
pub struct BlockPublicAccess {
    meta: &'static Meta,
    /// Whether the public grants of the bucket's ACL go too (S3.2, S3.3); S3.8 is about the Block
    /// Public Access settings alone.
    acl: bool,
}

/// S3.8: the Block Public Access settings.
pub static S3_8: BlockPublicAccess = BlockPublicAccess {
    meta: &S3_8_META,
    acl: false,
};

/// S3.2: the settings, and no public grant in the ACL.
pub static S3_2: BlockPublicAccess = BlockPublicAccess {
    meta: &S3_2_META,
    acl: true,
};

/// S3.3: the settings, and no public grant in the ACL.
pub static S3_3: BlockPublicAccess = BlockPublicAccess {
    meta: &S3_3_META,
    acl: true,
};

static S3_8_META: Meta = Meta {
    control: "S3.8",
    title: "S3 general purpose buckets should block public access",
    resource_type: "AwsS3Bucket",
    disruptive: true,
    description: "Turn on all four Block Public Access settings of the bucket",
    api_calls: &[
        "s3:GetBucketPublicAccessBlock",
        "s3:GetBucketTagging",
        "s3:PutBucketPublicAccessBlock",
    ],
};

/// What S3.2 and S3.3 call.
const WITH_ACL_CALLS: &[&str] = &[
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketAcl",
    "s3:GetBucketTagging",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketAcl",
];

/// What S3.2 and S3.3 change.
const WITH_ACL: &str = "Turn on all four Block Public Access settings of the bucket and remove the public grants of its ACL, keeping the others";

static S3_2_META: Meta = Meta {
    control: "S3.2",
    title: "S3 general purpose buckets should block public read access",
    resource_type: "AwsS3Bucket",
    disruptive: true,
    description: WITH_ACL,
    api_calls: WITH_ACL_CALLS,
};

static S3_3_META: Meta = Meta {
    control: "S3.3",
    title: "S3 general purpose buckets should block public write access",
    resource_type: "AwsS3Bucket",
    disruptive: true,
    description: WITH_ACL,
    api_calls: WITH_ACL_CALLS,
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
    /// Its ACL, for S3.2 and S3.3; `None` for S3.8, and offline when the finding does not show it.
    pub acl: Option<Acl>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutArguments {
    bucket: String,
    public_access_block_configuration: Settings,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutAclArguments {
    bucket: String,
    access_control_policy: Acl,
}

impl Remediation for BlockPublicAccess {
    type State = State;

    fn meta(&self) -> &'static Meta {
        self.meta
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
        let acl = self
            .acl
            .then(|| {
                target
                    .detail("AwsS3Bucket")?
                    .get("AccessControlList")?
                    .as_str()
            })
            .flatten()
            .and_then(Acl::from_config);
        State {
            settings,
            acl,
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
        let acl = match self.acl {
            true => Some(Acl::read(clients, &target.name).await?),
            false => None,
        };
        Ok(State {
            settings,
            acl,
            tags: bucket_tags(clients, &target.name).await?,
        })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        let off = state.settings.off();
        let public: Vec<String> = state
            .acl
            .iter()
            .filter(|_| self.acl)
            .flat_map(|acl| acl.public())
            .map(|grant| grant.describe())
            .collect();
        if off.is_empty() && public.is_empty() {
            return Plan::Compliant(if self.acl {
                "blocks all public access and its ACL grants nothing to everyone".into()
            } else {
                "blocks all public access".into()
            });
        }
        let mut actions = Vec::new();
        if !off.is_empty() {
            actions.push(block(target, &off));
        }
        if let Some(acl) = state
            .acl
            .as_ref()
            .filter(|_| self.acl && !public.is_empty())
        {
            actions.push(remove_public_grants(target, acl, &public));
        }
        Plan::Change(actions)
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        if action.operation == "PutBucketAcl" {
            let args: PutAclArguments = action.arguments()?;
            clients
                .s3()
                .put_bucket_acl()
                .bucket(args.bucket)
                .access_control_policy(args.access_control_policy.to_sdk()?)
                .send()
                .await
                .map_err(aws("S3", "PutBucketAcl"))?;
            return Ok(());
        }
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

/// The call that turns on the settings that are `off`.
fn block(target: &Target, off: &[&str]) -> Action {
    Action {
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
    }
}

/// The call that rewrites `acl` without its `public` grants (described), keeping the others.
fn remove_public_grants(target: &Target, acl: &Acl, public: &[String]) -> Action {
    let kept = acl.without_public();
    let bucket = &target.name;
    let public = public.join(", ");
    let (todo, done) = if kept.is_private() {
        (
            format!("reset the ACL of S3 bucket {bucket} to private (removing {public})"),
            format!(
                "Reset the ACL of S3 bucket {bucket} to private, removing {public}: only the owner has access through it"
            ),
        )
    } else {
        let others = kept.grants.len();
        (
            format!(
                "remove {public} from the ACL of S3 bucket {bucket}, keeping its {others} other grant(s)"
            ),
            format!(
                "Removed {public} from the ACL of S3 bucket {bucket}, keeping its {others} other grant(s)"
            ),
        )
    };
    Action {
        service: "s3",
        operation: "PutBucketAcl",
        parameters: json!({"Bucket": bucket, "AccessControlPolicy": kept}),
        todo,
        done,
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::remediations::s3::acl::{ALL_USERS, AclOwner, Grant, Grantee};
    use crate::remediations::testing::target;

    const OWNER: &str = "8f2c4a1e9b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a";

    fn grant(grantee: Grantee, permission: &str) -> Grant {
        Grant {
            grantee,
            permission: permission.into(),
        }
    }

    fn owner() -> Grant {
        grant(Grantee::CanonicalUser { id: OWNER.into() }, "FULL_CONTROL")
    }

    fn all_users(permission: &str) -> Grant {
        grant(
            Grantee::Group {
                uri: ALL_USERS.into(),
            },
            permission,
        )
    }

    fn state(settings: Settings, grants: Vec<Grant>) -> State {
        State {
            settings,
            acl: Some(Acl {
                owner: AclOwner { id: OWNER.into() },
                grants,
            }),
            tags: Vec::new(),
        }
    }

    const ON: Settings = Settings {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    /// With Block Public Access on already, only the ACL's public grant goes (and a grant to
    /// another account stays); with the ACL already private, only the settings change.
    #[test]
    fn each_part_is_planned_only_when_needed() {
        let target = target(&S3_3, "S3.3", OffsetDateTime::UNIX_EPOCH);
        let partner = grant(
            Grantee::CanonicalUser {
                id: "0123456789abcdef".into(),
            },
            "READ",
        );
        let Plan::Change(actions) = S3_3.plan(
            &target,
            &state(ON, vec![owner(), all_users("WRITE"), partner.clone()]),
        ) else {
            panic!("the public grant must go")
        };
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0].operation, "PutBucketAcl");
        assert_eq!(
            actions[0].parameters["AccessControlPolicy"]["Grants"],
            serde_json::to_value(vec![owner(), partner]).unwrap()
        );
        assert_eq!(
            actions[0].todo,
            "remove AllUsers WRITE from the ACL of S3 bucket example-shared-dropbox, keeping its 2 other grant(s)"
        );
        let Plan::Change(actions) = S3_3.plan(&target, &state(Settings::default(), vec![owner()]))
        else {
            panic!("the settings must be turned on")
        };
        let operations: Vec<&str> = actions.iter().map(|a| a.operation).collect();
        assert_eq!(operations, ["PutPublicAccessBlock"]);
        assert_eq!(
            S3_3.plan(&target, &state(ON, vec![owner()])),
            Plan::Compliant(
                "blocks all public access and its ACL grants nothing to everyone".into()
            )
        );
    }

    /// S3.8 is about the settings alone: it neither reads nor changes the ACL.
    #[test]
    fn s3_8_leaves_the_acl_alone() {
        let target = target(&S3_8, "S3.8", OffsetDateTime::UNIX_EPOCH);
        assert_eq!(S3_8.state_from_finding(&target).acl, None);
        assert_eq!(
            S3_8.plan(&target, &state(ON, vec![owner(), all_users("READ")])),
            Plan::Compliant("blocks all public access".into())
        );
        assert_eq!(S3_8.meta().control, "S3.8");
        assert!(!S3_8.meta().api_calls.contains(&"s3:PutBucketAcl"));
        assert_eq!(S3_2.meta().control, "S3.2");
        assert_eq!(S3_3.meta().control, "S3.3");
    }
}
