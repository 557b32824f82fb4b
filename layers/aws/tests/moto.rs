//! soar-aws against a real AWS-compatible endpoint: moto's server (`pip install 'moto[server]'`).
//!
//! Each test starts its own `moto_server` on a free port ([`soar_testkit::Moto`]), so tests run in
//! parallel with separate state; without moto they skip, unless `CI` is set.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_organizations::types::{AccountState, Tag};
use soar_aws::AwsBackend;
use soar_store::incidents::{IncidentFilter, IncidentStatus, IncidentStore, NewIncident};
use soar_store::tickets::{
    NewTicket, OpenOutcome, OpenedTicket, TicketAction, TicketFilter, TicketStatus, TicketStore,
};
use soar_store::{
    AccountDirectory, Clock, Email, EventLedger, FindingFacts, Mailer, Outcome, StoreError,
    SuppressionRule, SuppressionStore,
};
use soar_testkit::{Moto, create_table};

fn email(from: &str) -> Email {
    Email {
        from: from.into(),
        to: vec!["owner@example.com".into(), "Team <team@example.com>".into()],
        cc: vec!["soc@example.com".into()],
        subject: "[SOAR] CRITICAL finding in 111122223333".into(),
        text: "S3 bucket is public.".into(),
        html: Some("<p>S3 bucket is <b>public</b>.</p>".into()),
    }
}

/// Sends with a verified sender and reads the message back from moto; an unverified sender is refused.
/// Runs inside a multi-thread runtime, as the engine's task functions do: the sync call must not
/// deadlock or panic there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ses_mailer_sends_through_sesv2() {
    let Some(moto) = Moto::start() else { return };
    let config = moto.sdk_config();
    aws_sdk_sesv2::Client::new(&config)
        .create_email_identity()
        .email_identity("soar@example.com")
        .send()
        .await
        .expect("verify the sender");

    let backend = AwsBackend::from_sdk_config(config).unwrap();
    let mailer: Box<dyn Mailer + Send + Sync> = Box::new(backend.mailer());
    let sent = mailer
        .send(&email("SOAR <soar@example.com>"))
        .expect("send");
    assert!(!sent.message_id.is_empty());
    assert_eq!(sent.location, None);

    let data = moto.data();
    let messages = data["ses"]["Message"].as_array().expect("ses.Message");
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(message["id"], sent.message_id.as_str());
    assert_eq!(
        message["subject"],
        "[SOAR] CRITICAL finding in 111122223333"
    );
    assert_eq!(message["source"], "SOAR <soar@example.com>");
    assert_eq!(
        message["destinations"]["ToAddresses"],
        serde_json::json!(["owner@example.com", "Team <team@example.com>"])
    );
    assert_eq!(
        message["destinations"]["CcAddresses"],
        serde_json::json!(["soc@example.com"])
    );
    // moto keeps the HTML body when there is one.
    assert_eq!(message["body"], "<p>S3 bucket is <b>public</b>.</p>");

    // A text-only message from a plain thread (no runtime at all).
    let text_only = Email {
        html: None,
        cc: Vec::new(),
        ..email("soar@example.com")
    };
    let mailer_for_thread = backend.mailer();
    std::thread::spawn(move || mailer_for_thread.send(&text_only).expect("send text"))
        .join()
        .unwrap();
    let data = moto.data();
    let message = &data["ses"]["Message"][1];
    assert_eq!(message["body"], "S3 bucket is public.");
    assert!(
        message["destinations"]
            .get("CcAddresses")
            .is_none_or(|cc| cc.as_array().is_none_or(Vec::is_empty))
    );

    // An unverified sender: SES rejects the message, which is not worth retrying.
    let err = mailer
        .send(&email("stranger@example.org"))
        .expect_err("unverified sender");
    assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
    assert!(!err.is_transient(), "{err:?}");
    assert_eq!(err.error_name(), "Store.Backend");
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<soar_store::error::ServiceError>())
        .expect("a ServiceError source");
    assert_eq!(
        source.code.as_deref(),
        Some("MessageRejected"),
        "{source:?}"
    );

    // Invalid addresses never reach SES.
    let err = mailer.send(&email("not an address")).unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput { .. }), "{err:?}");
    assert_eq!(moto.data()["ses"]["Message"].as_array().unwrap().len(), 2);

    // Dropping the backend inside the runtime must not panic.
    drop(mailer);
    drop(backend);
}

