//! The dry-run plan: every mutating AWS call that the embedded backend cannot make for real is
//! recorded instead, as one JSON object per line in `plan.jsonl`, and can be read back.
//!
//! Secrets never reach the plan: before a call is recorded, the value of every parameter whose name
//! looks like a secret (password, secret, token, credentials, private key, API key, authorization,
//! cookie), at any depth, is replaced by `"***REDACTED***"`.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::timefmt::rfc3339;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "***REDACTED***";

/// A call that would have been made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedCall {
    /// When it was planned.
    #[serde(with = "rfc3339")]
    pub at: OffsetDateTime,
    /// The AWS service, e.g. `ec2`.
    pub service: String,
    /// The operation, e.g. `RevokeSecurityGroupIngress`.
    pub operation: String,
    /// The account it would run in.
    #[serde(default)]
    pub account: Option<String>,
    /// The region it would run in.
    #[serde(default)]
    pub region: Option<String>,
    /// The request parameters (redacted when recorded).
    #[serde(default)]
    pub parameters: Value,
    /// Why it would be made, e.g. `auto-remediation of EC2.19 for finding ...`.
    pub reason: String,
}

/// Records planned calls.
pub trait ActionRecorder {
    /// Records a call, with secrets redacted.
    fn record(&self, call: &PlannedCall) -> Result<()>;

    /// Every recorded call, oldest first.
    fn recorded(&self) -> Result<Vec<PlannedCall>>;
}

/// Whether a parameter with this name holds a secret. The name is compared without case and without
/// separators, so `Password`, `master_user_password`, `SecretAccessKey`, `x-api-key`, `SessionToken`
/// and `Credentials` all are.
pub fn is_secret_name(name: &str) -> bool {
    const MARKERS: [&str; 10] = [
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "credential",
        "privatekey",
        "apikey",
        "authorization",
        "cookie",
    ];
    // AWS settings whose names contain a marker but whose values are never secret: hiding them would
    // hide what a remediation changes (EC2's `HttpTokens` is `required` or `optional`; the numbers
    // and switches of IAM's account password policy are rules, not passwords).
    const SETTINGS: [&str; 5] = [
        "httptokens",
        "minimumpasswordlength",
        "maxpasswordage",
        "passwordreuseprevention",
        "allowuserstochangepassword",
    ];
    let normalized: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    !SETTINGS.contains(&normalized.as_str())
        && MARKERS.iter().any(|marker| normalized.contains(marker))
}

/// Replaces, in place and at any depth, the value of every key for which [`is_secret_name`] holds.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if is_secret_name(key) {
                    *value = Value::String(REDACTED.to_owned());
                } else {
                    redact(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

fn redacted(call: &PlannedCall) -> PlannedCall {
    let mut call = call.clone();
    redact(&mut call.parameters);
    call
}

/// Reads a plan file back. A missing file is an empty plan.
pub fn read_plan(path: &Path) -> Result<Vec<PlannedCall>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(StoreError::Io {
                op: "read plan",
                path: path.to_owned(),
                source: e,
            });
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| StoreError::Json {
                what: "plan line",
                key: format!("{}:{}", path.display(), i + 1),
                source: e,
            })
        })
        .collect()
}

/// A JSON Lines plan file: the embedded backend's [`ActionRecorder`]. Lines are appended whole, one
/// write per call, so concurrent recorders never interleave.
#[derive(Debug)]
pub struct JsonlPlan {
    path: PathBuf,
    file: Mutex<Option<File>>,
}

impl JsonlPlan {
    /// A plan in this file; the file (and its folder) is created on the first record.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        JsonlPlan {
            path: path.into(),
            file: Mutex::new(None),
        }
    }

    /// A plan in this file, created now (empty) if it does not exist; existing lines are kept.
    pub fn create(path: impl Into<PathBuf>) -> Result<Self> {
        let plan = JsonlPlan::new(path);
        let file = plan.open()?;
        *plan
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(file);
        Ok(plan)
    }

    /// The plan file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(&self) -> Result<File> {
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(StoreError::io("create plan folder", parent))?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(StoreError::io("open plan", &self.path))
    }
}

impl ActionRecorder for JsonlPlan {
    fn record(&self, call: &PlannedCall) -> Result<()> {
        let mut line = serde_json::to_vec(&redacted(call)).map_err(|e| StoreError::Json {
            what: "planned call",
            key: call.operation.clone(),
            source: e,
        })?;
        line.push(b'\n');
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if file.is_none() {
            *file = Some(self.open()?);
        }
        if let Some(file) = file.as_mut() {
            file.write_all(&line)
                .map_err(StoreError::io("append to plan", &self.path))?;
        }
        Ok(())
    }

