//! RDS.9 — RDS DB instances should publish logs to CloudWatch Logs: turns on the export of the log
//! types the control requires for the instance's engine that it does not publish yet
//! (`ModifyDBInstance` with `CloudwatchLogsExportConfiguration.EnableLogTypes`; RDS applies a log
//! export change at once, whatever `ApplyImmediately` says). Log types it already publishes stay; none
//! is ever disabled.
//!
//! The log types are the control's, per engine: MySQL and MariaDB `audit`, `error`, `general`,
//! `slowquery`; PostgreSQL `postgresql`, `upgrade`; Oracle `alert`, `audit`, `listener`, `trace`; SQL
//! Server `agent`, `error`. An Aurora instance (or any instance of a DB cluster) is declined: its log
//! exports are the cluster's (`ModifyDBCluster`). An engine the control names no log types for (Db2,
//! RDS Custom) is declined too. RDS may first show the new exports in
//! `PendingModifiedValues.PendingCloudwatchLogsExports`, which counts as the change in progress.
//!
//! Why RDS.9 (rather than RDS.35 or RDS.27, the other candidates for a ninth RDS control): database
//! logs (failed logins, errors, audit records) in CloudWatch Logs are what a security team needs to
//! detect and investigate an attack on a database, and they survive the instance; RDS.35 (cluster
//! minor version upgrades) is patching hygiene, and RDS.27 (cluster encryption at rest) cannot be
//! changed in place. moto implements the log exports of `ModifyDBInstance` and reports them in
//! `EnabledCloudwatchLogsExports`, so the remediation is proven end to end.
//!
//! Not disruptive: the database keeps running and nothing it does changes. What it writes to the
//! exported logs is still the DB parameter group's choice (`general_log`, `slow_query_log`, the audit
//! plugin's option for MySQL), so an exported log may stay empty until the team turns it on; the cost
//! of CloudWatch Logs ingestion and storage is the owner's to watch.

use serde_json::json;

use super::{Instance, change, instance_name, modify};
use crate::TaskError;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of RDS.9.
pub struct LogExports;

/// The one instance.
pub static RDS_9: LogExports = LogExports;

static META: Meta = Meta {
    control: "RDS.9",
    title: "RDS DB instances should publish logs to CloudWatch Logs",
    resource_type: "AwsRdsDbInstance",
    disruptive: false,
    description: "Publish the DB instance's logs the control requires for its engine to CloudWatch Logs, keeping the ones already published",
    api_calls: &["rds:DescribeDBInstances", "rds:ModifyDBInstance"],
};

/// The log types RDS.9 requires of an instance of `engine`, if it names any.
pub fn required_log_types(engine: &str) -> Option<&'static [&'static str]> {
    match engine {
        "mysql" | "mariadb" => Some(&["audit", "error", "general", "slowquery"]),
        "postgres" => Some(&["postgresql", "upgrade"]),
        e if e.starts_with("oracle-") => Some(&["alert", "audit", "listener", "trace"]),
        e if e.starts_with("sqlserver-") => Some(&["agent", "error"]),
        _ => None,
    }
}

