//! ECR remediations.

pub mod scan_on_push;
