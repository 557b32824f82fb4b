//! soar-aws against a real AWS-compatible endpoint: moto's server (`pip install 'moto[server]'`).
//!
//! Each test starts its own `moto_server` on a free port, so tests run in parallel with separate state.
//! The binary is `$SOAR_VENV/bin/moto_server`, `$HOME/.cache/soar-venv/bin/moto_server` or `moto_server`
//! on `PATH`. Without it the tests print a skip message and pass, unless `CI` is set: then they fail, so
//! CI never skips them silently (`.ci/run` installs moto and sets `CI`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_organizations::types::{AccountState, Tag};
use aws_sdk_sesv2::config::{Credentials, SharedCredentialsProvider};
use soar_aws::AwsBackend;
use soar_store::{AccountDirectory, Email, Mailer, StoreError};

/// A running `moto_server`, killed on drop.
struct Moto {
    child: Child,
    port: u16,
}

fn moto_binary() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(venv) = std::env::var_os("SOAR_VENV") {
        candidates.push(PathBuf::from(venv).join("bin/moto_server"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cache/soar-venv/bin/moto_server"));
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|dir| dir.join("moto_server")));
    }
    candidates.into_iter().find(|path| path.is_file())
}

impl Moto {
    /// Starts moto, or returns `None` (skip) when it is not installed and `CI` is not set.
    fn start() -> Option<Moto> {
        let Some(binary) = moto_binary() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "moto_server not found (SOAR_VENV, ~/.cache/soar-venv or PATH) and CI is set: \
                 install it with `pip install 'moto[server]'`"
            );
            eprintln!(
                "SKIPPED: moto_server not found; install it with \
                 `$HOME/.cache/soar-venv/bin/pip install 'moto[server]'` to run the AWS backend tests"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let mut moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited early: {status}");
            }
            if moto.get("/moto-api/data.json").is_ok() {
                return Some(moto);
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A tiny HTTP/1.0 GET (no chunked encoding): the response body.
    fn get(&self, path: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n",
            self.port
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let (head, body) = response
            .split_once("\r\n\r\n")
            .ok_or_else(|| std::io::Error::other("no HTTP header end"))?;
        if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
            return Err(std::io::Error::other(head.to_owned()));
        }
        Ok(body.to_owned())
    }

    /// moto's whole state (`/moto-api/data.json`).
    fn data(&self) -> serde_json::Value {
        serde_json::from_str(&self.get("/moto-api/data.json").expect("moto data")).expect("JSON")
    }

    /// The SDK configuration for this server: fixed region and dummy credentials.
    fn sdk_config(&self) -> SdkConfig {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(self.endpoint())
            .region(Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "moto",
            )))
            .build()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
