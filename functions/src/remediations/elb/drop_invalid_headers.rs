//! ELB.4 — Application Load Balancer should be configured to drop invalid HTTP headers: sets the
//! load balancer attribute `routing.http.drop_invalid_header_fields.enabled` to `true`
//! (`ModifyLoadBalancerAttributes`).
//!
//! Disruptive: header fields that are not valid HTTP (names with underscores, say) no longer reach
//! the targets; an application that relies on one stops receiving it.

use serde::Deserialize;
use serde_json::json;

use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, arn_resource};
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of ELB.4.
pub struct DropInvalidHeaders;

/// The one instance.
pub static ELB_4: DropInvalidHeaders = DropInvalidHeaders;

/// The load balancer attribute the control checks.
pub const ATTRIBUTE: &str = "routing.http.drop_invalid_header_fields.enabled";

static META: Meta = Meta {
    control: "ELB.4",
    title: "Application Load Balancer should be configured to drop invalid HTTP headers",
    resource_type: "AwsElbv2LoadBalancer",
    disruptive: true,
    description: "Make the Application Load Balancer drop invalid HTTP header fields",
    api_calls: &[
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
    ],
};

/// The load balancer's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// `Type`: `application`, `network` or `gateway`, when known.
    pub kind: Option<String>,
    /// The attribute's value (`true`/`false`), when known.
    pub drop_invalid_headers: Option<String>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyArguments {
    load_balancer_arn: String,
    attributes: Vec<Attribute>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Attribute {
    key: String,
    value: String,
}

impl Remediation for DropInvalidHeaders {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    /// The API names a load balancer by its ARN, so the “name” is the ARN itself.
    fn resource_name(&self, id: &str) -> Result<String, String> {
        arn_resource(
            id,
            "elasticloadbalancing",
            "loadbalancer/app/",
            "an Application Load Balancer",
        )?;
        Ok(id.to_owned())
    }

    fn state_from_finding(&self, target: &Target) -> State {
        let details = target.detail("AwsElbv2LoadBalancer");
        State {
            kind: details
                .and_then(|d| d.get("Type"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            drop_invalid_headers: details
                .and_then(|d| d.get("LoadBalancerAttributes"))
                .and_then(|a| a.as_array())
                .and_then(|a| a.iter().find(|a| a["Key"] == ATTRIBUTE))
                .and_then(|a| a["Value"].as_str())
                .map(str::to_owned),
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        let elb = clients.elbv2();
        let described = elb
            .describe_load_balancers()
            .load_balancer_arns(&target.name)
            .send()
            .await
            .map_err(aws("ELB", "DescribeLoadBalancers"))?;
        let kind = described
            .load_balancers()
            .iter()
            .find(|lb| lb.load_balancer_arn() == Some(target.name.as_str()))
            .and_then(|lb| lb.r#type())
            .map(|t| t.as_str().to_owned());
        let attributes = elb
            .describe_load_balancer_attributes()
            .load_balancer_arn(&target.name)
            .send()
            .await
            .map_err(aws("ELB", "DescribeLoadBalancerAttributes"))?;
        let drop_invalid_headers = attributes
            .attributes()
            .iter()
            .find(|a| a.key() == Some(ATTRIBUTE))
            .and_then(|a| a.value())
            .map(str::to_owned);
        let tags = elb
            .describe_tags()
            .resource_arns(&target.name)
            .send()
            .await
            .map_err(aws("ELB", "DescribeTags"))?
            .tag_descriptions()
            .iter()
            .flat_map(|d| d.tags())
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        Ok(State {
            kind,
            drop_invalid_headers,
            tags,
        })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        if state.drop_invalid_headers.as_deref() == Some("true") {
            return Plan::Compliant("drops invalid HTTP header fields".into());
        }
        if let Some(kind) = state.kind.as_deref().filter(|k| *k != "application") {
            return Plan::Decline(format!(
                "Load balancer {} is a {kind} load balancer: ELB.4 is about Application Load Balancers, which alone have this setting. Please check the finding.",
                target.name
            ));
        }
        Plan::Change(vec![Action {
            service: "elasticloadbalancing",
            operation: "ModifyLoadBalancerAttributes",
            parameters: json!({
                "LoadBalancerArn": target.name,
                "Attributes": [{"Key": ATTRIBUTE, "Value": "true"}],
            }),
            todo: format!(
                "make Application Load Balancer {} drop invalid HTTP header fields",
                target.name
            ),
            done: format!(
                "Made Application Load Balancer {} drop invalid HTTP header fields ({ATTRIBUTE} = true)",
                target.name
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        use aws_sdk_elasticloadbalancingv2::types::LoadBalancerAttribute;
        let args: ModifyArguments = action.arguments()?;
        let mut request = clients
            .elbv2()
            .modify_load_balancer_attributes()
            .load_balancer_arn(args.load_balancer_arn);
        for attribute in args.attributes {
            request = request.attributes(
                LoadBalancerAttribute::builder()
                    .key(attribute.key)
                    .value(attribute.value)
                    .build(),
            );
        }
        request
            .send()
            .await
            .map_err(aws("ELB", "ModifyLoadBalancerAttributes"))?;
        Ok(())
    }
}
