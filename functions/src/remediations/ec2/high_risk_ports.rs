//! EC2.19 — Security groups should not allow unrestricted access to ports with high risk: revokes
//! the inbound rules that open one of those ports to the whole Internet (`0.0.0.0/0` or `::/0`),
//! only the open ranges of them (`RevokeSecurityGroupIngress`); rules from other sources stay.
//!
//! Disruptive: whoever reached those ports from the Internet (an administrator over SSH or RDP, a
//! public database client) loses access.

use serde::Deserialize;
use serde_json::json;

use super::default_security_group::{Cidr, Cidr6, Permission};
use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of EC2.19.
pub struct HighRiskPorts;

/// The one instance.
pub static EC2_19: HighRiskPorts = HighRiskPorts;

/// The ports the control calls high risk (Security Hub controls reference, EC2.19).
pub const HIGH_RISK_PORTS: &[i32] = &[
    20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500,
    5601, 8080, 8088, 8888, 9200, 9300,
];

static META: Meta = Meta {
    control: "EC2.19",
    title: "Security groups should not allow unrestricted access to ports with high risk",
    resource_type: "AwsEc2SecurityGroup",
    disruptive: true,
    description: "Revoke the inbound rules that open a high-risk port (SSH, RDP, databases, ...) to the whole Internet",
    api_calls: &[
        "ec2:DescribeSecurityGroups",
        "ec2:RevokeSecurityGroupIngress",
    ],
};

/// The group's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Inbound rules.
    pub ingress: Vec<Permission>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RevokeArguments {
    group_id: String,
    ip_permissions: Vec<Permission>,
}

/// The high-risk ports a rule opens (all of them for every protocol, `-1`).
fn risky_ports(rule: &Permission) -> Vec<i32> {
    let protocol = rule.ip_protocol.to_ascii_lowercase();
    if protocol == "-1" || protocol == "all" {
        return HIGH_RISK_PORTS.to_vec();
    }
    if !matches!(protocol.as_str(), "tcp" | "udp" | "6" | "17") {
        return Vec::new();
    }
    let (from, to) = match (rule.from_port, rule.to_port) {
        (Some(from), Some(to)) => (from, to),
        _ => return HIGH_RISK_PORTS.to_vec(),
    };
    HIGH_RISK_PORTS
        .iter()
        .copied()
        .filter(|p| (from..=to).contains(p))
        .collect()
}

/// The part of `rule` open to the whole Internet on a high-risk port, if any: the rule with only its
/// `0.0.0.0/0` and `::/0` ranges, and the ports it exposes.
pub fn open_part(rule: &Permission) -> Option<(Permission, Vec<i32>)> {
    let ports = risky_ports(rule);
    let ip_ranges: Vec<Cidr> = rule
        .ip_ranges
        .iter()
        .filter(|r| r.cidr_ip == "0.0.0.0/0")
        .cloned()
        .collect();
    let ipv6_ranges: Vec<Cidr6> = rule
        .ipv6_ranges
        .iter()
        .filter(|r| r.cidr_ipv6 == "::/0")
        .cloned()
        .collect();
    if ports.is_empty() || (ip_ranges.is_empty() && ipv6_ranges.is_empty()) {
        return None;
    }
    Some((
        Permission {
            ip_protocol: rule.ip_protocol.clone(),
            from_port: rule.from_port,
            to_port: rule.to_port,
            ip_ranges,
            ipv6_ranges,
            prefix_list_ids: Vec::new(),
            user_id_group_pairs: Vec::new(),
        },
        ports,
    ))
}

impl Remediation for HighRiskPorts {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        super::default_security_group::EC2_2.resource_name(id)
    }

    fn state_from_finding(&self, target: &Target) -> State {
        State {
            ingress: target
                .detail("AwsEc2SecurityGroup")
                .and_then(|d| d.get("IpPermissions"))
                .and_then(|r| Vec::<Permission>::deserialize(r).ok())
                .unwrap_or_default(),
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
            ingress: group
                .ip_permissions()
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
        let open: Vec<(Permission, Vec<i32>)> =
            state.ingress.iter().filter_map(open_part).collect();
        if open.is_empty() {
            return Plan::Compliant("opens no high-risk port to the Internet".into());
        }
        let mut ports: Vec<i32> = open.iter().flat_map(|(_, p)| p.iter().copied()).collect();
        ports.sort_unstable();
        ports.dedup();
        let ports: Vec<String> = ports.iter().map(i32::to_string).collect();
        let group = &target.name;
        let rules: Vec<Permission> = open.into_iter().map(|(rule, _)| rule).collect();
        let n = rules.len();
        Plan::Change(vec![Action {
            service: "ec2",
            operation: "RevokeSecurityGroupIngress",
            parameters: json!({"GroupId": group, "IpPermissions": rules}),
            todo: format!(
                "revoke the {n} inbound rule{} of security group {group} that open port(s) {} to the whole Internet",
                if n == 1 { "" } else { "s" },
                ports.join(", ")
            ),
            done: format!(
                "Revoked the {n} inbound rule{} of security group {group} that opened port(s) {} to the whole Internet; rules from other sources are unchanged",
                if n == 1 { "" } else { "s" },
                ports.join(", ")
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        let args: RevokeArguments = action.arguments()?;
        clients
            .ec2()
            .revoke_security_group_ingress()
            .group_id(args.group_id)
            .set_ip_permissions(Some(
                args.ip_permissions.iter().map(Permission::to_sdk).collect(),
            ))
            .send()
            .await
            .map_err(aws("EC2", "RevokeSecurityGroupIngress"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(protocol: &str, from: Option<i32>, to: Option<i32>, cidrs: &[&str]) -> Permission {
        Permission {
            ip_protocol: protocol.into(),
            from_port: from,
            to_port: to,
            ip_ranges: cidrs
                .iter()
                .filter(|c| !c.contains(':'))
                .map(|c| Cidr {
                    cidr_ip: c.to_string(),
                })
                .collect(),
            ipv6_ranges: cidrs
                .iter()
                .filter(|c| c.contains(':'))
                .map(|c| Cidr6 {
                    cidr_ipv6: c.to_string(),
                })
                .collect(),
            ..Permission::default()
        }
    }

    #[test]
    fn only_the_internet_wide_part_of_a_high_risk_rule_is_revoked() {
        // SSH from the world and from the office: only the world is revoked.
        let (open, ports) = open_part(&rule(
            "tcp",
            Some(22),
            Some(22),
            &["0.0.0.0/0", "203.0.113.0/24"],
        ))
        .unwrap();
        assert_eq!(ports, [22]);
        assert_eq!(
            open.ip_ranges,
            [Cidr {
                cidr_ip: "0.0.0.0/0".into()
            }]
        );
        // A range containing high-risk ports, and all traffic, over IPv6.
        let (_, ports) = open_part(&rule("tcp", Some(3000), Some(3400), &["::/0"])).unwrap();
        assert_eq!(ports, [3000, 3306, 3389]);
        assert_eq!(
            open_part(&rule("-1", None, None, &["::/0"]))
                .unwrap()
                .1
                .len(),
            HIGH_RISK_PORTS.len()
        );
        // HTTPS to the world, SSH from the office, ICMP: nothing to revoke.
        assert!(open_part(&rule("tcp", Some(443), Some(443), &["0.0.0.0/0"])).is_none());
        assert!(open_part(&rule("tcp", Some(22), Some(22), &["203.0.113.0/24"])).is_none());
        assert!(open_part(&rule("icmp", Some(-1), Some(-1), &["0.0.0.0/0"])).is_none());
    }
}
