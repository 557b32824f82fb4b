//! RDS.17 — RDS DB instances should be configured to copy tags to snapshots: turns it on
//! (`ModifyDBInstance` with `CopyTagsToSnapshot` true, applied immediately).
//!
//! Not disruptive: only snapshots taken afterwards get the instance's tags.

use super::{Instance, instance_name, modify, set_flag};
use crate::TaskError;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of RDS.17.
pub struct CopyTagsToSnapshot;

/// The one instance.
pub static RDS_17: CopyTagsToSnapshot = CopyTagsToSnapshot;

static META: Meta = Meta {
    control: "RDS.17",
    title: "RDS DB instances should be configured to copy tags to snapshots",
    resource_type: "AwsRdsDbInstance",
    disruptive: false,
    description: "Make the DB instance copy its tags to its snapshots",
    api_calls: &["rds:DescribeDBInstances", "rds:ModifyDBInstance"],
};

impl Remediation for CopyTagsToSnapshot {
    type State = Instance;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        instance_name(id)
    }

    fn state_from_finding(&self, target: &Target) -> Instance {
        Instance::from_finding(target)
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<Instance, TaskError> {
        Instance::read(clients, target).await
    }

    fn tags<'s>(&self, state: &'s Instance) -> Vec<(&'s str, &'s str)> {
        state.tag_pairs()
    }

    fn plan(&self, target: &Target, state: &Instance) -> Plan {
        let name = &target.name;
        set_flag(
            target,
            state,
            state.copy_tags_to_snapshot,
            "CopyTagsToSnapshot",
            "copies its tags to its snapshots",
            format!("make RDS DB instance {name} copy its tags to its snapshots"),
            format!(
                "Made RDS DB instance {name} copy its tags to its snapshots (snapshots taken from now on)"
            ),
        )
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        modify(clients, action).await
    }
}
