//! EC2.15 — EC2 subnets should not automatically assign public IP addresses: stops the subnet from
//! giving a public IPv4 address to every instance launched in it (`ModifySubnetAttribute` with
//! `MapPublicIpOnLaunch` false).
//!
//! Disruptive: instances launched in the subnet afterwards (by hand, by Auto Scaling groups, EKS or
//! ECS capacity, ...) no longer get a public IPv4 address unless their launch asks for one, so a
//! workload that relies on it (reached from the Internet, or reaching it without a NAT gateway) breaks
//! on its next launch. Running instances keep their addresses. A default subnet of the default VPC is
//! changed the same way (the control fails for those too).

use aws_sdk_ec2::types::AttributeBooleanValue;
use serde::Deserialize;
use serde_json::json;

use super::tag_list;
use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, arn_resource};
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of EC2.15.
pub struct SubnetPublicIp;

/// The one instance.
pub static EC2_15: SubnetPublicIp = SubnetPublicIp;

static META: Meta = Meta {
    control: "EC2.15",
    title: "EC2 subnets should not automatically assign public IP addresses",
    resource_type: "AwsEc2Subnet",
    disruptive: true,
    description: "Stop the subnet from assigning a public IPv4 address to every instance launched in it",
    api_calls: &["ec2:DescribeSubnets", "ec2:ModifySubnetAttribute"],
};

/// The subnet's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// `MapPublicIpOnLaunch`.
    pub map_public_ip_on_launch: bool,
    /// `DefaultForAz`: a default subnet of the default VPC.
    pub default_for_az: bool,
    /// `VpcId`, when known.
    pub vpc: Option<String>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyArguments {
    subnet_id: String,
    map_public_ip_on_launch: BooleanValue,
}

/// `AttributeBooleanValue`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BooleanValue {
    value: bool,
}

impl Remediation for SubnetPublicIp {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        let subnet = arn_resource(id, "ec2", "subnet/", "an EC2 subnet")?;
        if subnet.starts_with("subnet-") {
            Ok(subnet)
        } else {
            Err(format!(
                "expected the ARN of an EC2 subnet (arn:aws:ec2:REGION:ACCOUNT:subnet/subnet-ID), got {id:?}"
            ))
        }
    }

    fn state_from_finding(&self, target: &Target) -> State {
        let details = target.detail("AwsEc2Subnet");
        let flag = |key: &str, unknown: bool| {
            details
                .and_then(|d| d.get(key))
                .and_then(|v| v.as_bool())
                .unwrap_or(unknown)
        };
        State {
            map_public_ip_on_launch: flag("MapPublicIpOnLaunch", true),
            default_for_az: flag("DefaultForAz", false),
            vpc: details
                .and_then(|d| d.get("VpcId"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        let out = clients
            .ec2()
            .describe_subnets()
            .subnet_ids(&target.name)
            .send()
            .await
            .map_err(aws("EC2", "DescribeSubnets"))?;
        let subnet = out
            .subnets()
            .iter()
            .find(|s| s.subnet_id() == Some(target.name.as_str()))
            .ok_or_else(|| {
                TaskError::new(
                    "EC2.InvalidSubnetID.NotFound",
                    format!("EC2 DescribeSubnets did not return {}", target.name),
                )
            })?;
        Ok(State {
            map_public_ip_on_launch: subnet.map_public_ip_on_launch().unwrap_or(false),
            default_for_az: subnet.default_for_az().unwrap_or(false),
            vpc: subnet.vpc_id().map(str::to_owned),
            tags: tag_list(subnet.tags()),
        })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        let subnet = &target.name;
        if !state.map_public_ip_on_launch {
            return Plan::Compliant(
                "does not assign public IPv4 addresses to the instances launched in it".into(),
            );
        }
        let mut what = format!("subnet {subnet}");
        if let Some(vpc) = &state.vpc {
            what.push_str(&format!(" of {vpc}"));
        }
        if state.default_for_az {
            what.push_str(" (a default subnet of the default VPC)");
        }
        Plan::Change(vec![Action {
            service: "ec2",
            operation: "ModifySubnetAttribute",
            parameters: json!({"SubnetId": subnet, "MapPublicIpOnLaunch": {"Value": false}}),
            todo: format!(
                "stop {what} from assigning a public IPv4 address to every instance launched in it"
            ),
            done: format!(
                "Stopped {what} from assigning public IPv4 addresses: instances launched in it from now on get one only if their launch asks for it; running instances keep theirs"
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
        clients
            .ec2()
            .modify_subnet_attribute()
            .subnet_id(args.subnet_id)
            .map_public_ip_on_launch(
                AttributeBooleanValue::builder()
                    .value(args.map_public_ip_on_launch.value)
                    .build(),
            )
            .send()
            .await
            .map_err(aws("EC2", "ModifySubnetAttribute"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use soar_model::scratchpad::Environment;

    use crate::remediations::testing::{fixture, input};

    async fn remediate(finding: Value) -> Value {
        let services = crate::testing::services();
        crate::remediations::run(&services, input("EC2.15", finding, Environment::Dev))
            .await
            .unwrap()
            .to_json()
    }

    /// A default subnet is changed too, and the plan says which it is.
    #[tokio::test]
    async fn a_default_subnet_is_named_as_such() {
        let mut finding = fixture("EC2.15");
        finding["Resources"][0]["Details"]["AwsEc2Subnet"]["DefaultForAz"] = json!(true);
        let out = remediate(finding).await;
        assert_eq!(
            out["db"]["remediation"]["plan"][0]["description"],
            "stop subnet subnet-0c1d2e3f4a5b6c7d8 of vpc-0a9b8c7d6e5f40312 (a default subnet of the default VPC) from assigning a public IPv4 address to every instance launched in it"
        );
    }

    #[tokio::test]
    async fn an_id_that_is_not_a_subnet_is_refused() {
        let mut finding = fixture("EC2.15");
        finding["Resources"][0]["Id"] =
            json!("arn:aws:ec2:eu-west-1:444455556666:subnet/vpc-0a9b8c7d6e5f40312");
        let services = crate::testing::services();
        let e = crate::remediations::run(&services, input("EC2.15", finding, Environment::Dev))
            .await
            .unwrap_err();
        assert!(
            e.cause
                .starts_with("/finding/Resources/0/Id: expected the ARN of an EC2 subnet"),
            "{}",
            e.cause
        );
    }
}
