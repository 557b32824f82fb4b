//! The task functions on AWS: where SOAR's tables and addresses are (the function environment that
//! template.yaml's `Globals` sets), and the [`Services`] over the AWS SDK that the Lambda bootstrap and
//! `soar process --backend aws` run the registry with.

use std::sync::Arc;

use soar_aws::{
    AwsBackend, DynamoEventLedger, DynamoIncidentStore, DynamoSuppressionStore, DynamoTicketStore,
    OrganizationsDirectory, SecurityHubFindings, SesMailer,
};
use soar_store::plan::{ActionRecorder, PlannedCall};
use soar_store::{Result as StoreResult, StoreError};

use crate::ai::{BedrockAnalyst, LocalAnalyst};
use crate::remediations::{AwsRemediator, Remediator};
use crate::{Services, Settings};

/// The function environment SOAR needs on AWS; every name is the variable template.yaml sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsEnvironment {
    /// `SOAR_TICKETS_TABLE`.
    pub tickets_table: String,
    /// `SOAR_EVENTS_TABLE`: the processed-events ledger.
    pub events_table: String,
    /// `SOAR_SUPPRESSIONS_TABLE`.
    pub suppressions_table: String,
    /// `SOAR_INCIDENTS_TABLE`.
    pub incidents_table: String,
    /// `SOAR_INCIDENT_EXPIRATION_DAYS`: how long a closed incident is kept (DynamoDB TTL).
    pub incident_expiration_days: u32,
    /// `SOAR_SENDER_EMAIL`: the SES-verified sender.
    pub sender_email: String,
    /// `SOAR_SECURITY_TEAM_EMAIL`: copied on team e-mails; receives rejections and incidents.
    pub security_team_email: String,
    /// `SOAR_TICKET_MIN_SEVERITY`.
    pub ticket_min_severity: String,
    /// `SOAR_INCIDENT_MIN_SEVERITY`.
    pub incident_min_severity: String,
    /// `SOAR_CROSS_ACCOUNT_ROLE`: the role remediations assume in the finding's account (template
    /// parameter `CrossAccountRoleName`). Optional, so that the functions that never remediate (and
    /// `soar process --backend aws` without it) still run; a remediation without it is ticketed with
    /// the reason.
    pub cross_account_role: Option<String>,
    /// `SOAR_BEDROCK_MODEL_ID`: the Amazon Bedrock model that analyses incidents (template parameter
    /// `BedrockModelId`). Optional: without it the analysis is the deterministic local summary.
    pub bedrock_model_id: Option<String>,
    /// `SOAR_REMEDIATION_MODE` `dry-run` (template parameter `RemediationMode`; `live` by default):
    /// remediations read the live resources and plan, but change nothing; the plan goes to the
    /// function's log and `db.remediation.plan`, and the finding is ticketed with it.
    pub remediation_dry_run: bool,
}