/// Builds Root/Workloads/Prod, creates a tagged account in Prod and reads it through the directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_directory_reads_accounts() {
    let Some(moto) = Moto::start() else { return };
    let config = moto.sdk_config();
    let org = aws_sdk_organizations::Client::new(&config);
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let root = org.list_roots().send().await.unwrap().roots.unwrap()[0]
        .id
        .clone()
        .unwrap();
    let create_ou = |parent: String, name: &'static str| {
        let org = org.clone();
        async move {
            org.create_organizational_unit()
                .parent_id(parent)
                .name(name)
                .send()
                .await
                .unwrap()
                .organizational_unit
                .unwrap()
                .id
                .unwrap()
        }
    };
    let workloads = create_ou(root.clone(), "Workloads").await;
    let prod = create_ou(workloads, "Prod").await;
    let status = org
        .create_account()
        .email("payments-prod@example.com")
        .account_name("payments-prod")
        .send()
        .await
        .unwrap()
        .create_account_status
        .unwrap();
    let account_id = status.account_id.expect("moto creates accounts at once");
    org.move_account()
        .account_id(&account_id)
        .source_parent_id(&root)
        .destination_parent_id(&prod)
        .send()
        .await
        .unwrap();
    let tag = |key: &str, value: &str| Tag::builder().key(key).value(value).build().unwrap();
    org.tag_resource()
        .resource_id(&account_id)
        .tags(tag("soar:environment", "prod"))
        .tags(tag("soar:team", "payments"))
        .tags(tag("soar:team-email", "payments@example.com"))
        .tags(tag("cost-center", "42"))
        .send()
        .await
        .unwrap();
    let joined = org
        .describe_account()
        .account_id(&account_id)
        .send()
        .await
        .unwrap()
        .account
        .unwrap();
    assert_ne!(joined.state, Some(AccountState::Suspended));
    let joined = joined.joined_timestamp.unwrap();

    let backend = AwsBackend::from_sdk_config(config).unwrap();
    let directory: Box<dyn AccountDirectory + Send + Sync> = Box::new(backend.accounts());
    let account = directory.get(&account_id).unwrap().expect("the account");
    assert_eq!(account.id, account_id);
    assert_eq!(account.name, "payments-prod");
    assert_eq!(account.email, "payments-prod@example.com");
    assert_eq!(account.ou_path, "Root/Workloads/Prod");
    assert_eq!(account.environment, "prod");
    assert_eq!(account.team, "payments");
    assert_eq!(account.team_email, "payments@example.com");
    assert_eq!(account.tags.len(), 4, "{:?}", account.tags);
    assert_eq!(account.tags["cost-center"], "42");
    assert_eq!(account.created_at.unix_timestamp(), joined.secs());
    account.validate().unwrap();

    // The management account sits at the root and has no tags: the fallbacks.
    let accounts = directory.list_accounts().unwrap();
    assert_eq!(accounts.len(), 2, "{accounts:?}");
    assert!(accounts.contains(&account));
    let management = accounts.iter().find(|a| a.id != account_id).unwrap();
    assert_eq!(management.ou_path, "Root");
    assert_eq!(
        (management.environment.as_str(), management.team.as_str()),
        ("unknown", "unknown")
    );
    assert_eq!(management.team_email, "");

    assert_eq!(directory.get("999999999999").unwrap(), None);
    assert_eq!(directory.get("not-an-id").unwrap(), None);
}

/// The sync calls also work from a current-thread runtime (`#[tokio::test]`), where `block_in_place`
/// would panic, and errors from a dead endpoint are transient.
#[tokio::test]
async fn works_on_a_current_thread_runtime_and_connection_failures_are_transient() {
    let Some(moto) = Moto::start() else { return };
    let backend = AwsBackend::from_sdk_config(moto.sdk_config()).unwrap();
    let directory = backend.accounts();
    // No organization yet: moto knows no account.
    assert_eq!(directory.get("123456789012").unwrap(), None);

    drop(moto);
    let err = directory.get("123456789012").unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(err.error_name(), "Store.Busy");
}

fn at(seconds: i64) -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-23 12:00 UTC) + time::Duration::seconds(seconds)
}

