//! S3.5 — S3 general purpose buckets should require requests to use SSL: adds to the bucket policy a
//! statement that denies every request not made over TLS (`aws:SecureTransport` false), keeping
//! every statement the policy already has (`PutBucketPolicy` of the merged policy).
//!
//! Disruptive: clients that still use plain HTTP are refused.

use aws_sdk_s3::error::ProvideErrorMetadata;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{bucket_name, bucket_tags};
use crate::TaskError;
use crate::remediations::aws::{aws, sdk_error};
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of S3.5.
pub struct TlsOnlyPolicy;

/// The one instance.
pub static S3_5: TlsOnlyPolicy = TlsOnlyPolicy;

/// The `Sid` of the statement SOAR adds (and replaces, if a non-compliant one has that Sid).
pub const STATEMENT_SID: &str = "SOARDenyInsecureTransport";

/// Stands for the bucket's current statements in an offline plan, where the policy is unknown (ASFF
/// does not carry bucket policies). Deliberately not a statement: applied by hand as it is, the call
/// fails (`MalformedPolicy`) instead of replacing the bucket's policy with SOAR's statement alone.
pub const EXISTING_STATEMENTS: &str =
    "<every statement of the bucket's policy when this is applied, unchanged>";

static META: Meta = Meta {
    control: "S3.5",
    title: "S3 general purpose buckets should require requests to use SSL",
    resource_type: "AwsS3Bucket",
    disruptive: true,
    description: "Add a statement denying requests not made over TLS to the bucket policy, keeping its other statements",
    api_calls: &[
        "s3:GetBucketPolicy",
        "s3:GetBucketTagging",
        "s3:PutBucketPolicy",
    ],
};

/// The bucket's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Its policy document; `None` when it has none, or (offline) when the finding does not say.
    pub policy: Option<Value>,
    /// Whether the policy is known (false offline: ASFF does not carry bucket policies).
    pub known: bool,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutArguments {
    bucket: String,
    policy: Value,
}

