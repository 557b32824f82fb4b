//! Test support shared by the workspace's tests (a dev-dependency only): a `moto_server` per test, and
//! the store traits' [`conformance`] scenarios every backend runs.
//!
//! Each test starts its own `moto_server` on a free port, so tests run in parallel with separate state.
//! The binary is `$SOAR_VENV/bin/moto_server`, `$HOME/.cache/soar-venv/bin/moto_server` or `moto_server`
//! on `PATH`. Without it [`Moto::start`] prints a skip message and returns `None`, unless `CI` is set:
//! then it panics, so CI never skips the AWS tests silently (`.ci/run` installs moto and sets `CI`).
#![warn(missing_docs)]

pub mod conformance;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;

/// `moto_server`'s `main` with one lock around every request (see [`Moto::start_serialized`]).
const SERIALIZED_MOTO: &str = "
import threading
from moto.moto_server.werkzeug_app import DomainDispatcherApplication as App
from moto.server import main
lock = threading.Lock()
call = App.__call__
def serialized(self, environ, start_response):
    with lock:
        return call(self, environ, start_response)
App.__call__ = serialized
main()
";

/// A running `moto_server`, killed on drop.
pub struct Moto {
    child: Child,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
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
    pub fn start() -> Option<Moto> {
        Moto::start_with(false)
    }

    /// The same, but moto handles one request at a time. moto's DynamoDB checks a condition expression
    /// and writes in two steps with no lock, so two concurrent conditional writes (or transactions) to
    /// one item can both succeed, which DynamoDB itself never allows. Serialized, each request is atomic
    /// as in DynamoDB, and the tests of concurrent callers test our code rather than moto's races. (The
    /// server stays multi-threaded: connections are still accepted concurrently.)
    pub fn start_serialized() -> Option<Moto> {
        Moto::start_with(true)
    }

    fn start_with(serialized: bool) -> Option<Moto> {
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
        let mut command = if serialized {
            // The interpreter of the `moto_server` script (its `#!` line), running moto's `main` with
            // a global lock around the WSGI application.
            let interpreter = std::fs::read_to_string(&binary)
                .ok()
                .and_then(|script| {
                    let first = script.lines().next()?.strip_prefix("#!")?.trim().to_owned();
                    (!first.contains(' ')).then_some(first)
                })
                .unwrap_or_else(|| "python3".to_owned());
            let mut command = Command::new(interpreter);
            command.args(["-c", SERIALIZED_MOTO]);
            command
        } else {
            Command::new(&binary)
        };
        let child = command
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

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A tiny HTTP/1.0 GET (no chunked encoding): the response body.
    pub fn get(&self, path: &str) -> std::io::Result<String> {
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
    pub fn data(&self) -> serde_json::Value {
        serde_json::from_str(&self.get("/moto-api/data.json").expect("moto data")).expect("JSON")
    }

    /// The SDK configuration for this server: fixed region and dummy credentials.
    pub fn sdk_config(&self) -> SdkConfig {
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

/// Creates a table with the key schema of `template.yaml`'s `TicketsTable` and `ProcessedEventsTable`:
/// `PK` (S, hash) and `SK` (S, range), TTL on `expires_at`.
pub async fn create_table(config: &SdkConfig, name: &str) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        TimeToLiveSpecification,
    };
    let client = aws_sdk_dynamodb::Client::new(config);
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("PK"))
        .attribute_definitions(attribute("SK"))
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .send()
        .await
        .expect("create table");
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("expires_at")
                .enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("enable TTL");
}

/// Verifies `address` as an SES sender (moto refuses mail from an unverified one, as SES does).
pub async fn verify_sender(config: &SdkConfig, address: &str) {
    aws_sdk_sesv2::Client::new(config)
        .create_email_identity()
        .email_identity(address)
        .send()
        .await
        .expect("create e-mail identity");
}
