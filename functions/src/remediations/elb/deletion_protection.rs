//! ELB.6 — Application, Gateway, and Network Load Balancers should have deletion protection
//! enabled: sets the load balancer attribute `deletion_protection.enabled` to `true`
//! (`ModifyLoadBalancerAttributes`), read as ELB.4 reads its attribute ([`LoadBalancer`]).
//!
//! Not disruptive: traffic is unaffected; only deleting the load balancer now needs the attribute
//! turned off first (a CloudFormation or Terraform stack that deletes it must do so).

use super::{LoadBalancer, modify_attributes, set_attribute};
use crate::TaskError;
use crate::remediations::target::{Target, arn_resource};
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of ELB.6.
pub struct DeletionProtection;

/// The one instance.
pub static ELB_6: DeletionProtection = DeletionProtection;

/// The load balancer attribute the control checks.
pub const ATTRIBUTE: &str = "deletion_protection.enabled";

static META: Meta = Meta {
    control: "ELB.6",
    title: "Application, Gateway, and Network Load Balancers should have deletion protection enabled",
    resource_type: "AwsElbv2LoadBalancer",
    disruptive: false,
    description: "Turn on deletion protection of the load balancer",
    api_calls: &[
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
    ],
};

impl Remediation for DeletionProtection {
    type State = LoadBalancer;

    fn meta(&self) -> &'static Meta {
        &META
    }

    /// The API names a load balancer by its ARN, so the “name” is the ARN itself; the three kinds
    /// ELB.6 is about (`app/`, `net/`, `gwy/`), not a Classic Load Balancer.
    fn resource_name(&self, id: &str) -> Result<String, String> {
        let what = "an Application, Network or Gateway Load Balancer";
        let rest = arn_resource(id, "elasticloadbalancing", "loadbalancer/", what)?;
        if ["app/", "net/", "gwy/"]
            .iter()
            .any(|kind| rest.strip_prefix(kind).is_some_and(|name| !name.is_empty()))
        {
            Ok(id.to_owned())
        } else {
            Err(format!(
                "expected the ARN of {what} (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app|net|gwy/NAME/ID), got {id:?}"
            ))
        }
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
            return Plan::Compliant("has deletion protection".into());
        }
        Plan::Change(vec![set_attribute(
            &target.name,
            ATTRIBUTE,
            "true",
            format!("turn on deletion protection of {}", target.describe()),
            format!(
                "Turned on deletion protection of {} ({ATTRIBUTE} = true): it cannot be deleted until the attribute is turned off",
                target.describe()
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::remediations::testing::target;

    fn balancer(attributes: &[(&str, &str)]) -> LoadBalancer {
        LoadBalancer {
            kind: Some("network".into()),
            attributes: attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            tags: Vec::new(),
        }
    }

    #[test]
    fn deletion_protection_is_turned_on_and_only_it() {
        let target = target(&ELB_6, "ELB.6", time::OffsetDateTime::UNIX_EPOCH);
        let Plan::Change(actions) = ELB_6.plan(
            &target,
            &balancer(&[
                (ATTRIBUTE, "false"),
                ("load_balancing.cross_zone.enabled", "false"),
            ]),
        ) else {
            panic!("deletion protection is off")
        };
        assert_eq!(
            actions[0].parameters,
            json!({"LoadBalancerArn": target.name, "Attributes": [{"Key": ATTRIBUTE, "Value": "true"}]})
        );
        assert!(
            actions[0]
                .todo
                .starts_with("turn on deletion protection of Network Load Balancer arn:"),
            "{}",
            actions[0].todo
        );
        assert_eq!(
            ELB_6.plan(&target, &balancer(&[(ATTRIBUTE, "true")])),
            Plan::Compliant("has deletion protection".into())
        );
    }

    #[test]
    fn the_three_kinds_of_load_balancer_are_accepted_and_classic_ones_refused() {
        for kind in ["app", "net", "gwy"] {
            let arn = format!(
                "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/{kind}/edge/4b7c9d2e1f0a3b5c"
            );
            assert_eq!(ELB_6.resource_name(&arn), Ok(arn.clone()));
        }
        for bad in [
            "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/legacy-classic",
            "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/4b7c9d2e1f0a3b5c",
            "payments-ingress",
        ] {
            assert!(ELB_6.resource_name(bad).is_err(), "{bad}");
        }
    }
}
