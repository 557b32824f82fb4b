//! ELB.4 — Application Load Balancer should be configured to drop invalid HTTP headers: sets the
//! load balancer attribute `routing.http.drop_invalid_header_fields.enabled` to `true`
//! (`ModifyLoadBalancerAttributes`).
//!
//! Disruptive: header fields that are not valid HTTP (names with underscores, say) no longer reach
//! the targets; an application that relies on one stops receiving it.

use super::{LoadBalancer, modify_attributes, set_attribute};
use crate::TaskError;
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

impl Remediation for DropInvalidHeaders {
    type State = LoadBalancer;

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

    fn state_from_finding(&self, target: &Target) -> LoadBalancer {
        LoadBalancer::from_finding(target)
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<LoadBalancer, TaskError> {
        LoadBalancer::read(clients, &target.name).await
    }

    fn tags<'s>(&self, state: &'s LoadBalancer) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &LoadBalancer) -> Plan {
        if state.attribute(ATTRIBUTE) == Some("true") {
            return Plan::Compliant("drops invalid HTTP header fields".into());
        }
        if let Some(kind) = state.kind.as_deref().filter(|k| *k != "application") {
            return Plan::Decline(format!(
                "Load balancer {} is a {kind} load balancer: ELB.4 is about Application Load Balancers, which alone have this setting. Please check the finding.",
                target.name
            ));
        }
        Plan::Change(vec![set_attribute(
            &target.name,
            ATTRIBUTE,
            "true",
            format!(
                "make Application Load Balancer {} drop invalid HTTP header fields",
                target.name
            ),
            format!(
                "Made Application Load Balancer {} drop invalid HTTP header fields ({ATTRIBUTE} = true)",
                target.name
            ),
        )])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        modify_attributes(clients, action).await
    }
}
