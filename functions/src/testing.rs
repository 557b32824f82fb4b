//! Test helpers shared by every task's tests.

use std::sync::Arc;

use serde_json::Value;

use crate::Services;

/// Services on an in-memory store with the embedded default accounts.
pub(crate) fn services() -> Services {
    Services::local(
        Arc::new(soar_store::LocalStore::in_memory().expect("in-memory store")),
        crate::Settings::embedded(),
    )
}

/// A valid consolidated control finding (S3.8 FAILED) from the examples.
pub(crate) fn finding() -> Value {
    let text = include_str!("../../examples/findings/securityhub-s3.8-failed.json");
    serde_json::from_str(text).expect("example finding")
}

/// The example finding as the services' finding store holds it now.
pub(crate) fn stored_finding(services: &Services) -> Value {
    let f = finding();
    let id = soar_store::FindingIdentifier::new(
        f["Id"].as_str().expect("Id"),
        f["ProductArn"].as_str().expect("ProductArn"),
    );
    services
        .findings
        .get_finding(&id)
        .expect("finding store")
        .expect("the example finding was imported")
}
