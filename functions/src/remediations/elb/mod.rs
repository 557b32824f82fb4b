//! Elastic Load Balancing remediations.

pub mod drop_invalid_headers;
