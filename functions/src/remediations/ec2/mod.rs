//! EC2 remediations.

pub mod default_security_group;
pub mod ebs_default_encryption;
pub mod imdsv2;