/// The embedded ledger's scenarios (`layers/store/src/local/events.rs`) against DynamoDB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_event_ledger() {
    let Some(moto) = Moto::start_serialized() else {
        return;
    };
    let config = moto.sdk_config();
    create_table(&config, "soar-processed-events-test").await;
    let backend = AwsBackend::from_sdk_config(config).unwrap();
    let ledger: Arc<dyn EventLedger + Send + Sync> = Arc::new(
        backend
            .event_ledger("soar-processed-events-test")
            .with_clock(Clock::fixed(at(1000))),
    );

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

/// The embedded ticket store's scenarios (`layers/store/src/local/tickets.rs`) against DynamoDB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_ticket_store() {
    let Some(moto) = Moto::start_serialized() else {
        return;
    };
    let config = moto.sdk_config();
    create_table(&config, "soar-tickets-test").await;
    let backend = AwsBackend::from_sdk_config(config).unwrap();
    let tick = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let clock = {
        let tick = tick.clone();
        Clock::from_fn(move || at(tick.fetch_add(1, std::sync::atomic::Ordering::SeqCst)))
    };
    let store: Arc<dyn TicketStore + Send + Sync> =
        Arc::new(backend.tickets("soar-tickets-test").with_clock(clock));

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
    tick.store(10, std::sync::atomic::Ordering::SeqCst);
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

/// The embedded suppression store's scenarios (`layers/store/src/local/suppressions.rs`) against
/// DynamoDB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_suppression_store() {
    let Some(moto) = Moto::start() else { return };
    let config = moto.sdk_config();
    create_table(&config, "soar-suppressions-test").await;
    let backend = AwsBackend::from_sdk_config(config.clone()).unwrap();
    let store: Box<dyn SuppressionStore + Send + Sync> = Box::new(
        backend
            .suppressions("soar-suppressions-test")
            .with_clock(Clock::fixed(at(0))),
    );

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
    let earlier = backend
        .suppressions("soar-suppressions-test")
        .with_clock(Clock::fixed(at(-1)));
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

