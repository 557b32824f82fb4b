//! E-mail: the [`Mailer`] trait (SES in the AWS backend) and an outbox folder of `.eml` files for the
//! embedded backend.
//!
//! Each message is a complete RFC 5322 message, built with `mail-builder`: `multipart/alternative` with a
//! `text/plain` and a `text/html` part (UTF-8, quoted-printable or base64 as the content needs), an
//! RFC 2047-encoded subject when it is not ASCII, and `Date` and `Message-ID` headers. Files are named
//! `<UTC time, nanoseconds>-<message id>.eml`, so sorting the names sorts the messages by time, and are
//! written to a temporary name first and renamed, so a reader never sees half a message.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::Clock;
use crate::error::{Result, StoreError};

/// An e-mail to send. Addresses are `user@example.com` or `Display Name <user@example.com>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Email {
    /// The sender.
    pub from: String,
    /// The recipients; at least one.
    pub to: Vec<String>,
    /// Copies.
    #[serde(default)]
    pub cc: Vec<String>,
    /// The subject (line breaks become spaces).
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body; without one the message is plain text only.
    #[serde(default)]
    pub html: Option<String>,
}

/// What sending an e-mail returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentEmail {
    /// The message id, without angle brackets (SES's `MessageId` in the AWS backend).
    pub message_id: String,
    /// Where the message went: the `.eml` file of the outbox, if any.
    pub location: Option<PathBuf>,
}

/// Sends e-mail.
pub trait Mailer {
    /// Sends one e-mail. Invalid addresses are rejected before anything is sent.
    fn send(&self, email: &Email) -> Result<SentEmail>;
}

/// A parsed address: (display name, address).
fn parse_address(text: &str) -> Result<(Option<String>, String)> {
    let invalid = |message: &str| Err(StoreError::invalid("e-mail address", text, message));
    if text.chars().any(char::is_control) {
        return invalid("control characters (line breaks) are not allowed");
    }
    let text = text.trim();
    let (name, address) = match (text.rfind('<'), text.ends_with('>')) {
        (Some(open), true) => {
            let name = text[..open].trim().trim_matches('"').trim();
            (
                Some(name).filter(|name| !name.is_empty()),
                &text[open + 1..text.len() - 1],
            )
        }
        (None, false) => (None, text),
        _ => return invalid("unbalanced angle brackets"),
    };
    let mut parts = address.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return invalid("expected exactly one @");
    };
    if local.is_empty()
        || domain.is_empty()
        || address.chars().any(|c| {
            c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | '"' | '\\')
        })
    {
        return invalid("not a valid address");
    }
    Ok((name.map(str::to_owned), address.to_owned()))
}

fn address_list(addresses: &[(Option<String>, String)]) -> Address<'static> {
    let list: Vec<Address<'static>> = addresses
        .iter()
        .map(|(name, address)| Address::new_address(name.clone(), address.clone()))
        .collect();
    if list.len() == 1 {
        list.into_iter()
            .next()
            .unwrap_or_else(|| Address::new_list(Vec::new()))
    } else {
        Address::new_list(list)
    }
}

/// Renders an e-mail as an RFC 5322 message with the given message id (without angle brackets) and date.
pub fn render_eml(email: &Email, message_id: &str, date: OffsetDateTime) -> Result<Vec<u8>> {
    let from = parse_address(&email.from)?;
    if email.to.is_empty() {
        return Err(StoreError::invalid(
            "e-mail",
            &email.subject,
            "there is no recipient",
        ));
    }
    let to = email
        .to
        .iter()
        .map(|a| parse_address(a))
        .collect::<Result<Vec<_>>>()?;
    let cc = email
        .cc
        .iter()
        .map(|a| parse_address(a))
        .collect::<Result<Vec<_>>>()?;
    let subject: String = email
        .subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned();

    let mut builder = MessageBuilder::new()
        .message_id(message_id.to_owned())
        .date(date.unix_timestamp())
        .from(Address::new_address(from.0, from.1))
        .to(address_list(&to))
        .subject(subject)
        .text_body(email.text.clone());
    if !cc.is_empty() {
        builder = builder.cc(address_list(&cc));
    }
    if let Some(html) = &email.html {
        builder = builder.html_body(html.clone());
    }
    builder
        .write_to_vec()
        .map_err(|e| StoreError::invalid("e-mail", &email.subject, e.to_string()))
}

/// A new message id: a UUID at the sender's domain (or `soar.local`).
pub fn new_message_id(from: &str) -> String {
    let domain = parse_address(from)
        .ok()
        .and_then(|(_, address)| address.split_once('@').map(|(_, domain)| domain.to_owned()))
        .unwrap_or_else(|| "soar.local".to_owned());
    format!("{}@{domain}", uuid::Uuid::new_v4())
}

