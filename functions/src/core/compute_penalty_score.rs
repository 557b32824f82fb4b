//! `compute_penalty_score`: `db.penalty_score` = severity weight² × environment factor, so one critical
//! finding in production outweighs many low ones in development. Severity weights: INFORMATIONAL 0,
//! LOW 1, MEDIUM 2, HIGH 3, CRITICAL 4 (from `Severity.Label`, else `Normalized`). Environment factors:
//! DEV 1, STAGING 2, PROD 10; an UNKNOWN environment counts as production.

use soar_json::Value as Json;
use soar_model::finding::SeverityLabel;
use soar_model::scratchpad::Environment;

use super::scratchpad;
use crate::{Services, TaskError};

/// Runs the task.
pub async fn run(_services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let mut pad = scratchpad(input)?;
    let weight: u64 = match pad.finding()?.severity_label() {
        Some(SeverityLabel::Critical) => 4,
        Some(SeverityLabel::High) => 3,
        Some(SeverityLabel::Medium) => 2,
        Some(SeverityLabel::Low) => 1,
        _ => 0,
    };
    let factor: u64 = match pad.account.environment {
        Some(Environment::Dev) => 1,
        Some(Environment::Staging) => 2,
        _ => 10,
    };
    pad.db
        .insert("penalty_score".into(), (weight * weight * factor).into());
    Ok(pad.to_value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{finding, services};
    use serde_json::Value;
    use soar_model::scratchpad::Scratchpad;

    async fn score(label: &str, environment: Environment) -> Value {
        let mut f = finding();
        f["Severity"] = serde_json::json!({"Label": label});
        let mut pad = Scratchpad::new(f);
        pad.account.environment = Some(environment);
        run(&services(), pad.to_value()).await.unwrap()["db"]["penalty_score"].to_json()
    }

    #[tokio::test]
    async fn severity_squared_times_environment() {
        assert_eq!(score("CRITICAL", Environment::Prod).await, 160);
        assert_eq!(score("HIGH", Environment::Staging).await, 18);
        assert_eq!(score("LOW", Environment::Dev).await, 1);
        assert_eq!(score("INFORMATIONAL", Environment::Prod).await, 0);
        assert_eq!(score("MEDIUM", Environment::Unknown).await, 40);
    }
}
