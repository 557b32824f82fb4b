//! Local suppression rules: findings that are known and accepted, by control, account, resource
//! (id or ARN with `*` wildcards) and resource tags, each with a reason and an optional expiry.
//!
//! A rule matches a finding when every criterion it sets matches: the control id, the account id, and
//! — when the rule names a resource pattern or tags — at least one resource of the finding whose id
//! matches the pattern *and* that carries all the tags. Expired rules never match. A rule must set at
//! least one criterion: a rule that would suppress everything is rejected.
//!
//! Rules can be loaded from a JSON file, either a list of rules or `{"rules": [...]}`:
//!
//! ```json
//! {"rules": [
//!   {"id": "legacy-sg", "control_id": "EC2.19", "account_id": "111122223333",
//!    "resource": "arn:aws:ec2:*:111122223333:security-group/sg-0abc*",
//!    "resource_tags": {"Exception": "SEC-42"},
//!    "expires_at": "2027-01-01T00:00:00Z", "reason": "Vendor appliance, accepted until 2027"}
//! ]}
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::timefmt::rfc3339;

/// One suppression rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressionRule {
    /// The rule's id; putting a rule with an existing id replaces it.
    pub id: String,
    /// Only findings of this security control (exact match, e.g. `EC2.19`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_id: Option<String>,
    /// Only findings in this account (exact match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Only findings with a resource whose id or ARN matches this pattern (`*` matches any run of
    /// characters, everything else is literal and case-sensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Only findings with a resource that carries every one of these tags with these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_tags: BTreeMap<String, String>,
    /// The rule stops matching at this time.
    #[serde(
        default,
        with = "rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// Why these findings are suppressed (goes into the finding's note).
    pub reason: String,
}

/// What a suppression rule is matched against, taken from a finding.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FindingFacts {
    /// `Compliance.SecurityControlId` (or `ProductFields.ControlId` for older findings).
    pub control_id: Option<String>,
    /// `AwsAccountId`.
    pub account_id: String,
    /// `Resources[]`.
    pub resources: Vec<ResourceFacts>,
}

/// A resource of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResourceFacts {
    /// `Resources[].Id`, usually an ARN.
    pub id: String,
    /// `Resources[].Tags`.
    pub tags: BTreeMap<String, String>,
}

