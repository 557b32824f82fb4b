//! RDS remediations, and what they share: reading a DB instance or a DB cluster, planning and making
//! one modify call (applied immediately), and what RDS has accepted but not applied yet.
//!
//! RDS applies many changes asynchronously even with `ApplyImmediately`: the instance goes to
//! `modifying`, and some values (`BackupRetentionPeriod`, log exports, ...) first show in
//! `PendingModifiedValues`. A value pending there is a change RDS accepted and is applying, so a plan
//! says [`Plan::InProgress`] for it instead of proposing the change again, and the driver verifies
//! it as in progress; a value that shows in neither place is still not verified.

pub mod auto_minor_version_upgrade;
pub mod backups;
pub mod cluster_copy_tags_to_snapshot;
pub mod cluster_deletion_protection;
pub mod copy_tags_to_snapshot;
pub mod deletion_protection;
pub mod log_exports;
pub mod private_snapshots;
pub mod public_access;

use serde::Deserialize;
use serde_json::json;

use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, arn_resource};
use crate::remediations::{Action, Clients, Plan};

/// The DB instance identifier of an RDS DB instance ARN (`arn:aws:rds:REGION:ACCOUNT:db:NAME`).
pub(crate) fn instance_name(id: &str) -> Result<String, String> {
    arn_resource(id, "rds", "db:", "an RDS DB instance")
}

/// What the RDS remediations read of a DB instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// `PubliclyAccessible`.
    pub publicly_accessible: bool,
    /// `DeletionProtection`.
    pub deletion_protection: bool,
    /// `AutoMinorVersionUpgrade`.
    pub auto_minor_version_upgrade: bool,
    /// `CopyTagsToSnapshot`.
    pub copy_tags_to_snapshot: bool,
    /// `BackupRetentionPeriod` in days (0: no automated backups).
    pub backup_retention_period: i32,
    /// `EnabledCloudwatchLogsExports`: the log types it publishes to CloudWatch Logs.
    pub log_exports: Vec<String>,
    /// `Engine` (`postgres`, `aurora-mysql`, ...), when known.
    pub engine: Option<String>,
    /// `DBInstanceStatus` (`available`, `modifying`, ...), when known.
    pub status: Option<String>,
    /// `DBClusterIdentifier`: the Aurora cluster it belongs to, if any.
    pub cluster: Option<String>,
    /// What RDS accepted but has not applied yet.
    pub pending: Pending,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

/// The values of `PendingModifiedValues` the remediations change: accepted by RDS, being applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pending {
    /// `BackupRetentionPeriod`.
    pub backup_retention_period: Option<i32>,
    /// `PendingCloudwatchLogsExports.LogTypesToEnable`.
    pub log_types_to_enable: Vec<String>,
}

impl Pending {
    /// `PendingModifiedValues` as ASFF shows it (`Details.AwsRdsDbInstance.PendingModifiedValues`).
    fn from_finding(pending: Option<&serde_json::Value>) -> Pending {
        let Some(pending) = pending else {
            return Pending::default();
        };
        Pending {
            backup_retention_period: pending
                .get("BackupRetentionPeriod")
                .and_then(|v| v.as_i64())
                .and_then(|v| i32::try_from(v).ok()),
            log_types_to_enable: strings(
                pending.pointer("/PendingCloudWatchLogsExports/LogTypesToEnable"),
            ),
        }
    }

    /// The live `PendingModifiedValues`.
    fn from_sdk(pending: Option<&aws_sdk_rds::types::PendingModifiedValues>) -> Pending {
        let Some(pending) = pending else {
            return Pending::default();
        };
        Pending {
            backup_retention_period: pending.backup_retention_period(),
            log_types_to_enable: pending
                .pending_cloudwatch_logs_exports()
                .map(|p| p.log_types_to_enable().to_vec())
                .unwrap_or_default(),
        }
    }
}

