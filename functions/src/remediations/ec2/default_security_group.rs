//! EC2.2 — VPC default security groups should not allow inbound or outbound traffic: revokes every
//! inbound and outbound rule of the VPC's default security group (`RevokeSecurityGroupIngress`,
//! `RevokeSecurityGroupEgress`, with the rules exactly as read).
//!
//! Disruptive: instances still attached to the default group lose the traffic those rules allowed.

use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of EC2.2.
pub struct DefaultSecurityGroup;

/// The one instance.
pub static EC2_2: DefaultSecurityGroup = DefaultSecurityGroup;

static META: Meta = Meta {
    control: "EC2.2",
    title: "VPC default security groups should not allow inbound or outbound traffic",
    resource_type: "AwsEc2SecurityGroup",
    disruptive: true,
    description: "Revoke every inbound and outbound rule of the VPC's default security group",
    api_calls: &[
        "ec2:DescribeSecurityGroups",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
    ],
};

/// A rule, in the EC2 API's (and ASFF's) field names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Permission {
    /// `IpProtocol` (`-1` for all).
    pub ip_protocol: String,
    /// `FromPort`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    /// `ToPort`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    /// `IpRanges[].CidrIp`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ip_ranges: Vec<Cidr>,
    /// `Ipv6Ranges[].CidrIpv6`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipv6_ranges: Vec<Cidr6>,
    /// `PrefixListIds[].PrefixListId`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prefix_list_ids: Vec<PrefixList>,
    /// `UserIdGroupPairs[]`: other groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub user_id_group_pairs: Vec<GroupPair>,
}

/// An IPv4 range.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Cidr {
    /// `CidrIp`.
    pub cidr_ip: String,
}

/// An IPv6 range.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Cidr6 {
    /// `CidrIpv6`.
    pub cidr_ipv6: String,
}

/// A prefix list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PrefixList {
    /// `PrefixListId`.
    pub prefix_list_id: String,
}

/// Another security group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GroupPair {
    /// `GroupId`.
    pub group_id: String,
    /// `UserId`: the group's account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

impl Permission {
    pub(crate) fn from_sdk(p: &IpPermission) -> Permission {
        Permission {
            ip_protocol: p.ip_protocol().unwrap_or("-1").to_owned(),
            from_port: p.from_port(),
            to_port: p.to_port(),
            ip_ranges: p
                .ip_ranges()
                .iter()
                .map(|r| Cidr {
                    cidr_ip: r.cidr_ip().unwrap_or_default().to_owned(),
                })
                .collect(),
            ipv6_ranges: p
                .ipv6_ranges()
                .iter()
                .map(|r| Cidr6 {
                    cidr_ipv6: r.cidr_ipv6().unwrap_or_default().to_owned(),
                })
                .collect(),
            prefix_list_ids: p
                .prefix_list_ids()
                .iter()
                .map(|r| PrefixList {
                    prefix_list_id: r.prefix_list_id().unwrap_or_default().to_owned(),
                })
                .collect(),
            user_id_group_pairs: p
                .user_id_group_pairs()
                .iter()
                .map(|g| GroupPair {
                    group_id: g.group_id().unwrap_or_default().to_owned(),
                    user_id: g.user_id().map(str::to_owned),
                })
                .collect(),
        }
    }

    pub(crate) fn to_sdk(&self) -> IpPermission {
        let mut b = IpPermission::builder().ip_protocol(&self.ip_protocol);
        if let Some(port) = self.from_port {
            b = b.from_port(port);
        }
        if let Some(port) = self.to_port {
            b = b.to_port(port);
        }
        for r in &self.ip_ranges {
            b = b.ip_ranges(IpRange::builder().cidr_ip(&r.cidr_ip).build());
        }
        for r in &self.ipv6_ranges {
            b = b.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(&r.cidr_ipv6).build());
        }
        for r in &self.prefix_list_ids {
            b = b.prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id(&r.prefix_list_id)
                    .build(),
            );
        }
        for g in &self.user_id_group_pairs {
            b = b.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(&g.group_id)
                    .set_user_id(g.user_id.clone())
                    .build(),
            );
        }
        b.build()
    }
}

/// The group's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Its name (`default` for the group this control is about), when known.
    pub group_name: Option<String>,
    /// Inbound rules.
    pub ingress: Vec<Permission>,
    /// Outbound rules.
    pub egress: Vec<Permission>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RevokeArguments {
    group_id: String,
    ip_permissions: Vec<Permission>,
}

