//! Secrets never reach a prompt: the context is redacted before any placeholder is filled.
//!
//! Two passes, both replacing with [`REDACTED`]:
//! 1. By key name, at any depth: the dry-run plan's rule ([`soar_store::plan::redact`]), so a value
//!    under `Password`, `SecretAccessKey`, `SessionToken`, `x-api-key`, `Credentials`, ... goes.
//! 2. By value, in every remaining string (free text such as a finding's description or a command
//!    line): AWS access key ids (`AKIA...`, `ASIA...`), 40-character AWS secret access keys, PEM
//!    private keys, `Bearer` tokens, GitHub tokens, and `password=...` / `"token": "..."` style
//!    assignments whose name looks like a secret.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;
pub use soar_store::plan::REDACTED;

/// Patterns whose whole match is a secret.
static WHOLE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // AWS access key ids: long-term (AKIA) and temporary (ASIA).
        r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
        // PEM private keys, whatever their kind.
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
        // GitHub tokens.
        r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid redaction pattern"))
    .collect()
});

/// `name = value`, `name: value`, `"name": "value"` where the name looks like a secret: the value goes.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)([A-Za-z0-9_.-]*(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|credential|private[_-]?key)[A-Za-z0-9_.-]*"?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&"'}\]]+)"#,
    )
    .expect("valid assignment pattern")
});

/// `Bearer <token>`.
static BEARER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}").expect("valid bearer pattern")
});

/// A run that may be an AWS secret access key (exactly 40 base64 characters, checked below).
static SECRET_KEY_CANDIDATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9/+]{40,}").expect("valid candidate pattern"));

/// `value` with every secret replaced, by key name and by value.
pub fn redact(value: &mut Value) {
    soar_store::plan::redact(value);
    redact_strings(value);
}

fn redact_strings(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Some(clean) = redact_text(text) {
                *text = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_strings),
        Value::Object(map) => map.values_mut().for_each(redact_strings),
        _ => {}
    }
}

/// `text` with the secrets it contains replaced; `None` when there are none.
pub fn redact_text(text: &str) -> Option<String> {
    let mut out = std::borrow::Cow::Borrowed(text);
    for pattern in WHOLE.iter() {
        if pattern.is_match(&out) {
            out = pattern.replace_all(&out, REDACTED).into_owned().into();
        }
    }
    if ASSIGNMENT.is_match(&out) {
        out = ASSIGNMENT
            .replace_all(&out, |c: &regex::Captures| {
                if c[2].contains(REDACTED) {
                    c[0].to_owned()
                } else {
                    format!("{}{REDACTED}", &c[1])
                }
            })
            .into_owned()
            .into();
    }
    if BEARER.is_match(&out) {
        out = BEARER
            .replace_all(&out, format!("${{1}}{REDACTED}"))
            .into_owned()
            .into();
    }
    if SECRET_KEY_CANDIDATE
        .find_iter(&out)
        .any(|m| is_secret_access_key(m.as_str()))
    {
        out = SECRET_KEY_CANDIDATE
            .replace_all(&out, |c: &regex::Captures| {
                if is_secret_access_key(&c[0]) {
                    REDACTED.to_owned()
                } else {
                    c[0].to_owned()
                }
            })
            .into_owned()
            .into();
    }
    match out {
        std::borrow::Cow::Borrowed(_) => None,
        std::borrow::Cow::Owned(clean) => Some(clean),
    }
}

/// Whether a run looks like an AWS secret access key: 40 characters mixing upper case, lower case and
/// digits (a 40-character SHA-1 in hex has no upper case, a word no digits).
fn is_secret_access_key(run: &str) -> bool {
    run.len() == 40
        && run.bytes().any(|b| b.is_ascii_uppercase())
        && run.bytes().any(|b| b.is_ascii_lowercase())
        && run.bytes().any(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_go_by_key_and_by_value() {
        let mut v = json!({
            "AccessKeyDetails": {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "UserName": "ci"},
            "Credentials": {"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
            "Description": "login with password=hunter2; key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY used from ASIAY34FZKBOKMUTVV7A",
            "CommandLine": "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig' https://x",
            "Json": "{\"db_password\": \"s3cr3t!\", \"user\": \"app\"}",
            "Key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
            "Token": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "Hash": "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "Arn": "arn:aws:iam::444455556666:user/ci"
        });
        redact(&mut v);
        let text = v.to_string();
        for secret in [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI",
            "hunter2",
            "ASIAY34FZKBOKMUTVV7A",
            "eyJhbGciOiJIUzI1NiJ9",
            "s3cr3t!",
            "MIIEow",
            "ghp_abc",
        ] {
            assert!(!text.contains(secret), "{secret} left in {text}");
        }
        // What is not secret stays, so the analyst can still reason about it.
        assert_eq!(v["AccessKeyDetails"]["UserName"], "ci");
        assert_eq!(v["Hash"], "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(v["Arn"], "arn:aws:iam::444455556666:user/ci");
        assert_eq!(
            v["Description"],
            format!("login with password={REDACTED}; key {REDACTED} used from {REDACTED}")
        );
        assert!(v["Json"].as_str().unwrap().contains("\"user\": \"app\""));
    }

    #[test]
    fn text_without_secrets_is_untouched() {
        assert_eq!(
            redact_text("The bucket example-payments-uploads allows public read."),
            None
        );
    }
}
