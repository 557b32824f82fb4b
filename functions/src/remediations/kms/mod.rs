//! KMS remediations.

pub mod key_rotation;
