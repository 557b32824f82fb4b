//! RDS.2 — RDS DB instances should prohibit public access, as determined by the PubliclyAccessible
//! configuration: makes the instance not publicly accessible (`ModifyDBInstance` with
//! `PubliclyAccessible` false, applied immediately).
//!
//! Disruptive: clients that reach the database over the Internet lose access.

use serde_json::json;

use super::{Instance, instance_name, modify};
use crate::TaskError;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of RDS.2.
pub struct PublicAccess;

/// The one instance.
pub static RDS_2: PublicAccess = PublicAccess;

static META: Meta = Meta {
    control: "RDS.2",
    title: "RDS DB Instances should prohibit public access, as determined by the PubliclyAccessible configuration",
    resource_type: "AwsRdsDbInstance",
    disruptive: true,
    description: "Make the DB instance not publicly accessible (applied immediately)",
    api_calls: &["rds:DescribeDBInstances", "rds:ModifyDBInstance"],
};

impl Remediation for PublicAccess {
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
        if !state.publicly_accessible {
            return Plan::Compliant("is not publicly accessible".into());
        }
        if let Some(reason) = state.not_modifiable(name) {
            return Plan::Decline(reason);
        }
        Plan::Change(vec![Action {
            service: "rds",
            operation: "ModifyDBInstance",
            parameters: json!({
                "DBInstanceIdentifier": name,
                "PubliclyAccessible": false,
                "ApplyImmediately": true,
            }),
            todo: format!("make RDS DB instance {name} not publicly accessible, immediately"),
            done: format!(
                "Made RDS DB instance {name} not publicly accessible: its endpoint now resolves to private addresses only, reachable from inside the VPC"
            ),
        }])
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
