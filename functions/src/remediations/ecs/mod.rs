//! ECS remediations.

pub mod container_insights;