/// A variable the environment lacks or holds in a form SOAR cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {name}: {problem}")]
pub struct EnvironmentError {
    /// The variable.
    pub name: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl AwsEnvironment {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, EnvironmentError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup` (tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, EnvironmentError> {
        let required = |name: &'static str| match lookup(name) {
            Some(value) if !value.trim().is_empty() => Ok(value),
            _ => Err(EnvironmentError {
                name,
                problem: "is not set (template.yaml's Globals set it for every function)".into(),
            }),
        };
        let tickets_table = required("SOAR_TICKETS_TABLE")?;
        let days = required("SOAR_INCIDENT_EXPIRATION_DAYS")?;
        let incident_expiration_days = days
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|d| *d > 0)
            .ok_or_else(|| EnvironmentError {
                name: "SOAR_INCIDENT_EXPIRATION_DAYS",
                problem: format!("expected a whole number of days above 0, got {days:?}"),
            })?;
        Ok(AwsEnvironment {
            tickets_table,
            events_table: required("SOAR_EVENTS_TABLE")?,
            suppressions_table: required("SOAR_SUPPRESSIONS_TABLE")?,
            incidents_table: required("SOAR_INCIDENTS_TABLE")?,
            incident_expiration_days,
            sender_email: required("SOAR_SENDER_EMAIL")?,
            security_team_email: required("SOAR_SECURITY_TEAM_EMAIL")?,
            ticket_min_severity: required("SOAR_TICKET_MIN_SEVERITY")?,
            incident_min_severity: required("SOAR_INCIDENT_MIN_SEVERITY")?,
            cross_account_role: lookup("SOAR_CROSS_ACCOUNT_ROLE")
                .map(|role| role.trim().to_owned())
                .filter(|role| !role.is_empty()),
            bedrock_model_id: lookup("SOAR_BEDROCK_MODEL_ID")
                .map(|model| model.trim().to_owned())
                .filter(|model| !model.is_empty()),
            remediation_dry_run: match lookup("SOAR_REMEDIATION_MODE").as_deref().map(str::trim) {
                None | Some("" | "live") => false,
                Some("dry-run") => true,
                Some(other) => {
                    return Err(EnvironmentError {
                        name: "SOAR_REMEDIATION_MODE",
                        problem: format!("expected live or dry-run, got {other:?}"),
                    });
                }
            },
        })
    }

    /// `base` with what the template's parameters decide: the sender, the security team's copy and
    /// the severity thresholds.
    pub fn settings(&self, base: Settings) -> Settings {
        Settings {
            email_from: self.sender_email.clone(),
            email_cc: vec![self.security_team_email.clone()],
            ticket_min_severity: self.ticket_min_severity.clone(),
            incident_min_severity: self.incident_min_severity.clone(),
            ..base
        }
    }
}

impl Services {
    /// Every service over AWS: DynamoDB tables, Security Hub, Organizations and SES v2, through
    /// `backend` (which honours `AWS_ENDPOINT_URL`); remediations through the cross-account role
    /// `SOAR_CROSS_ACCOUNT_ROLE`, applied and verified; incidents analysed by the Bedrock model
    /// `SOAR_BEDROCK_MODEL_ID` (the local summary without it).
    pub fn aws(backend: &AwsBackend, env: &AwsEnvironment, settings: Settings) -> Services {
        Services {
            accounts: Arc::new(OrganizationsDirectory::new(backend)),
            tickets: Arc::new(DynamoTicketStore::new(backend, &env.tickets_table)),
            ledger: Arc::new(DynamoEventLedger::new(backend, &env.events_table)),
            suppressions: Arc::new(DynamoSuppressionStore::new(
                backend,
                &env.suppressions_table,
            )),
            incidents: Arc::new(DynamoIncidentStore::new(
                backend,
                &env.incidents_table,
                env.incident_expiration_days,
            )),
            findings: Arc::new(SecurityHubFindings::new(backend)),
            mailer: Arc::new(SesMailer::new(backend)),
            plan: if env.remediation_dry_run {
                Arc::new(LoggedPlan)
            } else {
                Arc::new(NotDryRun)
            },
            settings: Arc::new(env.settings(settings)),
            remediator: match &env.cross_account_role {
                Some(role) => Remediator::Aws(AwsRemediator::new(
                    backend,
                    role,
                    !env.remediation_dry_run,
                )),
                None => Remediator::Unavailable(
                    "SOAR_CROSS_ACCOUNT_ROLE is not set: SOAR does not know which role to assume in the finding's account (template.yaml sets it from the CrossAccountRoleName parameter)".into(),
                ),
            },
            clock: soar_store::Clock::system(),
            analyst: match &env.bedrock_model_id {
                Some(model) => Arc::new(BedrockAnalyst::new(backend.sdk_config(), model)),
                None => Arc::new(LocalAnalyst),
            },
        }
    }
}

/// On AWS the calls are made, not planned: a task that records a planned call there has mistaken the
/// backend for a dry run, and is told so instead of the call being silently dropped.
struct NotDryRun;

impl ActionRecorder for NotDryRun {
    fn record(&self, call: &PlannedCall) -> StoreResult<()> {
        Err(StoreError::InvalidInput {
            what: "planned call",
            key: format!("{}:{}", call.service, call.operation),
            message: "the AWS backend makes calls instead of planning them".into(),
        })
    }

    fn recorded(&self) -> StoreResult<Vec<PlannedCall>> {
        Ok(Vec::new())
    }
}

/// The dry run on Lambda: a function keeps no files, so each planned call is one JSON line of the
/// function's log (CloudWatch Logs), secrets redacted as in a plan file; the execution's scratchpad
/// has the plan too (`db.remediation.plan`).
struct LoggedPlan;

impl LoggedPlan {
    fn line(call: &PlannedCall) -> String {
        let mut call = call.clone();
        soar_store::plan::redact(&mut call.parameters);
        serde_json::json!({ "soar_planned_call": call }).to_string()
    }
}

impl ActionRecorder for LoggedPlan {
    fn record(&self, call: &PlannedCall) -> StoreResult<()> {
        println!("{}", LoggedPlan::line(call));
        Ok(())
    }

    fn recorded(&self) -> StoreResult<Vec<PlannedCall>> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn template_environment() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("SOAR_TICKETS_TABLE", "soar-tickets-prod"),
            ("SOAR_EVENTS_TABLE", "soar-processed-events-prod"),
            ("SOAR_SUPPRESSIONS_TABLE", "soar-suppressions-prod"),
            ("SOAR_INCIDENTS_TABLE", "soar-incidents-prod"),
            ("SOAR_INCIDENT_EXPIRATION_DAYS", "365"),
            ("SOAR_SENDER_EMAIL", "soar@example.org"),
            ("SOAR_SECURITY_TEAM_EMAIL", "secops@example.org"),
            ("SOAR_TICKET_MIN_SEVERITY", "MEDIUM"),
            ("SOAR_INCIDENT_MIN_SEVERITY", "CRITICAL"),
            ("SOAR_CROSS_ACCOUNT_ROLE", "SOARCrossAccountRole"),
            (
                "SOAR_BEDROCK_MODEL_ID",
                "anthropic.claude-3-5-sonnet-20240620-v1:0",
            ),
            ("SOAR_REMEDIATION_MODE", "live"),
        ])
    }

    fn read(
        vars: &HashMap<&'static str, &'static str>,
    ) -> Result<AwsEnvironment, EnvironmentError> {
        AwsEnvironment::from_lookup(|name| vars.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn reads_the_template_environment_and_overrides_the_settings() {
        let env = read(&template_environment()).unwrap();
        assert_eq!(env.tickets_table, "soar-tickets-prod");
        assert_eq!(env.incident_expiration_days, 365);
        assert_eq!(
            env.cross_account_role.as_deref(),
            Some("SOARCrossAccountRole")
        );
        assert_eq!(
            env.bedrock_model_id.as_deref(),
            Some("anthropic.claude-3-5-sonnet-20240620-v1:0")
        );
        let settings = env.settings(Settings::embedded());
        assert_eq!(settings.email_from, "soar@example.org");
        assert_eq!(settings.email_cc, ["secops@example.org"]);
        assert_eq!(settings.ticket_min_severity, "MEDIUM");
        assert_eq!(settings.incident_min_severity, "CRITICAL");
        assert_eq!(
            settings.remediate_controls,
            Settings::embedded().remediate_controls
        );
    }

    #[test]
    fn a_missing_or_malformed_variable_is_named() {
        let mut vars = template_environment();
        vars.remove("SOAR_TICKETS_TABLE");
        assert_eq!(
            read(&vars).unwrap_err().to_string(),
            "environment variable SOAR_TICKETS_TABLE: is not set (template.yaml's Globals set it for every function)"
        );
        // The role is optional: without it, remediations are ticketed (see Services::aws).
        let mut vars = template_environment();
        vars.insert("SOAR_CROSS_ACCOUNT_ROLE", " ");
        assert_eq!(read(&vars).unwrap().cross_account_role, None);
        // So is the model: without it, incidents get the local summary.
        let mut vars = template_environment();
        vars.remove("SOAR_BEDROCK_MODEL_ID");
        assert_eq!(read(&vars).unwrap().bedrock_model_id, None);
        let mut vars = template_environment();
        vars.insert("SOAR_INCIDENT_EXPIRATION_DAYS", "a year");
        let err = read(&vars).unwrap_err();
        assert_eq!(err.name, "SOAR_INCIDENT_EXPIRATION_DAYS");
        assert!(err.problem.contains("\"a year\""), "{err}");
    }

    /// Every variable the code reads is one template.yaml's Globals set.
    #[test]
    fn every_variable_is_set_by_the_template() {
        let template = include_str!("../../template.yaml");
        for name in template_environment().keys() {
            assert!(
                template.contains(&format!("        {name}:")),
                "template.yaml does not set {name}"
            );
        }
    }

    /// `RemediationMode` dry-run: remediations over AWS plan instead of applying, and the plan is
    /// logged rather than refused; live (or unset, as before the parameter existed) applies.
    #[test]
    fn the_remediation_mode_chooses_the_dry_run_over_aws() {
        let mut vars = template_environment();
        assert!(!read(&vars).unwrap().remediation_dry_run);
        vars.remove("SOAR_REMEDIATION_MODE");
        assert!(!read(&vars).unwrap().remediation_dry_run);
        vars.insert("SOAR_REMEDIATION_MODE", "dry-run");
        let env = read(&vars).unwrap();
        assert!(env.remediation_dry_run);
        vars.insert("SOAR_REMEDIATION_MODE", "plan");
        let err = read(&vars).unwrap_err();
        assert_eq!(err.name, "SOAR_REMEDIATION_MODE");
        assert!(err.problem.contains("\"plan\""), "{err}");

        let backend = AwsBackend::from_sdk_config(
            aws_config::SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("eu-west-1"))
                .build(),
        )
        .unwrap();
        let services = Services::aws(&backend, &env, Settings::embedded());
        match &services.remediator {
            Remediator::Aws(aws) => assert!(!aws.applies()),
            other => panic!("{other:?}"),
        }
        let call = PlannedCall {
            at: time::OffsetDateTime::UNIX_EPOCH,
            service: "rds".into(),
            operation: "ModifyDBInstance".into(),
            account: Some("444455556666".into()),
            region: Some("eu-west-1".into()),
            parameters: serde_json::json!({"DBInstanceIdentifier": "db", "MasterUserPassword": "hunter2"}),
            reason: "test".into(),
        };
        services.plan.record(&call).unwrap();
        let line = LoggedPlan::line(&call);
        assert!(
            line.contains("\"ModifyDBInstance\"") && !line.contains("hunter2"),
            "{line}"
        );
        let live = Services::aws(
            &backend,
            &read(&template_environment()).unwrap(),
            Settings::embedded(),
        );
        assert!(live.plan.record(&call).is_err());
    }

    #[test]
    fn planning_a_call_on_aws_is_refused() {
        let call = PlannedCall {
            at: time::OffsetDateTime::UNIX_EPOCH,
            service: "s3".into(),
            operation: "PutPublicAccessBlock".into(),
            account: None,
            region: None,
            parameters: serde_json::json!({}),
            reason: "test".into(),
        };
        let err = NotDryRun.record(&call).unwrap_err().to_string();
        assert!(err.contains("s3:PutPublicAccessBlock"), "{err}");
    }
}
