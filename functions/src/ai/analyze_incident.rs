//! `analyze_incident`: the scratchpad in, the scratchpad out with `messages.ai` filled:
//! `plaintext`, `html`, `analyst` (`bedrock` or `local`), `model` (Bedrock's model id) and `prompt`
//! (the prompt file used). Nothing else changes.
//!
//! The incident's type picks its prompt ([`IncidentType::prompt`]); the prompt is filled from the
//! scratchpad with its secrets redacted ([`incident_context`]) and the services' analyst answers. The
//! incidents state machine runs it before the e-mail with a Catch, so a failure (including
//! [`names::THROTTLING`] once its retries are spent) leaves the incident as it was.
//!
//! [`IncidentType::prompt`]: super::context::IncidentType::prompt
//! [`names::THROTTLING`]: super::names::THROTTLING

use serde_json::Value;
use soar_json::Value as Json;

use super::context::incident_context;
use super::{Request, names};
use crate::core::scratchpad;
use crate::{Services, TaskError};

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let mut pad = scratchpad(input.into())?;
    let (kind, context) = incident_context(&pad);
    let prompt = kind.prompt();
    let text = prompt
        .render(&context)
        .map_err(|e| TaskError::new(names::PROMPT, e.to_string()))?;
    let request = Request {
        prompt_file: prompt.file,
        prompt: text,
        context,
    };
    let analysis = services.analyst.analyze(&request).await?;
    let ai = &mut pad.messages.ai;
    ai.plaintext = analysis.plaintext;
    ai.html = analysis.html;
    ai.other
        .insert("analyst".into(), Value::from(analysis.analyst));
    ai.other.insert(
        "model".into(),
        analysis.model.map_or(Value::Null, Value::from),
    );
    ai.other
        .insert("prompt".into(), Value::from(request.prompt_file));
    Ok(pad.to_value())
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use soar_model::scratchpad::Scratchpad;

    use super::*;
    use crate::ai::context::{IncidentType, example_report};
    use crate::ai::local::MARK;
    use crate::ai::prompts;
    use crate::testing::{finding, services};

    fn example(name: &str) -> serde_json::Value {
        let path = format!("{}/../examples/findings/{name}", env!("CARGO_MANIFEST_DIR"));
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        match value["detail"]["findings"][0].clone() {
            serde_json::Value::Null => value,
            finding => finding,
        }
    }

    /// A realistic incident scratchpad: enriched account, resource tags, a ticket, actions taken.
    fn realistic(finding: serde_json::Value) -> Scratchpad {
        let mut pad = Scratchpad::new(finding);
        pad.account.id = Some("444455556666".into());
        pad.account.name = Some("payments-prod".into());
        pad.account.team = Some("payments".into());
        pad.account.team_email = Some("payments@example.com".into());
        pad.account.environment = Some(soar_model::scratchpad::Environment::Prod);
        pad.tags.insert("app".into(), "checkout".into());
        pad.messages.actions_taken = "Opened ticket T-7 for team payments.".into();
        pad.db.insert(
            "ticket".into(),
            json!({"id": "T-7", "status": "OPEN", "reopen_count": 0}),
        );
        pad.db.insert("decision".into(), "incident".into());
        pad
    }

    /// One realistic finding per incident type.
    fn one_per_type() -> Vec<(IncidentType, serde_json::Value)> {
        let mut infra = example("cloudwatch-alarm.json");
        infra["ProductFields"]["soar/alarm/name"] =
            "INFRA-nat-gateway-port-allocation-errors".into();
        infra["Types"] = json!(["Software and Configuration Checks"]);
        let mut iam = example("guardduty-ec2-ssh-bruteforce.event.json");
        iam["Title"] = "Credentials of IAM user ci were used from a Tor exit node".into();
        iam["Types"] = json!(["TTPs/Initial Access/UnauthorizedAccess:IAMUser-TorIPCaller"]);
        iam["Resources"] = json!([{"Type": "AwsIamAccessKey", "Id": "AKIAIOSFODNN7EXAMPLE", "Region": "eu-west-1"}]);
        let mut eks = example("guardduty-ec2-ssh-bruteforce.event.json");
        eks["Title"] = "Anonymous access granted to the Kubernetes API of cluster prod".into();
        eks["Types"] = json!(["TTPs/Policy:Kubernetes-AnonymousAccessGranted"]);
        eks["Resources"] = json!([{"Type": "AwsEksCluster", "Id": "arn:aws:eks:eu-west-1:444455556666:cluster/prod"}]);
        let mut generic = example("inspector2-package-vulnerability.json");
        generic["Resources"] =
            json!([{"Type": "Other", "Id": "arn:aws:lambda:eu-west-1:444455556666:function:x"}]);
        generic["Types"] = json!(["Software and Configuration Checks/Vulnerabilities/CVE"]);
        generic["Title"] = "CVE-2026-0001 - openssl".into();
        vec![
            (IncidentType::S3, example("securityhub-s3.8-failed.json")),
            (
                IncidentType::Ec2,
                example("guardduty-ec2-ssh-bruteforce.event.json"),
            ),
            (IncidentType::Iam, iam),
            (IncidentType::Eks, eks),
            (IncidentType::AppAlarm, example("cloudwatch-alarm.json")),
            (IncidentType::InfraAlarm, infra),
            (IncidentType::Generic, generic),
        ]
    }

    #[test]
    fn every_prompt_file_fills_from_a_realistic_context() {
        let mut filled = Vec::new();
        for (kind, finding) in one_per_type() {
            let pad = realistic(finding);
            let (found, context) = incident_context(&pad);
            assert_eq!(found, kind);
            let prompt = kind.prompt();
            let text = prompt
                .render(&context)
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert!(!text.contains("{{"), "{}: {text}", prompt.file);
            assert!(
                text.contains("444455556666 (payments-prod)"),
                "{}",
                prompt.file
            );
            assert!(
                text.contains("environment PROD, team payments"),
                "{}",
                prompt.file
            );
            assert!(
                !text.contains("AKIAIOSFODNN7EXAMPLE"),
                "{}: {text}",
                prompt.file
            );
            filled.push(prompt.file);
        }
        let report = prompts::WEEKLY_REPORT.render(&example_report()).unwrap();
        assert!(report.contains("2026-11-16 to 2026-11-22"), "{report}");
        assert!(report.contains("\"S3.8\": 20"), "{report}");
        filled.push(prompts::WEEKLY_REPORT.file);
        // The system prompt has no placeholders.
        assert_eq!(
            prompts::SYSTEM.render(&json!({})).unwrap(),
            prompts::SYSTEM.text
        );
        filled.push(prompts::SYSTEM.file);
        filled.sort();
        let mut all: Vec<_> = prompts::ALL.iter().map(|p| p.file).collect();
        all.sort();
        assert_eq!(filled, all);
    }

    #[tokio::test]
    async fn the_local_summary_is_the_embedded_default() {
        let s = services();
        let out = run(&s, realistic(finding()).to_value())
            .await
            .unwrap()
            .to_json();
        let ai = &out["messages"]["ai"];
        assert!(ai["plaintext"].as_str().unwrap().starts_with(MARK));
        assert!(
            ai["html"]
                .as_str()
                .unwrap()
                .starts_with("<p>Automatic summary")
        );
        assert_eq!(ai["analyst"], "local");
        assert_eq!(ai["model"], serde_json::Value::Null);
        assert_eq!(ai["prompt"], "incident_s3.txt");
        // Nothing else changed.
        let mut before = realistic(finding()).to_value().to_json();
        let mut after = out.clone();
        before["messages"]["ai"] = json!(null);
        after["messages"]["ai"] = json!(null);
        assert_eq!(before, after);
    }

    #[tokio::test]
    async fn a_bad_scratchpad_is_named() {
        let e = run(&services(), json!({"no": "finding"}))
            .await
            .unwrap_err();
        assert_eq!(e.error, crate::names::INVALID_SCRATCHPAD);
    }
}