/// The outbox file name of a message: `20261123T123702.123456789Z-<message id>.eml`, with any character
/// that is not safe in a file name replaced by `_`.
pub fn eml_file_name(at: OffsetDateTime, message_id: &str) -> String {
    let stamp = at
        .to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year][month][day]T[hour][minute][second].[subsecond digits:9]Z"
        ))
        .unwrap_or_else(|_| at.unix_timestamp().to_string());
    let id: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '@' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{stamp}-{id}.eml")
}

/// A folder of `.eml` files: the embedded backend's [`Mailer`].
#[derive(Debug)]
pub struct FileOutbox {
    dir: PathBuf,
    clock: Clock,
}

impl FileOutbox {
    /// An outbox in `dir`, created if missing.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self> {
        Self::with_clock(dir, Clock::system())
    }

    /// The same with a clock for the `Date` header and the file names.
    pub fn with_clock(dir: impl Into<PathBuf>, clock: Clock) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(StoreError::io("create outbox folder", &dir))?;
        Ok(FileOutbox { dir, clock })
    }

    /// The outbox folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `.eml` files in the outbox, oldest first.
    pub fn messages(&self) -> Result<Vec<PathBuf>> {
        let entries =
            std::fs::read_dir(&self.dir).map_err(StoreError::io("list outbox", &self.dir))?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(StoreError::io("list outbox", &self.dir))?
                .path();
            let visible = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'));
            if visible && path.extension().is_some_and(|ext| ext == "eml") {
                paths.push(path);
            }
        }
        paths.sort();
        Ok(paths)
    }
}

impl Mailer for FileOutbox {
    fn send(&self, email: &Email) -> Result<SentEmail> {
        let now = self.clock.now();
        let message_id = new_message_id(&email.from);
        let bytes = render_eml(email, &message_id, now)?;
        let name = eml_file_name(now, &message_id);
        let path = self.dir.join(&name);
        let temporary = self.dir.join(format!(".{name}.tmp"));
        std::fs::write(&temporary, &bytes).map_err(StoreError::io("write e-mail", &temporary))?;
        std::fs::rename(&temporary, &path).map_err(StoreError::io("write e-mail", &path))?;
        Ok(SentEmail {
            message_id,
            location: Some(path),
        })
    }
}

/// An outbox in memory, for tests: keeps every rendered message.
#[derive(Debug, Default)]
pub struct MemoryOutbox {
    sent: Mutex<Vec<(SentEmail, Email, Vec<u8>)>>,
    clock: Clock,
}

impl MemoryOutbox {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty outbox with a clock for the `Date` header.
    pub fn with_clock(clock: Clock) -> Self {
        MemoryOutbox {
            sent: Mutex::default(),
            clock,
        }
    }

