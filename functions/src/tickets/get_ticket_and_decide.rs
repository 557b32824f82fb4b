//! `get_ticket_and_decide`: the ASFF processor's router. Sets `db.decision` to exactly one of
//! `suppress`, `remediate`, `incident`, `ticket`, `close_ticket` or `do_nothing` (the values the `Route`
//! Choice handles), `db.ticket` to the finding's open ticket (or `null`), `db.decision_reason` to one
//! sentence saying why, `db.duplicate` to whether the event was already processed, and `db.control_id`
//! to the finding's consolidated security control id when it has one ([`Finding::control_id`]:
//! `Compliance.SecurityControlId`, else the standard's own id mapped), which SOARAutoRemediations
//! routes on.
//!
//! # Once per event
//!
//! Security Hub sends a finding again whenever anything in it changes, EventBridge delivers at least
//! once and not in order, and the reference SOAR opened two tickets for two imports of one finding.
//! So the event is recorded in the [`EventLedger`] (finding `Id`, `UpdatedAt`, fingerprint of the
//! finding) before any decision takes effect: an event already recorded, or older than one recorded,
//! is `do_nothing` with `db.duplicate = true`, and nothing else is changed.
//!
//! The ledger write is this task's last store call (the open ticket is read before it), so a store
//! failure — throttling, retried by the state machine — never leaves an event recorded but undecided:
//! the retry sees it as new. (Only a lost response after a successful call can make a retry see its
//! own event as a duplicate; the next update of the finding is then processed as usual.)
//!
//! A deferred finding (rules 9 and 10 with a deferral setting on) is the one exception: its event is
//! not recorded, only checked against the newest recorded one, so that the very same event is decided
//! afresh when it is sent again after the deferral is lifted.
//!
//! # The order of the rules, and why
//!
//! 1. **Duplicate or older event → `do_nothing`.** See above.
//! 2. **Resolved → `close_ticket` if a ticket is open, else `do_nothing`.** Compliance `PASSED`
//!    (including the `NOTIFIED` + `PASSED` that Security Hub keeps active since mid-2025), workflow
//!    `RESOLVED` or `SUPPRESSED`, record state `ARCHIVED`: the problem is gone or accepted. This comes
//!    before everything else because a fixed finding must never open anything, and before the
//!    "ticket already open" rule because otherwise no ticket would ever close.
//! 3. **`actions.suppress_finding` → `suppress`.** An earlier task (account reassignment, local
//!    suppressions) already decided the finding is not a problem; the state machine normally routes
//!    those before this task, but the decision is honoured if one gets here.
//! 4. **CloudWatch-alarm finding (`GeneratorId` = `settings.alarm_generator_id`) → `incident`.** SOAR
//!    turns alarms into findings precisely to raise incidents, whatever their severity.
//!    So is an AWS Health finding the reclassifier marked as an incident
//!    (`db.reclassification.incident`: exposed credentials), whatever its product.
//! 5. **Finding of an `settings.incident_products` product at or above `settings.incident_min_severity`
//!    → `incident`.** Active threats (GuardDuty, Detective, Macie, ...) are incidents, not tickets. Rules 4
//!    and 5 come before the "ticket already open" rule so that a finding ticketed at a low severity that
//!    escalates still becomes an incident. A finding whose open ticket already tracks its incident
//!    (the incidents state machine marks it: [`INCIDENT_NOTE_PREFIX`](super::INCIDENT_NOTE_PREFIX))
//!    is `do_nothing` instead: a threat finding updated every few minutes starts one incident, not
//!    one per update.
//! 6. **A ticket is already open → `do_nothing`.** The finding is being handled; no second ticket, no
//!    second e-mail.
//! 7. **Severity below `settings.ticket_min_severity` → `do_nothing`.** Not worth a team's time.
//! 8. **A control check that did not fail (`WARNING`, `NOT_AVAILABLE`) → `do_nothing`.** There is no
//!    configuration for the team to fix (a `NOT_AVAILABLE` with `CONFIG_ACCESS_DENIED` is SOAR's own
//!    set-up problem); when the check fails, the next event is processed.
//! 9. **A `FAILED` control in `settings.remediate_controls` → `remediate`**, or `do_nothing` with
//!    `actions.reconsider_later` while `settings.defer_autoremediations` holds remediations back.
//! 10. **Anything else → `ticket`** for the owning team, or `do_nothing` with `actions.reconsider_later`
//!     while `settings.defer_team_fixes` holds team tickets back.
//!
//! A finding without a usable severity counts as meeting every severity threshold: a finding SOAR
//! cannot rate is never dropped for it.
//!
//! [`EventLedger`]: soar_store::EventLedger