/// `value` as a list: a JSON array's items, or the value itself.
fn items(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Whether `statement` denies every S3 action to everyone on the bucket and its objects when the
/// request is not over TLS.
pub fn denies_insecure_transport(statement: &Value, bucket: &str) -> bool {
    let deny = statement["Effect"] == "Deny";
    let everyone = statement["Principal"] == "*"
        || items(&statement["Principal"]["AWS"])
            .iter()
            .any(|p| **p == "*");
    let all_actions = items(&statement["Action"])
        .iter()
        .any(|a| **a == "s3:*" || **a == "*");
    let resources: Vec<&str> = items(&statement["Resource"])
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    let covers = |arn: &str| resources.iter().any(|r| *r == arn || *r == "*");
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let objects_arn = format!("arn:aws:s3:::{bucket}/*");
    let insecure = items(&statement["Condition"]["Bool"]["aws:SecureTransport"])
        .iter()
        .any(|v| **v == "false" || **v == false);
    deny && everyone && all_actions && covers(&bucket_arn) && covers(&objects_arn) && insecure
}

/// The statement SOAR adds.
pub fn statement(bucket: &str) -> Value {
    json!({
        "Sid": STATEMENT_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })
}

/// `policy` with SOAR's statement: every other statement kept, in order; a statement with SOAR's Sid
/// replaced.
pub fn merged(policy: Option<&Value>, bucket: &str) -> Value {
    let mut out = match policy {
        Some(Value::Object(map)) => Value::Object(map.clone()),
        _ => json!({"Version": "2012-10-17"}),
    };
    let mut statements: Vec<Value> = items(&out["Statement"])
        .into_iter()
        .filter(|s| s["Sid"] != STATEMENT_SID)
        .cloned()
        .collect();
    statements.push(statement(bucket));
    out["Statement"] = Value::Array(statements);
    out
}

impl Remediation for TlsOnlyPolicy {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        bucket_name(id)
    }

    fn state_from_finding(&self, _target: &Target) -> State {
        State {
            policy: None,
            known: false,
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        let policy = match clients
            .s3()
            .get_bucket_policy()
            .bucket(&target.name)
            .send()
            .await
        {
            Ok(out) => match out.policy() {
                Some(text) => Some(serde_json::from_str(text).map_err(|e| {
                    TaskError::new(
                        "S3.MalformedPolicy",
                        format!(
                            "the policy of S3 bucket {} is not JSON ({e}): SOAR will not rewrite it",
                            target.name
                        ),
                    )
                })?),
                None => None,
            },
            Err(e) if e.code() == Some("NoSuchBucketPolicy") => None,
            Err(e) => return Err(sdk_error("S3", "GetBucketPolicy", e)),
        };
        Ok(State {
            policy,
            known: true,
            tags: bucket_tags(clients, &target.name).await?,
        })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        let bucket = &target.name;
        if let Some(policy) = &state.policy
            && items(&policy["Statement"])
                .iter()
                .any(|s| denies_insecure_transport(s, bucket))
        {
            return Plan::Compliant("denies requests that do not use TLS".into());
        }
        let existing = match (&state.policy, state.known) {
            (Some(policy), _) => format!(
                ", keeping its {} other statement(s)",
                items(&policy["Statement"])
                    .iter()
                    .filter(|s| s["Sid"] != STATEMENT_SID)
                    .count()
            ),
            (None, true) => " (it had no policy)".to_owned(),
            (None, false) => ", keeping the statements the policy has when applied".to_owned(),
        };
        Plan::Change(vec![Action {
            service: "s3",
            operation: "PutBucketPolicy",
            parameters: json!({
                "Bucket": bucket,
                "Policy": if state.known {
                    merged(state.policy.as_ref(), bucket)
                } else {
                    json!({"Version": "2012-10-17", "Statement": [EXISTING_STATEMENTS, statement(bucket)]})
                },
            }),
            todo: format!(
                "add the statement {STATEMENT_SID} denying requests not made over TLS to the policy of S3 bucket {bucket}{existing}"
            ),
            done: format!(
                "Added the statement {STATEMENT_SID} to the policy of S3 bucket {bucket}{existing}: requests not made over TLS are now denied"
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        let args: PutArguments = action.arguments()?;
        clients
            .s3()
            .put_bucket_policy()
            .bucket(args.bucket)
            .policy(args.policy.to_string())
            .send()
            .await
            .map_err(aws("S3", "PutBucketPolicy"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_is_recognised_in_its_usual_spellings() {
        assert!(denies_insecure_transport(&statement("b"), "b"));
        let aws_style = json!({
            "Effect": "Deny", "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject", "s3:*"],
            "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::b"],
            "Condition": {"Bool": {"aws:SecureTransport": false}}
        });
        assert!(denies_insecure_transport(&aws_style, "b"));
        // Objects only, another bucket, Allow, or a TLS-version condition are not the control's.
        let mut objects_only = statement("b");
        objects_only["Resource"] = json!("arn:aws:s3:::b/*");
        assert!(!denies_insecure_transport(&objects_only, "b"));
        assert!(!denies_insecure_transport(&statement("other"), "b"));
        let mut allow = statement("b");
        allow["Effect"] = "Allow".into();
        assert!(!denies_insecure_transport(&allow, "b"));
    }

    #[test]
    fn merging_keeps_other_statements_and_replaces_soar_s_own() {
        let existing = json!({
            "Version": "2008-10-17", "Id": "keep",
            "Statement": {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
        });
        let policy = merged(Some(&existing), "b");
        assert_eq!(policy["Version"], "2008-10-17");
        assert_eq!(policy["Id"], "keep");
        assert_eq!(policy["Statement"].as_array().unwrap().len(), 2);
        assert_eq!(policy["Statement"][0]["Sid"], "Read");
        let again = merged(Some(&policy), "b");
        assert_eq!(again, policy, "merging twice changes nothing");
        assert_eq!(merged(None, "b")["Statement"], json!([statement("b")]));
    }
}
