//! `get_account_data`: fills `account` with the owning account's name, OU path, environment, team and
//! team e-mail (from AWS Organizations on AWS; from the accounts file on the embedded defaults). An
//! account SOAR does not know keeps its id and gets environment `UNKNOWN`, which scores like production:
//! an unknown account is never treated as harmless.

use soar_json::Value as Json;
use soar_model::scratchpad::{Account, Environment};

use super::scratchpad;
use crate::{Services, TaskError};

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let mut pad = scratchpad(input)?;
    let account_id = pad.finding()?.aws_account_id.clone();
    pad.account = match services.accounts.get(&account_id)? {
        Some(a) => Account {
            id: Some(a.id),
            name: Some(a.name),
            email: Some(a.email),
            ou_path: Some(a.ou_path),
            environment: Some(environment(&a.environment)),
            team: Some(a.team),
            team_email: Some(a.team_email),
            tags: a.tags.into_iter().collect(),
            created_at: Some(soar_store::timefmt::format_asff(a.created_at)),
            other: Default::default(),
        },
        None => Account {
            id: Some(account_id),
            environment: Some(Environment::Unknown),
            ..Account::default()
        },
    };
    Ok(pad.to_value())
}

/// The scratchpad's environment for the directory's free-form one (`prod`, `production`, `stg`...).
fn environment(text: &str) -> Environment {
    match text.to_ascii_lowercase().as_str() {
        "prod" | "production" | "prd" => Environment::Prod,
        "staging" | "stage" | "stg" | "qa" | "test" => Environment::Staging,
        "dev" | "development" | "sandbox" => Environment::Dev,
        _ => Environment::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{finding, services};

    #[tokio::test]
    async fn a_known_account_gets_its_team_and_environment() {
        let pad = soar_model::scratchpad::Scratchpad::new(finding()).to_value();
        let out = run(&services(), pad).await.unwrap();
        // The S3.8 example is in 444455556666, the platform team's staging account (config/accounts.json).
        assert_eq!(out["account"]["id"], "444455556666");
        assert_eq!(out["account"]["environment"], "STAGING");
        assert_eq!(out["account"]["team_email"], "platform-team@example.com");
    }

    #[tokio::test]
    async fn an_unknown_account_is_kept_with_environment_unknown() {
        let mut f = finding();
        f["AwsAccountId"] = "999999999999".into();
        let pad = soar_model::scratchpad::Scratchpad::new(f).to_value();
        let out = run(&services(), pad).await.unwrap();
        assert_eq!(out["account"]["id"], "999999999999");
        assert_eq!(out["account"]["environment"], "UNKNOWN");
        assert!(out["account"]["team"].is_null());
    }
}
