//! `send_email`: e-mails the team that owns the finding's account. The input is
//! `{"kind": "ticket_opened" | "ticket_closed" | "remediated" | "incident", "scratchpad": {...}}` (the
//! state machines' `Parameters`), the output `{"sent": true, "message_id": ..., "to": [...], ...}`, which
//! the state machines put into `db.email`.
//!
//! The message goes to `account.team_email`, copied to `settings.email_cc` (the security team), from
//! `settings.email_from`, with a plain-text and an HTML body saying, per kind: the finding's title, the
//! account (id and name), the control id, the severity, the resources, the ticket id, what SOAR did
//! (`messages.actions_taken`), what the team must do (`messages.actions_required`) and the AI
//! explanation when there is one (`messages.ai`; headed as not AI-generated when `messages.ai.analyst`
//! is `local`).
//!
//! Findings are attacker-influenced text (a resource name, a tag, a third-party product's title), so
//! everything taken from the finding or the scratchpad is HTML-escaped in the HTML body, and no link is
//! made from it. `messages.ai.html` is not used as HTML either: the model that wrote it read that same
//! text, so the HTML body shows `messages.ai.plaintext` escaped (or the text of `ai.html` with its tags
//! removed when there is no plain text).
//!
//! No known team address does not fail the task: the message goes to the security team instead, with
//! `[owner unknown]` in the subject (also when the mailer rejects the team's address). Only when there
//! is no recipient at all (no team address and an empty `email_cc`) is nothing sent: the output says
//! `"sent": false` and why. A `ticket_closed` e-mail after [`super::close_ticket`] found no open ticket
//! (`db.route` = `no_action`) is not sent either: no ticket was closed.

use serde_json::Value;
use soar_json::Value as Json;
use soar_model::finding::Finding;
use soar_model::scratchpad::{Scratchpad, ScratchpadError};
use soar_store::{Email, StoreError};

use super::{escape_html, one_line, store_error};
use crate::{Services, TaskError, names};

/// The longest subject, in characters.
const MAX_SUBJECT: usize = 200;
/// Resources listed before "and N more".
const MAX_RESOURCES: usize = 20;

/// What the e-mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A ticket was opened (or reopened) for the team.
    TicketOpened,
    /// The finding's ticket was closed.
    TicketClosed,
    /// SOAR fixed the finding itself.
    Remediated,
    /// The finding is an incident.
    Incident,
}

impl Kind {
    /// Every kind's name, as in the input.
    pub const NAMES: [&'static str; 4] =
        ["ticket_opened", "ticket_closed", "remediated", "incident"];

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Kind> {
        Some(match name {
            "ticket_opened" => Kind::TicketOpened,
            "ticket_closed" => Kind::TicketClosed,
            "remediated" => Kind::Remediated,
            "incident" => Kind::Incident,
            _ => return None,
        })
    }
}

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let kind = input
        .get("kind")
        .and_then(Json::as_str)
        .and_then(Kind::parse)
        .ok_or_else(|| {
            TaskError::new(
                names::INVALID_SCRATCHPAD,
                format!(
                    "/kind: expected one of {}, got {}",
                    Kind::NAMES.join(", "),
                    input.get("kind").unwrap_or(&Json::Null)
                ),
            )
        })?;
    let pad = input
        .get("scratchpad")
        .cloned()
        .ok_or_else(|| TaskError::new(names::INVALID_SCRATCHPAD, "/scratchpad: missing field"))?;
    let pad = Scratchpad::from_value(pad).map_err(|e| match e {
        ScratchpadError::Shape { pointer, message } => TaskError::new(
            names::INVALID_SCRATCHPAD,
            format!("/scratchpad{pointer}: {message}"),
        ),
        other => other.into(),
    })?;
    let finding = pad.finding()?;

    if kind == Kind::TicketClosed
        && pad.db.get("route").and_then(Value::as_str) == Some("no_action")
    {
        return Ok(soar_json::json!({
            "sent": false,
            "reason": "No ticket was closed (db.route is no_action): there is nothing to tell the team."
        }));
    }

