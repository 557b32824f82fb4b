//! `soar process --backend aws` against moto's server (started per test; skipped without moto unless
//! `CI` is set): the real state machines on the local engine, every task's calls going to an
//! AWS-compatible endpoint through the AWS SDK.

use std::process::{Command, Output};

use soar_testkit::{Moto, create_table, verify_sender};

const SENDER: &str = "soar@example.org";
const SECURITY_TEAM: &str = "secops@example.org";
const TABLES: [(&str, &str); 4] = [
    ("SOAR_TICKETS_TABLE", "soar-tickets-test"),
    ("SOAR_EVENTS_TABLE", "soar-processed-events-test"),
    ("SOAR_SUPPRESSIONS_TABLE", "soar-suppressions-test"),
    ("SOAR_INCIDENTS_TABLE", "soar-incidents-test"),
];

/// moto with SOAR's tables and a verified sender, as the stack would have them.
async fn stack() -> Option<Moto> {
    let moto = Moto::start_serialized()?;
    let config = moto.sdk_config();
    for (_, table) in TABLES {
        create_table(&config, table).await;
    }
    verify_sender(&config, SENDER).await;
    Some(moto)
}

/// `soar process --backend aws --json FILES`, configured as the Lambda functions are.
fn process_on(moto: &Moto, files: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_soar"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["process", "--backend", "aws", "--json"])
        .args(files)
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env("SOAR_INCIDENT_EXPIRATION_DAYS", "30")
        .env("SOAR_SENDER_EMAIL", SENDER)
        .env("SOAR_SECURITY_TEAM_EMAIL", SECURITY_TEAM)
        .env("SOAR_TICKET_MIN_SEVERITY", "LOW")
        .env("SOAR_INCIDENT_MIN_SEVERITY", "HIGH");
    for (name, table) in TABLES {
        command.env(name, table);
    }
    command.output().expect("run soar")
}

fn lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A malformed finding is rejected and the rejection e-mailed to the security team through SES; a
/// finding already resolved, with no ticket, is recorded in the DynamoDB ledger and left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_are_processed_against_aws_services() {
    let Some(moto) = stack().await else { return };
    let output = process_on(
        &moto,
        &[
            "examples/findings/malformed-missing-generator-id.json",
            "examples/findings/control-passed-notified.json",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let results = lines(&output);
    assert_eq!(results.len(), 2, "{results:?}\n{stderr}");
    assert_eq!(results[0]["route"], "rejected", "{results:?}\n{stderr}");
    assert_ne!(results[1]["route"], "failed", "{results:?}\n{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");

    let data = moto.data();
    let sent = data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(sent.len(), 1, "one rejection e-mail: {sent:?}");
    assert_eq!(sent[0]["source"], SENDER);
    assert!(
        sent[0]["destinations"].to_string().contains(SECURITY_TEAM),
        "{:?}",
        sent[0]
    );
    // The resolved finding was recorded in the processed-events ledger, in DynamoDB.
    let scan = aws_sdk_dynamodb::Client::new(&moto.sdk_config())
        .scan()
        .table_name("soar-processed-events-test")
        .send()
        .await
        .unwrap();
    let items = format!("{:?}", scan.items());
    assert_eq!(scan.count(), 1, "{items}");
    assert!(
        items.contains("security-control/EC2.13/finding/4a5b6c7d"),
        "{items}"
    );
}

/// A missing variable is named before anything runs.
#[test]
fn a_missing_setting_is_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_soar"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["process", "--backend", "aws", "examples/findings"])
        .env_remove("SOAR_TICKETS_TABLE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--backend aws finds SOAR's tables")
            && stderr.contains("SOAR_TICKETS_TABLE"),
        "{stderr}"
    );
}
