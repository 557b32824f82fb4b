//! RDS.11 — RDS instances should have automatic backups enabled: keeps automated backups for the
//! control's minimum retention period (`ModifyDBInstance` with `BackupRetentionPeriod`, applied
//! immediately).
//!
//! The minimum is the control's own parameter `minimumBackupRetentionPeriod` as the finding carries it
//! (`Compliance.SecurityControlParameters`, 7 to 35 days; 7 when absent): the natural place to
//! configure it, since it is what Security Hub checks, so SOAR and the control cannot disagree. A
//! longer existing period is never lowered. An instance of an Aurora or Multi-AZ DB cluster is
//! declined: its backups are the cluster's (`ModifyDBCluster`).
//!
//! RDS applies a new retention period asynchronously: it may first show in `PendingModifiedValues`,
//! which counts as the change in progress (see the module [`super`]).
//!
//! Disruptive: AWS documents that “an outage occurs if you change the backup retention period of a DB
//! instance from 0 to a nonzero value” (enabling backups suspends I/O for seconds to minutes,
//! depending on the instance's size and class), so enabling backups on an instance that had none is
//! not run where disruptive remediations are not allowed. Lengthening an existing period (1 → 7 days)
//! is applied at once without an outage, but the remediation is classified as a whole.

use serde_json::json;

use super::{Instance, change, instance_name, modify};
use crate::TaskError;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of RDS.11.
pub struct Backups;

/// The one instance.
pub static RDS_11: Backups = Backups;

/// The control's parameter for the minimum retention period, in days.
pub const MINIMUM_PARAMETER: &str = "minimumBackupRetentionPeriod";

/// The control's default minimum, and the shortest SOAR sets.
pub const DEFAULT_MINIMUM: i32 = 7;

/// The longest retention period RDS allows.
const MAXIMUM: i32 = 35;

static META: Meta = Meta {
    control: "RDS.11",
    title: "RDS instances should have automatic backups enabled",
    resource_type: "AwsRdsDbInstance",
    disruptive: true,
    description: "Keep automated backups of the DB instance for the control's minimum period (7 days unless configured), never shortening a longer one",
    api_calls: &["rds:DescribeDBInstances", "rds:ModifyDBInstance"],
};

/// The minimum retention period the finding's control checked: its parameter, within what Security
/// Hub accepts for it (7 to 35 days), else the default.
pub fn minimum(target: &Target) -> i32 {
    target
        .parameter(MINIMUM_PARAMETER)
        .and_then(|v| v.trim().parse::<i32>().ok())
        .map_or(DEFAULT_MINIMUM, |days| days.clamp(DEFAULT_MINIMUM, MAXIMUM))
}