    let settings = &services.settings;
    let letter = Letter::new(kind, &pad, &finding);
    let team = pad
        .account
        .team_email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());

    let sent = match team {
        Some(team) => {
            let email = letter.email(
                &settings.email_from,
                vec![team.to_owned()],
                settings.email_cc.clone(),
                None,
            );
            match services.mailer.send(&email) {
                Ok(sent) => Some((sent, email, false)),
                // A bad address in the account data must not lose the message: the security team gets it.
                Err(StoreError::InvalidInput { message, .. }) if !settings.email_cc.is_empty() => {
                    let why = format!(
                        "the team address {team:?} of the account was rejected ({message})"
                    );
                    send_to_security(services, &letter, &why)?
                }
                Err(e) => return Err(store_error(e)),
            }
        }
        None => send_to_security(
            services,
            &letter,
            "no team e-mail address is known for the account",
        )?,
    };
    let Some((sent, email, owner_unknown)) = sent else {
        return Ok(soar_json::json!({
            "sent": false,
            "reason": "No recipient: the account has no team e-mail address and settings.email_cc is empty."
        }));
    };
    Ok(soar_json::json!({
        "sent": true,
        "message_id": sent.message_id,
        "to": email.to,
        "cc": email.cc,
        "subject": email.subject,
        "owner_unknown": owner_unknown,
    }))
}

/// Sends the letter to the security team because the owner cannot be reached; `None` when there is no
/// security team address either.
fn send_to_security(
    services: &Services,
    letter: &Letter,
    why: &str,
) -> Result<Option<(soar_store::SentEmail, Email, bool)>, TaskError> {
    let settings = &services.settings;
    if settings.email_cc.is_empty() {
        return Ok(None);
    }
    let email = letter.email(
        &settings.email_from,
        settings.email_cc.clone(),
        Vec::new(),
        Some(why),
    );
    let sent = services.mailer.send(&email).map_err(store_error)?;
    Ok(Some((sent, email, true)))
}