impl Remediation for LogExports {
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
        let engine = state.engine.as_deref().unwrap_or("unknown");
        if let Some(cluster) = &state.cluster {
            return Plan::Decline(format!(
                "RDS DB instance {name} belongs to DB cluster {cluster}, whose log exports to CloudWatch Logs are set on the cluster, not on its instances. Please turn them on for the cluster."
            ));
        }
        if engine.starts_with("aurora") {
            return Plan::Decline(format!(
                "RDS DB instance {name} is an Aurora instance ({engine}), whose log exports are its cluster's. Please turn them on for the cluster."
            ));
        }
        let Some(required) = required_log_types(engine) else {
            return Plan::Decline(format!(
                "SOAR does not know which logs RDS.9 requires of engine {engine} (RDS DB instance {name}). Please publish its logs to CloudWatch Logs."
            ));
        };
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|log| !state.log_exports.iter().any(|e| e == log))
            .collect();
        if missing.is_empty() {
            return Plan::Compliant(format!(
                "publishes its {} logs to CloudWatch Logs",
                required.join(", ")
            ));
        }
        if missing
            .iter()
            .all(|log| state.pending.log_types_to_enable.iter().any(|p| p == log))
        {
            return Plan::InProgress(format!(
                "has the export of its {} logs to CloudWatch Logs pending (RDS is applying it)",
                missing.join(", ")
            ));
        }
        let kept = if state.log_exports.is_empty() {
            String::new()
        } else {
            format!(
                ", besides the {} it publishes",
                state.log_exports.join(", ")
            )
        };
        change(
            target,
            state,
            json!({"CloudwatchLogsExportConfiguration": {"EnableLogTypes": missing}}),
            format!(
                "publish the {} logs of RDS DB instance {name} ({engine}) to CloudWatch Logs{kept}",
                missing.join(", ")
            ),
            format!(
                "Made RDS DB instance {name} publish its {} logs to CloudWatch Logs{kept} (log groups /aws/rds/instance/{name}/...)",
                missing.join(", ")
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use soar_model::scratchpad::Environment;

    use crate::remediations::testing::{fixture, input};

    /// RDS.9 offline (the state is the finding's) on the example with `details` set: the scratchpad.
    async fn remediate(details: Value) -> Value {
        let mut finding = fixture("RDS.9");
        let instance = &mut finding["Resources"][0]["Details"]["AwsRdsDbInstance"];
        for (key, value) in details.as_object().unwrap() {
            instance[key] = value.clone();
        }
        let services = crate::testing::services();
        crate::remediations::run(&services, input("RDS.9", finding, Environment::Prod))
            .await
            .unwrap()
            .to_json()
    }

    fn enabled(out: &Value) -> &Value {
        &out["db"]["remediation"]["plan"][0]["parameters"]["CloudwatchLogsExportConfiguration"]["EnableLogTypes"]
    }

    /// Per engine, only the required log types not published yet are turned on.
    #[tokio::test]
    async fn the_missing_log_types_of_the_engine_are_turned_on() {
        let cases = [
            (
                "mysql",
                json!(["error"]),
                json!(["audit", "general", "slowquery"]),
            ),
            (
                "mariadb",
                json!([]),
                json!(["audit", "error", "general", "slowquery"]),
            ),
            ("postgres", json!(["postgresql"]), json!(["upgrade"])),
            (
                "oracle-ee",
                json!(["alert", "trace"]),
                json!(["audit", "listener"]),
            ),
            (
                "sqlserver-se",
                json!(["iam-db-auth-error"]),
                json!(["agent", "error"]),
            ),
        ];
        for (engine, exports, expected) in cases {
            let out =
                remediate(json!({"Engine": engine, "EnabledCloudWatchLogsExports": exports})).await;
            assert_eq!(enabled(&out), &expected, "{engine}");
            assert_eq!(out["db"]["remediation"]["outcome"], "planned");
        }
        let out = remediate(json!({"Engine": "postgres", "EnabledCloudWatchLogsExports": ["upgrade", "postgresql"]})).await;
        assert_eq!(out["db"]["remediation"]["outcome"], "already_compliant");
    }

    /// Exports RDS already accepted (pending) are in progress and not asked again; partly pending is
    /// not enough.
    #[tokio::test]
    async fn pending_log_exports_are_in_progress() {
        let pending = |types: Value| {
            json!({"DbInstanceStatus": "modifying", "PendingModifiedValues": {
                "PendingCloudWatchLogsExports": {"LogTypesToEnable": types}}})
        };
        let out = remediate(pending(json!(["audit", "general", "slowquery"]))).await;
        assert_eq!(out["db"]["remediation"]["outcome"], "in_progress");
        assert!(
            out["messages"]["actions_taken"].as_str().unwrap().contains(
                "already has the export of its audit, general, slowquery logs to CloudWatch Logs pending"
            ),
            "{}",
            out["messages"]["actions_taken"]
        );
        let out = remediate(pending(json!(["audit"]))).await;
        assert_eq!(out["db"]["remediation"]["outcome"], "declined");
    }

    #[tokio::test]
    async fn aurora_cluster_and_unknown_engines_are_declined() {
        for (details, reason) in [
            (
                json!({"Engine": "aurora-mysql"}),
                "log exports are its cluster's",
            ),
            (
                json!({"DbClusterIdentifier": "orders"}),
                "belongs to DB cluster orders",
            ),
            (
                json!({"Engine": "db2-se"}),
                "which logs RDS.9 requires of engine db2-se",
            ),
        ] {
            let out = remediate(details).await;
            assert_eq!(out["actions"]["autoremediation_not_done"], true);
            let required = out["messages"]["actions_required"].as_str().unwrap();
            assert!(required.contains(reason), "{required}");
        }
    }
}
