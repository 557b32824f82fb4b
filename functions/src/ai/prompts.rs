//! The prompts of `ai-prompts/`, embedded in the binary (one source for the local runner and Lambda),
//! and how they are filled.
//!
//! # Placeholders
//!
//! A prompt is plain text with placeholders `{{path}}` or `{{path | fallback}}`:
//!
//! - `path` is a dot-separated path into the context: `finding.Title`, `account.name`,
//!   `finding.Resources.0.Id` (a number picks an array element), `enrichment.resources`. For
//!   incidents the context is the scratchpad (`account`, `finding`, `tags`, `actions`, `messages`,
//!   `db`), secrets redacted, plus `enrichment` (see [`super::context`]); for the weekly report it is
//!   `report`.
//! - A string is inserted as it is; a number or boolean as JSON; an object or array as indented JSON
//!   (`{{finding}}` is the whole finding); `null` as `unknown`. A value longer than
//!   [`MAX_VALUE_CHARS`] is cut, saying so.
//! - A path that leads nowhere is an error naming the prompt file and the placeholder, unless a
//!   fallback is given after `|`: `{{finding.Remediation.Recommendation.Text | none given}}`.
//! - `{{` always opens a placeholder; there is no escape.

use serde_json::Value;

/// The longest text one placeholder inserts, in characters.
pub const MAX_VALUE_CHARS: usize = 30_000;

/// One prompt file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prompt {
    /// Its file name in `ai-prompts/`.
    pub file: &'static str,
    /// Its text.
    pub text: &'static str,
}

macro_rules! prompt {
    ($file:literal) => {
        Prompt {
            file: $file,
            text: include_str!(concat!("../../../ai-prompts/", $file)),
        }
    };
}

/// The instructions every Bedrock conversation starts with (its system prompt).
pub const SYSTEM: Prompt = prompt!("system.txt");
/// An incident with no more specific prompt.
pub const INCIDENT_GENERIC: Prompt = prompt!("incident_generic.txt");
/// An EC2 incident.
pub const INCIDENT_EC2: Prompt = prompt!("incident_ec2.txt");
/// An IAM incident.
pub const INCIDENT_IAM: Prompt = prompt!("incident_iam.txt");
/// An S3 incident.
pub const INCIDENT_S3: Prompt = prompt!("incident_s3.txt");
/// An EKS incident.
pub const INCIDENT_EKS: Prompt = prompt!("incident_eks.txt");
/// A CloudWatch alarm on infrastructure.
pub const INCIDENT_INFRA: Prompt = prompt!("incident_infra.txt");
/// A CloudWatch alarm on an application.
pub const INCIDENT_APP: Prompt = prompt!("incident_app.txt");
/// The weekly report.
pub const WEEKLY_REPORT: Prompt = prompt!("weekly_report.txt");

/// Every prompt file.
pub const ALL: [Prompt; 9] = [
    SYSTEM,
    INCIDENT_GENERIC,
    INCIDENT_EC2,
    INCIDENT_IAM,
    INCIDENT_S3,
    INCIDENT_EKS,
    INCIDENT_INFRA,
    INCIDENT_APP,
    WEEKLY_REPORT,
];

/// A prompt that cannot be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ai-prompts/{file}: placeholder {placeholder}: {problem}")]
pub struct PromptError {
    /// The prompt file.
    pub file: &'static str,
    /// The placeholder as written, `{{...}}`, or where the text went wrong.
    pub placeholder: String,
    /// What is wrong.
    pub problem: String,
}