/// The rules as “N inbound rule(s)”, etc.
fn count(n: usize, direction: &str) -> String {
    format!("{n} {direction} rule{}", if n == 1 { "" } else { "s" })
}

impl Remediation for DefaultSecurityGroup {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        let group = id
            .rsplit_once("security-group/")
            .map(|(_, g)| g)
            .unwrap_or(id);
        if group.starts_with("sg-")
            && group.len() > 3
            && group[3..].bytes().all(|b| b.is_ascii_hexdigit())
        {
            Ok(group.to_owned())
        } else {
            Err(format!(
                "expected a security group id (sg-...) or its ARN (arn:aws:ec2:REGION:ACCOUNT:security-group/sg-...), got {id:?}"
            ))
        }
    }

    fn state_from_finding(&self, target: &Target) -> State {
        let details = target.detail("AwsEc2SecurityGroup");
        let rules = |key: &str| -> Vec<Permission> {
            details
                .and_then(|d| d.get(key))
                .and_then(|r| Vec::<Permission>::deserialize(r).ok())
                .unwrap_or_default()
        };
        State {
            group_name: details
                .and_then(|d| d.get("GroupName"))
                .and_then(|n| n.as_str())
                .map(str::to_owned),
            ingress: rules("IpPermissions"),
            egress: rules("IpPermissionsEgress"),
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        let out = clients
            .ec2()
            .describe_security_groups()
            .group_ids(&target.name)
            .send()
            .await
            .map_err(aws("EC2", "DescribeSecurityGroups"))?;
        let group = out
            .security_groups()
            .iter()
            .find(|g| g.group_id() == Some(target.name.as_str()))
            .ok_or_else(|| {
                TaskError::new(
                    "EC2.InvalidGroup.NotFound",
                    format!("EC2 DescribeSecurityGroups did not return {}", target.name),
                )
            })?;
        Ok(State {
            group_name: group.group_name().map(str::to_owned),
            ingress: group
                .ip_permissions()
                .iter()
                .map(Permission::from_sdk)
                .collect(),
            egress: group
                .ip_permissions_egress()
                .iter()
                .map(Permission::from_sdk)
                .collect(),
            tags: super::tag_list(group.tags()),
        })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        if let Some(name) = state.group_name.as_deref().filter(|n| *n != "default") {
            return Plan::Decline(format!(
                "Security group {} is named {name:?}, not \"default\": EC2.2 is about a VPC's default security group, and SOAR does not revoke the rules of other groups. Please check the finding.",
                target.name
            ));
        }
        if state.ingress.is_empty() && state.egress.is_empty() {
            return Plan::Compliant("has no inbound or outbound rules".into());
        }
        let group = &target.name;
        let mut actions = Vec::new();
        for (rules, operation, direction) in [
            (&state.ingress, "RevokeSecurityGroupIngress", "inbound"),
            (&state.egress, "RevokeSecurityGroupEgress", "outbound"),
        ] {
            if rules.is_empty() {
                continue;
            }
            actions.push(Action {
                service: "ec2",
                operation,
                parameters: json!({"GroupId": group, "IpPermissions": rules}),
                todo: format!(
                    "revoke the {} of default security group {group}",
                    count(rules.len(), direction)
                ),
                done: format!(
                    "Revoked the {} of default security group {group}",
                    count(rules.len(), direction)
                ),
            });
        }
        Plan::Change(actions)
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        let args: RevokeArguments = action.arguments()?;
        let permissions: Vec<IpPermission> =
            args.ip_permissions.iter().map(Permission::to_sdk).collect();
        let ec2 = clients.ec2();
        match action.operation {
            "RevokeSecurityGroupIngress" => {
                ec2.revoke_security_group_ingress()
                    .group_id(args.group_id)
                    .set_ip_permissions(Some(permissions))
                    .send()
                    .await
                    .map_err(aws("EC2", "RevokeSecurityGroupIngress"))?;
            }
            _ => {
                ec2.revoke_security_group_egress()
                    .group_id(args.group_id)
                    .set_ip_permissions(Some(permissions))
                    .send()
                    .await
                    .map_err(aws("EC2", "RevokeSecurityGroupEgress"))?;
            }
        }
        Ok(())
    }
}