impl FindingFacts {
    /// Takes the facts from an ASFF finding.
    pub fn from_finding(finding: &Value) -> Self {
        let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
        let control_id = text(finding.pointer("/Compliance/SecurityControlId"))
            .or_else(|| text(finding.pointer("/ProductFields/ControlId")));
        let resources = finding
            .get("Resources")
            .and_then(Value::as_array)
            .map(|resources| {
                resources
                    .iter()
                    .map(|resource| ResourceFacts {
                        id: text(resource.get("Id")).unwrap_or_default(),
                        tags: resource
                            .get("Tags")
                            .and_then(Value::as_object)
                            .map(|tags| {
                                tags.iter()
                                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        FindingFacts {
            control_id,
            account_id: text(finding.get("AwsAccountId")).unwrap_or_default(),
            resources,
        }
    }
}

impl SuppressionRule {
    /// Rejects a rule without an id, without a reason, or without any criterion.
    pub fn validate(&self) -> Result<()> {
        let invalid =
            |message: &str| Err(StoreError::invalid("suppression rule", &self.id, message));
        if self.id.trim().is_empty() {
            return invalid("the id is empty");
        }
        if self.reason.trim().is_empty() {
            return invalid("the reason is empty");
        }
        if self.control_id.is_none()
            && self.account_id.is_none()
            && self.resource.is_none()
            && self.resource_tags.is_empty()
        {
            return invalid("the rule sets no criterion and would suppress every finding");
        }
        Ok(())
    }

    /// Whether the rule is in force at `now` and matches the finding.
    pub fn matches(&self, facts: &FindingFacts, now: OffsetDateTime) -> bool {
        if self.expires_at.is_some_and(|expiry| expiry <= now) {
            return false;
        }
        if self
            .control_id
            .as_deref()
            .is_some_and(|id| facts.control_id.as_deref() != Some(id))
        {
            return false;
        }
        if self
            .account_id
            .as_deref()
            .is_some_and(|id| facts.account_id != id)
        {
            return false;
        }
        if self.resource.is_none() && self.resource_tags.is_empty() {
            return true;
        }
        facts.resources.iter().any(|resource| {
            self.resource
                .as_deref()
                .is_none_or(|pattern| glob_match(pattern, &resource.id))
                && self
                    .resource_tags
                    .iter()
                    .all(|(key, value)| resource.tags.get(key) == Some(value))
        })
    }

    /// How many criteria the rule sets; when several rules match, the most specific one wins.
    pub fn specificity(&self) -> usize {
        usize::from(self.control_id.is_some())
            + usize::from(self.account_id.is_some())
            + usize::from(self.resource.is_some())
            + self.resource_tags.len()
    }
}

/// Of the rules that match at `now`, the most specific (ties: the smallest id).
pub fn best_match<'a>(
    rules: impl IntoIterator<Item = &'a SuppressionRule>,
    facts: &FindingFacts,
    now: OffsetDateTime,
) -> Option<&'a SuppressionRule> {
    rules
        .into_iter()
        .filter(|rule| rule.matches(facts, now))
        .min_by(|a, b| {
            b.specificity()
                .cmp(&a.specificity())
                .then_with(|| a.id.cmp(&b.id))
        })
}

/// `*` matches any run of characters (`/` and `:` included); everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.as_bytes(), text.as_bytes());
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it is currently matched up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Parses suppression rules from JSON: a list of rules or `{"rules": [...]}`. `source` names the
/// document in errors. Every rule is validated, and ids must be unique.
pub fn parse_rules_json(text: &str, source: &str) -> Result<Vec<SuppressionRule>> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Document {
        List(Vec<SuppressionRule>),
        Wrapped { rules: Vec<SuppressionRule> },
    }
    let rules = match serde_json::from_str::<Document>(text) {
        Ok(Document::List(rules) | Document::Wrapped { rules }) => rules,
        Err(_) => {
            // The untagged error says only "did not match any variant"; parse again for the real reason.
            let error = match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(mut map)) if map.contains_key("rules") => {
                    serde_json::from_value::<Vec<SuppressionRule>>(
                        map.remove("rules").unwrap_or_default(),
                    )
                    .err()
                }
                Ok(other) => serde_json::from_value::<Vec<SuppressionRule>>(other).err(),
                Err(e) => Some(e),
            };
            return Err(match error {
                Some(source_error) => StoreError::Json {
                    what: "suppression rules",
                    key: source.to_owned(),
                    source: source_error,
                },
                None => StoreError::invalid(
                    "suppression rules",
                    source,
                    "expected a list of rules or {\"rules\": [...]}",
                ),
            });
        }
    };
    let mut seen = std::collections::HashSet::new();
    for rule in &rules {
        rule.validate()?;
        if !seen.insert(rule.id.as_str()) {
            return Err(StoreError::invalid(
                "suppression rules",
                source,
                format!("rule id {:?} appears twice", rule.id),
            ));
        }
    }
    Ok(rules)
}

/// Reads and parses a suppression rules file (see [`parse_rules_json`]).
pub fn load_rules_file(path: &Path) -> Result<Vec<SuppressionRule>> {
    let text =
        std::fs::read_to_string(path).map_err(StoreError::io("read suppression rules", path))?;
    parse_rules_json(&text, &path.display().to_string())
}

/// Where suppression rules live: SQLite in the embedded backend, DynamoDB in the AWS backend.
pub trait SuppressionStore {
    /// Adds a rule, or replaces the rule with the same id. Invalid rules are rejected.
    fn put_rule(&self, rule: &SuppressionRule) -> Result<()>;

    /// Removes a rule; `false` when there was none with this id.
    fn remove_rule(&self, rule_id: &str) -> Result<bool>;

    /// A rule by its id.
    fn get_rule(&self, rule_id: &str) -> Result<Option<SuppressionRule>>;

    /// Every rule, expired ones included, by id.
    fn list_rules(&self) -> Result<Vec<SuppressionRule>>;

    /// The rule that suppresses the finding now, if any (the most specific when several match).
    fn matching(&self, facts: &FindingFacts) -> Result<Option<SuppressionRule>>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    fn rule(id: &str) -> SuppressionRule {
        SuppressionRule {
            id: id.into(),
            control_id: None,
            account_id: None,
            resource: None,
            resource_tags: BTreeMap::new(),
            expires_at: None,
            reason: "accepted".into(),
        }
    }

    fn facts() -> FindingFacts {
        FindingFacts::from_finding(&json!({
            "AwsAccountId": "111122223333",
            "Compliance": {"SecurityControlId": "EC2.19", "Status": "FAILED"},
            "Resources": [
                {"Type": "AwsEc2Instance", "Id": "arn:aws:ec2:eu-west-1:111122223333:instance/i-1"},
                {"Type": "AwsEc2SecurityGroup", "Id": "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc1",
                 "Tags": {"Exception": "SEC-42", "Team": "payments"}}
            ]
        }))
    }

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

    #[test]
    fn facts_from_an_asff_finding() {
        let facts = facts();
        assert_eq!(facts.control_id.as_deref(), Some("EC2.19"));
        assert_eq!(facts.account_id, "111122223333");
        assert_eq!(facts.resources.len(), 2);
        assert_eq!(facts.resources[1].tags["Team"], "payments");
        let old = FindingFacts::from_finding(&json!({"ProductFields": {"ControlId": "S3.1"}}));
        assert_eq!(old.control_id.as_deref(), Some("S3.1"));
        assert_eq!(
            old,
            FindingFacts {
                control_id: Some("S3.1".into()),
                ..FindingFacts::default()
            }
        );
    }