use serde_json::Value;
use soar_json::Value as Json;
use soar_model::finding::{ComplianceStatus, Finding, SeverityLabel, WorkflowStatus};
use soar_model::scratchpad::Scratchpad;
use soar_store::events::fingerprint;
use soar_store::{Outcome, Ticket};

use super::{INVALID_SETTINGS, is_incident_ticket, store_error, ticket_json};
use crate::core::scratchpad;
use crate::{Services, Settings, TaskError, names};

/// The route [`run`] decides; `as_str` is the value of `db.decision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Suppress the finding in Security Hub.
    Suppress,
    /// Run the control's auto-remediation.
    Remediate,
    /// Start an incident.
    Incident,
    /// Open a ticket for the owning team.
    Ticket,
    /// Close the finding's open ticket.
    CloseTicket,
    /// Nothing to do now.
    DoNothing,
}

impl Decision {
    /// The value of `db.decision`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Suppress => "suppress",
            Decision::Remediate => "remediate",
            Decision::Incident => "incident",
            Decision::Ticket => "ticket",
            Decision::CloseTicket => "close_ticket",
            Decision::DoNothing => "do_nothing",
        }
    }
}

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let mut pad = scratchpad(input)?;
    let finding = pad.finding()?;
    let thresholds = Thresholds::from_settings(&services.settings)?;
    let updated_at = finding.updated_at_time().map_err(|e| {
        TaskError::new(
            names::INVALID_FINDING,
            format!(
                "/finding/UpdatedAt: not an RFC 3339 timestamp ({e}): {:?}",
                finding.updated_at
            ),
        )
    })?;

    // Read first, record last: see the module documentation.
    let ticket = services
        .tickets
        .get_open(&finding.id)
        .map_err(store_error)?;
    let verdict = decide(
        &finding,
        &pad,
        ticket.as_ref(),
        &services.settings,
        &thresholds,
    );
    let outcome = if verdict.deferred {
        // Not recorded, so the same event is new again once the deferral is lifted.
        let newer = services
            .ledger
            .latest(&finding.id)
            .map_err(store_error)?
            .is_some_and(|latest| latest.updated_at > updated_at);
        if newer { Outcome::Older } else { Outcome::New }
    } else {
        services
            .ledger
            .record_if_newer(&finding.id, updated_at, &fingerprint(&pad.finding))
            .map_err(store_error)?
    };

    let (decision, reason) = match outcome {
        Outcome::Duplicate => (
            Decision::DoNothing,
            format!(
                "This event (UpdatedAt {}) was already processed: nothing changes.",
                finding.updated_at
            ),
        ),
        Outcome::Older => (
            Decision::DoNothing,
            format!(
                "A newer event than this one (UpdatedAt {}) was already processed: nothing changes.",
                finding.updated_at
            ),
        ),
        Outcome::New => {
            if verdict.deferred {
                pad.actions.reconsider_later = true;
            }
            (verdict.decision, verdict.reason)
        }
    };

    pad.db.insert("decision".into(), decision.as_str().into());
    pad.db.insert(
        "ticket".into(),
        ticket.as_ref().map_or(Value::Null, ticket_json),
    );
    pad.db.insert("decision_reason".into(), reason.into());
    pad.db
        .insert("duplicate".into(), (outcome != Outcome::New).into());
    // Derived here, once, so the auto-remediations' Choice routes on the very id `remediate_controls`
    // was matched with, also for findings that only carry a standard's own control id.
    match finding.control_id() {
        Some(control) => pad.db.insert("control_id".into(), control.into()),
        None => pad.db.remove("control_id"),
    };
    Ok(pad.to_value())
}

