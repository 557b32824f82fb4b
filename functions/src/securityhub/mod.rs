//! Security Hub-facing tasks: reclassifying, reassigning, suppressing and updating findings.
//!
//! The tasks that call Security Hub (`BatchImportFindings`, `BatchUpdateFindings`) raise a throttled
//! call as [`TOO_MANY_REQUESTS`], the name the ASFF processor's `Retry` lists for them, and write the
//! notes they leave on findings as [`UPDATED_BY`].

pub mod account_reassignment_preprocessor;
pub mod all_alarms_to_sec_hub;
pub mod aws_health_reclassifier;
pub mod suppress_finding;
pub mod update_remediated_finding;
pub mod update_ticketed_finding;

use soar_model::finding::WorkflowStatus;
use soar_model::scratchpad::Scratchpad;
use soar_store::findings::{NoteUpdate, WorkflowUpdate};
use soar_store::{BatchUpdateFindingsRequest, ChangeContext, FindingIdentifier, StoreError};

use crate::{Services, TaskError, names};

/// Security Hub (or the store standing in for it) is throttling: retried by the state machines.
/// Also raised for `BatchUpdateFindings`' transient per-finding failures (`ConcurrentUpdateError`,
/// `InternalFailure`), which a retry fixes too.
pub const TOO_MANY_REQUESTS: &str = "SecurityHub.TooManyRequestsException";

/// `BatchUpdateFindings` answered but did not update the finding (`FindingNotFound`,
/// `InvalidInput`, ...): a retry will not help.
pub const UNPROCESSED_FINDING: &str = "SOAR.UnprocessedFinding";

/// Who SOAR's notes and changes are by (`Note.UpdatedBy`, the change feed's actor).
pub const UPDATED_BY: &str = "soar";

/// `BatchUpdateFindings` rejects a `Note.Text` longer than this.
const NOTE_MAX_CHARS: usize = 512;

/// `BatchUpdateFindings` per-finding error codes that a retry can fix (Security Hub API reference,
/// `BatchUpdateFindingsUnprocessedFinding`).
const TRANSIENT_UPDATE_CODES: [&str; 2] = ["ConcurrentUpdateError", "InternalFailure"];

/// Words that mark an AWS throttling error in an error chain (SDK error codes and messages).
const THROTTLING_MARKERS: [&str; 5] = [
    "TooManyRequestsException",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "Rate exceeded",
];

