//! Elastic Load Balancing remediations, and what they share: reading a load balancer's type,
//! attributes and tags, and setting one attribute (`ModifyLoadBalancerAttributes`).

pub mod deletion_protection;
pub mod drop_invalid_headers;

use serde::Deserialize;
use serde_json::json;

use super::aws::aws;
use super::target::Target;
use super::{Action, Clients};
use crate::TaskError;

/// What the ELB remediations know of a load balancer.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadBalancer {
    /// `Type`: `application`, `network` or `gateway`, when known.
    pub kind: Option<String>,
    /// Its attributes (`Key`, `Value`), as far as known.
    pub attributes: Vec<(String, String)>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

impl LoadBalancer {
    /// The value of the attribute `key`, when known.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The load balancer as the finding shows it (`AwsElbv2LoadBalancer`'s `Type` and
    /// `LoadBalancerAttributes`).
    pub fn from_finding(target: &Target) -> LoadBalancer {
        let details = target.detail("AwsElbv2LoadBalancer");
        LoadBalancer {
            kind: details
                .and_then(|d| d.get("Type"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            attributes: details
                .and_then(|d| d.get("LoadBalancerAttributes"))
                .and_then(|a| a.as_array())
                .into_iter()
                .flatten()
                .filter_map(|a| {
                    Some((
                        a["Key"].as_str()?.to_owned(),
                        a["Value"].as_str()?.to_owned(),
                    ))
                })
                .collect(),
            tags: Vec::new(),
        }
    }

    /// The load balancer whose ARN is `arn` (`DescribeLoadBalancers`,
    /// `DescribeLoadBalancerAttributes`, `DescribeTags`).
    pub async fn read(clients: &Clients, arn: &str) -> Result<LoadBalancer, TaskError> {
        let elb = clients.elbv2();
        let described = elb
            .describe_load_balancers()
            .load_balancer_arns(arn)
            .send()
            .await
            .map_err(aws("ELB", "DescribeLoadBalancers"))?;
        let kind = described
            .load_balancers()
            .iter()
            .find(|lb| lb.load_balancer_arn() == Some(arn))
            .and_then(|lb| lb.r#type())
            .map(|t| t.as_str().to_owned());
        let attributes = elb
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(aws("ELB", "DescribeLoadBalancerAttributes"))?
            .attributes()
            .iter()
            .filter_map(|a| Some((a.key()?.to_owned(), a.value()?.to_owned())))
            .collect();
        let tags = elb
            .describe_tags()
            .resource_arns(arn)
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
        Ok(LoadBalancer {
            kind,
            attributes,
            tags,
        })
    }
}

/// The planned call that sets the attribute `key` of the load balancer `arn` to `value`.
pub(crate) fn set_attribute(
    arn: &str,
    key: &str,
    value: &str,
    todo: String,
    done: String,
) -> Action {
    Action {
        service: "elasticloadbalancing",
        operation: "ModifyLoadBalancerAttributes",
        parameters: json!({
            "LoadBalancerArn": arn,
            "Attributes": [{"Key": key, "Value": value}],
        }),
        todo,
        done,
    }
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

/// Makes a planned `ModifyLoadBalancerAttributes`.
pub(crate) async fn modify_attributes(clients: &Clients, action: &Action) -> Result<(), TaskError> {
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
