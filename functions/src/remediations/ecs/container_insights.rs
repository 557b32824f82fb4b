//! ECS.12 — ECS clusters should use Container Insights: turns Container Insights on for the cluster
//! (`UpdateCluster` with the setting `containerInsights` = `enabled`).
//!
//! Not disruptive: tasks keep running; CloudWatch collects the cluster's metrics and logs (at a
//! cost).

use serde::Deserialize;
use serde_json::json;

use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, arn_resource};
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of ECS.12.
pub struct ContainerInsights;

/// The one instance.
pub static ECS_12: ContainerInsights = ContainerInsights;

static META: Meta = Meta {
    control: "ECS.12",
    title: "ECS clusters should use Container Insights",
    resource_type: "AwsEcsCluster",
    disruptive: false,
    description: "Turn on Container Insights for the cluster",
    api_calls: &["ecs:DescribeClusters", "ecs:UpdateCluster"],
};

/// The cluster's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The `containerInsights` setting (`enabled`, `enhanced`, `disabled`), when set.
    pub container_insights: Option<String>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateArguments {
    cluster: String,
    settings: Vec<Setting>,
}

#[derive(Deserialize)]
struct Setting {
    name: String,
    value: String,
}

impl Remediation for ContainerInsights {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        arn_resource(id, "ecs", "cluster/", "an ECS cluster")
    }

    fn state_from_finding(&self, target: &Target) -> State {
        State {
            container_insights: target
                .detail("AwsEcsCluster")
                .and_then(|d| d.get("ClusterSettings"))
                .and_then(|s| s.as_array())
                .and_then(|s| s.iter().find(|s| s["Name"] == "containerInsights"))
                .and_then(|s| s["Value"].as_str())
                .map(str::to_owned),
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        use aws_sdk_ecs::types::ClusterField;
        let out = clients
            .ecs()
            .describe_clusters()
            .clusters(&target.name)
            .include(ClusterField::Settings)
            .include(ClusterField::Tags)
            .send()
            .await
            .map_err(aws("ECS", "DescribeClusters"))?;
        let cluster = out
            .clusters()
            .iter()
            .find(|c| c.cluster_name() == Some(target.name.as_str()))
            .ok_or_else(|| {
                TaskError::new(
                    "ECS.ClusterNotFoundException",
                    format!("ECS DescribeClusters did not return {}", target.name),
                )
            })?;
        Ok(State {
            container_insights: cluster
                .settings()
                .iter()
                .find(|s| s.name().map(|n| n.as_str()) == Some("containerInsights"))
                .and_then(|s| s.value())
                .map(str::to_owned),
            tags: cluster
                .tags()
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

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        // `enhanced` is Container Insights with enhanced observability: on as well.
        if matches!(
            state.container_insights.as_deref(),
            Some("enabled" | "enhanced")
        ) {
            return Plan::Compliant("uses Container Insights".into());
        }
        let cluster = &target.name;
        Plan::Change(vec![Action {
            service: "ecs",
            operation: "UpdateCluster",
            parameters: json!({
                "cluster": cluster,
                "settings": [{"name": "containerInsights", "value": "enabled"}],
            }),
            todo: format!("turn on Container Insights for ECS cluster {cluster}"),
            done: format!(
                "Turned on Container Insights for ECS cluster {cluster}: CloudWatch now collects its metrics"
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        use aws_sdk_ecs::types::{ClusterSetting, ClusterSettingName};
        let args: UpdateArguments = action.arguments()?;
        let mut request = clients.ecs().update_cluster().cluster(args.cluster);
        for setting in args.settings {
            request = request.settings(
                ClusterSetting::builder()
                    .name(ClusterSettingName::from(setting.name.as_str()))
                    .value(setting.value)
                    .build(),
            );
        }
        request.send().await.map_err(aws("ECS", "UpdateCluster"))?;
        Ok(())
    }
}