impl Prompt {
    /// The text with every placeholder filled from `context`.
    pub fn render(&self, context: &Value) -> Result<String, PromptError> {
        let error = |placeholder: &str, problem: String| PromptError {
            file: self.file,
            placeholder: placeholder.to_owned(),
            problem,
        };
        let mut out = String::with_capacity(self.text.len() * 2);
        let mut rest = self.text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                let shown: String = rest[start..].chars().take(40).collect();
                return Err(error(&shown, "is not closed by }}".into()));
            };
            let written = &rest[start..start + 2 + end + 2];
            let (path, fallback) = match after[..end].split_once('|') {
                Some((path, fallback)) => (path.trim(), Some(fallback.trim())),
                None => (after[..end].trim(), None),
            };
            if path.is_empty() {
                return Err(error(written, "names no path".into()));
            }
            match (lookup(context, path), fallback) {
                (Ok(value), _) => out.push_str(&display(value)),
                (Err(_), Some(fallback)) => out.push_str(fallback),
                (Err(problem), None) => return Err(error(written, problem)),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The value at a dot-separated `path`, or what is missing.
fn lookup<'a>(context: &'a Value, path: &str) -> Result<&'a Value, String> {
    let mut value = context;
    let mut walked = String::new();
    for segment in path.split('.') {
        let next = match value {
            Value::Object(map) => map.get(segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        let shown = if walked.is_empty() {
            "the context"
        } else {
            walked.as_str()
        };
        value = next.ok_or_else(|| match value {
            Value::Array(items) => {
                format!("{shown} has no element {segment} (it has {})", items.len())
            }
            Value::Object(_) => format!("{shown} has no key {segment:?}"),
            other => format!("{shown} is {}, not an object or array", kind(other)),
        })?;
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(segment);
    }
    Ok(value)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value as prompt text.
fn display(value: &Value) -> String {
    let text = match value {
        Value::Null => "unknown".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(_) | Value::Object(_) => {
            serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
        }
    };
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => format!(
            "{}\n... (cut: {} more characters)",
            &text[..cut],
            text[cut..].chars().count()
        ),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEST: Prompt = Prompt {
        file: "test.txt",
        text: "Title {{finding.Title}}, first {{finding.Resources.0.Id}}, team {{account.team}}, n {{db.n}}, none {{finding.Nope | none given}}.",
    };

    #[test]
    fn placeholders_are_filled() {
        let context = json!({
            "finding": {"Title": "T", "Resources": [{"Id": "r-1"}]},
            "account": {"team": null},
            "db": {"n": 3}
        });
        assert_eq!(
            TEST.render(&context).unwrap(),
            "Title T, first r-1, team unknown, n 3, none none given."
        );
        let whole = Prompt {
            file: "t",
            text: "{{finding.Resources}}",
        };
        assert_eq!(
            whole.render(&context).unwrap(),
            "[\n  {\n    \"Id\": \"r-1\"\n  }\n]"
        );
    }

    #[test]
    fn a_missing_placeholder_names_the_file_and_the_placeholder() {
        let context = json!({"finding": {"Title": "T", "Resources": []}, "account": {}, "db": {}});
        let err = TEST.render(&context).unwrap_err();
        assert_eq!(err.file, "test.txt");
        assert_eq!(err.placeholder, "{{finding.Resources.0.Id}}");
        assert_eq!(
            err.to_string(),
            "ai-prompts/test.txt: placeholder {{finding.Resources.0.Id}}: finding.Resources has no element 0 (it has 0)"
        );
        let context = json!({"finding": {"Resources": [{"Id": "r"}]}});
        assert_eq!(
            TEST.render(&context).unwrap_err().to_string(),
            "ai-prompts/test.txt: placeholder {{finding.Title}}: finding has no key \"Title\""
        );
        let unclosed = Prompt {
            file: "u.txt",
            text: "a {{finding.Title b",
        };
        let err = unclosed.render(&context).unwrap_err();
        assert!(err.to_string().contains("is not closed"), "{err}");
        let empty = Prompt {
            file: "e.txt",
            text: "{{ }}",
        };
        assert!(empty.render(&context).is_err());
    }

    #[test]
    fn long_values_are_cut_saying_so() {
        let context = json!({"x": "a".repeat(MAX_VALUE_CHARS + 5)});
        let p = Prompt {
            file: "t",
            text: "{{x}}",
        };
        let text = p.render(&context).unwrap();
        assert!(
            text.ends_with("... (cut: 5 more characters)"),
            "{}",
            &text[MAX_VALUE_CHARS..]
        );
    }

    #[test]
    fn every_prompt_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../ai-prompts");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".txt"))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = ALL.iter().map(|p| p.file.to_owned()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
        for p in ALL {
            assert!(!p.text.trim().is_empty(), "{}", p.file);
        }
    }
}