/// A JSON array of strings (anything else is no string).
fn strings(value: Option<&serde_json::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Instance {
    /// The instance as the finding's `Details.AwsRdsDbInstance` shows it; what it does not say is
    /// taken as non-compliant (public, every protection off, no backups), because the control failed.
    pub(crate) fn from_finding(target: &Target) -> Instance {
        let details = target.detail("AwsRdsDbInstance");
        let flag = |key: &str, unknown: bool| {
            details
                .and_then(|d| d.get(key))
                .and_then(|v| v.as_bool())
                .unwrap_or(unknown)
        };
        let text = |key: &str| {
            details
                .and_then(|d| d.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        Instance {
            publicly_accessible: flag("PubliclyAccessible", true),
            deletion_protection: flag("DeletionProtection", false),
            auto_minor_version_upgrade: flag("AutoMinorVersionUpgrade", false),
            copy_tags_to_snapshot: flag("CopyTagsToSnapshot", false),
            backup_retention_period: details
                .and_then(|d| d.get("BackupRetentionPeriod"))
                .and_then(|v| v.as_i64())
                .and_then(|v| i32::try_from(v).ok())
                .unwrap_or(0),
            log_exports: strings(details.and_then(|d| d.get("EnabledCloudWatchLogsExports"))),
            engine: text("Engine"),
            status: text("DbInstanceStatus"),
            cluster: text("DbClusterIdentifier"),
            pending: Pending::from_finding(details.and_then(|d| d.get("PendingModifiedValues"))),
            tags: Vec::new(),
        }
    }

    /// The live instance (`DescribeDBInstances`, which includes its tags).
    pub(crate) async fn read(clients: &Clients, target: &Target) -> Result<Instance, TaskError> {
        let out = clients
            .rds()
            .describe_db_instances()
            .db_instance_identifier(&target.name)
            .send()
            .await
            .map_err(aws("RDS", "DescribeDBInstances"))?;
        let db = out
            .db_instances()
            .iter()
            .find(|db| db.db_instance_identifier() == Some(target.name.as_str()))
            .ok_or_else(|| {
                TaskError::new(
                    "RDS.DBInstanceNotFound",
                    format!("RDS DescribeDBInstances did not return {}", target.name),
                )
            })?;
        Ok(Instance {
            publicly_accessible: db.publicly_accessible().unwrap_or(false),
            deletion_protection: db.deletion_protection().unwrap_or(false),
            auto_minor_version_upgrade: db.auto_minor_version_upgrade().unwrap_or(false),
            copy_tags_to_snapshot: db.copy_tags_to_snapshot().unwrap_or(false),
            backup_retention_period: db.backup_retention_period().unwrap_or(0),
            log_exports: db.enabled_cloudwatch_logs_exports().to_vec(),
            engine: db.engine().map(str::to_owned),
            status: db.db_instance_status().map(str::to_owned),
            cluster: db.db_cluster_identifier().map(str::to_owned),
            pending: Pending::from_sdk(db.pending_modified_values()),
            tags: tag_list(db.tag_list()),
        })
    }

    /// The tags as pairs of strings.
    pub(crate) fn tag_pairs(&self) -> Vec<(&str, &str)> {
        crate::remediations::tag_refs(&self.tags)
    }

    /// Why the instance cannot be modified now, if it cannot (see [`not_modifiable`]).
    pub(crate) fn not_modifiable(&self, name: &str) -> Option<String> {
        not_modifiable(self, name)
    }
}

impl Database for Instance {
    const KIND: &'static str = "RDS DB instance";
    const IDENTIFIER: &'static str = "DBInstanceIdentifier";
    const MODIFY: &'static str = "ModifyDBInstance";

    fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }
}

/// The DB cluster identifier of an RDS DB cluster ARN (`arn:aws:rds:REGION:ACCOUNT:cluster:NAME`).
pub(crate) fn cluster_name(id: &str) -> Result<String, String> {
    arn_resource(id, "rds", "cluster:", "an RDS DB cluster")
}

/// What the RDS remediations read of a DB cluster (Aurora, or a Multi-AZ DB cluster).
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// `DeletionProtection`.
    pub deletion_protection: bool,
    /// `CopyTagsToSnapshot`.
    pub copy_tags_to_snapshot: bool,
    /// `Status` (`available`, `modifying`, ...), when known.
    pub status: Option<String>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

impl Cluster {
    /// The cluster as the finding's `Details.AwsRdsDbCluster` shows it; what it does not say is taken
    /// as non-compliant, because the control failed.
    pub(crate) fn from_finding(target: &Target) -> Cluster {
        let details = target.detail("AwsRdsDbCluster");
        let flag = |key: &str| {
            details
                .and_then(|d| d.get(key))
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
        };
        Cluster {
            deletion_protection: flag("DeletionProtection"),
            copy_tags_to_snapshot: flag("CopyTagsToSnapshot"),
            status: details
                .and_then(|d| d.get("Status"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            tags: Vec::new(),
        }
    }

    /// The live cluster (`DescribeDBClusters`, which includes its tags).
    pub(crate) async fn read(clients: &Clients, target: &Target) -> Result<Cluster, TaskError> {
        let out = clients
            .rds()
            .describe_db_clusters()
            .db_cluster_identifier(&target.name)
            .send()
            .await
            .map_err(aws("RDS", "DescribeDBClusters"))?;
        let cluster = out
            .db_clusters()
            .iter()
            .find(|c| c.db_cluster_identifier() == Some(target.name.as_str()))
            .ok_or_else(|| {
                TaskError::new(
                    "RDS.DBClusterNotFoundFault",
                    format!("RDS DescribeDBClusters did not return {}", target.name),
                )
            })?;
        Ok(Cluster {
            deletion_protection: cluster.deletion_protection().unwrap_or(false),
            copy_tags_to_snapshot: cluster.copy_tags_to_snapshot().unwrap_or(false),
            status: cluster.status().map(str::to_owned),
            tags: tag_list(cluster.tag_list()),
        })
    }

    /// The tags as pairs of strings.
    pub(crate) fn tag_pairs(&self) -> Vec<(&str, &str)> {
        crate::remediations::tag_refs(&self.tags)
    }
}

impl Database for Cluster {
    const KIND: &'static str = "RDS DB cluster";
    const IDENTIFIER: &'static str = "DBClusterIdentifier";
    const MODIFY: &'static str = "ModifyDBCluster";

    fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }
}

/// RDS tags as `(key, value)` pairs (a missing key or value reads as empty).
pub(crate) fn tag_list(tags: &[aws_sdk_rds::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// What RDS remediations modify: a DB instance (`ModifyDBInstance`) or a DB cluster
/// (`ModifyDBCluster`), which share how a change is planned and when it can be made.
pub(crate) trait Database {
    /// What it is, in words (`RDS DB instance`).
    const KIND: &'static str;
    /// The parameter naming it in the modify call (`DBInstanceIdentifier`).
    const IDENTIFIER: &'static str;
    /// The modify operation (`ModifyDBInstance`).
    const MODIFY: &'static str;

    /// Its status (`available`, `modifying`, ...), when known.
    fn status(&self) -> Option<&str>;
}

/// Why `state` cannot be modified now, if it cannot: RDS refuses to modify an instance or cluster
/// that is not `available` (`InvalidDBInstanceState`, `InvalidDBClusterStateFault`).
pub(crate) fn not_modifiable<D: Database>(state: &D, name: &str) -> Option<String> {
    match state.status() {
        Some(status) if status != "available" => Some(format!(
            "{} {name} is {status}, not available: RDS modifies only available ones. SOAR will not wait; please make the change once it is available.",
            D::KIND
        )),
        _ => None,
    }
}

/// The plan of one modify call (applied immediately) that sets `settings` (the API's parameter names
/// and values), or a decline when `state` cannot be modified now.
pub(crate) fn change<D: Database>(
    target: &Target,
    state: &D,
    settings: serde_json::Value,
    todo: String,
    done: String,
) -> Plan {
    if let Some(reason) = not_modifiable(state, &target.name) {
        return Plan::Decline(reason);
    }
    let mut parameters = json!({D::IDENTIFIER: target.name, "ApplyImmediately": true});
    if let (Some(parameters), Some(settings)) = (parameters.as_object_mut(), settings.as_object()) {
        parameters.extend(settings.clone());
    }
    Plan::Change(vec![Action {
        service: "rds",
        operation: D::MODIFY,
        parameters,
        todo,
        done,
    }])
}

/// The plan of the RDS remediations that turn on one flag with a modify call (applied immediately):
/// nothing when it is already `true`, a decline when it cannot be modified now.
pub(crate) fn set_flag<D: Database>(
    target: &Target,
    state: &D,
    current: bool,
    parameter: &str,
    compliant: &str,
    todo: String,
    done: String,
) -> Plan {
    if current {
        return Plan::Compliant(compliant.to_owned());
    }
    change(target, state, json!({parameter: true}), todo, done)
}

/// The arguments of the planned `ModifyDBInstance` calls: only what a plan sets is sent.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyArguments {
    #[serde(rename = "DBInstanceIdentifier")]
    db_instance_identifier: String,
    apply_immediately: Option<bool>,
    publicly_accessible: Option<bool>,
    deletion_protection: Option<bool>,
    auto_minor_version_upgrade: Option<bool>,
    copy_tags_to_snapshot: Option<bool>,
    backup_retention_period: Option<i32>,
    cloudwatch_logs_export_configuration: Option<LogExports>,
}

/// `CloudwatchLogsExportConfiguration`: the plans only enable log types, never disable one.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LogExports {
    enable_log_types: Vec<String>,
}

/// The arguments of the planned `ModifyDBCluster` calls: only what a plan sets is sent.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyClusterArguments {
    #[serde(rename = "DBClusterIdentifier")]
    db_cluster_identifier: String,
    apply_immediately: Option<bool>,
    deletion_protection: Option<bool>,
    copy_tags_to_snapshot: Option<bool>,
}

/// Makes a planned modify call (`ModifyDBInstance` or `ModifyDBCluster`, as planned) with exactly its
/// planned arguments.
pub(crate) async fn modify(clients: &Clients, action: &Action) -> Result<(), TaskError> {
    if action.operation == Cluster::MODIFY {
        let args: ModifyClusterArguments = action.arguments()?;
        clients
            .rds()
            .modify_db_cluster()
            .db_cluster_identifier(args.db_cluster_identifier)
            .set_apply_immediately(args.apply_immediately)
            .set_deletion_protection(args.deletion_protection)
            .set_copy_tags_to_snapshot(args.copy_tags_to_snapshot)
            .send()
            .await
            .map_err(aws("RDS", "ModifyDBCluster"))?;
        return Ok(());
    }
    let args: ModifyArguments = action.arguments()?;
    clients
        .rds()
        .modify_db_instance()
        .db_instance_identifier(args.db_instance_identifier)
        .set_apply_immediately(args.apply_immediately)
        .set_publicly_accessible(args.publicly_accessible)
        .set_deletion_protection(args.deletion_protection)
        .set_auto_minor_version_upgrade(args.auto_minor_version_upgrade)
        .set_copy_tags_to_snapshot(args.copy_tags_to_snapshot)
        .set_backup_retention_period(args.backup_retention_period)
        .set_cloudwatch_logs_export_configuration(args.cloudwatch_logs_export_configuration.map(
            |logs| {
                aws_sdk_rds::types::CloudwatchLogsExportConfiguration::builder()
                    .set_enable_log_types(Some(logs.enable_log_types))
                    .build()
            },
        ))
        .send()
        .await
        .map_err(aws("RDS", "ModifyDBInstance"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// `PendingModifiedValues` in the finding (ASFF's field names) and in the live instance.
    #[test]
    fn pending_values_are_read_from_the_finding_and_the_sdk() {
        let pending = Pending::from_finding(Some(&json!({
            "BackupRetentionPeriod": 7,
            "PendingCloudWatchLogsExports": {"LogTypesToEnable": ["postgresql", "upgrade"]}
        })));
        assert_eq!(
            pending,
            Pending {
                backup_retention_period: Some(7),
                log_types_to_enable: vec!["postgresql".into(), "upgrade".into()],
            }
        );
        assert_eq!(Pending::from_finding(None), Pending::default());
        let sdk = aws_sdk_rds::types::PendingModifiedValues::builder()
            .backup_retention_period(14)
            .pending_cloudwatch_logs_exports(
                aws_sdk_rds::types::PendingCloudwatchLogsExports::builder()
                    .log_types_to_enable("error")
                    .build(),
            )
            .build();
        assert_eq!(
            Pending::from_sdk(Some(&sdk)),
            Pending {
                backup_retention_period: Some(14),
                log_types_to_enable: vec!["error".into()],
            }
        );
    }
}
