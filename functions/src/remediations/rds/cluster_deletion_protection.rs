//! RDS.7 — RDS clusters should have deletion protection enabled: turns it on (`ModifyDBCluster` with
//! `DeletionProtection` true, applied immediately). RDS.8 declines an instance of a cluster and points
//! here: an Aurora cluster's deletion protection is the cluster's.
//!
//! Not disruptive for the workload: the cluster keeps running; only deleting it needs deletion
//! protection turned off first (which a pipeline that deletes the cluster must then do).

use super::{Cluster, cluster_name, modify, set_flag};
use crate::TaskError;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of RDS.7.
pub struct ClusterDeletionProtection;

/// The one instance.
pub static RDS_7: ClusterDeletionProtection = ClusterDeletionProtection;

static META: Meta = Meta {
    control: "RDS.7",
    title: "RDS clusters should have deletion protection enabled",
    resource_type: "AwsRdsDbCluster",
    disruptive: false,
    description: "Turn on deletion protection of the DB cluster (applied immediately)",
    api_calls: &["rds:DescribeDBClusters", "rds:ModifyDBCluster"],
};

impl Remediation for ClusterDeletionProtection {
    type State = Cluster;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        cluster_name(id)
    }

    fn state_from_finding(&self, target: &Target) -> Cluster {
        Cluster::from_finding(target)
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<Cluster, TaskError> {
        Cluster::read(clients, target).await
    }

    fn tags<'s>(&self, state: &'s Cluster) -> Vec<(&'s str, &'s str)> {
        state.tag_pairs()
    }

    fn plan(&self, target: &Target, state: &Cluster) -> Plan {
        let name = &target.name;
        set_flag(
            target,
            state,
            state.deletion_protection,
            "DeletionProtection",
            "has deletion protection on",
            format!("turn on deletion protection of RDS DB cluster {name}"),
            format!(
                "Turned on deletion protection of RDS DB cluster {name}: it cannot be deleted until someone turns it off"
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