    fn recorded(&self) -> Result<Vec<PlannedCall>> {
        // Hold the lock so no line is half-written while reading.
        let _guard = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        read_plan(&self.path)
    }
}

/// A plan in memory, for tests.
#[derive(Debug, Default)]
pub struct MemoryPlan {
    calls: Mutex<Vec<PlannedCall>>,
}

impl MemoryPlan {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }
}

impl ActionRecorder for MemoryPlan {
    fn record(&self, call: &PlannedCall) -> Result<()> {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(redacted(call));
        Ok(())
    }

    fn recorded(&self) -> Result<Vec<PlannedCall>> {
        Ok(self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    fn call(operation: &str, parameters: Value) -> PlannedCall {
        PlannedCall {
            at: datetime!(2026-11-23 12:00 UTC),
            service: "rds".into(),
            operation: operation.into(),
            account: Some("111122223333".into()),
            region: Some("eu-west-1".into()),
            parameters,
            reason: "auto-remediation of RDS.2".into(),
        }
    }

    #[test]
    fn secret_names() {
        for name in [
            "Password",
            "MasterUserPassword",
            "master_user_password",
            "SecretAccessKey",
            "secret",
            "SessionToken",
            "token",
            "Credentials",
            "credential",
            "x-api-key",
            "PrivateKey",
            "Authorization",
            "DbPassphrase",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "DBInstanceIdentifier",
            "GroupId",
            "AccessKeyId",
            "UserName",
            "KmsKeyId",
            "Key",
            "Tags",
            "HttpTokens",
            "http_tokens",
            "MinimumPasswordLength",
            "MaxPasswordAge",
            "PasswordReusePrevention",
            "AllowUsersToChangePassword",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let dir = tempfile::tempdir().unwrap();
        let plan = JsonlPlan::new(dir.path().join("sub/plan.jsonl"));
        let parameters = json!({
            "DBInstanceIdentifier": "db-1",
            "MasterUserPassword": "hunter2",
            "Nested": {"Credentials": {"AccessKeyId": "AKIA...", "SecretAccessKey": "wJalr"}, "list": [{"api_token": "t0k"}]},
            "Tokens": ["a", "b"],
        });
        plan.record(&call("ModifyDBInstance", parameters)).unwrap();
        let text = std::fs::read_to_string(plan.path()).unwrap();
        for secret in ["hunter2", "wJalr", "t0k", "AKIA", "\"a\""] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        let back = plan.recorded().unwrap();
        assert_eq!(back[0].parameters["DBInstanceIdentifier"], "db-1");
        assert_eq!(back[0].parameters["MasterUserPassword"], REDACTED);
        assert_eq!(back[0].parameters["Nested"]["Credentials"], REDACTED);
        assert_eq!(
            back[0].parameters["Nested"]["list"][0]["api_token"],
            REDACTED
        );
        assert_eq!(back[0].parameters["Tokens"], REDACTED);

        let memory = MemoryPlan::new();
        memory
            .record(&call("ModifyDBInstance", json!({"Password": "hunter2"})))
            .unwrap();
        assert_eq!(
            memory.recorded().unwrap()[0].parameters["Password"],
            REDACTED
        );
    }

    #[test]
    fn appends_one_line_per_call_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.jsonl");
        assert!(read_plan(&path).unwrap().is_empty());
        let plan = JsonlPlan::new(&path);
        let calls: Vec<_> = (0..3)
            .map(|i| call(&format!("Op{i}"), json!({"i": i})))
            .collect();
        for c in &calls {
            plan.record(c).unwrap();
        }
        // A second recorder on the same file appends after the first.
        JsonlPlan::new(&path)
            .record(&call("Op3", Value::Null))
            .unwrap();
        let back = read_plan(&path).unwrap();
        assert_eq!(back.len(), 4);
        assert_eq!(&back[..3], &calls[..]);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 4);

        std::fs::write(&path, "{\"bad\"\n").unwrap();
        let err = read_plan(&path).unwrap_err();
        assert!(err.to_string().contains("plan.jsonl:1"), "{err}");
    }

    #[test]
    fn create_makes_an_empty_plan_and_keeps_an_existing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/plan.jsonl");
        let plan = JsonlPlan::create(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
        plan.record(&call("Op", Value::Null)).unwrap();
        drop(plan);
        let plan = JsonlPlan::create(&path).unwrap();
        assert_eq!(plan.recorded().unwrap().len(), 1);
    }

    #[test]
    fn concurrent_records_do_not_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let plan = std::sync::Arc::new(JsonlPlan::new(dir.path().join("plan.jsonl")));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let plan = plan.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        plan.record(&call(
                            "Op",
                            json!({"t": t, "i": i, "pad": "x".repeat(5000)}),
                        ))
                        .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(plan.recorded().unwrap().len(), 200);
    }
}
