//! `set_up_scratchpad`: the ASFF processor's first task. Takes what EventBridge delivers (an event with
//! one finding), a bare ASFF finding, or a scratchpad, validates the finding and returns a fresh
//! scratchpad. A finding SOAR cannot process fails with `SOAR.InvalidFinding` naming every missing or
//! malformed field, so the state machine records the rejection instead of losing it.

use soar_json::Value as Json;
use soar_model::scratchpad::Scratchpad;

use crate::{Services, TaskError, names};

/// Runs the task.
pub async fn run(_services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let (finding, pointer) = locate_finding(input)?;
    soar_model::validate::validate_at(&finding.to_json(), None, &pointer)
        .map_err(|e| TaskError::new(names::INVALID_FINDING, e.to_string()))?;
    Ok(Scratchpad::new(finding).to_value())
}

/// The one finding in `input`, and where it was.
fn locate_finding(input: Json) -> Result<(Json, String), TaskError> {
    if let Some(findings) = input.get("detail").and_then(|d| d.get("findings")) {
        let count = findings.as_array().map_or(0, Vec::len);
        // One execution handles one finding: an event with several must be split before it gets here
        // (`soar process` does; on AWS, one execution is started per finding).
        if count != 1 {
            return Err(TaskError::new(
                names::INVALID_FINDING,
                format!(
                    "/detail/findings: an execution handles exactly one finding, but the event carries {count}"
                ),
            ));
        }
        let finding = input["detail"]["findings"][0].clone();
        return Ok((finding, "/detail/findings/0".into()));
    }
    if let Some(finding) = input.get("finding") {
        return Ok((finding.clone(), "/finding".into()));
    }
    Ok((input, String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{finding, services};

    #[tokio::test]
    async fn an_event_with_one_finding_becomes_a_scratchpad() {
        let event = serde_json::json!({
            "detail-type": "Security Hub Findings - Imported",
            "detail": {"findings": [finding()]}
        });
        let out = run(&services(), event).await.unwrap();
        assert_eq!(out["finding"]["Id"], finding()["Id"]);
        assert_eq!(out["actions"]["suppress_finding"], false);
        assert_eq!(out["messages"]["actions_taken"], "None.");
    }

    #[tokio::test]
    async fn a_finding_missing_fields_is_rejected_naming_them() {
        let mut bad = finding();
        bad.as_object_mut().unwrap().remove("GeneratorId");
        bad.as_object_mut().unwrap().remove("Resources");
        let event = serde_json::json!({"detail": {"findings": [bad]}});
        let e = run(&services(), event).await.unwrap_err();
        assert_eq!(e.error, "SOAR.InvalidFinding");
        assert!(
            e.cause.contains("/detail/findings/0/GeneratorId")
                && e.cause.contains("/detail/findings/0/Resources"),
            "{}",
            e.cause
        );
    }

    #[tokio::test]
    async fn an_event_with_several_findings_is_refused_not_truncated() {
        let event = serde_json::json!({"detail": {"findings": [finding(), finding()]}});
        let e = run(&services(), event).await.unwrap_err();
        assert!(e.cause.contains("carries 2"), "{}", e.cause);
    }
}
