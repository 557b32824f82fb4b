//! `suppress_locally`: applies SOAR's local suppression rules ([`SuppressionStore`]: by control id,
//! account, resource id/ARN glob and resource tags, each with a reason and an optional expiry) to the
//! finding. On a match it sets `actions.suppress_finding = true`, says in `messages.actions_taken`
//! which rule matched and why, and puts the rule into `db.suppression_rule`; the state machine then
//! suppresses the finding in Security Hub. No match leaves the scratchpad unchanged.
//!
//! A rule is matched against the finding as its author most likely meant it:
//!
//! * the control id is the consolidated one ([`Finding::control_id`]: a CIS 1.2.0 rule 2.7 finding
//!   is `CloudTrail.2`), and also the id as the finding carries it (`PCI.CloudTrail.1`), so a rule
//!   written either way matches;
//! * the account is `AwsAccountId`, and also the account that owns the resource
//!   ([`Finding::resource_owner_account`]) when a delegated-admin product reported the finding in the
//!   security account.
//!
//! When several rules match, the most specific one wins (most criteria; ties: smallest id), as in
//! [`SuppressionStore::matching`].
//!
//! [`SuppressionStore`]: soar_store::SuppressionStore
//! [`SuppressionStore::matching`]: soar_store::SuppressionStore::matching
//! [`Finding::control_id`]: soar_model::finding::Finding::control_id
//! [`Finding::resource_owner_account`]: soar_model::finding::Finding::resource_owner_account

use soar_json::Value as Json;
use soar_model::finding::Finding;
use soar_store::suppressions::ResourceFacts;
use soar_store::{FindingFacts, SuppressionRule};

use super::{add_action_taken, store_error};
use crate::core::scratchpad;
use crate::{Services, TaskError};

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let mut pad = scratchpad(input)?;
    let finding = pad.finding()?;
    // Already suppressed (by this rule, on an earlier pass): nothing more to do here; the router decides
    // (close the ticket, or nothing), so SOAR's own suppression coming back does not suppress again.
    if finding.workflow_status() == Some(&soar_model::finding::WorkflowStatus::Suppressed) {
        return Ok(pad.to_value());
    }
    let base = facts(&finding);

    let mut control_ids = vec![finding.control_id()];
    if !control_ids.contains(&base.control_id) {
        control_ids.push(base.control_id.clone());
    }
    let mut accounts = vec![base.account_id.clone()];
    let owner = finding.resource_owner_account().to_owned();
    if !accounts.contains(&owner) {
        accounts.push(owner);
    }

    let mut best: Option<SuppressionRule> = None;
    for control_id in &control_ids {
        for account_id in &accounts {
            let facts = FindingFacts {
                control_id: control_id.clone(),
                account_id: account_id.clone(),
                resources: base.resources.clone(),
            };
            if let Some(rule) = services
                .suppressions
                .matching(&facts)
                .map_err(store_error)?
                && best.as_ref().is_none_or(|b| more_specific(&rule, b))
            {
                best = Some(rule);
            }
        }
    }

    let Some(rule) = best else {
        return Ok(pad.to_value());
    };
    pad.actions.suppress_finding = true;
    add_action_taken(
        &mut pad,
        &format!(
            "Suppressed by local suppression rule '{}' ({}): {}",
            rule.id,
            criteria(&rule),
            sentence(&rule.reason)
        ),
    );
    pad.db.insert(
        "suppression_rule".into(),
        serde_json::to_value(&rule).expect("a suppression rule serializes"),
    );
    Ok(pad.to_value())
}

/// Whether `a` beats `b`: more criteria, then the smaller id.
fn more_specific(a: &SuppressionRule, b: &SuppressionRule) -> bool {
    (a.specificity(), std::cmp::Reverse(&a.id)) > (b.specificity(), std::cmp::Reverse(&b.id))
}

/// What the rule matched on, for people: `control S3.8, account 444455556666, until ...`.
fn criteria(rule: &SuppressionRule) -> String {
    let mut parts = Vec::new();
    if let Some(control) = &rule.control_id {
        parts.push(format!("control {control}"));
    }
    if let Some(account) = &rule.account_id {
        parts.push(format!("account {account}"));
    }
    if let Some(resource) = &rule.resource {
        parts.push(format!("resource {resource}"));
    }
    if !rule.resource_tags.is_empty() {
        let tags: Vec<String> = rule
            .resource_tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.push(format!("resource tags {}", tags.join(", ")));
    }
    let mut text = parts.join(", ");
    if let Some(expiry) = rule.expires_at {
        text.push_str(&format!(
            "; in force until {}",
            soar_store::timefmt::format_asff(expiry)
        ));
    }
    text
}

/// The reason as a sentence ending in a full stop.
fn sentence(reason: &str) -> String {
    let reason = reason.trim();
    if reason.ends_with(['.', '!', '?']) {
        reason.to_owned()
    } else {
        format!("{reason}.")
    }
}

