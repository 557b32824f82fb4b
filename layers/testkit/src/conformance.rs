//! The store traits' behaviour, as scenarios every implementation must pass: the embedded backend
//! (`layers/store/tests/conformance.rs`) and the AWS one against moto (`layers/aws/tests/moto.rs`) run
//! the same ones, so the two backends cannot drift apart.
//!
//! Each scenario takes `open`, which opens the store under test with a given clock; stores opened
//! twice must share their data (a second clock reads the same records).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use soar_store::incidents::{IncidentFilter, IncidentStatus, IncidentStore, NewIncident};
use soar_store::tickets::{
    NewTicket, OpenOutcome, OpenedTicket, TicketAction, TicketFilter, TicketStatus, TicketStore,
};
use soar_store::{
    Clock, EventLedger, FindingFacts, Outcome, StoreError, SuppressionRule, SuppressionStore,
};

/// `2026-11-23 12:00 UTC` plus `seconds`: every scenario's timeline.
pub fn at(seconds: i64) -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-23 12:00 UTC) + time::Duration::seconds(seconds)
}

/// A clock that reads `at(0)`, `at(1)`, ... and the handle that moves it.
fn ticking() -> (Clock, Arc<AtomicI64>) {
    let tick = Arc::new(AtomicI64::new(0));
    let handle = tick.clone();
    (
        Clock::from_fn(move || at(tick.fetch_add(1, Ordering::SeqCst))),
        handle,
    )
}

/// The processed-event ledger: new once, duplicates and older events recognised, concurrent
/// deliveries new exactly once. The clock reads `at(1000)`.
pub fn event_ledger<L: EventLedger + Send + Sync + 'static>(open: impl Fn(Clock) -> L) {
    let ledger: Arc<dyn EventLedger + Send + Sync> = Arc::new(open(Clock::fixed(at(1000))));
    assert_eq!(ledger.latest("f").unwrap(), None);
    assert_eq!(
        ledger.record_if_newer("f", at(100), "a").unwrap(),
        Outcome::New
    );
    assert_eq!(
        ledger.record_if_newer("f", at(100), "a").unwrap(),
        Outcome::Duplicate
    );
    assert_eq!(
        ledger.record_if_newer("f", at(99), "z").unwrap(),
        Outcome::Older
    );
    let latest = ledger.latest("f").unwrap().unwrap();
    assert_eq!(
        (
            latest.finding_id.as_str(),
            latest.updated_at,
            latest.fingerprint.as_str()
        ),
        ("f", at(100), "a")
    );
    assert_eq!(latest.recorded_at, at(1000));

    // Same UpdatedAt, different content (a BatchUpdateFindings change): new, and remembered.
    assert_eq!(
        ledger.record_if_newer("f", at(100), "b").unwrap(),
        Outcome::New
    );
    assert_eq!(ledger.latest("f").unwrap().unwrap().fingerprint, "b");
    assert_eq!(
        ledger.record_if_newer("f", at(100), "a").unwrap(),
        Outcome::Duplicate
    );
    assert_eq!(
        ledger.record_if_newer("f", at(100), "b").unwrap(),
        Outcome::Duplicate
    );

    // A newer event; older ones are Older from now on.
    assert_eq!(
        ledger.record_if_newer("f", at(101), "a").unwrap(),
        Outcome::New
    );
    assert_eq!(
        ledger.record_if_newer("f", at(100), "c").unwrap(),
        Outcome::Older
    );
    assert_eq!(ledger.latest("f").unwrap().unwrap().updated_at, at(101));

    // Timestamps compare as times, not as the caller's text: 13:00+01:00 is 12:00 UTC.
    let plus_one = time::macros::datetime!(2026-11-23 13:00:00 +01:00);
    assert_eq!(
        ledger.record_if_newer("g", plus_one, "a").unwrap(),
        Outcome::New
    );
    assert_eq!(
        ledger.record_if_newer("g", at(0), "a").unwrap(),
        Outcome::Duplicate
    );
    assert_eq!(
        ledger
            .record_if_newer("g", at(0) - time::Duration::milliseconds(1), "b")
            .unwrap(),
        Outcome::Older
    );

    // The same event delivered to many executions at once is new exactly once.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let ledger = ledger.clone();
            std::thread::spawn(move || {
                (0..10)
                    .filter(|i| {
                        ledger
                            .record_if_newer(&format!("c-{i}"), at(5), "x")
                            .unwrap()
                            == Outcome::New
                    })
                    .count()
            })
        })
        .collect();
    let new: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(new, 10);
}

