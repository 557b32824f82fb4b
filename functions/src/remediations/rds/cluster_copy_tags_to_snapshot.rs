//! RDS.16 — RDS DB clusters should be configured to copy tags to snapshots: turns it on
//! (`ModifyDBCluster` with `CopyTagsToSnapshot` true, applied immediately).
//!
//! Not disruptive: only snapshots taken afterwards get the cluster's tags.

use super::{Cluster, cluster_name, modify, set_flag};
use crate::TaskError;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of RDS.16.
pub struct ClusterCopyTagsToSnapshot;

/// The one instance.
pub static RDS_16: ClusterCopyTagsToSnapshot = ClusterCopyTagsToSnapshot;

static META: Meta = Meta {
    control: "RDS.16",
    title: "RDS DB clusters should be configured to copy tags to snapshots",
    resource_type: "AwsRdsDbCluster",
    disruptive: false,
    description: "Make the DB cluster copy its tags to its snapshots",
    api_calls: &["rds:DescribeDBClusters", "rds:ModifyDBCluster"],
};

impl Remediation for ClusterCopyTagsToSnapshot {
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
            state.copy_tags_to_snapshot,
            "CopyTagsToSnapshot",
            "copies its tags to its snapshots",
            format!("make RDS DB cluster {name} copy its tags to its snapshots"),
            format!(
                "Made RDS DB cluster {name} copy its tags to its snapshots (snapshots taken from now on)"
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
