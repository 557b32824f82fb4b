//! EC2 remediations.

pub mod default_security_group;
pub mod ebs_default_encryption;
pub mod high_risk_ports;
pub mod imdsv2;
