//! EC2.1 — Amazon EBS snapshots should not be publicly restorable: removes the public group `all`
//! from the create-volume permission of each EBS snapshot the account owns in the region that every
//! AWS account may restore (`ModifySnapshotAttribute`, `createVolumePermission`, `OperationType`
//! `remove`, `GroupNames` `["all"]`). The accounts a snapshot is shared with by id keep their access;
//! the plan names them.
//!
//! Security Hub evaluates EC2.1 per account and region (AWS Config's periodic rule
//! `ebs-snapshot-public-restorable-check`, resource `AwsAccount`): the finding names no snapshot, so
//! SOAR lists the public ones itself (`DescribeSnapshots` owned by the account and restorable by
//! `all`, each confirmed with `DescribeSnapshotAttribute`). Offline, the plan stands for them with an
//! explicit placeholder that fails if applied by hand as it is.
//!
//! The finding is about the account as a whole, so SOAR acts on it whole: a public snapshot tagged
//! `soar:no-autoremediate` turns the finding into a ticket listing every public snapshot, since making
//! only the others private would leave the control failing and SOAR's verification reading the
//! account as still non-compliant.
//!
//! Not disruptive: no volume or instance changes; only creating volumes from the snapshot by accounts
//! nobody named stops, which is the exposure (any AWS account could read the disk). Accounts shared
//! with by id keep access, so a known consumer loses nothing.

use aws_sdk_ec2::types::{OperationType, PermissionGroup, SnapshotAttributeName};
use serde::Deserialize;
use serde_json::json;

use super::tag_list;
use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, account_resource};
use crate::remediations::{Action, Clients, Meta, OPT_OUT_TAG, Plan, Remediation};

/// The remediation of EC2.1.
pub struct PublicSnapshots;

/// The one instance.
pub static EC2_1: PublicSnapshots = PublicSnapshots;

/// Stands for the snapshots in an offline plan, where they are unknown (the finding names none).
/// Deliberately not a snapshot id: applied by hand as it is, the call fails
/// (`InvalidSnapshotID.Malformed`) instead of changing anything.
pub const EVERY_PUBLIC_SNAPSHOT: &str =
    "<each snapshot of the account in the region restorable by all, when this is applied>";

static META: Meta = Meta {
    control: "EC2.1",
    title: "Amazon EBS snapshots should not be publicly restorable",
    resource_type: "AwsAccount",
    disruptive: false,
    description: "Make every EBS snapshot of the account in the region that any AWS account can restore private, keeping the accounts each is shared with by id",
    api_calls: &[
        "ec2:DescribeSnapshots",
        "ec2:DescribeSnapshotAttribute",
        "ec2:ModifySnapshotAttribute",
    ],
};

/// A snapshot every AWS account may create volumes from.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicSnapshot {
    /// `SnapshotId`.
    pub id: String,
    /// The accounts it is also shared with by id (`createVolumePermission` user ids).
    pub accounts: Vec<String>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

/// The account's public snapshots in the region; None when unknown (offline).
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The snapshots restorable by `all`.
    pub public: Option<Vec<PublicSnapshot>>,
}

/// The arguments of a planned `ModifySnapshotAttribute`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyArguments {
    snapshot_id: String,
    group_names: Vec<String>,
}