/// What suppression rules match on, from the typed finding the task has already read.
fn facts(finding: &Finding) -> FindingFacts {
    FindingFacts {
        control_id: finding
            .compliance
            .as_ref()
            .and_then(|c| c.security_control_id.clone())
            .or_else(|| finding.product_field("ControlId").map(str::to_owned)),
        account_id: finding.aws_account_id.clone(),
        resources: finding
            .resources
            .iter()
            .map(|r| ResourceFacts {
                id: r.id.clone(),
                tags: r
                    .tags
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{finding, services};
    use serde_json::Value;
    use serde_json::json;
    use soar_model::scratchpad::Scratchpad;
    use std::collections::BTreeMap;

    fn rule(id: &str) -> SuppressionRule {
        SuppressionRule {
            id: id.into(),
            control_id: None,
            account_id: None,
            resource: None,
            resource_tags: BTreeMap::new(),
            expires_at: None,
            reason: "Accepted by the CISO".into(),
        }
    }

    async fn apply(services: &Services, f: Value) -> Value {
        run(services, Scratchpad::new(f).to_value())
            .await
            .unwrap()
            .to_json()
    }

    #[tokio::test]
    async fn an_already_suppressed_finding_is_left_to_the_router() {
        let services = services();
        let mut r = rule("all-s3");
        r.control_id = Some("S3.8".into());
        services.suppressions.put_rule(&r).unwrap();
        let mut f = finding();
        f["Workflow"] = json!({"Status": "SUPPRESSED"});
        let out = apply(&services, f).await;
        assert_eq!(out["actions"]["suppress_finding"], false);
        assert!(out["db"].get("suppression_rule").is_none());
    }

    #[tokio::test]
    async fn no_rule_leaves_the_scratchpad_unchanged() {
        let s = services();
        let mut other = rule("other-control");
        other.control_id = Some("EC2.19".into());
        s.suppressions.put_rule(&other).unwrap();
        let pad = Scratchpad::new(finding()).to_value();
        assert_eq!(run(&s, pad.clone()).await.unwrap(), pad);
    }

    #[tokio::test]
    async fn a_matching_rule_suppresses_saying_which_and_why() {
        let s = services();
        let mut r = rule("public-uploads");
        r.control_id = Some("S3.8".into());
        r.resource = Some("arn:aws:s3:::example-*-uploads".into());
        r.resource_tags.insert("team".into(), "payments".into());
        s.suppressions.put_rule(&r).unwrap();
        let out = apply(&s, finding()).await;
        assert_eq!(out["actions"]["suppress_finding"], true);
        assert_eq!(out["db"]["suppression_rule"]["id"], "public-uploads");
        let taken = out["messages"]["actions_taken"].as_str().unwrap();
        assert!(
            taken.contains("'public-uploads'")
                && taken.contains("control S3.8")
                && taken.contains("resource arn:aws:s3:::example-*-uploads")
                && taken.contains("team=payments")
                && taken.ends_with("Accepted by the CISO."),
            "{taken}"
        );
    }

    #[tokio::test]
    async fn the_most_specific_rule_wins() {
        let s = services();
        let mut broad = rule("broad");
        broad.account_id = Some("444455556666".into());
        let mut narrow = rule("narrow");
        narrow.account_id = Some("444455556666".into());
        narrow.control_id = Some("S3.8".into());
        s.suppressions.put_rule(&broad).unwrap();
        s.suppressions.put_rule(&narrow).unwrap();
        let out = apply(&s, finding()).await;
        assert_eq!(out["db"]["suppression_rule"]["id"], "narrow");
    }

    #[tokio::test]
    async fn rules_match_the_consolidated_control_id_of_legacy_findings() {
        let s = services();
        let mut r = rule("cloudtrail-logs");
        r.control_id = Some("CloudTrail.2".into());
        s.suppressions.put_rule(&r).unwrap();
        let cis: Value = serde_json::from_str(include_str!(
            "../../../examples/findings/cis-1.2.0-rule-2.7.json"
        ))
        .unwrap();
        let out = apply(&s, cis).await;
        assert_eq!(out["db"]["suppression_rule"]["id"], "cloudtrail-logs");
    }

    #[tokio::test]
    async fn rules_match_the_owner_of_delegated_admin_findings() {
        let s = services();
        let mut r = rule("platform-account");
        r.account_id = Some("444455556666".into());
        s.suppressions.put_rule(&r).unwrap();
        let analyzer: Value = serde_json::from_str(include_str!(
            "../../../examples/findings/access-analyzer-delegated-admin.json"
        ))
        .unwrap();
        assert_eq!(analyzer["AwsAccountId"], "111122223333");
        let out = apply(&s, analyzer).await;
        assert_eq!(out["actions"]["suppress_finding"], true);
    }

    #[tokio::test]
    async fn expired_rules_and_unmatched_tags_do_not_suppress() {
        let s = services();
        let mut expired = rule("expired");
        expired.control_id = Some("S3.8".into());
        expired.expires_at = Some(time::macros::datetime!(2020-01-01 0:00 UTC));
        let mut tagged = rule("tagged");
        tagged.control_id = Some("S3.8".into());
        tagged.resource_tags.insert("team".into(), "data".into());
        s.suppressions.put_rule(&expired).unwrap();
        s.suppressions.put_rule(&tagged).unwrap();
        let out = apply(&s, finding()).await;
        assert_eq!(out["actions"]["suppress_finding"], false);
        assert_eq!(out["db"], json!({}));
    }
}
