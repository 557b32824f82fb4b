//! `soar`: SOAR for AWS Security Hub, and a local runner for any Step Functions state machine.
fn main() {}
