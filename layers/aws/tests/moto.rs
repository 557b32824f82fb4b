//! soar-aws against a real AWS-compatible endpoint: moto's server (`pip install 'moto[server]'`).
//!
//! Each test starts its own `moto_server` on a free port ([`soar_testkit::Moto`]), so tests run in
//! parallel with separate state; without moto they skip, unless `CI` is set.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_organizations::types::{AccountState, Tag};
use soar_aws::AwsBackend;
use soar_store::{AccountDirectory, Email, Mailer, StoreError};
use soar_testkit::{Moto, conformance, create_table};

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

/// The ledger's conformance scenarios against DynamoDB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_event_ledger() {
    let Some(moto) = Moto::start_serialized() else {
        return;
    };
    let config = moto.sdk_config();
    create_table(&config, "soar-processed-events-test").await;
    let backend = AwsBackend::from_sdk_config(config).unwrap();
    conformance::event_ledger(|clock| {
        backend
            .event_ledger("soar-processed-events-test")
            .with_clock(clock)
    });
}

/// The ticket store's conformance scenarios against DynamoDB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_ticket_store() {
    let Some(moto) = Moto::start_serialized() else {
        return;
    };
    let config = moto.sdk_config();
    create_table(&config, "soar-tickets-test").await;
    let backend = AwsBackend::from_sdk_config(config).unwrap();
    conformance::ticket_store(|clock| backend.tickets("soar-tickets-test").with_clock(clock));
}

/// The suppression store's conformance scenarios against DynamoDB (the rules outgrow a 1 MB page of
/// a Query).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_suppression_store() {
    let Some(moto) = Moto::start() else { return };
    let config = moto.sdk_config();
    create_table(&config, "soar-suppressions-test").await;
    let backend = AwsBackend::from_sdk_config(config).unwrap();
    conformance::suppression_store(|clock| {
        backend
            .suppressions("soar-suppressions-test")
            .with_clock(clock)
    });
}

/// The incident store's conformance scenarios against DynamoDB, then the TTL of closed incidents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_incident_store() {
    let Some(moto) = Moto::start_serialized() else {
        return;
    };
    let config = moto.sdk_config();
    create_table(&config, "soar-incidents-test").await;
    let backend = AwsBackend::from_sdk_config(config.clone()).unwrap();
    let left = conformance::incident_store(|clock| {
        backend
            .incidents("soar-incidents-test", 30)
            .with_clock(clock)
    });
    let item = |id: &str| {
        let config = config.clone();
        let id = id.to_owned();
        async move {
            aws_sdk_dynamodb::Client::new(&config)
                .get_item()
                .table_name("soar-incidents-test")
                .key("PK", AttributeValue::S(format!("INCIDENT#{id}")))
                .key("SK", AttributeValue::S("INCIDENT".into()))
                .send()
                .await
                .unwrap()
                .item
                .unwrap()
        }
    };
    assert_eq!(
        item(&left.closed_id).await["expires_at"],
        AttributeValue::N(
            (conformance::at(101) + time::Duration::days(30))
                .unix_timestamp()
                .to_string()
        ),
        "a closed incident expires 30 days after closing"
    );
    assert!(
        !item(&left.open_id).await.contains_key("expires_at"),
        "open incidents never expire"
    );
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
