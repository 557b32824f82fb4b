//! DynamoDB.2 — DynamoDB tables should have point-in-time recovery enabled: turns it on
//! (`UpdateContinuousBackups`).
//!
//! Not disruptive: backups are continuous and do not affect the table's performance (they cost
//! storage).

use serde::Deserialize;
use serde_json::json;

use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, arn_resource};
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of DynamoDB.2.
pub struct PointInTimeRecovery;

/// The one instance.
pub static DYNAMODB_2: PointInTimeRecovery = PointInTimeRecovery;

static META: Meta = Meta {
    control: "DynamoDB.2",
    title: "DynamoDB tables should have point-in-time recovery enabled",
    resource_type: "AwsDynamoDbTable",
    disruptive: false,
    description: "Turn on point-in-time recovery (continuous backups) of the table",
    api_calls: &[
        "dynamodb:DescribeContinuousBackups",
        "dynamodb:ListTagsOfResource",
        "dynamodb:UpdateContinuousBackups",
    ],
};

/// The table's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Whether point-in-time recovery is on.
    pub enabled: bool,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateArguments {
    table_name: String,
}

impl Remediation for PointInTimeRecovery {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        arn_resource(id, "dynamodb", "table/", "a DynamoDB table")
    }

    fn state_from_finding(&self, _target: &Target) -> State {
        // ASFF's table details do not include point-in-time recovery; the control failed, so it is off.
        State {
            enabled: false,
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        let ddb = clients.dynamodb();
        let out = ddb
            .describe_continuous_backups()
            .table_name(&target.name)
            .send()
            .await
            .map_err(aws("DynamoDB", "DescribeContinuousBackups"))?;
        let enabled = out
            .continuous_backups_description()
            .and_then(|d| d.point_in_time_recovery_description())
            .and_then(|p| p.point_in_time_recovery_status())
            .is_some_and(|s| s.as_str() == "ENABLED");
        let tags = ddb
            .list_tags_of_resource()
            .resource_arn(&target.resource_id)
            .send()
            .await
            .map_err(aws("DynamoDB", "ListTagsOfResource"))?
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect();
        Ok(State { enabled, tags })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        if state.enabled {
            return Plan::Compliant("has point-in-time recovery on".into());
        }
        let table = &target.name;
        Plan::Change(vec![Action {
            service: "dynamodb",
            operation: "UpdateContinuousBackups",
            parameters: json!({
                "TableName": table,
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
            }),
            todo: format!("turn on point-in-time recovery of DynamoDB table {table}"),
            done: format!(
                "Turned on point-in-time recovery of DynamoDB table {table}: it can now be restored to any second of the last 35 days"
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        use aws_sdk_dynamodb::types::PointInTimeRecoverySpecification;
        let args: UpdateArguments = action.arguments()?;
        let specification = PointInTimeRecoverySpecification::builder()
            .point_in_time_recovery_enabled(true)
            .build()
            .map_err(|e| {
                TaskError::new(
                    crate::names::INVALID_SCRATCHPAD,
                    format!("point-in-time recovery specification: {e}"),
                )
            })?;
        clients
            .dynamodb()
            .update_continuous_backups()
            .table_name(args.table_name)
            .point_in_time_recovery_specification(specification)
            .send()
            .await
            .map_err(aws("DynamoDB", "UpdateContinuousBackups"))?;
        Ok(())
    }
}
