//! RDS.1 — RDS snapshot should be private: removes `all` from who may copy or restore the manual
//! snapshot (`ModifyDBSnapshotAttribute`, or `ModifyDBClusterSnapshotAttribute` for a DB cluster
//! snapshot, with `AttributeName` `restore` and `ValuesToRemove` `["all"]`). The accounts it is
//! shared with by id keep their access; the plan names them, so what SOAR left shared is on record.
//!
//! Not disruptive: no database, connection or application changes; a snapshot is a copy at rest.
//! What stops is copying or restoring it from AWS accounts nobody named, which is the exposure the
//! control is about (any AWS account could read the data). A consumer that needs it keeps access once
//! it is shared with that consumer's account by id, which SOAR never removes; that it relied on public
//! sharing is exactly what the owner must hear, and fixing it cannot wait for a production window.

use serde::Deserialize;
use serde_json::json;

use super::tag_list;
use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, arn_resource};
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of RDS.1.
pub struct PrivateSnapshots;

/// The one instance.
pub static RDS_1: PrivateSnapshots = PrivateSnapshots;

/// The value of the `restore` attribute that makes a snapshot public.
const PUBLIC: &str = "all";

static META: Meta = Meta {
    control: "RDS.1",
    title: "RDS snapshot should be private",
    resource_type: "AwsRdsDbSnapshot|AwsRdsDbClusterSnapshot",
    disruptive: false,
    description: "Make the DB snapshot or DB cluster snapshot private (no longer restorable by every AWS account), keeping the accounts it is shared with by id",
    api_calls: &[
        "rds:DescribeDBSnapshots",
        "rds:DescribeDBSnapshotAttributes",
        "rds:ModifyDBSnapshotAttribute",
        "rds:DescribeDBClusterSnapshots",
        "rds:DescribeDBClusterSnapshotAttributes",
        "rds:ModifyDBClusterSnapshotAttribute",
    ],
};

/// A DB snapshot or a DB cluster snapshot, which RDS shares and reads with different calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A DB snapshot (`arn:...:snapshot:NAME`).
    Instance,
    /// A DB cluster snapshot (`arn:...:cluster-snapshot:NAME`).
    Cluster,
}

impl Kind {
    /// The kind of the finding's snapshot, from its ARN.
    fn of(target: &Target) -> Kind {
        if target.resource_id.contains(":cluster-snapshot:") {
            Kind::Cluster
        } else {
            Kind::Instance
        }
    }

    fn words(self) -> &'static str {
        match self {
            Kind::Instance => "RDS DB snapshot",
            Kind::Cluster => "RDS DB cluster snapshot",
        }
    }
}

/// Who may copy or restore the snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The `restore` attribute's values: account ids, and `all` when it is public. None: unknown (the
    /// finding of a DB snapshot does not carry its attributes).
    pub restore: Option<Vec<String>>,
    /// The snapshot's tags.
    pub tags: Vec<(String, String)>,
}

/// The snapshot identifier of an RDS DB snapshot or DB cluster snapshot ARN.
fn snapshot_name(id: &str) -> Result<String, String> {
    if id.contains(":cluster-snapshot:") {
        arn_resource(id, "rds", "cluster-snapshot:", "an RDS DB cluster snapshot")
    } else {
        arn_resource(id, "rds", "snapshot:", "an RDS DB snapshot")
    }
}

/// The `restore` values of attributes as RDS and ASFF list them (`AttributeName`, `AttributeValues`).
fn restore_values<'a>(
    attributes: impl IntoIterator<Item = (&'a str, &'a [String])>,
) -> Vec<String> {
    attributes
        .into_iter()
        .filter(|(name, _)| *name == "restore")
        .flat_map(|(_, values)| values.iter().cloned())
        .collect()
}

/// The arguments of the planned `Modify*SnapshotAttribute` calls.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyArguments {
    #[serde(rename = "DBSnapshotIdentifier")]
    db_snapshot_identifier: Option<String>,
    #[serde(rename = "DBClusterSnapshotIdentifier")]
    db_cluster_snapshot_identifier: Option<String>,
    attribute_name: String,
    values_to_remove: Vec<String>,
}

