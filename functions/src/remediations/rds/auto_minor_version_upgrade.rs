//! RDS.13 — RDS automatic minor version upgrades should be enabled: turns on automatic minor version
//! upgrades (`ModifyDBInstance` with `AutoMinorVersionUpgrade` true, applied immediately).
//!
//! Not disruptive now: the setting changes at once; the upgrades themselves run in the instance's
//! maintenance window, which the team already chose for such work.

use super::{Instance, instance_name, modify, set_flag};
use crate::TaskError;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of RDS.13.
pub struct AutoMinorVersionUpgrade;

/// The one instance.
pub static RDS_13: AutoMinorVersionUpgrade = AutoMinorVersionUpgrade;

static META: Meta = Meta {
    control: "RDS.13",
    title: "RDS automatic minor version upgrades should be enabled",
    resource_type: "AwsRdsDbInstance",
    disruptive: false,
    description: "Turn on automatic minor version upgrades of the DB instance (they run in its maintenance window)",
    api_calls: &["rds:DescribeDBInstances", "rds:ModifyDBInstance"],
};

impl Remediation for AutoMinorVersionUpgrade {
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
            state.auto_minor_version_upgrade,
            "AutoMinorVersionUpgrade",
            "upgrades minor versions automatically",
            format!("turn on automatic minor version upgrades of RDS DB instance {name}"),
            format!(
                "Turned on automatic minor version upgrades of RDS DB instance {name}: they run in its maintenance window"
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
