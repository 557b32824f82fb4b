//! EC2.7 — EBS default encryption should be enabled: turns on EBS encryption by default for the
//! account in the region (`EnableEbsEncryptionByDefault`), with the account's default EBS key.
//!
//! Not disruptive: only volumes created afterwards are encrypted; existing volumes are unchanged.

use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, account_resource};
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of EC2.7.
pub struct EbsDefaultEncryption;

/// The one instance.
pub static EC2_7: EbsDefaultEncryption = EbsDefaultEncryption;

static META: Meta = Meta {
    control: "EC2.7",
    title: "EBS default encryption should be enabled",
    resource_type: "AwsAccount",
    disruptive: false,
    description: "Turn on EBS encryption by default for the account in the region (new volumes only)",
    api_calls: &[
        "ec2:GetEbsEncryptionByDefault",
        "ec2:EnableEbsEncryptionByDefault",
    ],
};

/// The account's state in the region: whether new volumes are encrypted by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// `EbsEncryptionByDefault`.
    pub enabled: bool,
}

impl Remediation for EbsDefaultEncryption {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        account_resource(id)
    }

    fn state_from_finding(&self, _target: &Target) -> State {
        // ASFF has no detail for it; the control failed, so it is off.
        State { enabled: false }
    }

    async fn read(&self, clients: &Clients, _target: &Target) -> Result<State, TaskError> {
        let out = clients
            .ec2()
            .get_ebs_encryption_by_default()
            .send()
            .await
            .map_err(aws("EC2", "GetEbsEncryptionByDefault"))?;
        Ok(State {
            enabled: out.ebs_encryption_by_default().unwrap_or(false),
        })
    }

    fn tags<'s>(&self, _state: &'s State) -> Vec<(&'s str, &'s str)> {
        Vec::new()
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        if target.name != target.account {
            return Plan::Decline(format!(
                "The finding's resource is account {}, but its AwsAccountId is {}: SOAR will not change another account's settings.",
                target.name, target.account
            ));
        }
        if state.enabled {
            return Plan::Compliant("encrypts new EBS volumes by default".into());
        }
        Plan::Change(vec![Action {
            service: "ec2",
            operation: "EnableEbsEncryptionByDefault",
            parameters: serde_json::json!({}),
            todo: format!(
                "turn on EBS encryption by default in account {} ({})",
                target.account, target.region
            ),
            done: format!(
                "Turned on EBS encryption by default in account {} ({}): new volumes are encrypted with the account's default EBS key; existing volumes are unchanged",
                target.account, target.region
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        _action: &Action,
    ) -> Result<(), TaskError> {
        clients
            .ec2()
            .enable_ebs_encryption_by_default()
            .send()
            .await
            .map_err(aws("EC2", "EnableEbsEncryptionByDefault"))?;
        Ok(())
    }
}