impl Remediation for Backups {
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
        let minimum = minimum(target);
        let current = state.backup_retention_period;
        if current >= minimum {
            return Plan::Compliant(format!(
                "keeps automated backups for {current} days (at least {minimum})"
            ));
        }
        if let Some(cluster) = &state.cluster {
            return Plan::Decline(format!(
                "RDS DB instance {name} belongs to DB cluster {cluster}, whose backup retention period is set on the cluster, not on its instances. Please keep the cluster's automated backups for at least {minimum} days."
            ));
        }
        if let Some(pending) = state
            .pending
            .backup_retention_period
            .filter(|p| *p >= minimum)
        {
            return Plan::InProgress(format!(
                "has a backup retention period of {pending} days pending (RDS is applying it)"
            ));
        }
        let (todo, done) = if current == 0 {
            (
                format!(
                    "turn on automated backups of RDS DB instance {name}, kept {minimum} days (it had none)"
                ),
                format!(
                    "Turned on automated backups of RDS DB instance {name}, kept {minimum} days (it had none; RDS takes the first backup now)"
                ),
            )
        } else {
            (
                format!(
                    "keep automated backups of RDS DB instance {name} for {minimum} days instead of {current}"
                ),
                format!(
                    "Made RDS DB instance {name} keep its automated backups for {minimum} days instead of {current}"
                ),
            )
        };
        change(
            target,
            state,
            json!({"BackupRetentionPeriod": minimum}),
            todo,
            done,
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use soar_model::scratchpad::Environment;

    use super::*;
    use crate::remediations::testing::{fixture, input};

    /// RDS.11 offline (the state is the finding's) on `finding`: the scratchpad.
    async fn remediate(finding: Value) -> Value {
        let services = crate::testing::services();
        crate::remediations::run(&services, input("RDS.11", finding, Environment::Dev))
            .await
            .unwrap()
            .to_json()
    }

    fn instance(finding: &mut Value) -> &mut Value {
        &mut finding["Resources"][0]["Details"]["AwsRdsDbInstance"]
    }

    fn planned_retention(out: &Value) -> &Value {
        &out["db"]["remediation"]["plan"][0]["parameters"]["BackupRetentionPeriod"]
    }

    /// The minimum is the control's parameter in the finding, within 7..=35; 7 without it.
    #[tokio::test]
    async fn the_minimum_is_the_control_s_parameter() {
        for (value, expected) in [("14", 14), ("3", 7), ("90", 35), ("a week", 7)] {
            let mut finding = fixture("RDS.11");
            finding["Compliance"]["SecurityControlParameters"] =
                json!([{"Name": MINIMUM_PARAMETER, "Value": [value]}]);
            let out = remediate(finding).await;
            assert_eq!(planned_retention(&out), &json!(expected), "{value}");
        }
        let mut finding = fixture("RDS.11");
        finding["Compliance"]
            .as_object_mut()
            .unwrap()
            .remove("SecurityControlParameters");
        assert_eq!(planned_retention(&remediate(finding).await), &json!(7));
        // 10 days is enough for the default minimum, not for a minimum of 14.
        let mut finding = fixture("RDS.11");
        instance(&mut finding)["BackupRetentionPeriod"] = json!(10);
        let out = remediate(finding.clone()).await;
        assert_eq!(out["db"]["remediation"]["outcome"], "already_compliant");
        finding["Compliance"]["SecurityControlParameters"] =
            json!([{"Name": MINIMUM_PARAMETER, "Value": ["14"]}]);
        assert_eq!(planned_retention(&remediate(finding).await), &json!(14));
    }

    /// A longer period is never shortened; a shorter one, or none, is raised to the minimum.
    #[tokio::test]
    async fn only_a_shorter_period_changes() {
        let mut finding = fixture("RDS.11");
        instance(&mut finding)["BackupRetentionPeriod"] = json!(30);
        let out = remediate(finding).await;
        assert_eq!(out["db"]["remediation"]["outcome"], "already_compliant");
        assert!(
            out["messages"]["actions_taken"]
                .as_str()
                .unwrap()
                .contains("already keeps automated backups for 30 days (at least 7)"),
            "{}",
            out["messages"]["actions_taken"]
        );
        let mut finding = fixture("RDS.11");
        instance(&mut finding)["BackupRetentionPeriod"] = json!(0);
        let out = remediate(finding).await;
        assert_eq!(planned_retention(&out), &json!(7));
        assert!(
            out["db"]["remediation"]["plan"][0]["description"]
                .as_str()
                .unwrap()
                .starts_with("turn on automated backups of RDS DB instance orders-reporting-db, kept 7 days (it had none)")
        );
        let out = remediate(fixture("RDS.11")).await;
        assert_eq!(
            out["db"]["remediation"]["plan"][0]["description"],
            "keep automated backups of RDS DB instance orders-reporting-db for 7 days instead of 1"
        );
    }

    /// A retention period RDS already accepted (pending) is in progress and not proposed again; a
    /// pending value below the minimum is not the fix.
    #[tokio::test]
    async fn a_pending_retention_period_is_in_progress() {
        let mut finding = fixture("RDS.11");
        instance(&mut finding)["DbInstanceStatus"] = json!("modifying");
        instance(&mut finding)["PendingModifiedValues"] = json!({"BackupRetentionPeriod": 7});
        let out = remediate(finding.clone()).await;
        assert_eq!(out["db"]["remediation"]["outcome"], "in_progress");
        assert_eq!(out["db"]["remediation"]["plan"], json!([]));
        assert!(
            out["messages"]["actions_taken"].as_str().unwrap().contains(
                "already has a backup retention period of 7 days pending (RDS is applying it)"
            ),
            "{}",
            out["messages"]["actions_taken"]
        );
        instance(&mut finding)["PendingModifiedValues"] = json!({"BackupRetentionPeriod": 3});
        let out = remediate(finding).await;
        assert_eq!(out["db"]["remediation"]["outcome"], "declined");
        assert!(
            out["messages"]["actions_required"]
                .as_str()
                .unwrap()
                .contains("is modifying, not available")
        );
    }

    #[tokio::test]
    async fn an_instance_of_a_cluster_is_declined() {
        let mut finding = fixture("RDS.11");
        instance(&mut finding)["DbClusterIdentifier"] = json!("orders");
        let out = remediate(finding).await;
        assert_eq!(out["actions"]["autoremediation_not_done"], true);
        assert!(
            out["messages"]["actions_required"]
                .as_str()
                .unwrap()
                .contains("belongs to DB cluster orders"),
            "{}",
            out["messages"]["actions_required"]
        );
    }
}