/// The embedded incident store's scenarios (`layers/store/src/local/incidents.rs`) against DynamoDB,
/// with concurrent openers and the TTL of closed incidents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_incident_store() {
    let Some(moto) = Moto::start_serialized() else {
        return;
    };
    let config = moto.sdk_config();
    create_table(&config, "soar-incidents-test").await;
    let backend = AwsBackend::from_sdk_config(config.clone()).unwrap();
    let tick = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let clock = {
        let tick = tick.clone();
        Clock::from_fn(move || at(tick.fetch_add(1, std::sync::atomic::Ordering::SeqCst)))
    };
    let store: Arc<dyn IncidentStore + Send + Sync> = Arc::new(
        backend
            .incidents("soar-incidents-test", 30)
            .with_clock(clock),
    );

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
    tick.store(100, std::sync::atomic::Ordering::SeqCst);
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
    let raw = aws_sdk_dynamodb::Client::new(&config)
        .get_item()
        .table_name("soar-incidents-test")
        .key("PK", AttributeValue::S(format!("INCIDENT#{id}")))
        .key("SK", AttributeValue::S("INCIDENT".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        raw["expires_at"],
        AttributeValue::N(
            (at(101) + time::Duration::days(30))
                .unix_timestamp()
                .to_string()
        ),
        "a closed incident expires 30 days after closing"
    );
    let open_raw = aws_sdk_dynamodb::Client::new(&config)
        .get_item()
        .table_name("soar-incidents-test")
        .key(
            "PK",
            AttributeValue::S(format!("INCIDENT#{}", other_kind.incident.id)),
        )
        .key("SK", AttributeValue::S("INCIDENT".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(
        !open_raw.contains_key("expires_at"),
        "open incidents never expire"
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
}

/// How many times moto was asked to assume a role.
fn assume_role_calls(moto: &Moto) -> usize {
    moto.data()["sts"]["AssumedRole"]
        .as_array()
        .map_or(0, Vec::len)
}

async fn caller_arn(config: &SdkConfig) -> String {
    aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity")
        .arn
        .unwrap()
}

/// Other accounts get the assumed role's credentials, assumed once per account whatever the number of
/// configurations, clients and calls; the home account (moto's 123456789012) uses the base credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_account_configs_assume_the_role_once_per_account() {
    let Some(moto) = Moto::start() else { return };
    let backend = AwsBackend::from_sdk_config(moto.sdk_config()).unwrap();
    let cross = backend.cross_account("SOARRemediation");
    assert_eq!(cross.home_account().unwrap(), "123456789012");

    let config = cross.config_for("222233334444", "eu-west-1").unwrap();
    assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
    assert_eq!(
        caller_arn(&config).await,
        "arn:aws:sts::222233334444:assumed-role/SOARRemediation/soar"
    );
    assert_eq!(assume_role_calls(&moto), 1);
    let assumed = &moto.data()["sts"]["AssumedRole"][0];
    assert_eq!(
        assumed["role_arn"],
        "arn:aws:iam::222233334444:role/SOARRemediation"
    );
    assert_eq!(assumed["session_name"], "soar");

    // The same key again, a new client, another call: the cached configuration and credentials.
    let again = cross.config_for("222233334444", "eu-west-1").unwrap();
    assert_eq!(
        caller_arn(&again).await,
        "arn:aws:sts::222233334444:assumed-role/SOARRemediation/soar"
    );
    assert_eq!(caller_arn(&config).await, caller_arn(&again).await);
    // Another region of the same account shares the session.
    let other_region = cross.config_for("222233334444", "us-west-2").unwrap();
    assert_eq!(other_region.region().map(|r| r.as_ref()), Some("us-west-2"));
    assert!(
        caller_arn(&other_region)
            .await
            .starts_with("arn:aws:sts::222233334444:")
    );
    // A clone of the CrossAccount shares the cache too.
    let clone = cross.clone();
    let from_clone = clone.config_for("222233334444", "eu-west-1").unwrap();
    caller_arn(&from_clone).await;
    assert_eq!(assume_role_calls(&moto), 1, "AssumeRole once per account");

    // Another account: another session.
    let third = cross.config_for("333344445555", "eu-west-1").unwrap();
    assert_eq!(
        caller_arn(&third).await,
        "arn:aws:sts::333344445555:assumed-role/SOARRemediation/soar"
    );
    assert_eq!(assume_role_calls(&moto), 2);

    // The home account: the base credentials, nothing assumed.
    let home = cross.config_for("123456789012", "eu-west-1").unwrap();
    assert_eq!(
        caller_arn(&home).await,
        "arn:aws:sts::123456789012:user/moto"
    );
    assert_eq!(assume_role_calls(&moto), 2);

    // A configured home account and session name; a backend for another account works with the
    // store types (its Organizations calls are signed with the assumed role).
    let named = backend
        .cross_account("SOARReadOnly")
        .with_home_account("999988887777")
        .with_session_name("soar-audit");
    let moto_account = named.config_for("123456789012", "us-east-1").unwrap();
    assert_eq!(
        caller_arn(&moto_account).await,
        "arn:aws:sts::123456789012:assumed-role/SOARReadOnly/soar-audit"
    );
    let other = named.backend_for("123456789012", "us-east-1").unwrap();
    assert_eq!(
        other.sdk_config().region().map(|r| r.as_ref()),
        Some("us-east-1")
    );
    assert_eq!(other.accounts().get("123456789012").unwrap(), None);
    assert_eq!(assume_role_calls(&moto), 3);
}

/// When STS cannot be reached, the call that needed the assumed credentials fails with a transient STS
/// error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_account_credentials_failures_are_sts_errors() {
    let Some(moto) = Moto::start() else { return };
    let backend = AwsBackend::from_sdk_config(moto.sdk_config()).unwrap();
    let cross = backend
        .cross_account("SOARRemediation")
        .with_home_account("111122223333");
    let other = cross.backend_for("222233334444", "us-east-1").unwrap();
    drop(moto);
    let err = other.accounts().get("222233334444").unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<soar_store::error::ServiceError>())
        .expect("a ServiceError source");
    assert_eq!(source.service, "STS", "{source:?}");
    assert!(source.message.contains("loading credentials"), "{source:?}");
}

