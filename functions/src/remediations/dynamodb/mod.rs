//! DynamoDB remediations.

pub mod point_in_time_recovery;
