//! `record_rejection`: records a finding SOAR could not read, so that nothing is silently dropped. The
//! input is whatever `Set Up Scratchpad` failed on, with the `Catch`'s `rejection: {"Error", "Cause"}`
//! added; the output is that input with `recorded: {"message_id", "to"}` added (no `db`: the input is
//! not a scratchpad). The state machine then ends in a `Fail` state whose cause is
//! `$.rejection.Cause`.
//!
//! # Where it is recorded, and why there
//!
//! The rejection is e-mailed to the security team (`settings.email_cc`, from `settings.email_from`):
//! subject `[SOAR] Finding rejected (<Error>): <finding Id>`, with the error, the cause and the raw
//! input pretty-printed (cut at 64 KiB, HTML-escaped in the HTML body) in a plain-text and an HTML
//! body. The message is the durable record: SES and the team's mailbox keep it (the `.eml` outbox
//! locally), and it reaches the people who can fix the producer of the finding.
//!
//! soar-store has no table for rejections yet, and its other records are not the place: the
//! [`ActionRecorder`](soar_store::ActionRecorder) is the dry-run plan of AWS calls not made, and a
//! rejected finding has no Id SOAR can trust for tickets or the event ledger. When a rejection table
//! exists, this task should write to it first and e-mail second.
//!
//! Without a security team address (`email_cc` empty) the rejection cannot be recorded: the task fails
//! with `SOAR.StoreFailure` rather than pretend it did (the execution still fails, visibly, with the
//! input in its history).

use serde_json::{Map, Value, json};
use soar_json::Value as Json;
use soar_store::Email;

use super::{escape_html, one_line, store_error, truncate};
use crate::{Services, TaskError, names};

/// The most of the raw input the message shows.
const MAX_INPUT: usize = 64 * 1024;
/// The most of the cause the message shows.
const MAX_CAUSE: usize = 16 * 1024;

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    // A rejection is rare and its input may be anything: plain serde_json is simplest here.
    let mut output = match input.to_json() {
        Value::Object(map) => map,
        other => {
            let mut map = Map::new();
            map.insert("input".into(), other);
            map
        }
    };
    let rejection = output.get("rejection").cloned().unwrap_or(Value::Null);
    let mut raw = output.clone();
    raw.remove("rejection");
    let raw = Value::Object(raw);

    let error = rejection
        .get("Error")
        .and_then(Value::as_str)
        .unwrap_or("an unknown error")
        .to_owned();
    let cause = cause_text(&rejection);
    let (cause, _) = truncate(&cause, MAX_CAUSE);
    let finding_id = ["/detail/findings/0/Id", "/Id", "/finding/Id", "/input/Id"]
        .iter()
        .find_map(|p| raw.pointer(p).and_then(Value::as_str))
        .map(|id| one_line(id, 120));

    let pretty = serde_json::to_string_pretty(&raw).expect("JSON values serialize");
    let (shown, cut) = truncate(&pretty, MAX_INPUT);
    let input_heading = if cut {
        format!(
            "The input (pretty-printed, cut at 64 KiB of {} bytes):",
            pretty.len()
        )
    } else {
        "The input (pretty-printed):".to_owned()
    };
    let intro = "SOAR could not process a finding and rejected it: nothing was done with it. Fix the cause (or the product that sent the finding), then send the finding again.";
    let id_line = finding_id
        .as_deref()
        .unwrap_or("(the input has no finding Id)");

    let settings = &services.settings;
    if settings.email_cc.is_empty() {
        return Err(TaskError::new(
            names::STORE_FAILURE,
            format!(
                "cannot record the rejected finding {id_line} ({error}): settings.email_cc names no security team address"
            ),
        ));
    }
    let email = Email {
        from: settings.email_from.clone(),
        to: settings.email_cc.clone(),
        cc: Vec::new(),
        subject: one_line(
            &format!("[SOAR] Finding rejected ({error}): {id_line}"),
            200,
        ),
        text: format!(
            "{intro}\n\nError:      {error}\nFinding Id: {id_line}\n\nCause:\n{cause}\n\n{input_heading}\n\n{shown}\n"
        ),
        html: Some(format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body style=\"font-family: sans-serif\">\n\
             <p>{}</p>\n<table cellpadding=\"4\">\n\
             <tr><th align=\"left\">Error</th><td>{}</td></tr>\n\
             <tr><th align=\"left\">Finding Id</th><td>{}</td></tr>\n</table>\n\
             <h3>Cause</h3>\n<pre>{}</pre>\n<h3>{}</h3>\n<pre>{}</pre>\n</body></html>\n",
            escape_html(intro),
            escape_html(&error),
            escape_html(id_line),
            escape_html(cause),
            escape_html(&input_heading),
            escape_html(shown),
        )),
    };
    let sent = services.mailer.send(&email).map_err(store_error)?;
    output.insert(
        "recorded".into(),
        json!({"message_id": sent.message_id, "to": email.to}),
    );
    Ok(Json::from(Value::Object(output)))
}

