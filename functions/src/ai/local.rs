//! The embedded default analyst: no model, a deterministic summary assembled by fixed rules from the
//! same redacted context the prompt is filled from (its `enrichment` and finding), with first steps per
//! incident type. It says, first thing, that it is not AI-generated.

use serde_json::Value;

use super::{Analysis, AnalysisFuture, Analyst, Request, text_to_html};

/// The first line of every local summary.
pub const MARK: &str = "Automatic summary, not AI-generated: SOAR has no Amazon Bedrock model configured, so this text was assembled by fixed rules from the incident's data.";

/// The deterministic summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalAnalyst;

impl Analyst for LocalAnalyst {
    fn analyze<'a>(&'a self, request: &'a Request) -> AnalysisFuture<'a> {
        let plaintext = summary(&request.context);
        Box::pin(async move {
            Ok(Analysis {
                html: text_to_html(&plaintext),
                plaintext,
                analyst: "local",
                model: None,
            })
        })
    }
}

/// The summary of a context.
pub fn summary(context: &Value) -> String {
    let e = &context["enrichment"];
    let f = &context["finding"];
    let get = |key: &str| e[key].as_str().unwrap_or("unknown");
    let one_line = |v: &Value| {
        v.as_str()
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "(none)".to_owned())
    };
    let kind = get("incident_type");
    let mut out = format!("{MARK}\n\n");
    out.push_str(&format!(
        "What happened: {} ({} incident, severity {}).\n",
        one_line(&f["Title"]),
        kind,
        get("severity")
    ));
    out.push_str(&format!("Details: {}\n\n", one_line(&f["Description"])));
    out.push_str(&format!(
        "Account: {}, environment {}, team {}.\nRegion: {}. First seen {}, last seen {}.\nDetected by: {} ({}).\n",
        get("account"),
        get("environment"),
        get("team"),
        get("region"),
        get("first_seen"),
        get("last_seen"),
        get("product"),
        get("finding_types"),
    ));
    if kind.ends_with("alarm") {
        out.push_str(&format!(
            "Alarm: {} went from {} to {} on {} ({}).\n",
            get("alarm_name"),
            get("alarm_previous_state"),
            get("alarm_state"),
            get("alarm_metric"),
            get("alarm_namespace"),
        ));
    }
    out.push_str(&format!("Resources:\n{}\n", get("resources")));
    out.push_str(&format!("Tracking ticket: {}.\n", get("ticket")));
    let recommendation = get("recommendation");
    if recommendation != "(none)" {
        out.push_str(&format!("Detector's recommendation: {recommendation}\n"));
    }
    out.push_str("\nFirst steps:\n");
    for step in steps(kind) {
        out.push_str(&format!("- {step}\n"));
    }
    out
}

/// Standard first steps per incident type.
fn steps(kind: &str) -> &'static [&'static str] {
    match kind {
        "EC2" => &[
            "Isolate the instance with a security group that allows no traffic; do not terminate it, so the evidence is kept.",
            "Snapshot its EBS volumes and review its instance role's recent API calls in CloudTrail.",
            "Check VPC Flow Logs and GuardDuty's other findings for the instance.",
            "Close the exposure that allowed it (open ports, missing patches, IMDSv1).",
        ],
        "IAM" => &[
            "Deactivate (do not delete) the access keys involved and revoke the principal's active sessions.",
            "Review the principal's API calls in CloudTrail around the times above: source IPs, user agents, what was created or changed.",
            "Look for persistence: new users, access keys, roles, policies or trust relationships.",
            "Replace long-term keys with roles, and require MFA.",
        ],
        "S3" => &[
            "Turn on Block Public Access for the bucket and review its bucket policy and ACL.",
            "Review CloudTrail data events or S3 server access logs: which objects were read or written, and by whom.",
            "Decide whether the data exposed must be reported.",
        ],
        "EKS" => &[
            "Isolate the affected pod or node (network policy, cordon) and keep evidence.",
            "Review the EKS audit logs for the Kubernetes user or service account involved, and revoke its credentials or RBAC bindings.",
            "Check the container image and the node's instance role.",
        ],
        "INFRA alarm" => &[
            "Look at the metric's graph around the time above and at the resources behind it.",
            "Check recent deployments and configuration changes (CloudTrail) and AWS Health events.",
            "Involve the security team if the change was not expected.",
        ],
        "APP alarm" => &[
            "Look at the metric's graph around the time above, and the application's logs and traces.",
            "Check recent deployments and the application's dependencies.",
            "If traffic surged or came from unusual sources, consider AWS WAF rules or rate limiting and involve the security team.",
        ],
        _ => &[
            "Confirm whether the activity is expected with the team that owns the resources.",
            "Review CloudTrail and the detector's other findings for the resources above.",
            "Contain first (isolate, revoke credentials), then investigate, then prevent a recurrence.",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::context::incident_context;
    use crate::testing::finding;
    use soar_model::scratchpad::Scratchpad;

    #[tokio::test]
    async fn the_summary_is_deterministic_marked_and_built_from_the_context() {
        let mut pad = Scratchpad::new(finding());
        pad.account.id = Some("444455556666".into());
        pad.account.team = Some("payments".into());
        let (kind, context) = incident_context(&pad);
        let prompt = kind.prompt();
        let request = Request {
            prompt_file: prompt.file,
            prompt: prompt.render(&context).unwrap(),
            context,
        };
        let a = LocalAnalyst.analyze(&request).await.unwrap();
        let b = LocalAnalyst.analyze(&request).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a.analyst, "local");
        assert!(a.plaintext.starts_with(MARK), "{}", a.plaintext);
        assert!(a.html.starts_with("<p>Automatic summary, not AI-generated"));
        for fact in [
            "S3 general purpose buckets should block public access",
            "S3 incident, severity HIGH",
            "team payments",
            "- AwsS3Bucket arn:aws:s3:::example-payments-uploads",
            "Block Public Access",
        ] {
            assert!(
                a.plaintext.contains(fact),
                "{fact} missing:\n{}",
                a.plaintext
            );
        }
    }
}