    /// What was sent, oldest first: the receipt, the e-mail and the rendered message.
    pub fn sent(&self) -> Vec<(SentEmail, Email, Vec<u8>)> {
        self.sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Mailer for MemoryOutbox {
    fn send(&self, email: &Email) -> Result<SentEmail> {
        let message_id = new_message_id(&email.from);
        let bytes = render_eml(email, &message_id, self.clock.now())?;
        let receipt = SentEmail {
            message_id,
            location: None,
        };
        self.sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((receipt.clone(), email.clone(), bytes));
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders};
    use time::macros::datetime;

    fn email() -> Email {
        Email {
            from: "SOAR <soar@example.com>".into(),
            to: vec![
                "payments-team@example.com".into(),
                "\"Ops, Night\" <ops@example.com>".into(),
            ],
            cc: vec!["Sécurité <secops@example.com>".into()],
            subject: "Finding EC2.19 — sécurité group open to the world ✅".into(),
            text:
                "Hello,\n\nThe security group sg-0abc1 allows 0.0.0.0/0 on port 22. Ünïcödé line.\n"
                    .into(),
            html: Some(
                "<p>The security group <b>sg-0abc1</b> allows 0.0.0.0/0 — ünïcödé.</p>".into(),
            ),
        }
    }

    #[test]
    fn renders_a_multipart_alternative_message_that_parses_back() {
        let at = datetime!(2026-11-23 12:37:02 UTC);
        let bytes = render_eml(&email(), "abc-123@example.com", at).unwrap();
        let raw = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            raw.is_ascii(),
            "headers and bodies are 7-bit encoded:\n{raw}"
        );
        assert!(
            raw.contains("Subject: =?utf-8?"),
            "RFC 2047 subject:\n{raw}"
        );
        assert!(
            raw.contains("Date: Mon, 23 Nov 2026 12:37:02 +0000"),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.lines().all(|line| line.len() <= 998),
            "line length limit"
        );

        let message = MessageParser::default().parse(&bytes).unwrap();
        assert_eq!(message.subject(), Some(email().subject.as_str()));
        assert_eq!(message.message_id(), Some("abc-123@example.com"));
        assert_eq!(message.date().unwrap().to_timestamp(), at.unix_timestamp());
        let from = message.from().unwrap().first().unwrap();
        assert_eq!(
            (from.name(), from.address()),
            (Some("SOAR"), Some("soar@example.com"))
        );
        let to: Vec<_> = message
            .to()
            .unwrap()
            .iter()
            .map(|a| (a.name(), a.address()))
            .collect();
        assert_eq!(
            to,
            [
                (None, Some("payments-team@example.com")),
                (Some("Ops, Night"), Some("ops@example.com"))
            ]
        );
        let cc = message.cc().unwrap().first().unwrap();
        assert_eq!(
            (cc.name(), cc.address()),
            (Some("Sécurité"), Some("secops@example.com"))
        );
        assert_eq!(
            message.body_text(0).unwrap().replace("\r\n", "\n"),
            email().text
        );
        assert_eq!(message.body_html(0).unwrap(), email().html.unwrap());
        let text_part = message.part(message.text_body[0]).unwrap();
        let content_type = text_part.content_type().unwrap();
        assert_eq!(
            (content_type.ctype(), content_type.subtype()),
            ("text", Some("plain"))
        );
        assert_eq!(
            content_type
                .attribute("charset")
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("utf-8")
        );
    }

    #[test]
    fn text_only_messages() {
        let mut e = email();
        e.html = None;
        e.cc.clear();
        let bytes = render_eml(&e, "x@example.com", datetime!(2026-01-01 0:00 UTC)).unwrap();
        let message = MessageParser::default().parse(&bytes).unwrap();
        assert!(message.cc().is_none());
        assert_eq!(
            message.html_body.len(),
            message.text_body.len(),
            "no separate HTML part"
        );
        assert!(!String::from_utf8(bytes).unwrap().contains("multipart"));
    }

    #[test]
    fn header_injection_is_impossible() {
        let mut e = email();
        e.subject = "Hello\r\nBcc: attacker@evil.example".into();
        let bytes = render_eml(&e, "x@example.com", datetime!(2026-01-01 0:00 UTC)).unwrap();
        let message = MessageParser::default().parse(&bytes).unwrap();
        assert!(message.bcc().is_none());
        assert_eq!(message.subject(), Some("Hello  Bcc: attacker@evil.example"));

        for bad in [
            "a@b.example\r\nBcc: x@evil.example",
            "no-at-sign",
            "a@b@c",
            "<a@b.example",
            "a b@c.example",
            "",
        ] {
            let mut e = email();
            e.to = vec![bad.into()];
            let err = render_eml(&e, "x@example.com", datetime!(2026-01-01 0:00 UTC)).unwrap_err();
            assert!(
                matches!(err, StoreError::InvalidInput { .. }),
                "{bad:?}: {err}"
            );
        }
        let mut e = email();
        e.to.clear();
        assert!(render_eml(&e, "x@example.com", datetime!(2026-01-01 0:00 UTC)).is_err());
    }

    #[test]
    fn file_names_sort_by_time() {
        let early = eml_file_name(
            datetime!(2026-11-23 9:00:00.000000001 UTC),
            "zzz@example.com",
        );
        let late = eml_file_name(
            datetime!(2026-11-23 10:00 +01:00) + time::Duration::nanoseconds(2),
            "aaa@example.com",
        );
        assert_eq!(early, "20261123T090000.000000001Z-zzz@example.com.eml");
        assert!(early < late, "{early} {late}");
        assert_eq!(
            eml_file_name(datetime!(2026-01-01 0:00 UTC), "a/../b c"),
            "20260101T000000.000000000Z-a_.._b_c.eml"
        );
    }

    #[test]
    fn the_outbox_folder_holds_one_file_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = FileOutbox::new(dir.path().join("outbox")).unwrap();
        let first = outbox.send(&email()).unwrap();
        let second = outbox.send(&email()).unwrap();
        assert_ne!(first.message_id, second.message_id);
        assert!(first.message_id.ends_with("@example.com"));
        let files = outbox.messages().unwrap();
        assert_eq!(
            files,
            [first.location.clone().unwrap(), second.location.unwrap()]
        );
        let bytes = std::fs::read(first.location.unwrap()).unwrap();
        let message = MessageParser::default().parse(&bytes).unwrap();
        assert_eq!(message.message_id(), Some(first.message_id.as_str()));
        // Nothing else (no temporary files) is left behind.
        assert_eq!(std::fs::read_dir(outbox.dir()).unwrap().count(), 2);
    }

    #[test]
    fn memory_outbox() {
        let outbox = MemoryOutbox::new();
        let receipt = outbox.send(&email()).unwrap();
        let sent = outbox.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, receipt);
        assert!(receipt.location.is_none());
        assert!(
            outbox
                .send(&Email {
                    from: "bad".into(),
                    ..email()
                })
                .is_err()
        );
        assert_eq!(outbox.sent().len(), 1);
    }
}
