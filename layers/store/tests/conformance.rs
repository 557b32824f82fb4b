//! The store traits' conformance scenarios (`soar_testkit::conformance`) on the embedded backend, the
//! same ones the AWS backend runs against moto. Stores opened twice on one folder share the database.

use soar_store::{GroupCommit, LocalStore};
use soar_testkit::conformance;

fn on_disk() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn event_ledger() {
    let dir = on_disk();
    conformance::event_ledger(|clock| LocalStore::open_with_clock(dir.path(), clock).unwrap());
}

#[test]
fn ticket_store() {
    let dir = on_disk();
    conformance::ticket_store(|clock| LocalStore::open_with_clock(dir.path(), clock).unwrap());
}

#[test]
fn suppression_store() {
    let dir = on_disk();
    conformance::suppression_store(|clock| LocalStore::open_with_clock(dir.path(), clock).unwrap());
}

#[test]
fn incident_store() {
    let dir = on_disk();
    conformance::incident_store(|clock| LocalStore::open_with_clock(dir.path(), clock).unwrap());
}

/// With grouped commits (as `soar process` runs it) the store behaves the same.
#[test]
fn ticket_store_with_grouped_commits() {
    let dir = on_disk();
    conformance::ticket_store(|clock| {
        LocalStore::open_with_clock(dir.path(), clock)
            .unwrap()
            .with_group_commit(GroupCommit::default())
    });
}