/// The severity thresholds of the settings, as ranks.
struct Thresholds {
    incident: u8,
    ticket: u8,
}

impl Thresholds {
    fn from_settings(settings: &Settings) -> Result<Thresholds, TaskError> {
        let rank = |field: &str, label: &str| {
            SeverityLabel::from(label.trim().to_ascii_uppercase())
                .rank()
                .ok_or_else(|| {
                    TaskError::new(
                        INVALID_SETTINGS,
                        format!(
                            "settings.{field}: {label:?} is not a severity label (one of {})",
                            SeverityLabel::KNOWN.join(", ")
                        ),
                    )
                })
        };
        Ok(Thresholds {
            incident: rank("incident_min_severity", &settings.incident_min_severity)?,
            ticket: rank("ticket_min_severity", &settings.ticket_min_severity)?,
        })
    }
}

/// What rules 2 to 10 decide.
struct Verdict {
    decision: Decision,
    reason: String,
    /// A deferral holds the finding back: `actions.reconsider_later`, and the event is not recorded.
    deferred: bool,
}

impl From<(Decision, String)> for Verdict {
    fn from((decision, reason): (Decision, String)) -> Verdict {
        Verdict {
            decision,
            reason,
            deferred: false,
        }
    }
}

/// Rules 2 to 10 of the module documentation. Reads only: [`run`] applies the verdict to a new event.
fn decide(
    finding: &Finding,
    pad: &Scratchpad,
    ticket: Option<&Ticket>,
    settings: &Settings,
    thresholds: &Thresholds,
) -> Verdict {
    if let Some(state) = resolved_state(finding) {
        let verdict = match ticket {
            Some(t) => (
                Decision::CloseTicket,
                format!(
                    "The finding is {state} and ticket {} is open: close it.",
                    t.id
                ),
            ),
            None => (
                Decision::DoNothing,
                format!("The finding is {state} and has no open ticket: nothing to do."),
            ),
        };
        return verdict.into();
    }

    if pad.actions.suppress_finding {
        return (
            Decision::Suppress,
            "An earlier task marked the finding for suppression (actions.suppress_finding).".into(),
        )
            .into();
    }

    let severity = finding.severity_label();
    let severity_text = severity
        .as_ref()
        .map_or_else(|| "unknown".to_owned(), ToString::to_string);
    let rank = severity.as_ref().and_then(SeverityLabel::rank);
    let at_least = |min: u8| rank.is_none_or(|r| r >= min);

    let reclassified_incident = pad
        .db
        .get("reclassification")
        .and_then(|r| r.get("incident"))
        .and_then(serde_json::Value::as_bool)
        == Some(true);
    let incident = if finding.generator_id == settings.alarm_generator_id {
        Some(format!(
            "The finding comes from a CloudWatch alarm (GeneratorId {})",
            settings.alarm_generator_id
        ))
    } else if reclassified_incident {
        Some("The AWS Health reclassifier found exposed or compromised credentials".to_string())
    } else {
        incident_product(finding, settings)
            .filter(|_| at_least(thresholds.incident))
            .map(|product| {
                format!(
                    "{product} finding of severity {severity_text}, at or above the incident minimum {}",
                    settings.incident_min_severity
                )
            })
    };
    if let Some(why) = incident {
        let verdict = match ticket.filter(|t| is_incident_ticket(t)) {
            Some(t) => (
                Decision::DoNothing,
                format!(
                    "{why}, and its incident is already tracked by open ticket {}.",
                    t.id
                ),
            ),
            None => (Decision::Incident, format!("{why}: start an incident.")),
        };
        return verdict.into();
    }

    if let Some(t) = ticket {
        return (
            Decision::DoNothing,
            format!(
                "Ticket {} is already open for the finding: already handled.",
                t.id
            ),
        )
            .into();
    }

    if !at_least(thresholds.ticket) {
        return (
            Decision::DoNothing,
            format!(
                "Severity {severity_text} is below the ticket minimum {}: nothing to do.",
                settings.ticket_min_severity
            ),
        )
            .into();
    }

    let control_id = finding.control_id();
    match finding.compliance_status() {
        Some(ComplianceStatus::Failed) | None => {}
        Some(status) => {
            return (
                Decision::DoNothing,
                format!(
                    "The control check did not fail (compliance {status}): there is nothing to fix."
                ),
            )
                .into();
        }
    }

    let failed = matches!(finding.compliance_status(), Some(ComplianceStatus::Failed));
    if let Some(control) = control_id
        .as_deref()
        .filter(|c| failed && settings.remediate_controls.contains(*c))
    {
        if settings.defer_autoremediations {
            return Verdict {
                decision: Decision::DoNothing,
                reason: format!(
                    "Control {control} failed and is auto-remediated, but auto-remediations are deferred (settings.defer_autoremediations): reconsider later."
                ),
                deferred: true,
            };
        }
        return (
            Decision::Remediate,
            format!("Control {control} failed and is auto-remediated: remediate it."),
        )
            .into();
    }

    let what = match &control_id {
        Some(control) if failed => format!("Control {control} failed"),
        _ => format!("The finding has severity {severity_text}"),
    };
    if settings.defer_team_fixes {
        return Verdict {
            decision: Decision::DoNothing,
            reason: format!(
                "{what} and needs the team's fix, but team tickets are deferred (settings.defer_team_fixes): reconsider later."
            ),
            deferred: true,
        };
    }
    (
        Decision::Ticket,
        format!("{what} and needs the team's fix: open a ticket."),
    )
        .into()
}