/// The cause for people: a Lambda error's `errorMessage` when the cause is Lambda's JSON, else as is.
fn cause_text(rejection: &Value) -> String {
    match rejection.get("Cause") {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| {
                v.get("errorMessage")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| text.clone()),
        Some(other) => other.to_string(),
        None => "(no cause given)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use soar_store::LocalStore;
    use std::sync::Arc;

    fn local() -> (Arc<LocalStore>, Services) {
        let store = Arc::new(LocalStore::in_memory().unwrap());
        let services = Services::local(store.clone(), Settings::embedded());
        (store, services)
    }

    fn rejected() -> Value {
        let mut input: Value = serde_json::from_str(include_str!(
            "../../../examples/findings/malformed-missing-generator-id.json"
        ))
        .unwrap();
        input["Title"] = "<b>bold</b> title".into();
        input["rejection"] = json!({
            "Error": "SOAR.InvalidFinding",
            "Cause": "/GeneratorId: missing field"
        });
        input
    }

    #[tokio::test]
    async fn e_mails_the_security_team_and_returns_the_input() {
        let (store, s) = local();
        let input = rejected();
        let out = run(&s, input.clone()).await.unwrap();
        let sent = store.memory_outbox().unwrap().sent();
        assert_eq!(sent.len(), 1);
        let (receipt, email, _) = &sent[0];
        assert_eq!(out["recorded"]["message_id"], receipt.message_id.as_str());
        assert_eq!(out["rejection"], input["rejection"]);
        assert!(out.get("db").is_none());
        let mut without = out.clone();
        without.as_object_mut().unwrap().shift_remove("recorded");
        assert_eq!(without, input, "the input comes back as it was");

        assert_eq!(email.to, ["security@example.com"]);
        assert!(
            email
                .subject
                .starts_with("[SOAR] Finding rejected (SOAR.InvalidFinding): ")
        );
        assert!(email.subject.contains(input["Id"].as_str().unwrap()));
        assert!(email.text.contains("/GeneratorId: missing field"));
        assert!(email.text.contains("\"Title\": \"<b>bold</b> title\""));
        assert!(
            !email.text.contains("\"rejection\""),
            "the raw input, without the rejection"
        );
        let html = email.html.as_deref().unwrap();
        assert!(html.contains("&quot;Title&quot;: &quot;&lt;b&gt;bold&lt;/b&gt; title&quot;"));
        assert!(!html.contains("<b>"));
    }

    #[tokio::test]
    async fn a_huge_input_is_cut_at_64_kib() {
        let (store, s) = local();
        let mut input = rejected();
        input["Description"] = "é".repeat(100_000).into();
        run(&s, input).await.unwrap();
        let (_, email, _) = &store.memory_outbox().unwrap().sent()[0];
        assert!(email.text.contains("cut at 64 KiB of"), "notes the cut");
        assert!(email.text.len() < MAX_INPUT + 4096, "{}", email.text.len());
    }

    #[tokio::test]
    async fn a_lambda_cause_is_shown_as_its_message() {
        let (store, s) = local();
        let mut input = rejected();
        input["rejection"]["Cause"] =
            r#"{"errorType": "SOAR.InvalidFinding", "errorMessage": "/Resources: missing field"}"#
                .into();
        run(&s, input).await.unwrap();
        let (_, email, _) = &store.memory_outbox().unwrap().sent()[0];
        assert!(
            email.text.contains("Cause:\n/Resources: missing field\n"),
            "{}",
            email.text
        );
    }

    #[tokio::test]
    async fn without_a_security_team_the_task_fails_rather_than_drop_it() {
        let store = Arc::new(LocalStore::in_memory().unwrap());
        let mut settings = Settings::embedded();
        settings.email_cc.clear();
        let s = Services::local(store, settings);
        let e = run(&s, rejected()).await.unwrap_err();
        assert_eq!(e.error, names::STORE_FAILURE);
        assert!(e.cause.contains("settings.email_cc"), "{}", e.cause);
    }
}