fn asff(id: &str) -> serde_json::Value {
    serde_json::json!({
        "SchemaVersion": "2018-10-08",
        "Id": id,
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "GeneratorId": "security-control/EC2.19",
        "AwsAccountId": "123456789012",
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": "2026-11-23T12:00:00.000Z",
        "UpdatedAt": "2026-11-23T12:00:00.000Z",
        "Severity": {"Label": "HIGH", "Normalized": 70},
        "Title": "Security groups should not allow unrestricted access — ports with high risk",
        "Description": "Ünïcode and \"quotes\" survive",
        "Compliance": {"Status": "FAILED", "SecurityControlId": "EC2.19"},
        "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE",
        "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1",
                       "Details": {"AwsEc2SecurityGroup": {"GroupId": "sg-1"}}}],
        // Fields no SDK type models: they must come back exactly.
        "SoarUnknownField": {"Nested": [1, 2.5, "x", null, true, {"Deeper": -7}]},
        "ProductFields": {"aws/securityhub/FindingId": id, "Custom/Key": "value"}
    })
}

/// BatchImportFindings and GetFindings against moto: findings go and come back as raw JSON, unknown
/// fields included, page by page. (moto ignores GetFindings' filters and has no BatchUpdateFindings:
/// `tests/securityhub.rs` covers those at the HTTP level.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_hub_findings_round_trip_as_raw_json() {
    use soar_store::findings::{
        ChangeContext, FindingIdentifier, FindingStore, GetFindingsRequest,
    };
    let Some(moto) = Moto::start() else { return };
    let backend = AwsBackend::from_sdk_config(moto.sdk_config()).unwrap();
    let store: Box<dyn FindingStore + Send + Sync> = Box::new(backend.findings());
    let context = ChangeContext::new("soar-test");

    let findings: Vec<_> = (1..=3).map(|i| asff(&format!("finding-{i}"))).collect();
    let imported = store.batch_import_findings(&findings, &context).unwrap();
    assert_eq!((imported.success_count, imported.failed_count), (3, 0));
    assert!(imported.failed_findings.is_empty());
    assert!(imported.outcomes.is_empty(), "Security Hub does not say");

    // Two pages; together exactly what was imported.
    let first = store
        .get_findings(&GetFindingsRequest {
            max_results: Some(2),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(first.findings.len(), 2);
    let token = first.next_token.clone().expect("a second page");
    let second = store
        .get_findings(&GetFindingsRequest {
            max_results: Some(2),
            next_token: Some(token),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(second.next_token, None);
    let all: Vec<_> = first.findings.into_iter().chain(second.findings).collect();
    assert_eq!(all, findings, "lossless, unknown fields included");

    // One finding by identity; another id or product is none.
    let product = "arn:aws:securityhub:us-east-1::product/aws/securityhub";
    assert_eq!(
        store
            .get_finding(&FindingIdentifier::new("finding-2", product))
            .unwrap(),
        Some(findings[1].clone())
    );
    assert_eq!(
        store
            .get_finding(&FindingIdentifier::new("finding-9", product))
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .get_finding(&FindingIdentifier::new("finding-2", "arn:other"))
            .unwrap(),
        None
    );

    // A finding moto rejects (no resources) is a failed finding, the others go in.
    let mut bad = asff("finding-bad");
    bad["Resources"] = serde_json::json!([]);
    let mut updated = asff("finding-1");
    updated["Workflow"]["Status"] = "NOTIFIED".into();
    let partly = store
        .batch_import_findings(&[bad, updated.clone()], &context)
        .unwrap();
    assert_eq!((partly.success_count, partly.failed_count), (1, 1));
    assert_eq!(partly.failed_findings[0].id, "finding-bad");
    assert_eq!(partly.failed_findings[0].error_code, "InvalidInput");
    assert_eq!(
        store
            .get_finding(&FindingIdentifier::new("finding-1", product))
            .unwrap(),
        Some(updated)
    );

    // More than 100 findings: refused before any call; none: nothing to do.
    let many: Vec<_> = (0..101).map(|i| asff(&format!("many-{i}"))).collect();
    assert!(matches!(
        store.batch_import_findings(&many, &context),
        Err(StoreError::InvalidInput { .. })
    ));
    assert_eq!(
        store
            .batch_import_findings(&[], &context)
            .unwrap()
            .success_count,
        0
    );
    let everything = store.get_findings(&GetFindingsRequest::default()).unwrap();
    assert_eq!(everything.findings.len(), 3);
}