impl Remediation for PublicSnapshots {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        account_resource(id)
    }

    fn state_from_finding(&self, _target: &Target) -> State {
        State { public: None }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        let ec2 = clients.ec2();
        // AWS filters by owner and public restorability; the owner and the permission are checked
        // again here, so an endpoint that ignores the filters (moto) gives the same answer.
        let mut pages = ec2
            .describe_snapshots()
            .owner_ids("self")
            .restorable_by_user_ids("all")
            .into_paginator()
            .send();
        let mut candidates = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(aws("EC2", "DescribeSnapshots"))?;
            for snapshot in page.snapshots() {
                if snapshot.owner_id() != Some(target.account.as_str()) {
                    continue;
                }
                if let Some(id) = snapshot.snapshot_id() {
                    candidates.push((id.to_owned(), tag_list(snapshot.tags())));
                }
            }
        }
        let mut public = Vec::new();
        for (id, tags) in candidates {
            let permissions = ec2
                .describe_snapshot_attribute()
                .snapshot_id(&id)
                .attribute(SnapshotAttributeName::CreateVolumePermission)
                .send()
                .await
                .map_err(aws("EC2", "DescribeSnapshotAttribute"))?;
            let permissions = permissions.create_volume_permissions();
            if permissions
                .iter()
                .any(|p| p.group() == Some(&PermissionGroup::All))
            {
                public.push(PublicSnapshot {
                    id,
                    accounts: permissions
                        .iter()
                        .filter_map(|p| p.user_id().map(str::to_owned))
                        .collect(),
                    tags,
                });
            }
        }
        Ok(State {
            public: Some(public),
        })
    }

    fn tags<'s>(&self, _state: &'s State) -> Vec<(&'s str, &'s str)> {
        // The account has no tags here; the snapshots' opt-outs are the plan's (see the module).
        Vec::new()
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        let (account, region) = (&target.account, &target.region);
        if target.name != target.account {
            return Plan::Decline(format!(
                "The finding's resource is account {}, but its AwsAccountId is {account}: SOAR will not change another account's snapshots.",
                target.name
            ));
        }
        let Some(public) = &state.public else {
            return Plan::Change(vec![Action {
                service: "ec2",
                operation: "ModifySnapshotAttribute",
                parameters: remove_public(EVERY_PUBLIC_SNAPSHOT),
                todo: format!(
                    "make private every EBS snapshot of account {account} in {region} that any AWS account can restore (the finding does not name them: list them with DescribeSnapshots --owner-ids self --restorable-by-user-ids all), keeping the accounts each is shared with by id"
                ),
                done: format!(
                    "Made private every EBS snapshot of account {account} in {region} that any AWS account could restore"
                ),
            }]);
        };
        if public.is_empty() {
            return Plan::Compliant("has no EBS snapshot that any AWS account can restore".into());
        }
        let opted_out: Vec<String> = public
            .iter()
            .filter_map(|s| {
                let (key, value) = s.tags.iter().find(|(k, _)| k == OPT_OUT_TAG)?;
                Some(format!("{} (tagged {key}={value})", s.id))
            })
            .collect();
        if !opted_out.is_empty() {
            let all: Vec<&str> = public.iter().map(|s| s.id.as_str()).collect();
            return Plan::Decline(format!(
                "Account {account} has EBS snapshots in {region} that any AWS account can restore: {}. {} opted out of automatic remediation, so SOAR changed none of them (the finding is about the account as a whole). Please make each private (remove the group all from its create-volume permission), or remove the tag to let SOAR do it.",
                all.join(", "),
                opted_out.join(", ")
            ));
        }
        Plan::Change(
            public
                .iter()
                .map(|s| {
                    let (had, kept) = if s.accounts.is_empty() {
                        (String::new(), String::new())
                    } else {
                        (
                            format!(
                                "; it is also shared by id with {}, which keep access",
                                s.accounts.join(", ")
                            ),
                            format!(" and {} (shared by id, unchanged)", s.accounts.join(", ")),
                        )
                    };
                    Action {
                        service: "ec2",
                        operation: "ModifySnapshotAttribute",
                        parameters: remove_public(&s.id),
                        todo: format!(
                            "make EBS snapshot {} private by removing the group all from who may create volumes from it (any AWS account could{had})",
                            s.id
                        ),
                        done: format!(
                            "Made EBS snapshot {} private: any AWS account could create volumes from it; now only account {account}{kept} can",
                            s.id
                        ),
                    }
                })
                .collect(),
        )
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        let args: ModifyArguments = action.arguments()?;
        clients
            .ec2()
            .modify_snapshot_attribute()
            .snapshot_id(args.snapshot_id)
            .attribute(SnapshotAttributeName::CreateVolumePermission)
            .operation_type(OperationType::Remove)
            .set_group_names(Some(args.group_names))
            .send()
            .await
            .map_err(aws("EC2", "ModifySnapshotAttribute"))?;
        Ok(())
    }
}

/// The arguments removing the public group from `snapshot`'s create-volume permission.
fn remove_public(snapshot: &str) -> serde_json::Value {
    json!({
        "SnapshotId": snapshot,
        "Attribute": "createVolumePermission",
        "OperationType": "remove",
        "GroupNames": ["all"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(id: &str, accounts: &[&str], tags: &[(&str, &str)]) -> PublicSnapshot {
        PublicSnapshot {
            id: id.into(),
            accounts: accounts.iter().map(|a| a.to_string()).collect(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn target() -> Target {
        let finding = crate::remediations::testing::fixture("EC2.1");
        Target::from_scratchpad(
            &soar_model::scratchpad::Scratchpad::new(finding),
            &META,
            account_resource,
        )
        .unwrap()
    }

    /// One call per public snapshot, each naming the accounts that keep access.
    #[test]
    fn each_public_snapshot_is_made_private_naming_who_keeps_access() {
        let state = State {
            public: Some(vec![
                snapshot("snap-0a1b2c3d4e5f60718", &[], &[("team", "data")]),
                snapshot("snap-0f1e2d3c4b5a69788", &["111122223333"], &[]),
            ]),
        };
        let Plan::Change(actions) = EC2_1.plan(&target(), &state) else {
            panic!("a change")
        };
        let calls: Vec<&serde_json::Value> = actions.iter().map(|a| &a.parameters).collect();
        assert_eq!(
            calls,
            [
                &json!({"SnapshotId": "snap-0a1b2c3d4e5f60718", "Attribute": "createVolumePermission",
                    "OperationType": "remove", "GroupNames": ["all"]}),
                &json!({"SnapshotId": "snap-0f1e2d3c4b5a69788", "Attribute": "createVolumePermission",
                    "OperationType": "remove", "GroupNames": ["all"]}),
            ]
        );
        assert!(
            actions[1]
                .todo
                .ends_with("(any AWS account could; it is also shared by id with 111122223333, which keep access)"),
            "{}",
            actions[1].todo
        );
        assert_eq!(
            EC2_1.plan(
                &target(),
                &State {
                    public: Some(vec![])
                }
            ),
            Plan::Compliant("has no EBS snapshot that any AWS account can restore".into())
        );
    }

    /// One opted-out public snapshot makes the account's finding a ticket naming them all.
    #[test]
    fn an_opted_out_public_snapshot_makes_a_ticket_for_all() {
        let state = State {
            public: Some(vec![
                snapshot("snap-0a1b2c3d4e5f60718", &[], &[]),
                snapshot(
                    "snap-0f1e2d3c4b5a69788",
                    &[],
                    &[(OPT_OUT_TAG, "public dataset")],
                ),
            ]),
        };
        let Plan::Decline(reason) = EC2_1.plan(&target(), &state) else {
            panic!("declined")
        };
        assert!(
            reason.contains("snap-0a1b2c3d4e5f60718, snap-0f1e2d3c4b5a69788")
                && reason.contains(
                    "snap-0f1e2d3c4b5a69788 (tagged soar:no-autoremediate=public dataset)"
                ),
            "{reason}"
        );
    }
}