/// Why the finding counts as resolved (rule 2), if it does.
fn resolved_state(finding: &Finding) -> Option<&'static str> {
    if matches!(finding.workflow_status(), Some(WorkflowStatus::Suppressed)) {
        return Some("suppressed (workflow SUPPRESSED)");
    }
    if !finding.is_resolved_state() {
        return None;
    }
    Some(
        match (
            finding.compliance_status(),
            finding.workflow_status(),
            finding.record_state.as_ref().map(|s| s.as_str()),
        ) {
            (_, _, Some("ARCHIVED")) => "archived (record state ARCHIVED)",
            (Some(ComplianceStatus::Passed), Some(WorkflowStatus::Notified), _) => {
                "fixed (compliance PASSED, workflow NOTIFIED)"
            }
            (Some(ComplianceStatus::Passed), _, _) => "fixed (compliance PASSED)",
            _ => "resolved (workflow RESOLVED)",
        },
    )
}

/// The finding's product when it is one of `settings.incident_products` (case-insensitive). Security
/// Hub's own `ProductFields."aws/securityhub/ProductName"` is preferred to the provider-supplied
/// `ProductName`.
fn incident_product<'a>(finding: &'a Finding, settings: &Settings) -> Option<&'a str> {
    let product = finding
        .product_field("aws/securityhub/ProductName")
        .or(finding.product_name.as_deref())?;
    settings
        .incident_products
        .iter()
        .any(|p| p.trim().eq_ignore_ascii_case(product.trim()))
        .then_some(product)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{finding, services};
    use crate::tickets::incident_note;
    use serde_json::json;
    use soar_store::NewTicket;

    fn example(name: &str) -> Value {
        let text = match name {
            "s3.8" => include_str!("../../../examples/findings/securityhub-s3.8-failed.json"),
            "passed-notified" => {
                include_str!("../../../examples/findings/control-passed-notified.json")
            }
            "alarm" => include_str!("../../../examples/findings/cloudwatch-alarm.json"),
            "guardduty" => {
                include_str!("../../../examples/findings/guardduty-ec2-ssh-bruteforce.event.json")
            }
            "cis" => include_str!("../../../examples/findings/cis-1.2.0-rule-2.7.json"),
            "inspector" => {
                include_str!("../../../examples/findings/inspector2-package-vulnerability.json")
            }
            "get-findings" => include_str!("../../../examples/findings/get-findings-export.json"),
            other => panic!("no example {other}"),
        };
        let value: Value = serde_json::from_str(text).unwrap();
        if let Some(f) = value.pointer("/detail/findings/0") {
            return f.clone();
        }
        value
    }

    fn guardduty(label: &str) -> Value {
        let mut f = example("guardduty");
        f["Severity"] = json!({"Label": label});
        f
    }

    async fn decide_with(services: &Services, f: Value) -> Value {
        run(services, Scratchpad::new(f).to_value())
            .await
            .unwrap()
            .to_json()
    }

    async fn decide(f: Value) -> Value {
        decide_with(&services(), f).await
    }

    fn open_ticket_for(services: &Services, f: &Value, note: &str) -> Ticket {
        services
            .tickets
            .open_for(&NewTicket {
                finding_id: f["Id"].as_str().unwrap().into(),
                account: f["AwsAccountId"].as_str().unwrap().into(),
                title: "t".into(),
                severity: "HIGH".into(),
                note: note.into(),
                ..NewTicket::default()
            })
            .unwrap()
            .ticket
    }

    fn with_settings(change: impl FnOnce(&mut Settings)) -> Services {
        let mut s = services();
        let mut settings = (*s.settings).clone();
        change(&mut settings);
        s.settings = std::sync::Arc::new(settings);
        s
    }

    #[track_caller]
    fn assert_decision(out: &Value, decision: &str, reason_contains: &str) {
        assert_eq!(out["db"]["decision"], decision, "{:#}", out["db"]);
        let reason = out["db"]["decision_reason"].as_str().unwrap();
        assert!(reason.contains(reason_contains), "{reason}");
        assert!(reason.ends_with('.'), "one sentence: {reason}");
    }

    #[tokio::test]
    async fn a_failed_remediable_control_is_remediated() {
        let out = decide(finding()).await;
        assert_decision(&out, "remediate", "S3.8");
        assert_eq!(out["db"]["ticket"], Value::Null);
        assert_eq!(out["db"]["duplicate"], false);
        assert_eq!(out["actions"]["reconsider_later"], false);
    }

    #[tokio::test]
    async fn a_failed_control_not_remediated_is_ticketed() {
        // CIS 1.2.0 rule 2.7 is CloudTrail.2, which is not in remediate_controls.
        let out = decide(example("cis")).await;
        assert_decision(&out, "ticket", "CloudTrail.2");
        // A non-control finding that needs work (Inspector CVE, HIGH) is ticketed too.
        let out = decide(example("inspector")).await;
        assert_decision(&out, "ticket", "severity HIGH");
    }

    #[tokio::test]
    async fn the_same_event_twice_is_a_duplicate_that_changes_nothing() {
        let s = services();
        let first = decide_with(&s, finding()).await;
        assert_decision(&first, "remediate", "S3.8");
        let second = decide_with(&s, finding()).await;
        assert_decision(&second, "do_nothing", "already processed");
        assert_eq!(second["db"]["duplicate"], true);
        assert_eq!(second["actions"], first["actions"]);
        assert_eq!(second["messages"], first["messages"]);
        // A redelivery differing only in ProcessedAt is the same event.
        let mut again = finding();
        again["ProcessedAt"] = "2026-03-09T10:00:00.000Z".into();
        assert_eq!(decide_with(&s, again).await["db"]["duplicate"], true);
    }

    #[tokio::test]
    async fn an_older_event_changes_nothing() {
        let s = services();
        let mut newer = finding();
        newer["UpdatedAt"] = "2026-03-10T00:00:00.000Z".into();
        assert_decision(&decide_with(&s, newer).await, "remediate", "S3.8");
        // The older event is now resolved, but a newer one was processed: it must not close anything.
        let mut older = finding();
        older["Compliance"]["Status"] = "PASSED".into();
        let out = decide_with(&s, older).await;
        assert_decision(&out, "do_nothing", "newer event");
        assert_eq!(out["db"]["duplicate"], true);
    }

    #[tokio::test]
    async fn notified_and_passed_closes_the_open_ticket() {
        let s = services();
        let f = example("passed-notified");
        let ticket = open_ticket_for(&s, &f, "opened");
        let out = decide_with(&s, f).await;
        assert_decision(&out, "close_ticket", "compliance PASSED, workflow NOTIFIED");
        assert_eq!(out["db"]["ticket"]["id"], ticket.id.as_str());
        assert_eq!(out["db"]["ticket"]["status"], "OPEN");
    }

    #[tokio::test]
    async fn a_resolved_finding_without_a_ticket_needs_nothing() {
        let out = decide(example("passed-notified")).await;
        assert_decision(&out, "do_nothing", "no open ticket");
        for (field, value, state) in [
            ("/Workflow/Status", "RESOLVED", "workflow RESOLVED"),
            ("/Workflow/Status", "SUPPRESSED", "workflow SUPPRESSED"),
            ("/RecordState", "ARCHIVED", "record state ARCHIVED"),
        ] {
            let mut f = finding();
            *f.pointer_mut(field).unwrap() = value.into();
            assert_decision(&decide(f).await, "do_nothing", state);
        }
    }

    #[tokio::test]
    async fn a_suppressed_finding_closes_its_ticket() {
        let s = services();
        let mut f = finding();
        f["Workflow"]["Status"] = "SUPPRESSED".into();
        open_ticket_for(&s, &f, "opened");
        assert_decision(&decide_with(&s, f).await, "close_ticket", "suppressed");
    }

    #[tokio::test]
    async fn a_cloudwatch_alarm_is_an_incident_whatever_its_severity() {
        assert_decision(
            &decide(example("alarm")).await,
            "incident",
            "CloudWatch alarm",
        );
        let mut low = example("alarm");
        low["Severity"] = json!({"Label": "LOW", "Normalized": 1});
        assert_decision(&decide(low).await, "incident", "CloudWatch alarm");
    }

    #[tokio::test]
    async fn guardduty_high_is_an_incident_and_low_a_ticket() {
        assert_decision(
            &decide(guardduty("HIGH")).await,
            "incident",
            "GuardDuty finding of severity HIGH",
        );
        assert_decision(
            &decide(guardduty("CRITICAL")).await,
            "incident",
            "GuardDuty",
        );
        // Below the incident minimum, a threat finding is ticketed like any other.
        assert_decision(&decide(guardduty("LOW")).await, "ticket", "severity LOW");
    }

    #[tokio::test]
    async fn an_incident_already_tracked_is_not_started_again() {
        let s = services();
        let f = guardduty("HIGH");
        open_ticket_for(&s, &f, &incident_note("GuardDuty finding"));
        let mut update = f.clone();
        update["UpdatedAt"] = "2026-03-10T15:00:00.000Z".into();
        assert_decision(
            &decide_with(&s, update).await,
            "do_nothing",
            "already tracked",
        );
    }

    #[tokio::test]
    async fn a_ticketed_finding_that_escalates_becomes_an_incident() {
        let s = services();
        let f = guardduty("LOW");
        open_ticket_for(&s, &f, "ordinary ticket");
        let mut escalated = guardduty("HIGH");
        escalated["UpdatedAt"] = "2026-03-10T15:00:00.000Z".into();
        let out = decide_with(&s, escalated).await;
        assert_decision(&out, "incident", "GuardDuty");
        assert_eq!(out["db"]["ticket"]["status"], "OPEN");
    }

    #[tokio::test]
    async fn an_open_ticket_means_already_handled() {
        let s = services();
        let f = example("cis");
        let ticket = open_ticket_for(&s, &f, "opened");
        let out = decide_with(&s, f).await;
        assert_decision(&out, "do_nothing", "already open");
        assert_eq!(out["db"]["ticket"]["id"], ticket.id.as_str());
    }

    #[tokio::test]
    async fn below_the_ticket_minimum_nothing_is_done() {
        let mut f = example("cis");
        f["Severity"] = json!({"Label": "INFORMATIONAL", "Normalized": 0});
        assert_decision(
            &decide(f).await,
            "do_nothing",
            "below the ticket minimum LOW",
        );
        let s = with_settings(|s| s.ticket_min_severity = "HIGH".into());
        assert_decision(
            &decide_with(&s, example("cis")).await,
            "do_nothing",
            "MEDIUM",
        );
    }

    #[tokio::test]
    async fn a_check_that_did_not_fail_is_not_ticketed() {
        let export = example("get-findings");
        let warning = export["Findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["Compliance"]["Status"] == "WARNING")
            .unwrap()
            .clone();
        assert_decision(&decide(warning).await, "do_nothing", "compliance WARNING");
    }

    #[tokio::test]
    async fn deferred_remediations_and_team_fixes_are_reconsidered_later() {
        let s = with_settings(|s| s.defer_autoremediations = true);
        let out = decide_with(&s, finding()).await;
        assert_decision(&out, "do_nothing", "defer_autoremediations");
        assert_eq!(out["actions"]["reconsider_later"], true);
        // Deferring remediations does not hold back tickets.
        assert_decision(
            &decide_with(&s, example("cis")).await,
            "ticket",
            "CloudTrail.2",
        );

        let s = with_settings(|s| s.defer_team_fixes = true);
        let out = decide_with(&s, example("cis")).await;
        assert_decision(&out, "do_nothing", "defer_team_fixes");
        assert_eq!(out["actions"]["reconsider_later"], true);
        assert_decision(&decide_with(&s, finding()).await, "remediate", "S3.8");
    }

    #[tokio::test]
    async fn a_deferred_event_is_decided_afresh_once_the_deferral_is_lifted() {
        let store = std::sync::Arc::new(soar_store::LocalStore::in_memory().unwrap());
        let mut settings = Settings::embedded();
        settings.defer_autoremediations = true;
        let deferred = Services::local(store.clone(), settings);
        let lifted = Services::local(store, Settings::embedded());

        let out = decide_with(&deferred, finding()).await;
        assert_decision(&out, "do_nothing", "deferred");
        assert_eq!(out["db"]["duplicate"], false);
        // The same event, still deferred: the same answer, not "already processed".
        let out = decide_with(&deferred, finding()).await;
        assert_decision(&out, "do_nothing", "deferred");
        assert_eq!(out["db"]["duplicate"], false);
        // Deferral lifted: the very same event is remediated, once.
        let out = decide_with(&lifted, finding()).await;
        assert_decision(&out, "remediate", "S3.8");
        assert_eq!(out["actions"]["reconsider_later"], false);
        assert_eq!(
            decide_with(&lifted, finding()).await["db"]["duplicate"],
            true
        );
    }

    #[tokio::test]
    async fn a_deferred_event_older_than_a_processed_one_is_older() {
        let store = std::sync::Arc::new(soar_store::LocalStore::in_memory().unwrap());
        let mut settings = Settings::embedded();
        settings.defer_autoremediations = true;
        let deferred = Services::local(store.clone(), settings);
        let lifted = Services::local(store, Settings::embedded());
        let mut newer = finding();
        newer["UpdatedAt"] = "2026-03-10T00:00:00.000Z".into();
        decide_with(&lifted, newer).await;
        let out = decide_with(&deferred, finding()).await;
        assert_decision(&out, "do_nothing", "newer event");
        assert_eq!(out["db"]["duplicate"], true);
        assert_eq!(out["actions"]["reconsider_later"], false);
    }

    #[tokio::test]
    async fn a_suppression_decided_earlier_is_honoured() {
        let mut pad = Scratchpad::new(finding());
        pad.actions.suppress_finding = true;
        let out = run(&services(), pad.to_value()).await.unwrap().to_json();
        assert_decision(&out, "suppress", "suppress_finding");
    }

    #[tokio::test]
    async fn bad_settings_are_named() {
        let s = with_settings(|s| s.incident_min_severity = "SEVERE".into());
        let e = run(&s, Scratchpad::new(finding()).to_value())
            .await
            .unwrap_err();
        assert_eq!(e.error, INVALID_SETTINGS);
        assert!(
            e.cause.contains("settings.incident_min_severity"),
            "{}",
            e.cause
        );
    }

    /// A control finding as an account without consolidated control findings sends it: no
    /// `Compliance.SecurityControlId`, no `security-control/` generator; the standard's own ids in
    /// `GeneratorId` and `ProductFields`.
    fn legacy(generator: &str, product_fields: Value) -> Value {
        let mut f = finding();
        f["Compliance"] = json!({"Status": "FAILED"});
        f["GeneratorId"] = generator.into();
        let fields = f["ProductFields"].as_object_mut().unwrap();
        fields.extend(product_fields.as_object().unwrap().clone());
        f
    }

    /// Findings without consolidated control ids are routed on the consolidated id mapped from their
    /// standard's own id, which `db.control_id` carries to SOARAutoRemediations; what maps to no
    /// remediable control is ticketed as before.
    #[tokio::test]
    async fn legacy_control_findings_route_on_their_consolidated_control_id() {
        let fsbp: Value = serde_json::from_str(include_str!(
            "../../../examples/findings/remediations/s3.8-legacy-fsbp-failed.json"
        ))
        .unwrap();
        let cases = [
            // FSBP: the standard's id is the security control id.
            (fsbp, Some("S3.8"), "remediate"),
            // PCI DSS v3.2.1: PCI.KMS.1 is KMS.4.
            (
                legacy(
                    "pci-dss/v/3.2.1/PCI.KMS.1",
                    json!({"ControlId": "PCI.KMS.1", "StandardsArn": "arn:aws:securityhub:::standards/pci-dss/v/3.2.1"}),
                ),
                Some("KMS.4"),
                "remediate",
            ),
            // CIS v1.2.0: rule 4.3 is EC2.2, named only by RuleId and the ruleset generator.
            (
                legacy(
                    "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.3",
                    json!({"RuleId": "4.3", "StandardsGuideArn": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"}),
                ),
                Some("EC2.2"),
                "remediate",
            ),
            // CIS v1.2.0 rule 2.7 is CloudTrail.2: mapped, but not remediated.
            (example("cis"), Some("CloudTrail.2"), "ticket"),
            // Control Tower: the CT. prefix goes.
            (
                legacy(
                    "service-managed-aws-control-tower/v/1.0.0/CT.S3.8",
                    json!({"ControlId": "CT.S3.8"}),
                ),
                Some("S3.8"),
                "remediate",
            ),
            // A rule no table maps (CIS 1.2.0 1.15 was a manual check): no control, a ticket.
            (
                legacy(
                    "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.15",
                    json!({"RuleId": "1.15"}),
                ),
                None,
                "ticket",
            ),
        ];
        for (f, control, decision) in cases {
            let out = decide(f).await;
            assert_eq!(out["db"]["decision"], decision, "{:#}", out["db"]);
            assert_eq!(
                out["db"].get("control_id").and_then(Value::as_str),
                control,
                "{:#}",
                out["db"]
            );
            assert!(
                out["finding"]["Compliance"]
                    .get("SecurityControlId")
                    .is_none()
            );
        }
        // When present, Compliance.SecurityControlId wins over the standard's own id.
        let mut both = finding();
        both["ProductFields"]["ControlId"] = "PCI.KMS.1".into();
        let out = decide(both).await;
        assert_eq!(out["db"]["control_id"], "S3.8");
    }
}
