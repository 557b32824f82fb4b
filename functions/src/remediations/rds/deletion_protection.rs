//! RDS.8 — RDS DB instances should have deletion protection enabled: turns it on (`ModifyDBInstance`
//! with `DeletionProtection` true, applied immediately).
//!
//! Not disruptive for the workload: the database keeps running; only deleting it needs deletion
//! protection turned off first (which a pipeline that deletes the instance must then do).

use super::{Instance, instance_name, modify, set_flag};
use crate::TaskError;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of RDS.8.
pub struct DeletionProtection;

/// The one instance.
pub static RDS_8: DeletionProtection = DeletionProtection;

static META: Meta = Meta {
    control: "RDS.8",
    title: "RDS DB instances should have deletion protection enabled",
    resource_type: "AwsRdsDbInstance",
    disruptive: false,
    description: "Turn on deletion protection of the DB instance (applied immediately)",
    api_calls: &["rds:DescribeDBInstances", "rds:ModifyDBInstance"],
};

impl Remediation for DeletionProtection {
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
        if let Some(cluster) = state
            .cluster
            .as_ref()
            .filter(|_| !state.deletion_protection)
        {
            return Plan::Decline(format!(
                "RDS DB instance {name} belongs to Aurora cluster {cluster}, whose deletion protection is set on the cluster (control RDS.7), not on its instances. Please turn it on for the cluster."
            ));
        }
        set_flag(
            target,
            state,
            state.deletion_protection,
            "DeletionProtection",
            "has deletion protection on",
            format!("turn on deletion protection of RDS DB instance {name}"),
            format!(
                "Turned on deletion protection of RDS DB instance {name}: it cannot be deleted until someone turns it off"
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