fn new_ticket(finding_id: &str) -> NewTicket {
    NewTicket {
        finding_id: finding_id.into(),
        account: "111122223333".into(),
        control_id: Some("EC2.19".into()),
        title: "Open security group".into(),
        severity: "HIGH".into(),
        note: "failed control".into(),
    }
}

/// Tickets: one open ticket per finding (also under concurrent openers), reopened with its history,
/// notes, external references and every list filter.
pub fn ticket_store<T: TicketStore + Send + Sync + 'static>(open: impl Fn(Clock) -> T) {
    let (clock, tick) = ticking();
    let store: Arc<dyn TicketStore + Send + Sync> = Arc::new(open(clock));
    // Opening may read the clock (the embedded store stamps its seeded accounts): start the timeline
    // at the first operation.
    tick.store(0, Ordering::SeqCst);
    // open_for is idempotent.
    let first = store.open_for(&new_ticket("f-1")).unwrap();
    assert_eq!(first.outcome, OpenOutcome::Created);
    assert_eq!(first.ticket.status, TicketStatus::Open);
    assert_eq!(first.ticket.opened_at, at(0));
    assert_eq!(first.ticket.finding_id, "f-1");
    assert_eq!(first.ticket.control_id.as_deref(), Some("EC2.19"));
    assert_eq!(first.ticket.history.len(), 1);
    assert_eq!(first.ticket.history[0].action, TicketAction::Opened);
    let second = store
        .open_for(&NewTicket {
            severity: "LOW".into(),
            ..new_ticket("f-1")
        })
        .unwrap();
    assert_eq!(second.outcome, OpenOutcome::AlreadyOpen);
    assert_eq!(second.ticket, first.ticket, "nothing changed");
    assert_eq!(store.get_open("f-1").unwrap(), Some(first.ticket.clone()));
    assert_eq!(
        store.get_ticket(&first.ticket.id).unwrap(),
        Some(first.ticket.clone())
    );
    assert_eq!(store.get_open("f-2").unwrap(), None);
    assert_eq!(store.get_ticket("nope").unwrap(), None);
    assert!(matches!(
        store.open_for(&new_ticket("")),
        Err(StoreError::InvalidInput { .. })
    ));

    // Close, then open again: the same ticket, reopened, its history kept.
    tick.store(10, Ordering::SeqCst);
    let closed = store.close("f-1", "control passed").unwrap().unwrap();
    assert_eq!(closed.status, TicketStatus::Closed);
    assert_eq!(closed.closed_at, Some(at(10)));
    assert_eq!(
        store.close("f-1", "again").unwrap(),
        None,
        "closing twice is harmless"
    );
    assert_eq!(store.close("f-unknown", "x").unwrap(), None);
    assert_eq!(store.get_open("f-1").unwrap(), None);
    let reopened = store
        .open_for(&NewTicket {
            severity: "CRITICAL".into(),
            note: "failed again".into(),
            ..new_ticket("f-1")
        })
        .unwrap();
    assert_eq!(reopened.outcome, OpenOutcome::Reopened);
    let ticket = reopened.ticket;
    assert_eq!(
        ticket.id, first.ticket.id,
        "the same ticket, not a second one"
    );
    assert_eq!(ticket.reopen_count, 1);
    assert_eq!(ticket.status, TicketStatus::Open);
    assert_eq!(ticket.closed_at, None);
    assert_eq!(ticket.opened_at, first.ticket.opened_at);
    assert_eq!(ticket.severity, "CRITICAL");
    let actions: Vec<_> = ticket
        .history
        .iter()
        .map(|e| (e.action, e.note.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (TicketAction::Opened, "failed control"),
            (TicketAction::Closed, "control passed"),
            (TicketAction::Reopened, "failed again")
        ]
    );
    assert_eq!(ticket.last_opened_at(), ticket.history[2].at);
    assert_eq!(store.get_ticket(&ticket.id).unwrap(), Some(ticket.clone()));
    store.close("f-1", "fixed").unwrap();
    let twice = store.open_for(&new_ticket("f-1")).unwrap().ticket;
    assert_eq!(
        (twice.id.as_str(), twice.reopen_count, twice.history.len()),
        (first.ticket.id.as_str(), 2, 5)
    );

    // Notes and external references.
    let noted = store.add_note(&twice.id, "owner notified").unwrap();
    assert_eq!(noted.history.last().unwrap().action, TicketAction::Noted);
    let linked = store.set_external_ref(&twice.id, "SEC-1234").unwrap();
    assert_eq!(linked.external_ref.as_deref(), Some("SEC-1234"));
    assert_eq!(linked.history.last().unwrap().note, "SEC-1234");
    assert!(matches!(
        store.add_note("nope", "x"),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.set_external_ref("nope", "x"),
        Err(StoreError::NotFound { .. })
    ));

    // Many threads opening tickets for the same findings at once: one ticket per finding.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..5)
                    .map(|i| store.open_for(&new_ticket(&format!("c-{i}"))).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let opened: Vec<OpenedTicket> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(
        opened
            .iter()
            .filter(|o| o.outcome == OpenOutcome::Created)
            .count(),
        5
    );
    for i in 0..5 {
        let finding = format!("c-{i}");
        let ids: std::collections::BTreeSet<_> = opened
            .iter()
            .filter(|o| o.ticket.finding_id == finding)
            .map(|o| o.ticket.id.clone())
            .collect();
        assert_eq!(ids.len(), 1, "one ticket for {finding}: {ids:?}");
    }

    // list: every filter, oldest first.
    store.close("c-4", "done").unwrap();
    let list = |filter: TicketFilter| -> Vec<String> {
        store
            .list(&filter)
            .unwrap()
            .into_iter()
            .map(|t| t.finding_id)
            .collect()
    };
    let all = list(TicketFilter::default());
    assert_eq!(all.len(), 6, "{all:?}");
    assert_eq!(all[0], "f-1");
    assert_eq!(
        list(TicketFilter {
            status: Some(TicketStatus::Closed),
            ..Default::default()
        }),
        ["c-4"]
    );
    assert_eq!(
        list(TicketFilter {
            status: Some(TicketStatus::Open),
            ..Default::default()
        })
        .len(),
        5
    );
    assert_eq!(
        list(TicketFilter {
            finding_id: Some("f-1".into()),
            account: Some("111122223333".into()),
            control_id: Some("EC2.19".into()),
            ..Default::default()
        }),
        ["f-1"]
    );
    assert!(
        list(TicketFilter {
            account: Some("444455556666".into()),
            ..Default::default()
        })
        .is_empty()
    );
    assert_eq!(
        list(TicketFilter {
            limit: Some(1),
            ..Default::default()
        }),
        ["f-1"]
    );
    let listed = store
        .list(&TicketFilter {
            finding_id: Some("f-1".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(listed, [store.get_open("f-1").unwrap().unwrap()]);
}

fn rule(id: &str, control: Option<&str>, account: Option<&str>) -> SuppressionRule {
    SuppressionRule {
        id: id.into(),
        control_id: control.map(str::to_owned),
        account_id: account.map(str::to_owned),
        resource: None,
        resource_tags: BTreeMap::new(),
        expires_at: None,
        reason: format!("reason {id}"),
    }
}

/// Suppression rules: put, replace, list (expired rules included, more than a 1 MB page), remove,
/// and matching the most specific rule in force.
pub fn suppression_store<S: SuppressionStore>(open: impl Fn(Clock) -> S) {
    let store = open(Clock::fixed(at(0)));
    // put, get, replace, list, remove.
    let mut r = rule("a", Some("EC2.19"), None);
    r.resource_tags.insert("Exception".into(), "SEC-1".into());
    r.resource_tags.insert("Team".into(), "payments".into());
    r.resource = Some("arn:aws:ec2:*:security-group/sg-*".into());
    r.expires_at = Some(at(3600));
    store.put_rule(&r).unwrap();
    assert_eq!(store.get_rule("a").unwrap(), Some(r.clone()));
    r.reason = "replaced".into();
    r.resource_tags.remove("Team");
    store.put_rule(&r).unwrap();
    assert_eq!(store.list_rules().unwrap(), [r.clone()]);
    assert_eq!(store.get_rule("nope").unwrap(), None);
    assert!(store.remove_rule("a").unwrap());
    assert!(!store.remove_rule("a").unwrap());
    assert_eq!(store.list_rules().unwrap(), []);
    assert!(matches!(
        store.put_rule(&rule("all", None, None)),
        Err(StoreError::InvalidInput { .. })
    ));
    assert_eq!(
        store.get_rule("all").unwrap(),
        None,
        "refused rules are not written"
    );

    // matching: the most specific rule in force.
    let facts = FindingFacts::from_finding(&serde_json::json!({
        "AwsAccountId": "111122223333",
        "Compliance": {"SecurityControlId": "EC2.19"},
        "Resources": [{"Id": "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1",
                       "Tags": {"Exception": "SEC-1"}}]
    }));
    assert_eq!(store.matching(&facts).unwrap(), None);
    store
        .put_rule(&rule("broad", Some("EC2.19"), None))
        .unwrap();
    store
        .put_rule(&rule("other-account", Some("EC2.19"), Some("444455556666")))
        .unwrap();
    store
        .put_rule(&rule("other-control", Some("S3.1"), None))
        .unwrap();
    assert_eq!(store.matching(&facts).unwrap().unwrap().id, "broad");

    let mut narrow = rule("narrow", Some("EC2.19"), Some("111122223333"));
    narrow.resource = Some("arn:aws:ec2:*:security-group/sg-*".into());
    store.put_rule(&narrow).unwrap();
    assert_eq!(store.matching(&facts).unwrap(), Some(narrow.clone()));

    // More specific, but expired (now is at(0)): never matches, and is still listed.
    let mut expired = rule("expired", Some("EC2.19"), Some("111122223333"));
    expired
        .resource_tags
        .insert("Exception".into(), "SEC-1".into());
    expired.resource = Some("*".into());
    expired.expires_at = Some(at(0));
    store.put_rule(&expired).unwrap();
    assert_eq!(store.matching(&facts).unwrap().unwrap().id, "narrow");
    // In force one second earlier: the same rule wins then.
    let earlier = open(Clock::fixed(at(-1)));
    assert_eq!(earlier.matching(&facts).unwrap().unwrap().id, "expired");

    // The tags must be on a resource that matches the pattern.
    let mut tagged = rule("tagged", Some("EC2.19"), Some("111122223333"));
    tagged.resource = Some("*:instance/*".into());
    tagged
        .resource_tags
        .insert("Exception".into(), "SEC-1".into());
    store.put_rule(&tagged).unwrap();
    assert_eq!(store.matching(&facts).unwrap().unwrap().id, "narrow");

    // A finding without a control: only rules without a control id can match.
    let mut account_only = facts.clone();
    account_only.control_id = None;
    assert_eq!(store.matching(&account_only).unwrap(), None);
    store
        .put_rule(&rule("account", None, Some("111122223333")))
        .unwrap();
    assert_eq!(
        store.matching(&account_only).unwrap().unwrap().id,
        "account"
    );

    // Listed by id, expired rules included.
    let ids: Vec<String> = store
        .list_rules()
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        ids,
        [
            "account",
            "broad",
            "expired",
            "narrow",
            "other-account",
            "other-control",
            "tagged"
        ]
    );
    // More rules than one page of a Query (1 MB): paginated.
    let long_reason = "x".repeat(200_000);
    for i in 0..6 {
        store
            .put_rule(&SuppressionRule {
                reason: long_reason.clone(),
                ..rule(&format!("z-{i}"), Some("S3.1"), None)
            })
            .unwrap();
    }
    assert_eq!(store.list_rules().unwrap().len(), 13);
    assert_eq!(store.matching(&facts).unwrap().unwrap().id, "narrow");
}

fn new_incident(finding_id: &str, kind: &str) -> NewIncident {
    NewIncident {
        finding_id: finding_id.into(),
        kind: kind.into(),
        severity: "CRITICAL".into(),
        note: "root login".into(),
    }
}

/// What [`incident_store`] leaves behind for backend-specific checks.
pub struct IncidentsLeft {
    /// An incident closed at `at(101)`.
    pub closed_id: String,
    /// An incident still open.
    pub open_id: String,
}

/// Incidents: one open per finding and kind (also under concurrent openers and closers), notes,
/// idempotent closing, reopening as a new incident, every list filter.
pub fn incident_store<I: IncidentStore + Send + Sync + 'static>(
    open: impl Fn(Clock) -> I,
) -> IncidentsLeft {
    let (clock, tick) = ticking();
    let store: Arc<dyn IncidentStore + Send + Sync> = Arc::new(open(clock));
    tick.store(0, Ordering::SeqCst);
    // One open incident per finding and kind.
    let first = store
        .open_incident(&new_incident("f-1", "root-login"))
        .unwrap();
    assert!(first.created);
    assert_eq!(first.incident.opened_at, at(0));
    assert_eq!(first.incident.status, IncidentStatus::Open);
    assert_eq!(first.incident.closed_at, None);
    assert_eq!(
        (
            first.incident.finding_id.as_str(),
            first.incident.kind.as_str(),
            first.incident.severity.as_str()
        ),
        ("f-1", "root-login", "CRITICAL")
    );
    assert_eq!(first.incident.notes.len(), 1);
    assert_eq!(first.incident.notes[0].text, "root login");
    assert_eq!(first.incident.notes[0].at, at(0));
    let again = store
        .open_incident(&new_incident("f-1", "root-login"))
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.incident, first.incident);
    let other_kind = store
        .open_incident(&NewIncident {
            note: String::new(),
            ..new_incident("f-1", "guardduty")
        })
        .unwrap();
    assert!(other_kind.created);
    assert!(
        other_kind.incident.notes.is_empty(),
        "an empty note is no note"
    );
    assert_eq!(
        store.open_incidents("f-1").unwrap(),
        [first.incident.clone(), other_kind.incident.clone()]
    );
    assert_eq!(store.open_incidents("f-2").unwrap(), []);
    assert!(matches!(
        store.open_incident(&new_incident("", "x")),
        Err(StoreError::InvalidInput { .. })
    ));
    assert!(matches!(
        store.open_incident(&new_incident("f-1", "")),
        Err(StoreError::InvalidInput { .. })
    ));
    assert_eq!(
        store.get_incident(&first.incident.id).unwrap(),
        Some(first.incident.clone())
    );
    assert_eq!(store.get_incident("nope").unwrap(), None);

    // Notes are appended; closing is idempotent and sets the TTL.
    let id = first.incident.id.clone();
    tick.store(100, Ordering::SeqCst);
    let noted = store
        .add_incident_note(&id, "called the account owner")
        .unwrap();
    assert_eq!(noted.notes.len(), 2);
    assert_eq!(noted.notes[1].at, at(100));
    assert_eq!(noted.notes[1].text, "called the account owner");
    let closed = store.close_incident(&id, "credentials rotated").unwrap();
    assert_eq!(closed.status, IncidentStatus::Closed);
    assert_eq!(closed.closed_at, Some(at(101)));
    let texts: Vec<_> = closed.notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "root login",
            "called the account owner",
            "credentials rotated"
        ]
    );
    assert_eq!(
        store.close_incident(&id, "again").unwrap(),
        closed,
        "closing twice changes nothing"
    );
    assert_eq!(
        store.open_incidents("f-1").unwrap(),
        std::slice::from_ref(&other_kind.incident)
    );
    let reopened = store
        .open_incident(&new_incident("f-1", "root-login"))
        .unwrap();
    assert!(
        reopened.created,
        "a new incident after the old one was closed"
    );
    assert_ne!(reopened.incident.id, id);
    assert!(matches!(
        store.close_incident("nope", ""),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.add_incident_note("nope", ""),
        Err(StoreError::NotFound { .. })
    ));
    // A note on a closed incident is kept; an empty closing note adds none.
    let closed = store.add_incident_note(&id, "post-mortem written").unwrap();
    assert_eq!(closed.status, IncidentStatus::Closed);
    assert_eq!(closed.notes.len(), 4);
    let quiet = store.close_incident(&other_kind.incident.id, "").unwrap();
    assert!(quiet.notes.is_empty());

    // list: every filter, oldest first.
    let all = store.list_incidents(&IncidentFilter::default()).unwrap();
    let ids: Vec<_> = all.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            id.as_str(),
            other_kind.incident.id.as_str(),
            reopened.incident.id.as_str()
        ]
    );
    assert_eq!(
        store
            .list_incidents(&IncidentFilter {
                status: Some(IncidentStatus::Closed),
                ..Default::default()
            })
            .unwrap(),
        [closed.clone(), quiet]
    );
    assert_eq!(
        store
            .list_incidents(&IncidentFilter {
                status: Some(IncidentStatus::Open),
                finding_id: Some("f-1".into()),
                kind: Some("root-login".into()),
                ..Default::default()
            })
            .unwrap(),
        std::slice::from_ref(&reopened.incident)
    );
    assert_eq!(
        store
            .list_incidents(&IncidentFilter {
                kind: Some("x".into()),
                ..Default::default()
            })
            .unwrap(),
        []
    );
    assert_eq!(
        store
            .list_incidents(&IncidentFilter {
                limit: Some(1),
                ..Default::default()
            })
            .unwrap(),
        [closed]
    );

    // Many threads opening the same incidents at once: one incident per finding and kind.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..5)
                    .map(|i| {
                        store
                            .open_incident(&new_incident(&format!("c-{i}"), "guardduty"))
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let opened: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(opened.iter().filter(|o| o.created).count(), 5);
    for i in 0..5 {
        let finding = format!("c-{i}");
        let ids: std::collections::BTreeSet<_> = opened
            .iter()
            .filter(|o| o.incident.finding_id == finding)
            .map(|o| o.incident.id.clone())
            .collect();
        assert_eq!(ids.len(), 1, "one incident for {finding}: {ids:?}");
        assert_eq!(store.open_incidents(&finding).unwrap().len(), 1);
    }

    // Concurrent closers: each call returns the closed incident, closed once.
    let target = opened[0].incident.id.clone();
    let threads: Vec<_> = (0..4)
        .map(|n| {
            let store = store.clone();
            let target = target.clone();
            std::thread::spawn(move || {
                store
                    .close_incident(&target, &format!("closer {n}"))
                    .unwrap()
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let closing_notes: Vec<_> = results[0]
        .notes
        .iter()
        .filter(|n| n.text.starts_with("closer"))
        .collect();
    assert_eq!(closing_notes.len(), 1, "{:?}", results[0].notes);
    for result in &results {
        assert_eq!(result, &results[0]);
    }
    IncidentsLeft {
        closed_id: id,
        open_id: reopened.incident.id,
    }
}