    #[test]
    fn glob() {
        assert!(glob_match("*", ""));
        assert!(glob_match("arn:aws:s3:::logs-*", "arn:aws:s3:::logs-2026"));
        assert!(glob_match(
            "arn:aws:ec2:*:111122223333:instance/*",
            "arn:aws:ec2:eu-west-1:111122223333:instance/i-1"
        ));
        assert!(!glob_match(
            "arn:aws:ec2:*:111122223333:instance/*",
            "arn:aws:ec2:eu-west-1:444455556666:instance/i-1"
        ));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(glob_match("a*b*c", "abcbc"));
        assert!(!glob_match("a*b*c", "abcbd"));
        assert!(!glob_match("exact", "exact-not"));
        assert!(!glob_match("Exact", "exact"));
        assert!(glob_match("**x", "x"));
        assert!(glob_match("é*", "éa"));
    }

    #[test]
    fn every_criterion_must_match() {
        let facts = facts();
        let mut r = rule("r");
        r.control_id = Some("EC2.19".into());
        assert!(r.matches(&facts, NOW));
        r.account_id = Some("444455556666".into());
        assert!(!r.matches(&facts, NOW));
        r.account_id = Some("111122223333".into());
        r.resource = Some("*:security-group/sg-0abc*".into());
        assert!(r.matches(&facts, NOW));
        r.resource_tags.insert("Exception".into(), "SEC-42".into());
        assert!(r.matches(&facts, NOW));
        // The pattern and the tags must hold for the same resource.
        r.resource = Some("*:instance/*".into());
        assert!(!r.matches(&facts, NOW));
        r.resource = None;
        assert!(r.matches(&facts, NOW));
        r.resource_tags.insert("Exception".into(), "SEC-43".into());
        assert!(!r.matches(&facts, NOW));
    }

    #[test]
    fn expired_rules_do_not_match() {
        let mut r = rule("r");
        r.control_id = Some("EC2.19".into());
        r.expires_at = Some(NOW);
        assert!(!r.matches(&facts(), NOW));
        assert!(r.matches(&facts(), NOW - time::Duration::seconds(1)));
    }

    #[test]
    fn most_specific_rule_wins() {
        let mut broad = rule("a-broad");
        broad.control_id = Some("EC2.19".into());
        let mut narrow = rule("b-narrow");
        narrow.control_id = Some("EC2.19".into());
        narrow.account_id = Some("111122223333".into());
        let mut other = rule("c-other");
        other.control_id = Some("S3.1".into());
        let rules = [broad.clone(), narrow.clone(), other];
        assert_eq!(best_match(&rules, &facts(), NOW), Some(&narrow));
        let mut tie = broad.clone();
        tie.id = "0-tie".into();
        let rules = [broad, tie.clone()];
        assert_eq!(best_match(&rules, &facts(), NOW), Some(&tie));
    }

    #[test]
    fn validation() {
        assert!(rule("r").validate().is_err(), "no criterion");
        let mut r = rule("r");
        r.account_id = Some("111122223333".into());
        assert!(r.validate().is_ok());
        r.reason = " ".into();
        assert!(r.validate().unwrap_err().to_string().contains("reason"));
    }

    #[test]
    fn json_files() {
        let text = r#"{"rules": [{"id": "a", "control_id": "EC2.19", "reason": "x", "expires_at": "2027-01-01T00:00:00Z"}]}"#;
        let rules = parse_rules_json(text, "rules.json").unwrap();
        assert_eq!(rules[0].expires_at, Some(datetime!(2027-01-01 0:00 UTC)));
        let list = r#"[{"id": "a", "account_id": "111122223333", "reason": "x"}]"#;
        assert_eq!(parse_rules_json(list, "rules.json").unwrap().len(), 1);

        let err = parse_rules_json(
            r#"{"rules": [{"id": "a", "contol_id": "x", "reason": "x"}]}"#,
            "rules.json",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("contol_id") && err.to_string().contains("rules.json"),
            "{err}"
        );
        let err = parse_rules_json(r#"[{"id": "a", "reason": "x"}]"#, "rules.json").unwrap_err();
        assert!(err.to_string().contains("suppress every finding"), "{err}");
        let dup = r#"[{"id": "a", "account_id": "1", "reason": "x"}, {"id": "a", "account_id": "2", "reason": "y"}]"#;
        assert!(
            parse_rules_json(dup, "rules.json")
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        assert!(parse_rules_json("{", "rules.json").is_err());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.json");
        std::fs::write(&path, list).unwrap();
        assert_eq!(load_rules_file(&path).unwrap()[0].id, "a");
        let err = load_rules_file(&dir.path().join("missing.json")).unwrap_err();
        assert!(err.to_string().contains("missing.json"), "{err}");
    }

    #[test]
    fn serialized_rules_parse_back() {
        let mut r = rule("r");
        r.resource = Some("arn:*".into());
        r.expires_at = Some(NOW);
        let text = serde_json::to_string(&vec![r.clone()]).unwrap();
        assert_eq!(parse_rules_json(&text, "x").unwrap(), vec![r]);
    }
}
