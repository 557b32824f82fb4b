//! S3.1 — S3 general purpose buckets should have block public access settings enabled (the
//! account-level settings): turns on the four Block Public Access settings for the whole account
//! (S3 Control `PutPublicAccessBlock`).
//!
//! Disruptive: every bucket of the account that serves public objects or a public website on
//! purpose stops doing so.

use aws_sdk_s3control::error::ProvideErrorMetadata;
use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
use serde::Deserialize;
use serde_json::json;

use super::block_public_access::Settings;
use crate::TaskError;
use crate::remediations::aws::{aws, sdk_error};
use crate::remediations::target::{Target, account_resource};
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of S3.1.
pub struct AccountPublicAccessBlock;

/// The one instance.
pub static S3_1: AccountPublicAccessBlock = AccountPublicAccessBlock;

static META: Meta = Meta {
    control: "S3.1",
    title: "S3 general purpose buckets should have block public access settings enabled",
    resource_type: "AwsAccount",
    disruptive: true,
    description: "Turn on all four Block Public Access settings for the whole account",
    api_calls: &[
        "s3:GetAccountPublicAccessBlock",
        "s3:PutAccountPublicAccessBlock",
    ],
};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutArguments {
    account_id: String,
    public_access_block_configuration: Settings,
}

impl Remediation for AccountPublicAccessBlock {
    type State = Settings;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        account_resource(id)
    }

    fn state_from_finding(&self, _target: &Target) -> Settings {
        // ASFF has no detail for it; the control failed, so some setting is off.
        Settings::default()
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<Settings, TaskError> {
        match clients
            .s3control()
            .get_public_access_block()
            .account_id(&target.account)
            .send()
            .await
        {
            Ok(out) => {
                let c = out.public_access_block_configuration();
                Ok(Settings {
                    block_public_acls: c.and_then(|c| c.block_public_acls()).unwrap_or(false),
                    ignore_public_acls: c.and_then(|c| c.ignore_public_acls()).unwrap_or(false),
                    block_public_policy: c.and_then(|c| c.block_public_policy()).unwrap_or(false),
                    restrict_public_buckets: c
                        .and_then(|c| c.restrict_public_buckets())
                        .unwrap_or(false),
                })
            }
            // An account that never had the settings has none: all off.
            Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => {
                Ok(Settings::default())
            }
            Err(e) => Err(sdk_error("S3Control", "GetPublicAccessBlock", e)),
        }
    }

    fn tags<'s>(&self, _state: &'s Settings) -> Vec<(&'s str, &'s str)> {
        Vec::new()
    }

    fn plan(&self, target: &Target, state: &Settings) -> Plan {
        if target.name != target.account {
            return Plan::Decline(format!(
                "The finding's resource is account {}, but its AwsAccountId is {}: SOAR will not change another account's settings.",
                target.name, target.account
            ));
        }
        let off = state.off();
        if off.is_empty() {
            return Plan::Compliant("blocks all public access".into());
        }
        Plan::Change(vec![Action {
            service: "s3",
            operation: "PutAccountPublicAccessBlock",
            parameters: json!({
                "AccountId": target.account,
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": true,
                    "IgnorePublicAcls": true,
                    "BlockPublicPolicy": true,
                    "RestrictPublicBuckets": true,
                },
            }),
            todo: format!(
                "turn on Block Public Access ({}) for the whole of account {}",
                off.join(", "),
                target.account
            ),
            done: format!(
                "Turned on Block Public Access ({}) for the whole of account {}: no bucket of the account can be made public by an ACL or a bucket policy",
                off.join(", "),
                target.account
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
            .s3control()
            .put_public_access_block()
            .account_id(args.account_id)
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
            .map_err(aws("S3Control", "PutPublicAccessBlock"))?;
        Ok(())
    }
}
