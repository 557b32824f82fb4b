//! Auto-remediations end to end against moto's server: for every remediation whose service moto
//! emulates, the non-compliant resource is created in moto, the REAL statemachines/auto_remediations.asl.yaml
//! runs on soar's engine (LocalRunner over template.yaml) with the `remediate` task reaching moto through
//! the cross-account role (moto's STS AssumeRole), and the resource is checked compliant by reading it
//! back; a second run says it already was. Also: the whole ASFF processor resolving the finding, the dry
//! run over AWS, and fault injection (every remediation failing in turn ends as a ticket, the scratchpad
//! otherwise intact).
//!
//! moto is started per test (`soar_testkit::Moto`); without it the tests skip, unless `CI` is set.

use std::path::Path;
use std::sync::Arc;

use aws_config::SdkConfig;
use serde_json::{Value as Json, json};
use soar::runner::{LocalRunner, imported_event, route_of};
use soar_asl::{ExecutionOptions, Status, Value};
use soar_aws::AwsBackend;
use soar_functions::remediations::{AwsRemediator, Remediator};
use soar_functions::{Registry, Services, Settings};
use soar_model::scratchpad::{Environment, Scratchpad};
use soar_store::{ChangeContext, Clock, FindingIdentifier, FindingStore, LocalStore};
use soar_testkit::Moto;

const ROLE: &str = "SOARRemediation";
const REGION: &str = "eu-west-1";

fn fixture(name: &str) -> Json {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/findings")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The runner over template.yaml with the embedded store and remediations through `remediator`.
struct Harness {
    store: Arc<LocalStore>,
    runner: LocalRunner,
}

impl Harness {
    fn new(remediator: Remediator) -> Harness {
        Harness::with_clock(remediator, Clock::system())
    }

    /// The harness with SOAR's clock (what remediations about credential ages compare with) `clock`.
    fn with_clock(remediator: Remediator, clock: Clock) -> Harness {
        let store = Arc::new(LocalStore::in_memory().unwrap());
        let mut services = Services::local(store.clone(), Settings::embedded());
        services.remediator = remediator;
        services.clock = clock;
        let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("template.yaml");
        let runner =
            LocalRunner::from_template_file(&template, Registry::soar(), services).unwrap();
        Harness { store, runner }
    }

    /// Runs SOARAutoRemediations on the scratchpad of `finding` in a DEV account; its output.
    async fn remediate(&self, finding: &Json) -> Json {
        let e = self
            .runner
            .run(
                "AutoRemediations",
                Value::from(scratchpad(finding)),
                ExecutionOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(e.status, Status::Succeeded, "{:?}", e.error);
        e.output.unwrap().to_json()
    }
}

fn scratchpad(finding: &Json) -> Json {
    let mut pad = Scratchpad::new(finding.clone());
    pad.account.id = finding["AwsAccountId"].as_str().map(str::to_owned);
    pad.account.environment = Some(Environment::Dev);
    pad.tags = [("team".to_owned(), "platform".to_owned())]
        .into_iter()
        .collect();
    pad.db.insert("decision".into(), "remediate".into());
    // As Get Ticket and Decide leaves it: the consolidated control id the Choice routes on.
    if let Some(control) = soar_model::finding::Finding::from_value(finding.clone())
        .ok()
        .and_then(|f| f.control_id())
    {
        pad.db.insert("control_id".into(), control.into());
    }
    pad.to_value().to_json()
}

/// moto, the backend over it and the SDK configuration of `account` (through the role, as SOAR sees
/// it: moto's AssumeRole gives credentials of that account).
fn aws(moto: &Moto, account: &str) -> (AwsBackend, SdkConfig) {
    let backend = AwsBackend::from_sdk_config(moto.sdk_config()).unwrap();
    let config = backend
        .cross_account(ROLE)
        .with_home_account("000000000000")
        .config_for(account, REGION)
        .unwrap();
    (backend, config)
}

fn live(backend: &AwsBackend) -> Harness {
    Harness::new(Remediator::Aws(AwsRemediator::new(backend, ROLE, true)))
}

/// Asserts a live run remediated `control` and left the rest of the scratchpad as it was.
fn assert_remediated(out: &Json, finding: &Json, control: &str) {
    let record = &out["db"]["remediation"];
    assert_eq!(record["outcome"], "remediated", "{out:#}");
    assert_eq!(record["mode"], "live");
    assert_eq!(record["control"], control);
    assert_eq!(out["actions"]["autoremediation_not_done"], false);
    let taken = out["messages"]["actions_taken"].as_str().unwrap();
    assert!(
        taken.starts_with(&format!("SOAR remediated {control} on "))
            && taken.contains("now compliant"),
        "{taken}"
    );
    assert_eq!(&out["finding"], finding);
    assert_eq!(out["tags"]["team"], "platform");
    assert_eq!(out["db"]["decision"], "remediate");
}

fn assert_already_compliant(out: &Json) {
    assert_eq!(
        out["db"]["remediation"]["outcome"], "already_compliant",
        "{out:#}"
    );
    assert!(
        out["messages"]["actions_taken"]
            .as_str()
            .unwrap()
            .starts_with("Nothing to do:")
    );
    assert_eq!(out["actions"]["autoremediation_not_done"], false);
}

async fn create_bucket(s3: &aws_sdk_s3::Client, bucket: &str) {
    use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
    s3.create_bucket()
        .bucket(bucket)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(REGION))
                .build(),
        )
        .send()
        .await
        .unwrap();
}

fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_8_blocks_public_access_and_respects_the_live_opt_out_tag() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("securityhub-s3.8-failed.json");
    let (backend, config) = aws(&moto, "444455556666");
    let s3 = s3_client(&config);
    create_bucket(&s3, "example-payments-uploads").await;
    let h = live(&backend);

    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "S3.8");
    let c = s3
        .get_public_access_block()
        .bucket("example-payments-uploads")
        .send()
        .await
        .unwrap()
        .public_access_block_configuration
        .unwrap();
    assert_eq!(
        [
            c.block_public_acls,
            c.ignore_public_acls,
            c.block_public_policy,
            c.restrict_public_buckets
        ],
        [Some(true); 4]
    );
    assert_already_compliant(&h.remediate(&finding).await);

    // A bucket tagged soar:no-autoremediate (only on the resource, not in the finding) is left alone.
    use aws_sdk_s3::types::{Tag, Tagging};
    create_bucket(&s3, "example-legacy-site").await;
    s3.put_bucket_tagging()
        .bucket("example-legacy-site")
        .tagging(
            Tagging::builder()
                .tag_set(
                    Tag::builder()
                        .key("soar:no-autoremediate")
                        .value("public website")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let mut tagged = finding.clone();
    tagged["Resources"][0]["Id"] = json!("arn:aws:s3:::example-legacy-site");
    let out = h.remediate(&tagged).await;
    assert_eq!(out["actions"]["autoremediation_not_done"], true);
    assert_eq!(out["db"]["remediation"]["outcome"], "declined");
    assert!(
        out["messages"]["actions_required"]
            .as_str()
            .unwrap()
            .contains("soar:no-autoremediate=public website (on the resource)")
    );
    let untouched = s3
        .get_public_access_block()
        .bucket("example-legacy-site")
        .send()
        .await;
    assert!(untouched.is_err(), "no Block Public Access was put");
}

/// The grants of a bucket's ACL, as (grantee, permission).
async fn acl_grants(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<(String, String)> {
    s3.get_bucket_acl()
        .bucket(bucket)
        .send()
        .await
        .unwrap()
        .grants
        .unwrap_or_default()
        .into_iter()
        .map(|g| {
            let grantee = g.grantee.unwrap();
            (
                grantee.uri.or(grantee.id).unwrap_or_default(),
                g.permission.unwrap().as_str().to_owned(),
            )
        })
        .collect()
}

/// S3.2 and S3.3: buckets made public by their ACL (public-read, public-read-write) get Block Public
/// Access and lose the ACL's public grants; the owner's full control stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_2_and_s3_3_block_public_access_and_remove_the_acl_s_public_grants() {
    use aws_sdk_s3::types::BucketCannedAcl;
    let Some(moto) = Moto::start() else { return };
    for (control, file, account, bucket, canned) in [
        (
            "S3.2",
            "remediations/s3.2-failed.json",
            "777788889999",
            "example-public-docs",
            BucketCannedAcl::PublicRead,
        ),
        (
            "S3.3",
            "remediations/s3.3-failed.json",
            "444455556666",
            "example-shared-dropbox",
            BucketCannedAcl::PublicReadWrite,
        ),
    ] {
        let finding = fixture(file);
        let (backend, config) = aws(&moto, account);
        let s3 = s3_client(&config);
        create_bucket(&s3, bucket).await;
        s3.put_bucket_acl()
            .bucket(bucket)
            .acl(canned)
            .send()
            .await
            .unwrap();
        let everyone = |grants: &[(String, String)]| {
            grants
                .iter()
                .filter(|(who, _)| who.ends_with("/global/AllUsers"))
                .count()
        };
        assert!(
            everyone(&acl_grants(&s3, bucket).await) > 0,
            "{control}: public first"
        );
        let h = live(&backend);
        let out = h.remediate(&finding).await;
        assert_remediated(&out, &finding, control);
        let c = s3
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
            .unwrap()
            .public_access_block_configuration
            .unwrap();
        assert_eq!(
            [
                c.block_public_acls,
                c.ignore_public_acls,
                c.block_public_policy,
                c.restrict_public_buckets
            ],
            [Some(true); 4],
            "{control}"
        );
        let grants = acl_grants(&s3, bucket).await;
        assert_eq!(everyone(&grants), 0, "{control}: {grants:?}");
        assert_eq!(
            grants.len(),
            1,
            "{control}: the owner's full control stays: {grants:?}"
        );
        assert_eq!(grants[0].1, "FULL_CONTROL");
        assert_already_compliant(&h.remediate(&finding).await);
    }
}

/// S3.1 through S3 Control, against moto: the account's endpoint host name (`<account>.s3-control...`)
/// is replaced by the configured endpoint (see `Clients::s3control`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_1_blocks_public_access_for_the_whole_account() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/s3.1-failed.json");
    let (backend, config) = aws(&moto, "777788889999");
    let clients = soar_functions::remediations::Clients::new(config);
    let settings = || async {
        clients
            .s3control()
            .get_public_access_block()
            .account_id("777788889999")
            .send()
            .await
            .ok()
            .and_then(|out| out.public_access_block_configuration)
            .map(|c| {
                [
                    c.block_public_acls,
                    c.ignore_public_acls,
                    c.block_public_policy,
                    c.restrict_public_buckets,
                ]
            })
    };
    assert_eq!(settings().await, None, "no account-level settings yet");
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "S3.1");
    assert_eq!(settings().await, Some([Some(true); 4]));
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_5_adds_the_tls_statement_keeping_the_existing_policy() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/s3.5-failed.json");
    let (backend, config) = aws(&moto, "777788889999");
    let s3 = s3_client(&config);
    create_bucket(&s3, "example-data-landing").await;
    let existing = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadForAnalytics", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::777788889999:root"},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-data-landing/*"}]});
    s3.put_bucket_policy()
        .bucket("example-data-landing")
        .policy(existing.to_string())
        .send()
        .await
        .unwrap();
    let h = live(&backend);

    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "S3.5");
    let policy: Json = serde_json::from_str(
        &s3.get_bucket_policy()
            .bucket("example-data-landing")
            .send()
            .await
            .unwrap()
            .policy
            .unwrap(),
    )
    .unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2, "{policy:#}");
    assert_eq!(statements[0], existing["Statement"][0]);
    assert_eq!(statements[1]["Sid"], "SOARDenyInsecureTransport");
    assert_eq!(
        statements[1]["Condition"]["Bool"]["aws:SecureTransport"],
        "false"
    );
    assert_already_compliant(&h.remediate(&finding).await);
}

/// Live remediations with SOAR's clock `days` days ahead of the real one.
fn live_days_ahead(backend: &AwsBackend, days: u64) -> Harness {
    let ahead = std::time::Duration::from_secs(days * 24 * 3600);
    Harness::with_clock(
        Remediator::Aws(AwsRemediator::new(backend, ROLE, true)),
        Clock::fixed(Clock::system().now() + ahead),
    )
}

/// An IAM user in moto with an access key and a console password, created now; the key's id.
async fn create_user_with_credentials(iam: &aws_sdk_iam::Client, user: &str) -> String {
    iam.create_user().user_name(user).send().await.unwrap();
    iam.create_login_profile()
        .user_name(user)
        .password("Not-a-real-password-1!")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name(user)
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap()
        .access_key_id
}

async fn key_statuses(iam: &aws_sdk_iam::Client, user: &str) -> Vec<(String, String)> {
    iam.list_access_keys()
        .user_name(user)
        .send()
        .await
        .unwrap()
        .access_key_metadata
        .into_iter()
        .map(|k| {
            (
                k.access_key_id.unwrap(),
                k.status.unwrap().as_str().to_owned(),
            )
        })
        .collect()
}

/// IAM.8 with SOAR's clock injected: moto creates keys and passwords now and never records a use
/// (only requests signed with the key would), so the credentials are unused since their creation.
/// 80 days on they are still fine; 100 days on the key is deactivated (kept) and the password
/// deleted. A user tagged soar:no-autoremediate (only on the user) is left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_8_deactivates_unused_keys_and_deletes_unused_passwords_by_soar_s_clock() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/iam.8-failed.json");
    let (backend, config) = aws(&moto, "777788889999");
    let iam = aws_sdk_iam::Client::new(&config);
    let key = create_user_with_credentials(&iam, "ci-deployer").await;

    assert_already_compliant(&live_days_ahead(&backend, 80).remediate(&finding).await);
    assert_eq!(
        key_statuses(&iam, "ci-deployer").await,
        [(key.clone(), "Active".to_owned())]
    );

    let h = live_days_ahead(&backend, 100);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "IAM.8");
    // The plan keeps what the key was: its id and that it was never used since its creation.
    let plan = &out["db"]["remediation"]["plan"];
    assert_eq!(
        plan[0]["parameters"],
        json!({"UserName": "ci-deployer", "AccessKeyId": key, "Status": "Inactive"})
    );
    let description = plan[0]["description"].as_str().unwrap();
    assert!(
        description.contains("never used, created") && description.contains("100 days before"),
        "{description}"
    );
    assert_eq!(plan[1]["operation"], "DeleteLoginProfile");
    assert_eq!(
        key_statuses(&iam, "ci-deployer").await,
        [(key, "Inactive".to_owned())],
        "deactivated, not deleted"
    );
    let profile = iam
        .get_login_profile()
        .user_name("ci-deployer")
        .send()
        .await;
    assert!(profile.is_err(), "the console password is deleted");
    assert_already_compliant(&h.remediate(&finding).await);

    let kept = create_user_with_credentials(&iam, "legacy-batch").await;
    iam.tag_user()
        .user_name("legacy-batch")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("soar:no-autoremediate")
                .value("nightly batch")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let mut tagged = finding.clone();
    tagged["Resources"][0]["Id"] = json!("arn:aws:iam::777788889999:user/legacy-batch");
    let out = h.remediate(&tagged).await;
    assert_eq!(out["db"]["remediation"]["outcome"], "declined", "{out:#}");
    assert!(
        out["messages"]["actions_required"]
            .as_str()
            .unwrap()
            .contains("soar:no-autoremediate=nightly batch (on the resource)")
    );
    assert_eq!(
        key_statuses(&iam, "legacy-batch").await,
        [(kept, "Active".to_owned())]
    );
}

/// IAM.3 with SOAR's clock injected (moto's keys are created now): 80 days on the key is young
/// enough; 100 days on it is deactivated (kept), and the owner is told to rotate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_3_deactivates_access_keys_older_than_90_days_by_soar_s_clock() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/iam.3-failed.json");
    let (backend, config) = aws(&moto, "444455556666");
    let iam = aws_sdk_iam::Client::new(&config);
    let key = create_user_with_credentials(&iam, "analytics-etl").await;

    assert_already_compliant(&live_days_ahead(&backend, 80).remediate(&finding).await);
    let h = live_days_ahead(&backend, 100);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "IAM.3");
    assert_eq!(
        out["db"]["remediation"]["plan"][0]["parameters"],
        json!({"UserName": "analytics-etl", "AccessKeyId": key, "Status": "Inactive"})
    );
    let required = out["messages"]["actions_required"].as_str().unwrap();
    assert!(
        required.contains(&format!(
            "must rotate: create a new access key, move everything that used key {key} to it"
        )),
        "{required}"
    );
    assert_eq!(
        key_statuses(&iam, "analytics-etl").await,
        [(key.clone(), "Inactive".to_owned())]
    );
    assert!(
        iam.get_login_profile()
            .user_name("analytics-etl")
            .send()
            .await
            .is_ok(),
        "IAM.3 is about keys only: the console password stays"
    );
    assert_already_compliant(&h.remediate(&finding).await);
}

/// IAM.7: a weak password policy with one stricter setting (a 20-character minimum) is
/// strengthened keeping it; with no policy at all, one is created with SOAR's values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_7_strengthens_the_password_policy_keeping_stricter_settings() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/iam.7-failed.json");
    let (backend, config) = aws(&moto, "111122223333");
    let iam = aws_sdk_iam::Client::new(&config);
    let policy = || async {
        let p = iam
            .get_account_password_policy()
            .send()
            .await
            .unwrap()
            .password_policy
            .unwrap();
        (
            p.minimum_password_length,
            [
                p.require_symbols,
                p.require_numbers,
                p.require_uppercase_characters,
                p.require_lowercase_characters,
                p.allow_users_to_change_password,
            ],
            p.max_password_age,
            p.password_reuse_prevention,
            p.hard_expiry.unwrap_or(false),
        )
    };
    iam.update_account_password_policy()
        .minimum_password_length(20)
        .require_numbers(true)
        .allow_users_to_change_password(true)
        .password_reuse_prevention(5)
        .send()
        .await
        .unwrap();
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "IAM.7");
    assert_eq!(
        policy().await,
        (Some(20), [true; 5], Some(90), Some(24), false),
        "stronger, and the longer minimum kept"
    );
    assert_already_compliant(&h.remediate(&finding).await);

    iam.delete_account_password_policy().send().await.unwrap();
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "IAM.7");
    assert_eq!(
        policy().await,
        (Some(14), [true; 5], Some(90), Some(24), false)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_2_revokes_every_rule_of_the_default_security_group() {
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "111122223333");
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let describe = || async {
        ec2.describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("group-name")
                    .values("default")
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .security_groups
            .unwrap()
            .remove(0)
    };
    let id = describe().await.group_id.unwrap();
    // moto's default group allows all outbound traffic (as AWS's does) but, unlike AWS's, has no
    // inbound rule: open SSH to the world, a typical reason the control fails.
    use aws_sdk_ec2::types::{IpPermission, IpRange};
    ec2.authorize_security_group_ingress()
        .group_id(&id)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let group = describe().await;
    assert!(
        !group.ip_permissions().is_empty() && !group.ip_permissions_egress().is_empty(),
        "the default group allows traffic: {group:?}"
    );
    let mut finding = fixture("remediations/ec2.2-failed.json");
    finding["Resources"][0]["Id"] = json!(format!(
        "arn:aws:ec2:{REGION}:111122223333:security-group/{id}"
    ));
    finding["Resources"][0]["Details"]["AwsEc2SecurityGroup"]["GroupId"] = json!(id);
    let h = live(&backend);

    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "EC2.2");
    assert_eq!(
        out["db"]["remediation"]["plan"].as_array().unwrap().len(),
        2
    );
    let group = describe().await;
    assert!(group.ip_permissions().is_empty(), "{group:?}");
    assert!(group.ip_permissions_egress().is_empty(), "{group:?}");
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_19_closes_high_risk_ports_to_the_internet_only() {
    use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range};
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "777788889999");
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let group = ec2
        .create_security_group()
        .group_name("analytics-bastion")
        .description("bastion")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let tcp = |port: i32| {
        IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(port)
            .to_port(port)
    };
    ec2.authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(
            tcp(22)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .ip_ranges(IpRange::builder().cidr_ip("203.0.113.0/24").build())
                .build(),
        )
        .ip_permissions(
            tcp(443)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .ip_permissions(
            tcp(3389)
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut finding = fixture("remediations/ec2.19-failed.json");
    finding["Resources"][0]["Id"] = json!(format!(
        "arn:aws:ec2:{REGION}:777788889999:security-group/{group}"
    ));
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "EC2.19");
    let rules = ec2
        .describe_security_groups()
        .group_ids(&group)
        .send()
        .await
        .unwrap()
        .security_groups
        .unwrap()
        .remove(0)
        .ip_permissions
        .unwrap_or_default();
    let mut left: Vec<(i32, Vec<String>)> = rules
        .iter()
        .map(|r| {
            let mut cidrs: Vec<String> = r
                .ip_ranges()
                .iter()
                .filter_map(|c| c.cidr_ip.clone())
                .collect();
            cidrs.extend(r.ipv6_ranges().iter().filter_map(|c| c.cidr_ipv6.clone()));
            (r.from_port.unwrap(), cidrs)
        })
        .filter(|(_, cidrs)| !cidrs.is_empty())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            (22, vec!["203.0.113.0/24".to_owned()]),
            (443, vec!["0.0.0.0/0".to_owned()])
        ],
        "SSH from the office and HTTPS stay; SSH and RDP from the world are gone"
    );
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_7_turns_on_ebs_encryption_by_default() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/ec2.7-failed.json");
    let (backend, config) = aws(&moto, "111122223333");
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let enabled = || async {
        ec2.get_ebs_encryption_by_default()
            .send()
            .await
            .unwrap()
            .ebs_encryption_by_default
    };
    assert_eq!(enabled().await, Some(false));
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "EC2.7");
    assert_eq!(enabled().await, Some(true));
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_4_turns_on_key_rotation() {
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "444455556666");
    let kms = aws_sdk_kms::Client::new(&config);
    let key = kms
        .create_key()
        .description("platform artifacts bucket key")
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let mut finding = fixture("remediations/kms.4-failed.json");
    finding["Resources"][0]["Id"] = json!(format!("arn:aws:kms:{REGION}:444455556666:key/{key}"));
    let rotation = || async {
        kms.get_key_rotation_status()
            .key_id(&key)
            .send()
            .await
            .unwrap()
            .key_rotation_enabled
    };
    assert!(!rotation().await);
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "KMS.4");
    assert!(rotation().await);
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_2_turns_on_point_in_time_recovery() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/dynamodb.2-failed.json");
    let (backend, config) = aws(&moto, "111122223333");
    soar_testkit::create_table(&config, "payments-ledger").await;
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let status = || async {
        ddb.describe_continuous_backups()
            .table_name("payments-ledger")
            .send()
            .await
            .unwrap()
            .continuous_backups_description
            .unwrap()
            .point_in_time_recovery_description
            .unwrap()
            .point_in_time_recovery_status
            .unwrap()
            .as_str()
            .to_owned()
    };
    assert_eq!(status().await, "DISABLED");
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "DynamoDB.2");
    assert_eq!(status().await, "ENABLED");
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecr_1_turns_on_scan_on_push() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/ecr.1-failed.json");
    let (backend, config) = aws(&moto, "777788889999");
    let ecr = aws_sdk_ecr::Client::new(&config);
    ecr.create_repository()
        .repository_name("data/ingest-worker")
        .send()
        .await
        .unwrap();
    let scan_on_push = || async {
        ecr.describe_repositories()
            .repository_names("data/ingest-worker")
            .send()
            .await
            .unwrap()
            .repositories
            .unwrap()[0]
            .image_scanning_configuration
            .as_ref()
            .is_some_and(|c| c.scan_on_push)
    };
    assert!(!scan_on_push().await);
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "ECR.1");
    assert!(scan_on_push().await);
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecr_2_makes_tags_immutable() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/ecr.2-failed.json");
    let (backend, config) = aws(&moto, "777788889999");
    let ecr = aws_sdk_ecr::Client::new(&config);
    ecr.create_repository()
        .repository_name("data/ingest-worker")
        .send()
        .await
        .unwrap();
    let mutability = || async {
        ecr.describe_repositories()
            .repository_names("data/ingest-worker")
            .send()
            .await
            .unwrap()
            .repositories
            .unwrap()[0]
            .image_tag_mutability
            .clone()
            .unwrap()
            .as_str()
            .to_owned()
    };
    assert_eq!(mutability().await, "MUTABLE");
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "ECR.2");
    assert_eq!(mutability().await, "IMMUTABLE");
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_8_requires_imdsv2() {
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "444455556666");
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let image = ec2
        .describe_images()
        .owners("amazon")
        .send()
        .await
        .unwrap()
        .images
        .unwrap()
        .remove(0)
        .image_id
        .unwrap();
    let instance = ec2
        .run_instances()
        .image_id(image)
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .unwrap()
        .instances
        .unwrap()
        .remove(0)
        .instance_id
        .unwrap();
    let tokens = || async {
        ec2.describe_instances()
            .instance_ids(&instance)
            .send()
            .await
            .unwrap()
            .reservations
            .unwrap()[0]
            .instances()[0]
            .metadata_options()
            .and_then(|m| m.http_tokens())
            .map(|t| t.as_str().to_owned())
    };
    assert_ne!(tokens().await.as_deref(), Some("required"));
    let mut finding = fixture("remediations/ec2.8-failed.json");
    finding["Resources"][0]["Id"] = json!(format!(
        "arn:aws:ec2:{REGION}:444455556666:instance/{instance}"
    ));
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "EC2.8");
    assert_eq!(tokens().await.as_deref(), Some("required"));
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecs_12_turns_on_container_insights() {
    use aws_sdk_ecs::types::{ClusterField, ClusterSetting, ClusterSettingName};
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/ecs.12-failed.json");
    let (backend, config) = aws(&moto, "777788889999");
    let ecs = aws_sdk_ecs::Client::new(&config);
    ecs.create_cluster()
        .cluster_name("data-batch")
        .settings(
            ClusterSetting::builder()
                .name(ClusterSettingName::ContainerInsights)
                .value("disabled")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let insights = || async {
        ecs.describe_clusters()
            .clusters("data-batch")
            .include(ClusterField::Settings)
            .send()
            .await
            .unwrap()
            .clusters
            .unwrap()
            .remove(0)
            .settings
            .unwrap_or_default()
            .into_iter()
            .find(|s| s.name == Some(ClusterSettingName::ContainerInsights))
            .and_then(|s| s.value)
    };
    assert_eq!(insights().await.as_deref(), Some("disabled"));
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "ECS.12");
    assert_eq!(insights().await.as_deref(), Some("enabled"));
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elb_4_drops_invalid_headers() {
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "444455556666");
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let mut subnets = Vec::new();
    for (cidr, zone) in [
        ("10.20.1.0/24", "eu-west-1a"),
        ("10.20.2.0/24", "eu-west-1b"),
    ] {
        subnets.push(
            ec2.create_subnet()
                .vpc_id(&vpc)
                .cidr_block(cidr)
                .availability_zone(zone)
                .send()
                .await
                .unwrap()
                .subnet
                .unwrap()
                .subnet_id
                .unwrap(),
        );
    }
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let arn = elb
        .create_load_balancer()
        .name("platform-portal")
        .set_subnets(Some(subnets))
        .send()
        .await
        .unwrap()
        .load_balancers
        .unwrap()
        .remove(0)
        .load_balancer_arn
        .unwrap();
    let attribute = || async {
        elb.describe_load_balancer_attributes()
            .load_balancer_arn(&arn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.key.as_deref() == Some("routing.http.drop_invalid_header_fields.enabled"))
            .and_then(|a| a.value)
    };
    assert_ne!(attribute().await.as_deref(), Some("true"));
    let mut finding = fixture("remediations/elb.4-failed.json");
    finding["Resources"][0]["Id"] = json!(arn);
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "ELB.4");
    assert_eq!(attribute().await.as_deref(), Some("true"));
    assert_already_compliant(&h.remediate(&finding).await);
}

/// A load balancer of `kind` in a new VPC of moto, across two zones; its ARN.
async fn create_load_balancer(
    config: &SdkConfig,
    name: &str,
    kind: aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum,
) -> String {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.30.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let mut subnets = Vec::new();
    for (cidr, zone) in [
        ("10.30.1.0/24", "eu-west-1a"),
        ("10.30.2.0/24", "eu-west-1b"),
    ] {
        subnets.push(
            ec2.create_subnet()
                .vpc_id(&vpc)
                .cidr_block(cidr)
                .availability_zone(zone)
                .send()
                .await
                .unwrap()
                .subnet
                .unwrap()
                .subnet_id
                .unwrap(),
        );
    }
    aws_sdk_elasticloadbalancingv2::Client::new(config)
        .create_load_balancer()
        .name(name)
        .r#type(kind)
        .set_subnets(Some(subnets))
        .send()
        .await
        .unwrap()
        .load_balancers
        .unwrap()
        .remove(0)
        .load_balancer_arn
        .unwrap()
}

/// ELB.6 on a Network Load Balancer (the example's) and an Application Load Balancer: deletion
/// protection on, nothing else changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elb_6_turns_on_deletion_protection() {
    use aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum;
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "111122223333");
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let h = live(&backend);
    for (name, kind) in [
        ("payments-ingress", LoadBalancerTypeEnum::Network),
        ("payments-portal", LoadBalancerTypeEnum::Application),
    ] {
        let arn = create_load_balancer(&config, name, kind).await;
        let attributes = || async {
            elb.describe_load_balancer_attributes()
                .load_balancer_arn(&arn)
                .send()
                .await
                .unwrap()
                .attributes
                .unwrap_or_default()
                .into_iter()
                .map(|a| (a.key.unwrap(), a.value.unwrap()))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let before = attributes().await;
        assert_eq!(before["deletion_protection.enabled"], "false");
        let mut finding = fixture("remediations/elb.6-failed.json");
        finding["Resources"][0]["Id"] = json!(arn);
        let out = h.remediate(&finding).await;
        assert_remediated(&out, &finding, "ELB.6");
        let mut expected = before;
        expected.insert("deletion_protection.enabled".into(), "true".into());
        assert_eq!(
            attributes().await,
            expected,
            "{name}: only deletion protection changes"
        );
        assert_already_compliant(&h.remediate(&finding).await);
    }
}

/// An RDS instance in moto, public and without deletion protection.
async fn create_db_instance(rds: &aws_sdk_rds::Client, name: &str) {
    rds.create_db_instance()
        .db_instance_identifier(name)
        .db_instance_class("db.t3.medium")
        .engine("postgres")
        .allocated_storage(20)
        .master_username("soar")
        .master_user_password("not-a-real-password-1")
        .publicly_accessible(true)
        .send()
        .await
        .unwrap();
}

async fn db_instance(rds: &aws_sdk_rds::Client, name: &str) -> aws_sdk_rds::types::DbInstance {
    rds.describe_db_instances()
        .db_instance_identifier(name)
        .send()
        .await
        .unwrap()
        .db_instances
        .unwrap()
        .remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rds_2_makes_the_instance_private() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/rds.2-failed.json");
    let (backend, config) = aws(&moto, "777788889999");
    let rds = aws_sdk_rds::Client::new(&config);
    create_db_instance(&rds, "data-warehouse-staging-db").await;
    assert_eq!(
        db_instance(&rds, "data-warehouse-staging-db")
            .await
            .publicly_accessible,
        Some(true)
    );
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "RDS.2");
    let db = db_instance(&rds, "data-warehouse-staging-db").await;
    assert_eq!(db.publicly_accessible, Some(false));
    assert_eq!(
        db.deletion_protection,
        Some(false),
        "only what RDS.2 is about changes"
    );
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rds_8_turns_on_deletion_protection() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/rds.8-failed.json");
    let (backend, config) = aws(&moto, "777788889999");
    let rds = aws_sdk_rds::Client::new(&config);
    create_db_instance(&rds, "data-warehouse-staging-db").await;
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "RDS.8");
    let db = db_instance(&rds, "data-warehouse-staging-db").await;
    assert_eq!(db.deletion_protection, Some(true));
    assert_eq!(
        db.publicly_accessible,
        Some(true),
        "only what RDS.8 is about changes"
    );
    assert_already_compliant(&h.remediate(&finding).await);
}

/// RDS.13 and RDS.17 on one instance, each changing only its own setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rds_13_and_rds_17_turn_on_minor_upgrades_and_tag_copies() {
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "777788889999");
    let rds = aws_sdk_rds::Client::new(&config);
    create_db_instance(&rds, "data-warehouse-staging-db").await;
    rds.modify_db_instance()
        .db_instance_identifier("data-warehouse-staging-db")
        .auto_minor_version_upgrade(false)
        .copy_tags_to_snapshot(false)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let h = live(&backend);
    let finding = fixture("remediations/rds.13-failed.json");
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "RDS.13");
    let db = db_instance(&rds, "data-warehouse-staging-db").await;
    assert_eq!(db.auto_minor_version_upgrade, Some(true));
    assert_eq!(db.copy_tags_to_snapshot, Some(false));
    assert_already_compliant(&h.remediate(&finding).await);

    let finding = fixture("remediations/rds.17-failed.json");
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "RDS.17");
    let db = db_instance(&rds, "data-warehouse-staging-db").await;
    assert_eq!(db.copy_tags_to_snapshot, Some(true));
    assert_eq!(
        db.publicly_accessible,
        Some(true),
        "only what each control is about changes"
    );
    assert_already_compliant(&h.remediate(&finding).await);
}

/// RDS.11: an instance keeping its backups 1 day (the API's default) keeps them for the control's
/// minimum, 7 days; one keeping them longer is left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rds_11_keeps_automated_backups_for_the_minimum_period() {
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "777788889999");
    let rds = aws_sdk_rds::Client::new(&config);
    create_db_instance(&rds, "orders-reporting-db").await;
    rds.modify_db_instance()
        .db_instance_identifier("orders-reporting-db")
        .backup_retention_period(1)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let h = live(&backend);
    let finding = fixture("remediations/rds.11-failed.json");
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "RDS.11");
    let db = db_instance(&rds, "orders-reporting-db").await;
    assert_eq!(db.backup_retention_period, Some(7));
    assert_eq!(
        db.publicly_accessible,
        Some(true),
        "only what RDS.11 is about changes"
    );
    assert_already_compliant(&h.remediate(&finding).await);

    // A longer period is never shortened.
    rds.modify_db_instance()
        .db_instance_identifier("orders-reporting-db")
        .backup_retention_period(21)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    assert_already_compliant(&h.remediate(&finding).await);
    assert_eq!(
        db_instance(&rds, "orders-reporting-db")
            .await
            .backup_retention_period,
        Some(21)
    );
}

/// An Aurora PostgreSQL cluster in moto, without deletion protection nor tag copies to snapshots.
async fn create_db_cluster(rds: &aws_sdk_rds::Client, name: &str) {
    rds.create_db_cluster()
        .db_cluster_identifier(name)
        .engine("aurora-postgresql")
        .master_username("soar")
        .master_user_password("not-a-real-password-1")
        .deletion_protection(false)
        .copy_tags_to_snapshot(false)
        .send()
        .await
        .unwrap();
}

async fn db_cluster(rds: &aws_sdk_rds::Client, name: &str) -> aws_sdk_rds::types::DbCluster {
    rds.describe_db_clusters()
        .db_cluster_identifier(name)
        .send()
        .await
        .unwrap()
        .db_clusters
        .unwrap()
        .remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rds_7_turns_on_the_cluster_s_deletion_protection() {
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "777788889999");
    let rds = aws_sdk_rds::Client::new(&config);
    create_db_cluster(&rds, "orders-aurora").await;
    let h = live(&backend);
    let finding = fixture("remediations/rds.7-failed.json");
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "RDS.7");
    let cluster = db_cluster(&rds, "orders-aurora").await;
    assert_eq!(cluster.deletion_protection, Some(true));
    assert_eq!(
        cluster.copy_tags_to_snapshot,
        Some(false),
        "only what RDS.7 is about changes"
    );
    assert_already_compliant(&h.remediate(&finding).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rds_16_makes_the_cluster_copy_tags_to_snapshots() {
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "777788889999");
    let rds = aws_sdk_rds::Client::new(&config);
    create_db_cluster(&rds, "orders-aurora").await;
    let h = live(&backend);
    let finding = fixture("remediations/rds.16-failed.json");
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "RDS.16");
    let cluster = db_cluster(&rds, "orders-aurora").await;
    assert_eq!(cluster.copy_tags_to_snapshot, Some(true));
    assert_eq!(
        cluster.deletion_protection,
        Some(false),
        "only what RDS.16 is about changes"
    );
    assert_already_compliant(&h.remediate(&finding).await);
}

/// RDS.1: a public DB snapshot and a public DB cluster snapshot are made private, keeping the account
/// each is shared with by id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rds_1_makes_snapshots_private_keeping_accounts_shared_by_id() {
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "444455556666");
    let rds = aws_sdk_rds::Client::new(&config);
    let h = live(&backend);

    create_db_instance(&rds, "payments-db").await;
    rds.create_db_snapshot()
        .db_instance_identifier("payments-db")
        .db_snapshot_identifier("payments-db-before-migration")
        .send()
        .await
        .unwrap();
    rds.modify_db_snapshot_attribute()
        .db_snapshot_identifier("payments-db-before-migration")
        .attribute_name("restore")
        .values_to_add("all")
        .values_to_add("111122223333")
        .send()
        .await
        .unwrap();
    let restore = || async {
        rds.describe_db_snapshot_attributes()
            .db_snapshot_identifier("payments-db-before-migration")
            .send()
            .await
            .unwrap()
            .db_snapshot_attributes_result
            .unwrap()
            .db_snapshot_attributes
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.attribute_name.as_deref() == Some("restore"))
            .and_then(|a| a.attribute_values)
            .unwrap_or_default()
    };
    let finding = fixture("remediations/rds.1-failed.json");
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "RDS.1");
    assert_eq!(restore().await, ["111122223333"]);
    assert!(
        out["db"]["remediation"]["plan"][0]["description"]
            .as_str()
            .unwrap()
            .contains("every AWS account, and by id 111122223333, which keep access"),
        "{out:#}"
    );
    assert_already_compliant(&h.remediate(&finding).await);

    create_db_cluster(&rds, "orders-aurora").await;
    rds.create_db_cluster_snapshot()
        .db_cluster_identifier("orders-aurora")
        .db_cluster_snapshot_identifier("orders-aurora-before-upgrade")
        .send()
        .await
        .unwrap();
    rds.modify_db_cluster_snapshot_attribute()
        .db_cluster_snapshot_identifier("orders-aurora-before-upgrade")
        .attribute_name("restore")
        .values_to_add("all")
        .send()
        .await
        .unwrap();
    let mut finding = fixture("remediations/rds.1-failed.json");
    finding["Resources"][0] = json!({
        "Type": "AwsRdsDbClusterSnapshot",
        "Id": "arn:aws:rds:eu-west-1:444455556666:cluster-snapshot:orders-aurora-before-upgrade",
        "Region": "eu-west-1",
        "Details": {"AwsRdsDbClusterSnapshot": {"DbClusterSnapshotIdentifier": "orders-aurora-before-upgrade",
            "DbClusterSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": ["all"]}]}}
    });
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "RDS.1");
    let restore = rds
        .describe_db_cluster_snapshot_attributes()
        .db_cluster_snapshot_identifier("orders-aurora-before-upgrade")
        .send()
        .await
        .unwrap()
        .db_cluster_snapshot_attributes_result
        .unwrap()
        .db_cluster_snapshot_attributes
        .unwrap_or_default()
        .into_iter()
        .find(|a| a.attribute_name.as_deref() == Some("restore"))
        .and_then(|a| a.attribute_values)
        .unwrap_or_default();
    assert!(restore.is_empty(), "{restore:?}");
    assert_already_compliant(&h.remediate(&finding).await);
}

/// RDS.9: a MySQL instance publishing only its error log publishes the audit, general and slow query
/// logs too, the error log kept once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rds_9_publishes_the_engine_s_logs_to_cloudwatch() {
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "444455556666");
    let rds = aws_sdk_rds::Client::new(&config);
    rds.create_db_instance()
        .db_instance_identifier("payments-db")
        .db_instance_class("db.r6g.large")
        .engine("mysql")
        .allocated_storage(20)
        .master_username("soar")
        .master_user_password("not-a-real-password-1")
        .enable_cloudwatch_logs_exports("error")
        .send()
        .await
        .unwrap();
    let h = live(&backend);
    let finding = fixture("remediations/rds.9-failed.json");
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "RDS.9");
    let mut exports = db_instance(&rds, "payments-db")
        .await
        .enabled_cloudwatch_logs_exports
        .unwrap_or_default();
    exports.sort();
    assert_eq!(exports, ["audit", "error", "general", "slowquery"]);
    assert_already_compliant(&h.remediate(&finding).await);
}

/// EC2.1: the account's public EBS snapshot is made private, keeping the account it is shared with by
/// id; a private one is left alone; a public one tagged soar:no-autoremediate makes a ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_1_makes_public_ebs_snapshots_private() {
    use aws_sdk_ec2::types::{
        OperationType, ResourceType, SnapshotAttributeName, Tag, TagSpecification,
    };
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "777788889999");
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let volume = ec2
        .create_volume()
        .availability_zone("eu-west-1a")
        .size(8)
        .send()
        .await
        .unwrap()
        .volume_id
        .unwrap();
    let snapshot = |tag: Option<(&'static str, &'static str)>| {
        let ec2 = ec2.clone();
        let volume = volume.clone();
        async move {
            let mut create = ec2.create_snapshot().volume_id(volume);
            if let Some((key, value)) = tag {
                create = create.tag_specifications(
                    TagSpecification::builder()
                        .resource_type(ResourceType::Snapshot)
                        .tags(Tag::builder().key(key).value(value).build())
                        .build(),
                );
            }
            create.send().await.unwrap().snapshot_id.unwrap()
        }
    };
    let share = |id: String, groups: Vec<&'static str>, users: Vec<&'static str>| {
        let ec2 = ec2.clone();
        async move {
            ec2.modify_snapshot_attribute()
                .snapshot_id(id)
                .attribute(SnapshotAttributeName::CreateVolumePermission)
                .operation_type(OperationType::Add)
                .set_group_names(Some(groups.into_iter().map(String::from).collect()))
                .set_user_ids(Some(users.into_iter().map(String::from).collect()))
                .send()
                .await
                .unwrap();
        }
    };
    let permissions = |id: String| {
        let ec2 = ec2.clone();
        async move {
            let mut permissions: Vec<String> = ec2
                .describe_snapshot_attribute()
                .snapshot_id(id)
                .attribute(SnapshotAttributeName::CreateVolumePermission)
                .send()
                .await
                .unwrap()
                .create_volume_permissions
                .unwrap_or_default()
                .into_iter()
                .map(|p| {
                    p.group
                        .map(|g| format!("group {}", g.as_str()))
                        .or(p.user_id.map(|u| format!("user {u}")))
                        .unwrap_or_default()
                })
                .collect();
            permissions.sort();
            permissions
        }
    };
    let public = snapshot(Some(("team", "data"))).await;
    share(public.clone(), vec!["all"], vec!["111122223333"]).await;
    let private = snapshot(None).await;
    share(private.clone(), vec![], vec!["444455556666"]).await;

    let h = live(&backend);
    let finding = fixture("remediations/ec2.1-failed.json");
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "EC2.1");
    let plan = out["db"]["remediation"]["plan"].as_array().unwrap();
    assert_eq!(plan.len(), 1, "{out:#}");
    assert_eq!(plan[0]["parameters"]["SnapshotId"], public.as_str());
    assert!(
        plan[0]["description"]
            .as_str()
            .unwrap()
            .contains("shared by id with 111122223333, which keep access")
    );
    assert_eq!(permissions(public.clone()).await, ["user 111122223333"]);
    assert_eq!(permissions(private).await, ["user 444455556666"]);
    assert_already_compliant(&h.remediate(&finding).await);

    let opted_out = snapshot(Some(("soar:no-autoremediate", "public dataset"))).await;
    share(opted_out.clone(), vec!["all"], vec![]).await;
    let out = h.remediate(&finding).await;
    assert_eq!(out["actions"]["autoremediation_not_done"], true, "{out:#}");
    assert!(
        out["messages"]["actions_required"]
            .as_str()
            .unwrap()
            .contains(&format!(
                "{opted_out} (tagged soar:no-autoremediate=public dataset)"
            ))
    );
    assert_eq!(permissions(opted_out).await, ["group all"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_15_stops_the_subnet_assigning_public_ips() {
    use aws_sdk_ec2::types::AttributeBooleanValue;
    let Some(moto) = Moto::start() else { return };
    let (backend, config) = aws(&moto, "444455556666");
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.40.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.40.0.0/20")
        .availability_zone("eu-west-1a")
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap()
        .subnet_id
        .unwrap();
    ec2.modify_subnet_attribute()
        .subnet_id(&subnet)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .unwrap();
    let maps = || async {
        ec2.describe_subnets()
            .subnet_ids(&subnet)
            .send()
            .await
            .unwrap()
            .subnets
            .unwrap()
            .remove(0)
            .map_public_ip_on_launch
    };
    assert_eq!(maps().await, Some(true));
    let mut finding = fixture("remediations/ec2.15-failed.json");
    finding["Resources"][0]["Id"] =
        json!(format!("arn:aws:ec2:{REGION}:444455556666:subnet/{subnet}"));
    let h = live(&backend);
    let out = h.remediate(&finding).await;
    assert_remediated(&out, &finding, "EC2.15");
    assert_eq!(maps().await, Some(false));
    assert_already_compliant(&h.remediate(&finding).await);
}

/// The whole ASFF processor: the failed S3.8 finding (a STAGING account in config/accounts.json) is
/// remediated in moto, then RESOLVED in the finding store with SOAR's note.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_asff_processor_remediates_and_resolves_the_finding() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("securityhub-s3.8-failed.json");
    let (backend, config) = aws(&moto, "444455556666");
    let s3 = s3_client(&config);
    create_bucket(&s3, "example-payments-uploads").await;
    let h = live(&backend);
    h.store
        .batch_import_findings(
            std::slice::from_ref(&finding),
            &ChangeContext::new("finding-provider"),
        )
        .unwrap();
    let e = h
        .runner
        .run(
            "AsffProcessor",
            Value::from(imported_event(&finding)),
            ExecutionOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(e.status, Status::Succeeded, "{:?}", e.error);
    let out = e.output.unwrap().to_json();
    assert_eq!(route_of(&out), "remediated", "{out:#}");
    let stored = h
        .store
        .get_finding(&FindingIdentifier::new(
            finding["Id"].as_str().unwrap(),
            finding["ProductArn"].as_str().unwrap(),
        ))
        .unwrap()
        .unwrap();
    assert_eq!(stored["Workflow"]["Status"], "RESOLVED");
    assert!(
        stored["Note"]["Text"].as_str().unwrap().starts_with(
            "Remediated by SOAR: SOAR remediated S3.8 on S3 bucket example-payments-uploads"
        ),
        "{}",
        stored["Note"]["Text"]
    );
    let c = s3
        .get_public_access_block()
        .bucket("example-payments-uploads")
        .send()
        .await
        .unwrap()
        .public_access_block_configuration
        .unwrap();
    assert_eq!(c.block_public_policy, Some(true));
}

/// The Choice routes on `db.control_id`: a legacy FSBP finding (no `Compliance.SecurityControlId`)
/// reaches S3.8's remediation; a control without a remediation and a finding that names no control
/// end not done, saying why (offline: no AWS needed).
#[tokio::test]
async fn the_choice_routes_on_the_derived_control_id() {
    let h = Harness::new(Remediator::Offline);
    let legacy = fixture("remediations/s3.8-legacy-fsbp-failed.json");
    let out = h.remediate(&legacy).await;
    assert_eq!(out["db"]["control_id"], "S3.8");
    assert_eq!(out["db"]["remediation"]["control"], "S3.8");
    assert_eq!(out["db"]["remediation"]["outcome"], "planned");
    assert_eq!(out["actions"]["autoremediation_not_done"], false);

    let cis = fixture("cis-1.2.0-rule-2.7.json");
    let out = h.remediate(&cis).await;
    assert_eq!(out["actions"]["autoremediation_not_done"], true);
    assert_eq!(
        out["messages"]["actions_required"],
        "SOAR has no automatic remediation for control CloudTrail.2 yet. Please fix it yourself."
    );

    let mut unknown = legacy.clone();
    unknown["GeneratorId"] =
        json!("arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.15");
    unknown["ProductFields"] = json!({"RuleId": "1.15"});
    let out = h.remediate(&unknown).await;
    assert!(out["db"].get("control_id").is_none(), "{out:#}");
    assert_eq!(out["actions"]["autoremediation_not_done"], true);
    assert!(
        out["messages"]["actions_required"]
            .as_str()
            .unwrap()
            .starts_with("The finding names no security control SOAR knows"),
        "{}",
        out["messages"]["actions_required"]
    );
}

/// Dry run over AWS: the live state is read, the plan recorded and returned, nothing changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_over_aws_reads_and_plans_but_changes_nothing() {
    let Some(moto) = Moto::start() else { return };
    let finding = fixture("remediations/kms.4-failed.json");
    let (backend, config) = aws(&moto, "444455556666");
    let kms = aws_sdk_kms::Client::new(&config);
    let key = kms
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let mut finding = finding;
    finding["Resources"][0]["Id"] = json!(format!("arn:aws:kms:{REGION}:444455556666:key/{key}"));
    let h = Harness::new(Remediator::Aws(AwsRemediator::new(&backend, ROLE, false)));
    let out = h.remediate(&finding).await;
    assert_eq!(out["db"]["remediation"]["outcome"], "planned");
    assert_eq!(out["db"]["remediation"]["mode"], "dry_run");
    // The key is still not rotating: the team gets a ticket with the plan as the fix to make.
    assert_eq!(out["actions"]["autoremediation_not_done"], true);
    assert!(
        out["messages"]["actions_required"]
            .as_str()
            .unwrap()
            .starts_with("Review SOAR's plan; to fix it now, turn on"),
        "{}",
        out["messages"]["actions_required"]
    );
    let plan = soar_store::ActionRecorder::recorded(&*h.store).unwrap();
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].operation, "EnableKeyRotation");
    assert_eq!(plan[0].parameters, json!({"KeyId": key}));
    assert_eq!(plan[0].account.as_deref(), Some("444455556666"));
    let rotation = kms
        .get_key_rotation_status()
        .key_id(&key)
        .send()
        .await
        .unwrap()
        .key_rotation_enabled;
    assert!(!rotation, "a dry run changes nothing");
}

/// `soar process --backend aws --dry-run`: the KMS key is read live in moto through the role, the plan
/// is recorded in the state folder and printed, nothing changes in AWS (the key still does not rotate),
/// and the finding, still non-compliant, is ticketed locally with the plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soar_process_dry_run_over_aws_reads_plans_and_changes_nothing() {
    let Some(moto) = Moto::start() else { return };
    let (_, config) = aws(&moto, "444455556666");
    let kms = aws_sdk_kms::Client::new(&config);
    let key = kms
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let mut finding = fixture("remediations/kms.4-failed.json");
    finding["Resources"][0]["Id"] = json!(format!("arn:aws:kms:{REGION}:444455556666:key/{key}"));
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("kms.4.json");
    std::fs::write(&input, finding.to_string()).unwrap();
    let state = dir.path().join("state");
    let process = |json: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_soar"));
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["process", "--backend", "aws", "--dry-run", "--state-dir"])
            .arg(&state)
            .arg(&input)
            .env("AWS_ENDPOINT_URL", moto.endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("AWS_PROFILE")
            .env("SOAR_CROSS_ACCOUNT_ROLE", ROLE);
        if json {
            command.arg("--json");
        }
        command.output().unwrap()
    };

    let out = process(true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let row: Json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{stderr}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(row["control"], "KMS.4");
    assert_eq!(row["route"], "ticketed", "{row}\n{stderr}");
    let plan_file = state.join("plan.jsonl");
    assert!(
        stderr.contains("Dry run over AWS: nothing was changed in AWS. 1 change planned")
            && stderr.contains(&plan_file.display().to_string()),
        "{stderr}"
    );
    let plan = soar_store::plan::read_plan(&plan_file).unwrap();
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].operation, "EnableKeyRotation");
    assert_eq!(plan[0].parameters, json!({"KeyId": key}));
    assert_eq!(plan[0].account.as_deref(), Some("444455556666"));
    let rotation = kms
        .get_key_rotation_status()
        .key_id(&key)
        .send()
        .await
        .unwrap()
        .key_rotation_enabled;
    assert!(!rotation, "a dry run changes nothing");

    // The table prints the planned call itself; the same event again is already handled.
    let out = process(false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("Dry run over AWS: nothing was changed in AWS. 0 changes planned"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&state).unwrap();
    let out = process(false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 change planned")
            && stdout.contains(&format!("444455556666 {REGION} kms:EnableKeyRotation")),
        "{stdout}"
    );

    // Without --backend aws there is nothing live to read: refused before anything runs.
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_soar"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["process", "--dry-run", "--state-dir"])
        .arg(&state)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--dry-run reads the live resources")
    );
}

/// Every example finding of a remediation, and how its scratchpad must end when the remediation
/// fails: not done, with the error, everything else as it was.
fn every_example() -> Vec<(&'static str, Json)> {
    vec![
        ("S3.1", fixture("remediations/s3.1-failed.json")),
        ("S3.8", fixture("securityhub-s3.8-failed.json")),
        ("S3.2", fixture("remediations/s3.2-failed.json")),
        ("S3.3", fixture("remediations/s3.3-failed.json")),
        ("S3.5", fixture("remediations/s3.5-failed.json")),
        ("IAM.8", fixture("remediations/iam.8-failed.json")),
        ("IAM.3", fixture("remediations/iam.3-failed.json")),
        ("IAM.7", fixture("remediations/iam.7-failed.json")),
        ("EC2.2", fixture("remediations/ec2.2-failed.json")),
        ("EC2.7", fixture("remediations/ec2.7-failed.json")),
        ("KMS.4", fixture("remediations/kms.4-failed.json")),
        ("DynamoDB.2", fixture("remediations/dynamodb.2-failed.json")),
        ("ECR.1", fixture("remediations/ecr.1-failed.json")),
        ("ECR.2", fixture("remediations/ecr.2-failed.json")),
        ("EC2.8", fixture("remediations/ec2.8-failed.json")),
        ("EC2.19", fixture("remediations/ec2.19-failed.json")),
        ("EC2.1", fixture("remediations/ec2.1-failed.json")),
        ("EC2.15", fixture("remediations/ec2.15-failed.json")),
        ("ELB.4", fixture("remediations/elb.4-failed.json")),
        ("ELB.6", fixture("remediations/elb.6-failed.json")),
        ("ECS.12", fixture("remediations/ecs.12-failed.json")),
        ("RDS.2", fixture("remediations/rds.2-failed.json")),
        ("RDS.8", fixture("remediations/rds.8-failed.json")),
        ("RDS.13", fixture("remediations/rds.13-failed.json")),
        ("RDS.17", fixture("remediations/rds.17-failed.json")),
        ("RDS.11", fixture("remediations/rds.11-failed.json")),
        ("RDS.7", fixture("remediations/rds.7-failed.json")),
        ("RDS.16", fixture("remediations/rds.16-failed.json")),
        ("RDS.1", fixture("remediations/rds.1-failed.json")),
        ("RDS.9", fixture("remediations/rds.9-failed.json")),
    ]
}

fn assert_ticketed_intact(out: &Json, finding: &Json, control: &str) -> String {
    let mut expected = scratchpad(finding);
    expected["actions"]["autoremediation_not_done"] = json!(true);
    let error = out["db"]["remediation_error"].clone();
    expected["db"]["remediation_error"] = error.clone();
    expected["db"]["remediation_explanation"] = out["db"]["remediation_explanation"].clone();
    expected["messages"]["actions_required"] = out["db"]["remediation_explanation"]["text"].clone();
    assert_eq!(
        out, &expected,
        "{control}: only the failure may change the scratchpad"
    );
    let required = out["messages"]["actions_required"].as_str().unwrap();
    assert!(
        required.starts_with("SOAR tried to remediate this automatically but could not"),
        "{control}: {required}"
    );
    error["Error"].as_str().unwrap().to_owned()
}

/// Fault injection, transient: AWS unreachable (nothing listens on the endpoint) for every
/// remediation in turn. The Task retries with backoff (on a virtual clock here), then the Catch makes
/// it a ticket: 100% end not done, with the scratchpad otherwise intact.
#[tokio::test(start_paused = true)]
async fn every_remediation_failing_with_aws_unreachable_ends_as_a_ticket() {
    use aws_config::retry::RetryConfig;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let config = SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .retry_config(RetryConfig::disabled())
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("testing", "testing", None, None, "test"),
            ),
        )
        .build();
    let backend = AwsBackend::from_sdk_config(config).unwrap();
    let h = live(&backend);
    let mut ticketed = 0;
    for (control, finding) in every_example() {
        let started = tokio::time::Instant::now();
        let out = h.remediate(&finding).await;
        let error = assert_ticketed_intact(&out, &finding, control);
        assert_eq!(error, "AWS.Unavailable", "{control}");
        // Retried with backoff before giving up: 3 + 9 + 27 + 81 s.
        assert!(
            started.elapsed() >= std::time::Duration::from_secs(120),
            "{control}: {:?}",
            started.elapsed()
        );
        ticketed += 1;
    }
    assert_eq!(ticketed, every_example().len());
}

/// Fault injection, permanent: moto answers, but the resource does not exist (not found), so each
/// remediation fails with AWS's own code, is not retried, and ends as a ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_remediation_failing_with_an_aws_error_ends_as_a_ticket_with_aws_s_code() {
    let Some(moto) = Moto::start() else { return };
    let (backend, _) = aws(&moto, "111122223333");
    let h = live(&backend);
    let mut codes = Vec::new();
    for (control, finding) in every_example() {
        if finding["Resources"][0]["Type"] == "AwsAccount" {
            // An account setting (EC2.7, S3.1) or the account's resources (EC2.1): it always
            // exists; the unreachable endpoint test covers them.
            continue;
        }
        let out = h.remediate(&finding).await;
        codes.push((control, assert_ticketed_intact(&out, &finding, control)));
    }
    for (control, code) in &codes {
        assert!(
            !code.starts_with("AWS.") && !code.starts_with("States."),
            "{control}: {code} should be AWS's own error"
        );
    }
    let accounts = every_example()
        .iter()
        .filter(|(_, finding)| finding["Resources"][0]["Type"] == "AwsAccount")
        .count();
    assert_eq!(codes.len(), every_example().len() - accounts, "{codes:?}");
}