impl Remediation for PrivateSnapshots {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        snapshot_name(id)
    }

    fn state_from_finding(&self, target: &Target) -> State {
        // ASFF gives a DB cluster snapshot's attributes (`DbClusterSnapshotAttributes`), not a DB
        // snapshot's; unknown attributes are taken as public, because the control failed.
        let restore = target
            .detail("AwsRdsDbClusterSnapshot")
            .and_then(|d| d.get("DbClusterSnapshotAttributes"))
            .and_then(|a| a.as_array())
            .map(|attributes| {
                let pairs: Vec<(&str, Vec<String>)> = attributes
                    .iter()
                    .filter_map(|a| {
                        let name = a.get("AttributeName")?.as_str()?;
                        let values = a
                            .get("AttributeValues")?
                            .as_array()?
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect();
                        Some((name, values))
                    })
                    .collect();
                restore_values(pairs.iter().map(|(n, v)| (*n, v.as_slice())))
            });
        State {
            restore,
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        let rds = clients.rds();
        let name = &target.name;
        let (restore, tags) =
            match Kind::of(target) {
                Kind::Instance => {
                    let snapshots = rds
                        .describe_db_snapshots()
                        .db_snapshot_identifier(name)
                        .send()
                        .await
                        .map_err(aws("RDS", "DescribeDBSnapshots"))?;
                    let tags = snapshots
                        .db_snapshots()
                        .iter()
                        .find(|s| s.db_snapshot_identifier() == Some(name.as_str()))
                        .map(|s| tag_list(s.tag_list()))
                        .unwrap_or_default();
                    let out = rds
                        .describe_db_snapshot_attributes()
                        .db_snapshot_identifier(name)
                        .send()
                        .await
                        .map_err(aws("RDS", "DescribeDBSnapshotAttributes"))?;
                    let attributes = out
                        .db_snapshot_attributes_result()
                        .map(|r| r.db_snapshot_attributes())
                        .unwrap_or_default();
                    let restore =
                        restore_values(attributes.iter().map(|a| {
                            (a.attribute_name().unwrap_or_default(), a.attribute_values())
                        }));
                    (restore, tags)
                }
                Kind::Cluster => {
                    let snapshots = rds
                        .describe_db_cluster_snapshots()
                        .db_cluster_snapshot_identifier(name)
                        .send()
                        .await
                        .map_err(aws("RDS", "DescribeDBClusterSnapshots"))?;
                    let tags = snapshots
                        .db_cluster_snapshots()
                        .iter()
                        .find(|s| s.db_cluster_snapshot_identifier() == Some(name.as_str()))
                        .map(|s| tag_list(s.tag_list()))
                        .unwrap_or_default();
                    let out = rds
                        .describe_db_cluster_snapshot_attributes()
                        .db_cluster_snapshot_identifier(name)
                        .send()
                        .await
                        .map_err(aws("RDS", "DescribeDBClusterSnapshotAttributes"))?;
                    let attributes = out
                        .db_cluster_snapshot_attributes_result()
                        .map(|r| r.db_cluster_snapshot_attributes())
                        .unwrap_or_default();
                    let restore =
                        restore_values(attributes.iter().map(|a| {
                            (a.attribute_name().unwrap_or_default(), a.attribute_values())
                        }));
                    (restore, tags)
                }
            };
        Ok(State {
            restore: Some(restore),
            tags,
        })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        let kind = Kind::of(target);
        let what = format!("{} {}", kind.words(), target.name);
        let shared: Option<Vec<&str>> = state.restore.as_ref().map(|restore| {
            restore
                .iter()
                .map(String::as_str)
                .filter(|v| *v != PUBLIC)
                .collect()
        });
        let public = state
            .restore
            .as_ref()
            .is_none_or(|restore| restore.iter().any(|v| v == PUBLIC));
        if !public {
            return Plan::Compliant(match shared.as_deref() {
                Some([]) | None => "keeps restores private (its own account only)".to_owned(),
                Some(accounts) => format!(
                    "keeps restores private (shared by id with {} only)",
                    accounts.join(", ")
                ),
            });
        }
        // Who had access, for the record: every AWS account, and the ones it is shared with by id
        // (who keep it).
        let (had, kept) = match shared.as_deref() {
            None => (
                "every AWS account (the accounts it is also shared with by id are not in the finding; they keep access)".to_owned(),
                String::new(),
            ),
            Some([]) => (
                "every AWS account; it is shared with no account by id".to_owned(),
                String::new(),
            ),
            Some(accounts) => (
                format!(
                    "every AWS account, and by id {}, which keep access",
                    accounts.join(", ")
                ),
                format!(" and {} (shared by id, unchanged)", accounts.join(", ")),
            ),
        };
        let (operation, identifier) = match kind {
            Kind::Instance => ("ModifyDBSnapshotAttribute", "DBSnapshotIdentifier"),
            Kind::Cluster => (
                "ModifyDBClusterSnapshotAttribute",
                "DBClusterSnapshotIdentifier",
            ),
        };
        Plan::Change(vec![Action {
            service: "rds",
            operation,
            parameters: json!({
                identifier: target.name,
                "AttributeName": "restore",
                "ValuesToRemove": [PUBLIC],
            }),
            todo: format!(
                "make {what} private by removing \"all\" from who may restore it (it could be copied or restored by {had})"
            ),
            done: format!(
                "Made {what} private: it was restorable by {had}; now only its own account{kept} can copy or restore it"
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        let args: ModifyArguments = action.arguments()?;
        let rds = clients.rds();
        match (
            args.db_snapshot_identifier,
            args.db_cluster_snapshot_identifier,
        ) {
            (Some(snapshot), None) => {
                rds.modify_db_snapshot_attribute()
                    .db_snapshot_identifier(snapshot)
                    .attribute_name(args.attribute_name)
                    .set_values_to_remove(Some(args.values_to_remove))
                    .send()
                    .await
                    .map_err(aws("RDS", "ModifyDBSnapshotAttribute"))?;
            }
            (None, Some(snapshot)) => {
                rds.modify_db_cluster_snapshot_attribute()
                    .db_cluster_snapshot_identifier(snapshot)
                    .attribute_name(args.attribute_name)
                    .set_values_to_remove(Some(args.values_to_remove))
                    .send()
                    .await
                    .map_err(aws("RDS", "ModifyDBClusterSnapshotAttribute"))?;
            }
            _ => {
                return Err(TaskError::new(
                    crate::names::INVALID_SCRATCHPAD,
                    format!(
                        "the planned rds:{} names no single snapshot",
                        action.operation
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use soar_model::scratchpad::Environment;

    use crate::remediations::testing::{fixture, input};

    /// The RDS.1 example as a finding about a DB cluster snapshot whose `restore` attribute is
    /// `restore`.
    fn cluster_snapshot(restore: Value) -> Value {
        let mut finding = fixture("RDS.1");
        finding["Resources"][0] = json!({
            "Type": "AwsRdsDbClusterSnapshot",
            "Id": "arn:aws:rds:eu-west-1:444455556666:cluster-snapshot:orders-aurora-before-upgrade",
            "Partition": "aws",
            "Region": "eu-west-1",
            "Details": {"AwsRdsDbClusterSnapshot": {
                "DbClusterSnapshotIdentifier": "orders-aurora-before-upgrade",
                "DbClusterIdentifier": "orders-aurora",
                "SnapshotType": "manual",
                "Engine": "aurora-postgresql",
                "Status": "available",
                "StorageEncrypted": false,
                "DbClusterSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": restore}]
            }}
        });
        finding
    }

    async fn remediate(finding: Value) -> Value {
        let services = crate::testing::services();
        crate::remediations::run(&services, input("RDS.1", finding, Environment::Prod))
            .await
            .unwrap()
            .to_json()
    }

    /// A public DB cluster snapshot is made private with the cluster call; the accounts it is shared
    /// with by id are named in the plan and kept.
    #[tokio::test]
    async fn a_cluster_snapshot_uses_the_cluster_call_and_names_who_keeps_access() {
        let out = remediate(cluster_snapshot(json!(["all", "111122223333"]))).await;
        let plan = &out["db"]["remediation"]["plan"][0];
        assert_eq!(plan["operation"], "ModifyDBClusterSnapshotAttribute");
        assert_eq!(
            plan["parameters"],
            json!({"DBClusterSnapshotIdentifier": "orders-aurora-before-upgrade",
                "AttributeName": "restore", "ValuesToRemove": ["all"]})
        );
        assert_eq!(
            plan["description"],
            "make RDS DB cluster snapshot orders-aurora-before-upgrade private by removing \"all\" from who may restore it (it could be copied or restored by every AWS account, and by id 111122223333, which keep access)"
        );
        assert_eq!(
            out["db"]["remediation"]["resource_type"],
            "AwsRdsDbClusterSnapshot"
        );
    }

    #[tokio::test]
    async fn a_snapshot_shared_by_id_only_is_private() {
        let out = remediate(cluster_snapshot(json!(["111122223333"]))).await;
        assert_eq!(out["db"]["remediation"]["outcome"], "already_compliant");
        assert!(
            out["messages"]["actions_taken"]
                .as_str()
                .unwrap()
                .contains("already keeps restores private (shared by id with 111122223333 only)"),
            "{}",
            out["messages"]["actions_taken"]
        );
        let out = remediate(cluster_snapshot(json!([]))).await;
        assert_eq!(out["db"]["remediation"]["outcome"], "already_compliant");
    }

    /// A DB snapshot's finding does not say who it is shared with: the plan says so.
    #[tokio::test]
    async fn a_db_snapshot_s_unknown_shares_are_said_to_be_kept() {
        let out = remediate(fixture("RDS.1")).await;
        let description = out["db"]["remediation"]["plan"][0]["description"]
            .as_str()
            .unwrap();
        assert!(
            description.contains(
                "the accounts it is also shared with by id are not in the finding; they keep access"
            ),
            "{description}"
        );
    }

    #[tokio::test]
    async fn a_resource_of_neither_snapshot_type_is_refused() {
        let mut finding = fixture("RDS.1");
        finding["Resources"][0]["Type"] = json!("AwsRdsDbInstance");
        let services = crate::testing::services();
        let e = crate::remediations::run(&services, input("RDS.1", finding, Environment::Dev))
            .await
            .unwrap_err();
        assert!(
            e.cause.starts_with(
                "/finding/Resources: no resource of type AwsRdsDbSnapshot or AwsRdsDbClusterSnapshot (control RDS.1)"
            ),
            "{}",
            e.cause
        );
    }
}