/// Whether a store error is throttling (or a transient busy store): worth retrying later.
pub(crate) fn is_throttling(error: &StoreError) -> bool {
    if error.is_transient() {
        return true;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        let text = e.to_string();
        if THROTTLING_MARKERS.iter().any(|m| text.contains(m)) {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The task error for a failed store call: [`TOO_MANY_REQUESTS`] when throttled, else
/// `SOAR.StoreFailure`.
pub(crate) fn store_error(operation: &str, error: StoreError) -> TaskError {
    let name = if is_throttling(&error) {
        TOO_MANY_REQUESTS
    } else {
        names::STORE_FAILURE
    };
    TaskError::new(name, format!("{operation}: {error}"))
}

/// The change context of SOAR's own Security Hub calls.
pub(crate) fn change_context() -> ChangeContext {
    ChangeContext::new(UPDATED_BY)
}

/// `text` cut to what `BatchUpdateFindings` accepts as a note, marked `…` when cut.
pub(crate) fn note_text(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= NOTE_MAX_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(NOTE_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// `messages.actions_taken`, unless it still says the default `None.`.
pub(crate) fn actions_taken(pad: &Scratchpad) -> Option<&str> {
    let text = pad.messages.actions_taken.trim();
    (!text.is_empty() && text != soar_model::scratchpad::DEFAULT_ACTIONS_TAKEN).then_some(text)
}

/// Sets the finding's `Workflow.Status` with a note by `BatchUpdateFindings`, and mirrors the change
/// in the scratchpad's finding. Unprocessed findings are errors naming the finding and AWS's code.
///
/// A finding that already has that status and SOAR's very same note is left alone: every
/// `BatchUpdateFindings` sends the finding back through the ASFF processor (it changes `Note.UpdatedAt`
/// and `ProcessedAt` at least), so updating it again with the same values would loop forever, e.g.
/// suppress → event → reassign → suppress → event ...
pub(crate) fn set_workflow(
    services: &Services,
    pad: &mut Scratchpad,
    status: WorkflowStatus,
    note: &str,
) -> Result<(), TaskError> {
    let finding = pad.finding()?;
    let text = note_text(note);
    let same_note = finding.note.as_ref().is_some_and(|n| {
        n.text.as_deref() == Some(text.as_str()) && n.updated_by.as_deref() == Some(UPDATED_BY)
    });
    if same_note && finding.workflow_status() == Some(&status) {
        return Ok(());
    }
    let request = BatchUpdateFindingsRequest {
        finding_identifiers: vec![FindingIdentifier::new(&finding.id, &finding.product_arn)],
        note: Some(NoteUpdate {
            text: text.clone(),
            updated_by: UPDATED_BY.to_owned(),
        }),
        workflow: Some(WorkflowUpdate {
            status: Some(status.to_string()),
        }),
        ..BatchUpdateFindingsRequest::default()
    };
    let response = services
        .findings
        .batch_update_findings(&request, &change_context())
        .map_err(|e| store_error(&format!("BatchUpdateFindings ({status})"), e))?;
    if !response.unprocessed_findings.is_empty() {
        let transient = response
            .unprocessed_findings
            .iter()
            .all(|u| TRANSIENT_UPDATE_CODES.contains(&u.error_code.as_str()));
        let list: Vec<String> = response
            .unprocessed_findings
            .iter()
            .map(|u| {
                format!(
                    "{} ({}: {})",
                    u.finding_identifier, u.error_code, u.error_message
                )
            })
            .collect();
        return Err(TaskError::new(
            if transient {
                TOO_MANY_REQUESTS
            } else {
                UNPROCESSED_FINDING
            },
            format!(
                "BatchUpdateFindings did not set Workflow.Status {status} on {}",
                list.join(", ")
            ),
        ));
    }
    // Mirror the update in the scratchpad's finding in place: everything else stays shared, as it was.
    pad.finding["Workflow"]["Status"] = status.to_string().into();
    pad.finding["Note"] = soar_json::json!({"Text": text, "UpdatedBy": UPDATED_BY});
    Ok(())
}

/// A finding store that fails on purpose, for the failure paths of the tasks' tests.
#[cfg(test)]
pub(crate) mod failing {
    use std::sync::Arc;

    use serde_json::Value;
    use soar_store::findings::{ImportFailure, UnprocessedFinding};
    use soar_store::{
        BatchImportFindingsResponse, BatchUpdateFindingsRequest, BatchUpdateFindingsResponse,
        ChangeContext, FindingIdentifier, FindingStore, GetFindingsRequest, GetFindingsResponse,
        StoreError,
    };

    use crate::Services;

    /// How [`Failing`] fails.
    #[derive(Debug, Clone, Copy)]
    pub(crate) enum Failure {
        /// Every call is throttled, as the SDK reports it.
        Throttled,
        /// Every call fails for good.
        Broken,
        /// Imports reject every finding; updates leave every finding unprocessed with this code.
        Rejects(&'static str),
    }

    /// A [`FindingStore`] that fails as told.
    pub(crate) struct Failing(pub Failure);

    impl Failing {
        fn error(&self, op: &'static str, key: &str) -> Option<StoreError> {
            let message = match self.0 {
                Failure::Throttled => {
                    "TooManyRequestsException: Rate exceeded (service: SecurityHub, status code: 429)"
                }
                Failure::Broken => "AccessDeniedException: not authorized",
                Failure::Rejects(_) => return None,
            };
            Some(StoreError::Backend {
                op,
                key: key.to_owned(),
                source: Box::new(std::io::Error::other(message)),
            })
        }
    }

    impl FindingStore for Failing {
        fn batch_import_findings(
            &self,
            findings: &[Value],
            _context: &ChangeContext,
        ) -> soar_store::Result<BatchImportFindingsResponse> {
            if let Some(e) = self.error("BatchImportFindings", "batch") {
                return Err(e);
            }
            let Failure::Rejects(code) = self.0 else {
                unreachable!("the other failures are errors")
            };
            Ok(BatchImportFindingsResponse {
                failed_count: findings.len() as u32,
                success_count: 0,
                failed_findings: findings
                    .iter()
                    .map(|f| ImportFailure {
                        id: f["Id"].as_str().unwrap_or_default().to_owned(),
                        error_code: code.to_owned(),
                        error_message: format!("{code} (test)"),
                    })
                    .collect(),
                outcomes: Vec::new(),
            })
        }

        fn batch_update_findings(
            &self,
            request: &BatchUpdateFindingsRequest,
            _context: &ChangeContext,
        ) -> soar_store::Result<BatchUpdateFindingsResponse> {
            if let Some(e) = self.error("BatchUpdateFindings", "batch") {
                return Err(e);
            }
            let Failure::Rejects(code) = self.0 else {
                unreachable!("the other failures are errors")
            };
            Ok(BatchUpdateFindingsResponse {
                processed_findings: Vec::new(),
                unprocessed_findings: request
                    .finding_identifiers
                    .iter()
                    .map(|id| UnprocessedFinding {
                        finding_identifier: id.clone(),
                        error_code: code.to_owned(),
                        error_message: format!("{code} (test)"),
                    })
                    .collect(),
            })
        }

        fn get_findings(
            &self,
            _request: &GetFindingsRequest,
        ) -> soar_store::Result<GetFindingsResponse> {
            Ok(GetFindingsResponse::default())
        }

        fn get_finding(
            &self,
            _identifier: &FindingIdentifier,
        ) -> soar_store::Result<Option<Value>> {
            Ok(None)
        }
    }

    /// The test services with a finding store that fails as told.
    pub(crate) fn services(failure: Failure) -> Services {
        let mut services = crate::testing::services();
        services.findings = Arc::new(Failing(failure));
        services
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_is_recognised_in_the_error_chain() {
        let throttled = StoreError::Backend {
            op: "update findings",
            key: "f-1".into(),
            source: Box::new(std::io::Error::other("ThrottlingException: Rate exceeded")),
        };
        assert!(is_throttling(&throttled));
        let e = store_error("BatchUpdateFindings", throttled);
        assert_eq!(e.error, TOO_MANY_REQUESTS);
        assert!(e.cause.starts_with("BatchUpdateFindings: "), "{}", e.cause);

        let denied = StoreError::Backend {
            op: "update findings",
            key: "f-1".into(),
            source: Box::new(std::io::Error::other("AccessDeniedException")),
        };
        assert!(!is_throttling(&denied));
        assert_eq!(store_error("x", denied).error, names::STORE_FAILURE);
    }

    /// A reassigned finding goes round once more (its suppression is a change Security Hub sends
    /// back), and then stops: the suppressed original is not reassigned again and nothing changes.
    #[tokio::test]
    async fn reassignment_and_suppression_do_not_loop() {
        use std::sync::Arc;

        use soar_store::{FindingChangeFeed, LocalStore};

        let store = Arc::new(LocalStore::in_memory().unwrap());
        let services = Services::local(store.clone(), crate::Settings::embedded());
        let original: serde_json::Value = serde_json::from_str(include_str!(
            "../../../examples/findings/access-analyzer-delegated-admin.json"
        ))
        .unwrap();
        services
            .findings
            .batch_import_findings(std::slice::from_ref(&original), &ChangeContext::provider())
            .unwrap();

        let before = store.latest_change().unwrap();
        let pad = Scratchpad::new(original.clone()).to_value();
        let pad = account_reassignment_preprocessor::run(&services, pad)
            .await
            .unwrap();
        assert_eq!(pad["actions"]["suppress_finding"], true);
        let pad = suppress_finding::run(&services, pad).await.unwrap();
        assert_eq!(pad["db"]["route"], "reassigned");
        let new = store.changes_since(before, 10).unwrap();
        // The copy is created and the original suppressed.
        assert_eq!(new.len(), 2, "{new:?}");
        let suppressed = new
            .iter()
            .find(|c| c.identifier.id == original["Id"])
            .expect("the original's suppression")
            .finding
            .clone();

        // The suppression comes back as an event: the original stays where it is, and nothing changes.
        let after = store.latest_change().unwrap();
        let pad = Scratchpad::new(suppressed).to_value();
        let pad = account_reassignment_preprocessor::run(&services, pad)
            .await
            .unwrap();
        assert_eq!(pad["actions"]["suppress_finding"], false);
        assert!(pad["db"].get("reassigned_to").is_none());
        assert!(store.changes_since(after, 10).unwrap().is_empty());
    }

    #[test]
    fn notes_are_cut_to_what_security_hub_accepts() {
        assert_eq!(note_text("  short  "), "short");
        let long = "é".repeat(600);
        let cut = note_text(&long);
        assert_eq!(cut.chars().count(), 512);
        assert!(cut.ends_with('…'));
        assert_eq!(note_text(&"a".repeat(512)), "a".repeat(512));
    }
}