/// The message's content, before the recipients are known.
struct Letter {
    subject: String,
    intro: String,
    account: String,
    /// (label, lines): shown as a table.
    facts: Vec<(&'static str, Vec<String>)>,
    /// (heading, text): shown as paragraphs.
    sections: Vec<(&'static str, String)>,
}

impl Letter {
    fn new(kind: Kind, pad: &Scratchpad, finding: &Finding) -> Letter {
        let account_id = pad
            .account
            .id
            .clone()
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| finding.aws_account_id.clone());
        let account_name = pad
            .account
            .name
            .clone()
            .or_else(|| finding.aws_account_name.clone())
            .filter(|n| !n.is_empty());
        let account = match &account_name {
            Some(name) => format!("{account_id} ({name})"),
            None => account_id.clone(),
        };
        let ticket = pad.db.get("ticket").filter(|t| t.is_object());
        let ticket_id = ticket
            .and_then(|t| t.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let reopen_count = ticket
            .and_then(|t| t.get("reopen_count"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let severity = finding
            .severity_label()
            .map_or_else(|| "UNKNOWN".to_owned(), |s| s.to_string());
        let control = finding.control_id();
        let title = one_line(&finding.title, 500);

        let ticket_ref = ticket_id.as_deref().unwrap_or("(none)");
        let (subject, intro) = match kind {
            Kind::TicketOpened if reopen_count > 0 => (
                format!("Ticket {ticket_ref} reopened: {title}"),
                format!(
                    "SOAR reopened ticket {ticket_ref} for account {account}: the finding below came back after its ticket was closed (reopened {reopen_count} time{}). Please fix it.",
                    if reopen_count == 1 { "" } else { "s" }
                ),
            ),
            Kind::TicketOpened => (
                format!("Ticket {ticket_ref}: {title}"),
                format!(
                    "SOAR opened ticket {ticket_ref} for a security finding in account {account}. Please fix it."
                ),
            ),
            Kind::TicketClosed => (
                format!("Ticket {ticket_ref} closed: {title}"),
                format!(
                    "SOAR closed ticket {ticket_ref} for account {account}: the finding below is resolved or suppressed."
                ),
            ),
            Kind::Remediated => (
                format!("Remediated: {title}"),
                format!(
                    "SOAR automatically remediated the security finding below in account {account}."
                ),
            ),
            Kind::Incident => (
                format!("INCIDENT ({severity}): {title}"),
                format!(
                    "SOAR raised a security incident for account {account}. Please investigate it now, together with the security team."
                ),
            ),
        };

        let mut facts: Vec<(&'static str, Vec<String>)> = vec![
            ("Finding", vec![title.clone()]),
            ("Account", vec![account.clone()]),
        ];
        if let Some(team) = pad.account.team.as_deref().filter(|t| !t.is_empty()) {
            facts.push(("Team", vec![team.to_owned()]));
        }
        if let Some(env) = &pad.account.environment {
            facts.push(("Environment", vec![env.to_string()]));
        }
        facts.push((
            "Control",
            vec![control.unwrap_or_else(|| "(not a control finding)".into())],
        ));
        facts.push(("Severity", vec![severity]));
        let mut resources: Vec<String> = finding
            .resources
            .iter()
            .take(MAX_RESOURCES)
            .map(|r| format!("{} {}", r.kind, r.id))
            .collect();
        if finding.resources.len() > MAX_RESOURCES {
            resources.push(format!(
                "... and {} more",
                finding.resources.len() - MAX_RESOURCES
            ));
        }
        facts.push(("Resources", resources));
        if let Some(region) = &finding.region {
            facts.push(("Region", vec![region.clone()]));
        }
        facts.push(("Ticket", vec![ticket_ref.to_owned()]));
        facts.push(("Finding Id", vec![finding.id.clone()]));

        let mut sections = vec![
            ("What SOAR did", pad.messages.actions_taken.clone()),
            ("What you must do", pad.messages.actions_required.clone()),
        ];
        if let Some(why) = pad
            .db
            .get("decision_reason")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
        {
            sections.push(("Why", why.to_owned()));
        }
        if !finding.description.trim().is_empty() {
            sections.push(("Description", finding.description.clone()));
        }
        if let Some(recommendation) = finding
            .remediation
            .as_ref()
            .and_then(|r| r.recommendation.as_ref())
        {
            let text = [
                recommendation.text.as_deref(),
                recommendation.url.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
            if !text.is_empty() {
                sections.push(("Recommendation", text));
            }
        }
        let ai = ai_text(pad);
        if !ai.trim().is_empty() {
            // The local analyst's summary is not AI-generated, and its heading must not say it is.
            let local =
                pad.messages.ai.other.get("analyst").and_then(Value::as_str) == Some("local");
            let heading = if local {
                "Summary (automatic, not AI-generated)"
            } else {
                "Explanation (AI)"
            };
            sections.push((heading, ai));
        }

        Letter {
            subject,
            intro,
            account,
            facts,
            sections,
        }
    }

    /// The e-mail; `owner_unknown` says why the owning team is not a recipient.
    fn email(
        &self,
        from: &str,
        to: Vec<String>,
        cc: Vec<String>,
        owner_unknown: Option<&str>,
    ) -> Email {
        let subject = match owner_unknown {
            Some(_) => format!("[SOAR] [owner unknown] {}", self.subject),
            None => format!("[SOAR] {}", self.subject),
        };
        let notice = owner_unknown.map(|why| {
            format!(
                "The owner of account {} cannot be reached: {why}. Please forward this message to the team that owns the account, and add the team to SOAR's account data.",
                self.account
            )
        });
        Email {
            from: from.to_owned(),
            to,
            cc,
            subject: one_line(&subject, MAX_SUBJECT),
            text: self.text(notice.as_deref()),
            html: Some(self.html(notice.as_deref())),
        }
    }

    fn text(&self, notice: Option<&str>) -> String {
        let mut out = String::new();
        if let Some(notice) = notice {
            out.push_str(&format!("NOTE: {notice}\n\n"));
        }
        out.push_str(&self.intro);
        out.push_str("\n\n");
        let width = self.facts.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        for (label, lines) in &self.facts {
            for (i, line) in lines.iter().enumerate() {
                let label = if i == 0 { *label } else { "" };
                out.push_str(&format!("{label:width$}  {line}\n"));
            }
        }
        for (heading, text) in &self.sections {
            out.push_str(&format!("\n{heading}:\n{}\n", text.trim()));
        }
        out.push_str("\n-- \nSOAR for AWS Security Hub\n");
        out
    }

    fn html(&self, notice: Option<&str>) -> String {
        let mut out = String::from(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body style=\"font-family: sans-serif\">\n",
        );
        if let Some(notice) = notice {
            out.push_str(&format!(
                "<p style=\"background: #fff3cd; padding: 8px\"><strong>Note:</strong> {}</p>\n",
                escape_html(notice)
            ));
        }
        out.push_str(&format!(
            "<p>{}</p>\n<table cellpadding=\"4\">\n",
            escape_html(&self.intro)
        ));
        for (label, lines) in &self.facts {
            let value: Vec<String> = lines.iter().map(|l| escape_html(l)).collect();
            out.push_str(&format!(
                "<tr><th align=\"left\" valign=\"top\">{}</th><td>{}</td></tr>\n",
                escape_html(label),
                value.join("<br>")
            ));
        }
        out.push_str("</table>\n");
        for (heading, text) in &self.sections {
            out.push_str(&format!(
                "<h3>{}</h3>\n<p>{}</p>\n",
                escape_html(heading),
                paragraphs(text)
            ));
        }
        out.push_str("<hr><p><small>SOAR for AWS Security Hub</small></p>\n</body></html>\n");
        out
    }
}

/// Text as escaped HTML, line breaks kept.
fn paragraphs(text: &str) -> String {
    text.trim()
        .lines()
        .map(escape_html)
        .collect::<Vec<_>>()
        .join("<br>\n")
}

/// The AI explanation as plain text: `ai.plaintext`, else the text of `ai.html` without its tags.
fn ai_text(pad: &Scratchpad) -> String {
    if !pad.messages.ai.plaintext.trim().is_empty() {
        return pad.messages.ai.plaintext.clone();
    }
    strip_tags(&pad.messages.ai.html)
}

/// The text of an HTML fragment: tags removed (the ends of blocks and `<br>` become line breaks, the
/// content of `<script>` and `<style>` is dropped), common entities decoded. Not a sanitizer: the
/// result is plain text, escaped again before it goes into HTML.
fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut tag: Option<String> = None;
    let mut hidden = false;
    for c in html.chars() {
        match (&mut tag, c) {
            (None, '<') => tag = Some(String::new()),
            (Some(t), '>') => {
                let t = t.trim().to_ascii_lowercase();
                let (closing, name) = match t.strip_prefix('/') {
                    Some(name) => (true, name),
                    None => (false, t.as_str()),
                };
                let name = name
                    .split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap_or("");
                if matches!(name, "script" | "style") {
                    hidden = !closing;
                } else if name == "br"
                    || closing
                        && matches!(
                            name,
                            "p" | "li" | "div" | "h1" | "h2" | "h3" | "h4" | "tr" | "ul" | "ol"
                        )
                {
                    text.push('\n');
                }
                tag = None;
            }
            (Some(t), c) => t.push(c),
            (None, c) if !hidden => text.push(c),
            (None, _) => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    text.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::finding;
    use crate::{Services, Settings};
    use serde_json::json;
    use soar_model::scratchpad::Environment;
    use soar_store::LocalStore;
    use std::sync::Arc;

    fn local() -> (Arc<LocalStore>, Services) {
        let store = Arc::new(LocalStore::in_memory().unwrap());
        let services = Services::local(store.clone(), Settings::embedded());
        (store, services)
    }

    fn sent(store: &LocalStore) -> Vec<(soar_store::SentEmail, Email, Vec<u8>)> {
        store.memory_outbox().unwrap().sent()
    }

    fn pad() -> Scratchpad {
        let mut pad = Scratchpad::new(finding());
        pad.account.id = Some("444455556666".into());
        pad.account.name = Some("platform-staging".into());
        pad.account.team = Some("platform".into());
        pad.account.team_email = Some("platform-team@example.com".into());
        pad.account.environment = Some(Environment::Staging);
        pad.messages.actions_taken = "Opened ticket T-1 for team platform.".into();
        pad.messages.actions_required = "Block public access on the bucket.".into();
        pad.messages.ai.plaintext = "The bucket is public.\nAnyone can list it.".into();
        pad.db.insert(
            "ticket".into(),
            json!({"id": "T-1", "status": "OPEN", "reopen_count": 0}),
        );
        pad
    }

    fn input(kind: &str, pad: &Scratchpad) -> Value {
        json!({"kind": kind, "scratchpad": pad.to_value()})
    }

    #[tokio::test]
    async fn a_ticket_e_mail_has_every_fact_in_both_bodies() {
        let (store, s) = local();
        let out = run(&s, input("ticket_opened", &pad())).await.unwrap();
        let all = sent(&store);
        assert_eq!(all.len(), 1);
        let (receipt, email, raw) = &all[0];
        assert_eq!(out["sent"], true);
        assert_eq!(out["message_id"], receipt.message_id.as_str());
        assert_eq!(out["to"], json!(["platform-team@example.com"]));
        assert_eq!(out["owner_unknown"], false);
        assert_eq!(email.from, "soar@example.com");
        assert_eq!(email.cc, ["security@example.com"]);
        assert_eq!(
            email.subject,
            "[SOAR] Ticket T-1: S3 general purpose buckets should block public access"
        );
        let html = email.html.as_deref().unwrap();
        for body in [email.text.as_str(), html] {
            for fact in [
                "S3 general purpose buckets should block public access",
                "444455556666 (platform-staging)",
                "S3.8",
                "HIGH",
                "AwsS3Bucket arn:aws:s3:::example-payments-uploads",
                "T-1",
                "Opened ticket T-1 for team platform.",
                "Block public access on the bucket.",
                "The bucket is public.",
                "Anyone can list it.",
                "STAGING",
                "https://docs.aws.amazon.com/console/securityhub/S3.8/remediation",
            ] {
                assert!(body.contains(fact), "{fact} missing from:\n{body}");
            }
        }
        assert!(html.contains("<th align=\"left\" valign=\"top\">Control</th><td>S3.8</td>"));
        let raw = String::from_utf8_lossy(raw);
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains("text/html") && raw.contains("text/plain"),
            "{raw}"
        );
    }

    #[tokio::test]
    async fn finding_text_is_html_escaped() {
        let (store, s) = local();
        let mut p = pad();
        p.finding["Title"] = "<script>alert('owned')</script> & more".into();
        p.finding["Resources"][0]["Id"] = "arn:aws:s3:::x\"><img src=x onerror=alert(1)>".into();
        p.messages.ai.plaintext.clear();
        p.messages.ai.html = "<p>Fine</p><script>steal()</script>".into();
        run(&s, input("incident", &p)).await.unwrap();
        let (_, email, _) = &sent(&store)[0];
        let html = email.html.as_deref().unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; &amp; more"),
            "{html}"
        );
        assert!(
            html.contains("x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        // The AI's HTML is shown as text, never as markup.
        assert!(
            html.contains("<p>Fine</p>") && !html.contains("steal"),
            "{html}"
        );
        // The plain-text body and the subject carry the title as it is.
        assert!(
            email
                .text
                .contains("<script>alert('owned')</script> & more")
        );
        assert!(
            email
                .subject
                .starts_with("[SOAR] INCIDENT (HIGH): <script>")
        );
    }

    #[tokio::test]
    async fn no_team_address_goes_to_the_security_team_saying_so() {
        let (store, s) = local();
        let mut p = pad();
        p.account.team_email = None;
        let out = run(&s, input("ticket_opened", &p)).await.unwrap();
        assert_eq!(out["sent"], true);
        assert_eq!(out["owner_unknown"], true);
        let (_, email, _) = &sent(&store)[0];
        assert_eq!(email.to, ["security@example.com"]);
        assert!(email.cc.is_empty());
        assert!(
            email
                .subject
                .starts_with("[SOAR] [owner unknown] Ticket T-1"),
            "{}",
            email.subject
        );
        assert!(email.text.starts_with("NOTE: The owner of account 444455556666 (platform-staging) cannot be reached: no team e-mail address"));
    }

    #[tokio::test]
    async fn a_rejected_team_address_falls_back_to_the_security_team() {
        let (store, s) = local();
        let mut p = pad();
        p.account.team_email = Some("not an address".into());
        let out = run(&s, input("ticket_opened", &p)).await.unwrap();
        assert_eq!(out["to"], json!(["security@example.com"]));
        assert!(
            sent(&store)[0]
                .1
                .text
                .contains("\"not an address\" of the account was rejected")
        );
    }

    #[tokio::test]
    async fn each_kind_says_what_happened() {
        let (store, s) = local();
        let mut reopened = pad();
        reopened
            .db
            .insert("ticket".into(), json!({"id": "T-1", "reopen_count": 2}));
        let cases = [
            (
                "ticket_opened",
                reopened.clone(),
                "[SOAR] Ticket T-1 reopened: ",
                "reopened 2 times",
            ),
            (
                "ticket_closed",
                pad(),
                "[SOAR] Ticket T-1 closed: ",
                "SOAR closed ticket T-1",
            ),
            (
                "remediated",
                pad(),
                "[SOAR] Remediated: ",
                "automatically remediated",
            ),
            (
                "incident",
                pad(),
                "[SOAR] INCIDENT (HIGH): ",
                "raised a security incident",
            ),
        ];
        for (i, (kind, p, subject, intro)) in cases.into_iter().enumerate() {
            run(&s, input(kind, &p)).await.unwrap();
            let (_, email, _) = &sent(&store)[i];
            assert!(
                email.subject.starts_with(subject),
                "{kind}: {}",
                email.subject
            );
            assert!(email.text.contains(intro), "{kind}: {}", email.text);
        }
    }

    #[tokio::test]
    async fn no_closed_ticket_no_e_mail() {
        let (store, s) = local();
        let mut p = pad();
        p.db.insert("route".into(), "no_action".into());
        let out = run(&s, input("ticket_closed", &p)).await.unwrap();
        assert_eq!(out["sent"], false);
        assert!(sent(&store).is_empty());
    }

    #[tokio::test]
    async fn no_recipient_at_all_does_not_fail() {
        let store = Arc::new(LocalStore::in_memory().unwrap());
        let mut settings = Settings::embedded();
        settings.email_cc.clear();
        let s = Services::local(store.clone(), settings);
        let mut p = pad();
        p.account.team_email = None;
        let out = run(&s, input("incident", &p)).await.unwrap();
        assert_eq!(out["sent"], false);
        assert!(sent(&store).is_empty());
    }

    #[tokio::test]
    async fn a_bad_input_is_named() {
        let (_, s) = local();
        let e = run(&s, json!({"kind": "party", "scratchpad": pad().to_value()}))
            .await
            .unwrap_err();
        assert_eq!(e.error, names::INVALID_SCRATCHPAD);
        assert!(
            e.cause.contains("/kind") && e.cause.contains("\"party\""),
            "{}",
            e.cause
        );
        let e = run(&s, json!({"kind": "incident"})).await.unwrap_err();
        assert!(e.cause.contains("/scratchpad"), "{}", e.cause);
    }

    #[tokio::test]
    async fn the_local_summary_is_not_headed_as_ai() {
        let (store, s) = local();
        let mut p = pad();
        p.messages.ai.other.insert("analyst".into(), json!("local"));
        run(&s, input("incident", &p)).await.unwrap();
        let mut p = pad();
        p.messages
            .ai
            .other
            .insert("analyst".into(), json!("bedrock"));
        run(&s, input("incident", &p)).await.unwrap();
        let all = sent(&store);
        assert!(
            all[0]
                .1
                .text
                .contains("Summary (automatic, not AI-generated):\nThe bucket is public.")
        );
        assert!(!all[0].1.text.contains("Explanation (AI)"));
        assert!(
            all[1]
                .1
                .text
                .contains("Explanation (AI):\nThe bucket is public.")
        );
    }

    #[test]
    fn tags_are_stripped_from_ai_html() {
        assert_eq!(
            strip_tags("<p>A &amp; B</p><ul><li>x &lt;y&gt;</li></ul><script>steal()</script>"),
            "A & B\nx <y>"
        );
    }
}
