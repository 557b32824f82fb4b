//! RDS remediations, and what they share: reading a DB instance.

pub mod deletion_protection;
pub mod public_access;

use crate::TaskError;
use crate::remediations::Clients;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, arn_resource};

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
    /// `DBInstanceStatus` (`available`, `modifying`, ...), when known.
    pub status: Option<String>,
    /// `DBClusterIdentifier`: the Aurora cluster it belongs to, if any.
    pub cluster: Option<String>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

impl Instance {
    /// The instance as the finding's `Details.AwsRdsDbInstance` shows it; what it does not say is
    /// `failed` (the value the failed control implies).
    pub(crate) fn from_finding(target: &Target, public_if_unknown: bool) -> Instance {
        let details = target.detail("AwsRdsDbInstance");
        let flag = |key: &str, unknown: bool| {
            details
                .and_then(|d| d.get(key))
                .and_then(|v| v.as_bool())
                .unwrap_or(unknown)
        };
        Instance {
            publicly_accessible: flag("PubliclyAccessible", public_if_unknown),
            deletion_protection: flag("DeletionProtection", !public_if_unknown),
            status: details
                .and_then(|d| d.get("DbInstanceStatus"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            cluster: details
                .and_then(|d| d.get("DbClusterIdentifier"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
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
            status: db.db_instance_status().map(str::to_owned),
            cluster: db.db_cluster_identifier().map(str::to_owned),
            tags: db
                .tag_list()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_owned(),
                        t.value().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
        })
    }

    /// The tags as pairs of strings.
    pub(crate) fn tag_pairs(&self) -> Vec<(&str, &str)> {
        self.tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// Why the instance cannot be modified now, if it cannot: RDS refuses to modify an instance that
    /// is not `available` (`InvalidDBInstanceState`).
    pub(crate) fn not_modifiable(&self, name: &str) -> Option<String> {
        match self.status.as_deref() {
            Some(status) if status != "available" => Some(format!(
                "RDS DB instance {name} is {status}, not available: RDS modifies only available instances. SOAR will not wait; please make the change once it is available."
            )),
            _ => None,
        }
    }
}
