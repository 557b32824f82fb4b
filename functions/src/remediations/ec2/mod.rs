//! EC2 remediations.

pub mod default_security_group;
pub mod ebs_default_encryption;
pub mod high_risk_ports;
pub mod imdsv2;
pub mod public_snapshots;
pub mod subnet_public_ip;

/// An EC2 resource's tags as `(key, value)` pairs (a missing key or value reads as empty).
pub(crate) fn tag_list(tags: &[aws_sdk_ec2::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}
